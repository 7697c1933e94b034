"""Production settings, headers, cookies, CSRF, login throttling, the
security log, hostile text and error pages."""

import itertools
import logging
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse

from tracker.models import Quote, Source, Status, Story

from .admin_forms import form_data
from .conftest import ROOT, make_event, make_quote, make_source, make_story
from .people import PASSWORD, member_of
from .urlconf import public_routes

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
LIVE_MARKUP = ("<script>alert(1)", "<img src=x onerror")
STRONG_KEY = "k" * 10 + "-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT")}
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


# --- Production settings ------------------------------------------------------------


def test_production_settings_pass_the_deployment_check_with_only_the_reviewed_silence():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="news.example"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (1 silenced)" in result.stdout
    assert settings.SILENCED_SYSTEM_CHECKS == ["security.W021"]


@pytest.mark.parametrize("key", [None, "", "development-only-not-secret"])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    env = {"DEBUG": "0", "ALLOWED_HOSTS": "news.example"}
    if key is not None:
        env["SECRET_KEY"] = key
    result = manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


# --- Headers ------------------------------------------------------------------------


def assert_security_headers(response):
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"


@pytest.mark.django_db
def test_pages_admin_static_files_and_error_pages_all_carry_the_security_headers(client, seed):
    urls = [
        reverse("tracker:story_list"),
        seed.get_absolute_url(),
        reverse("admin:login"),
        static("tracker/site.css"),
        static("admin/css/base.css"),
        "/no-such-page/",
    ]
    for url in urls:
        response = client.get(url, secure=True)
        assert response.status_code in (200, 404), url
        assert_security_headers(response)
    assert client.get(static("tracker/site.css"), secure=True).status_code == 200


@pytest.mark.django_db
def test_the_admin_runs_without_inline_script_or_style(editor_client, seed):
    event = seed.events.first()
    urls = [
        reverse("admin:index"),
        reverse("admin:tracker_story_changelist"),
        reverse("admin:tracker_event_changelist"),
        reverse("admin:tracker_story_change", args=[seed.pk]),
        reverse("admin:tracker_event_change", args=[event.pk]),
        reverse("admin:tracker_event_history", args=[event.pk]),
        reverse("admin:tracker_event_compare", args=[event.pk]),
        reverse("admin:tracker_story_as_of", args=[seed.pk]),
    ]
    for url in urls:
        html = editor_client.get(url).content.decode()
        assert "<style" not in html and " style=" not in html, url
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all(" src=" in tag for tag in scripts), url


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure_httponly_and_same_site(client, editor):
    page = client.get(reverse("admin:login"), secure=True)
    response = client.post(
        reverse("admin:login"),
        {"username": "edna", "password": PASSWORD, "csrfmiddlewaretoken": page.context["csrf_token"]},
        secure=True,
    )
    assert response.status_code == 302
    for name in ("sessionid", "csrftoken"):
        cookie = response.cookies[name] if name in response.cookies else page.cookies[name]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax", name


# --- CSRF ---------------------------------------------------------------------------


def without_token(data):
    """A post forged on another site: the form's fields, without the page's CSRF token."""
    return {name: value for name, value in data.items() if name != "csrfmiddlewaretoken"}


@pytest.mark.django_db
def test_every_admin_post_needs_the_csrf_token_and_refusals_are_logged(editor, caplog):
    caplog.set_level(logging.WARNING, logger="tracker.security")
    source = make_source()
    story = make_story(status=Status.DRAFT)
    event = make_event(story, sources=[source])
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    change = reverse("admin:tracker_event_change", args=[event.pk])
    posts = {
        reverse("admin:tracker_story_add"): {"title": "T", "slug": "t", "summary": "S", "status": "draft"},
        change: without_token(form_data(browser.get(change), headline="Changed")),
        reverse("admin:tracker_event_delete", args=[event.pk]): {"post": "yes"},
        reverse("admin:tracker_story_changelist"): {"action": "publish", "_selected_action": [story.pk]},
        reverse("admin:tracker_event_simple_history", args=[event.pk, event.history.last().history_id]): {},
        reverse("admin:logout"): {},
    }
    for url, data in posts.items():
        assert browser.post(url, data).status_code == 403, url
    event.refresh_from_db()
    story.refresh_from_db()
    assert event.headline == "Headline event" and story.status == Status.DRAFT and not Story.objects.filter(slug="t")
    refusals = [r.getMessage() for r in caplog.records if r.name == "tracker.security" and "CSRF" in r.getMessage()]
    assert len(refusals) == len(posts)
    token = browser.get(change).context["csrf_token"]
    assert browser.post(change, {**form_data(browser.get(change)), "csrfmiddlewaretoken": token}).status_code == 302


# --- Login throttling ---------------------------------------------------------------


def login(client, password, **headers):
    return client.post(reverse("admin:login"), {"username": "edna", "password": password, "next": "/admin/"}, **headers)


@pytest.mark.django_db
def test_admin_login_is_locked_at_the_fifth_failure_and_each_attempt_is_logged(client, editor, caplog):
    caplog.set_level(logging.INFO, logger="tracker.security")
    for _ in range(4):
        assert login(client, "wrong").status_code == 200
    assert login(client, "wrong").status_code == 429
    assert login(client, PASSWORD).status_code == 429
    messages = [r.getMessage() for r in caplog.records if r.name == "tracker.security"]
    assert sum("failed login: user=edna" in m for m in messages) >= 5
    assert any("locked out" in m for m in messages)
    assert not any(m.startswith("login:") for m in messages)


@pytest.mark.django_db
def test_a_successful_login_is_logged_with_the_client_address(client, editor, caplog):
    caplog.set_level(logging.INFO, logger="tracker.security")
    assert login(client, PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 302
    assert any(r.getMessage() == "login: user=edna ip=203.0.113.9" for r in caplog.records)


@pytest.mark.django_db
def test_a_client_cannot_dodge_the_lockout_by_forging_forwarded_for(client, editor):
    assert settings.TRUSTED_PROXY_COUNT == 0
    for n in range(5):
        login(client, "wrong", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = login(client, PASSWORD, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_lockout_follows_the_address_the_proxy_saw(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(5):
        login(client, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7", **proxy)
    forged = login(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.7", **proxy)
    assert forged.status_code == 429
    other_reader = login(Client(), PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert other_reader.status_code == 302


# --- Hostile text -------------------------------------------------------------------


@pytest.fixture
def hostile(db):
    source = make_source(
        "hostile-source",
        text=f"He wrote “{HOSTILE}” online.",
        headline=HOSTILE,
        outlet=HOSTILE,
        byline=HOSTILE,
        notes=HOSTILE,
        language=HOSTILE[:16],
    )
    story = make_story("hostile")
    story.title = story.summary = HOSTILE
    event = make_event(
        story, "hostile-event", sources=[source], headline=HOSTILE, description=HOSTILE, disagreement=HOSTILE
    )
    approximate = make_event(
        story, "approx", sources=[source], date=None, date_precision="approximate", date_label=HOSTILE[:100]
    )
    quote = make_quote(event, source, HOSTILE, speaker=HOSTILE, speaker_role=HOSTILE)
    for obj in (story, event, source, quote):
        obj.save()  # a second version, so history pages have something to compare
    return {"story": story, "event": event, "approximate": approximate, "source": source, "quote": quote}


def assert_inert(response, where):
    html = response.content.decode()
    for markup in LIVE_MARKUP:
        assert markup not in html, where


@pytest.mark.django_db
def test_hostile_text_is_inert_on_every_admin_screen(editor_client, hostile):
    urls = [reverse("admin:index")]
    for obj in hostile.values():
        model = type(obj)._meta.model_name
        urls += [
            reverse(f"admin:tracker_{model}_changelist"),
            reverse(f"admin:tracker_{model}_changelist") + "?q=script",
            reverse(f"admin:tracker_{model}_change", args=[obj.pk]),
            reverse(f"admin:tracker_{model}_history", args=[obj.pk]),
            reverse(f"admin:tracker_{model}_compare", args=[obj.pk]),
            reverse(f"admin:tracker_{model}_simple_history", args=[obj.pk, obj.history.last().history_id]),
            reverse(f"admin:tracker_{model}_delete", args=[obj.pk]),
        ]
    urls.append(reverse("admin:tracker_story_as_of", args=[hostile["story"].pk]) + "?when=2100-01-01T00:00")
    for url in urls:
        response = editor_client.get(url)
        assert response.status_code == 200, url
        assert_inert(response, url)


def candidate_kwargs(pattern, objects):
    """Every way to fill `pattern`'s parameters from the objects' slugs and ids."""
    values = {
        "slug": [o.slug for o in objects.values()],
        "pk": [o.pk for o in objects.values()],
        "id": [o.pk for o in objects.values()],
    }
    names = list(pattern.converters)
    options = [values.get(name, values["slug"] + values["pk"]) for name in names]
    for combination in itertools.product(*options):
        yield dict(zip(names, combination, strict=True))


@pytest.mark.django_db
def test_hostile_text_is_inert_on_every_public_page(client, hostile):
    shown = set()
    for name, _route, pattern in public_routes():
        for kwargs in candidate_kwargs(pattern, hostile):
            try:
                url = reverse(name, kwargs=kwargs)
            except Exception:  # noqa: S112 - a combination this route does not take
                continue
            response = client.get(url)
            assert response.status_code < 500, url
            if response.status_code == 200:
                shown.add(name)
                content_type = response.get("Content-Type", "")
                # Markup is checked here; JSON is checked for its content type; images hold no markup.
                if "json" not in content_type and not content_type.startswith("image/"):
                    assert_inert(response, url)
                assert response["X-Content-Type-Options"] == "nosniff"
    assert {"tracker:story_list", "tracker:story_detail", "tracker:source_detail"} <= shown
    assert Quote.objects.published().exists() and Source.objects.published().exists()


# --- Error pages --------------------------------------------------------------------

REVEALING = ("Traceback", "secret failure detail", "SECRET_KEY", "settings.py", str(ROOT), "/srv/", 'File "')


@pytest.mark.django_db
@pytest.mark.urls("tests.error_urls")
def test_error_pages_reveal_nothing_and_carry_the_headers(caplog):
    caplog.set_level(logging.CRITICAL)
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    responses = {
        500: client.get("/fail/", secure=True),
        404: client.get("/stories/no-such-story/", secure=True),
        400: client.get("/", secure=True, HTTP_HOST="evil.example"),
        403: client.post(reverse("admin:logout"), secure=True),
    }
    client.force_login(member_of("Reporters", "rita"))
    responses[403.1] = client.get(reverse("admin:tracker_story_delete", args=[make_story().pk]), secure=True)
    for status, response in responses.items():
        assert response.status_code == int(status)
        html = response.content.decode()
        for secret in REVEALING:
            assert secret not in html, (status, secret)
        assert html.startswith("<!DOCTYPE html>") and "Tracker" in html
        assert_security_headers(response)
