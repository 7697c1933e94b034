"""Small inputs that used to answer with a server error."""

import io
import shlex
import subprocess
import time
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from tracker.models import DatePrecision, Source, Story
from tracker.public import share_image

from .admin_forms import form_data
from .conftest import make_event, make_quote, make_source, make_story
from .people import member_of

pytestmark = pytest.mark.django_db

CHANGELISTS = {
    "story": "published_at",
    "event": "date",
    "source": "published_on",
}


@pytest.fixture
def editor_in(client):
    client.force_login(member_of("Editors", "ed"))
    return client


@pytest.mark.parametrize("model", sorted(CHANGELISTS))
@pytest.mark.parametrize(
    "query",
    [
        "{f}__year=9999",  # the year after it is past the calendar
        "{f}__year=99999999999",
        "{f}__year=9999&{f}__month=12&{f}__day=31",
        "{f}__year=2024&{f}__month=13",
        "{f}__year=2024&{f}__month=2&{f}__day=30",
        "{f}__year=-5",
        "{f}__year=0",
        "{f}__year=abc",
    ],
)
def test_the_date_hierarchy_refuses_an_impossible_date_as_django_refuses_a_bad_lookup(editor_in, model, query):
    make_event(make_story(), sources=[make_source()])
    response = editor_in.get(f"/admin/tracker/{model}/?" + query.format(f=CHANGELISTS[model]))
    assert response.status_code == 302 and response["Location"] == f"/admin/tracker/{model}/?e=1"


@pytest.mark.parametrize("model", sorted(CHANGELISTS))
@pytest.mark.parametrize(
    "query", ["{f}__year=9998", "{f}__year=9999&{f}__month=11", "{f}__year=9999&{f}__month=12&{f}__day=30"]
)
def test_the_date_hierarchy_shows_the_last_days_of_the_calendar(editor_in, model, query):
    make_event(make_story(), sources=[make_source()])
    assert editor_in.get(f"/admin/tracker/{model}/?" + query.format(f=CHANGELISTS[model])).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/tracker/event/abc/history/",
        "/admin/tracker/event/abc/history/1/",
        "/admin/tracker/event/{event}/history/abc/",
        "/admin/tracker/event/{event}/history/99999999999999999999999/",
        "/admin/tracker/event/99999999999999999999999/history/",
        "/admin/tracker/quote/abc/history/",
        "/admin/tracker/source/%C3%A9/history/",
        "/admin/tracker/event/abc/compare/",
        "/admin/tracker/story/abc/as-of/",
        "/admin/tracker/story/abc/preview/",
        "/admin/tracker/story/abc/whole-history/",
        "/admin/tracker/story/99999999999999999999999/whole-history/",
        "/admin/tracker/source/abc/text/",
    ],
)
def test_an_id_that_is_no_number_is_not_found(editor_in, path):
    story = make_story()
    event = make_event(story, sources=[make_source()])
    assert editor_in.get(path.format(event=event.pk, story=story.pk)).status_code == 404


@pytest.mark.parametrize("view", ["history/abc", "history/1", "delete"])
def test_a_post_to_an_id_that_is_no_number_is_not_found_either(editor_in, view):
    make_event(make_story(), sources=[make_source()])
    assert editor_in.post(f"/admin/tracker/event/abc/{view}/", {"version": "1"}).status_code == 404


@pytest.mark.parametrize("view", ["change", "delete"])
def test_the_change_and_delete_pages_of_no_object_still_say_so_as_django_does(editor_in, view):
    response = editor_in.get(f"/admin/tracker/story/abc/{view}/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_versions_to_compare_that_are_none_are_a_form_error(editor_in):
    event = make_event(make_story(), sources=[make_source()])
    response = editor_in.get(f"/admin/tracker/event/{event.pk}/compare/", {"old": "abc", "new": "9" * 30})
    assert response.status_code == 200 and set(response.context["form"].errors) == {"old", "new"}


# --- What the admin fuzzing found (tests/test_admin_fuzz.py) --------------------------


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_an_empty_to_field_is_no_field_at_all(editor_in, view):
    story = make_story()
    assert editor_in.get(f"/admin/tracker/story/{story.pk}/{view}/", {"_to_field": ""}).status_code == 200


@pytest.mark.parametrize(
    ("model", "field", "posted"),
    [
        ("event", "sources", ":"),
        ("event", "sources", "9" * 40),
        ("event", "story", "abc"),
        ("source", "derived_from", "1e400"),
        ("source", "derived_from", "9" * 40),
        ("quote", "source", "-"),
    ],
)
def test_a_refused_form_with_an_autocomplete_choice_that_is_no_id_is_shown_again(editor_in, model, field, posted):
    source = make_source()
    event = make_event(make_story(), sources=[source])
    obj = {"event": event, "source": source, "quote": make_quote(event, source)}[model]
    change = f"/admin/tracker/{model}/{obj.pk}/change/"
    before = (type(obj).objects.count(), type(obj).history.count())
    response = editor_in.post(change, form_data(editor_in.get(change), **{field: posted}))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert (type(obj).objects.count(), type(obj).history.count()) == before


NUL_QUERIES = [
    "/admin/tracker/story/?q=%00",
    "/admin/tracker/event/?q=a%00b",
    "/admin/tracker/source/?kind=%00",
    "/admin/tracker/source/?language=en%00",
    "/admin/tracker/event/?story__id__exact=%00",
    "/admin/tracker/quote/?speech=%00",
    "/admin/tracker/event/?publication=%00",
    "/admin/autocomplete/?term=%00&app_label=tracker&model_name=event&field_name=sources",
    "/admin/autocomplete/?term=x&app_label=tracker%00&model_name=event&field_name=sources",
    "/admin/tracker/story/?%00=1",
]


@pytest.mark.parametrize("path", NUL_QUERIES)
def test_a_nul_in_an_admin_query_is_a_bad_request(editor_in, path):
    make_event(make_story(), sources=[make_source()])
    response = editor_in.get(path)
    assert response.status_code == 400


def test_a_nul_in_posted_form_data_is_a_bad_request_and_saves_nothing(editor_in):
    before = (Source.objects.count(), Source.history.count())
    response = editor_in.post("/admin/tracker/source/add/", {"slug": "nul", "headline": "a\x00b", "text": "t"})
    assert response.status_code == 400
    assert (Source.objects.count(), Source.history.count()) == before


def test_a_nul_in_a_public_address_is_a_bad_request_with_the_security_headers(client):
    response = client.get("/", {"since": "\x00"})
    assert response.status_code == 400
    assert response["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in response


# --- Headers on the http-to-https redirect ------------------------------------------


@pytest.mark.parametrize("path", ["/", "/admin/", "/stories/anything/"])
def test_the_redirect_to_https_carries_the_frame_and_content_security_headers(client, settings, path):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(path, secure=False)
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy


# --- The share image of a story with a word longer than the card ------------------


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("Title", "x" * 1_000_000),
        ("Title", "A few short words, then " + "y" * 1_000_000 + " and more"),
        ("W" * 200, "z" * 1_000_000),  # a title is at most 200 characters
        ("W" * 200, "word " * 200_000),
    ],
    ids=["one-word", "words-then-one", "long-title", "many-words"],
)
def test_a_million_character_word_still_gives_a_share_image_quickly(client, title, summary):
    story = make_story()
    Story.objects.filter(pk=story.pk).update(title=title, summary=summary)
    make_event(story, sources=[make_source()])
    started = time.perf_counter()
    response = client.get(reverse("tracker:share_image", kwargs={"slug": story.slug}))
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (1200, 630)
    assert elapsed < 1, f"{elapsed:.2f} s"


def test_a_card_that_cannot_be_drawn_is_not_tried_again_on_every_request(client, monkeypatch, caplog):
    story = make_story()
    make_event(story, sources=[make_source()])
    tries = []

    def failing(content):
        tries.append(content)
        raise Image.DecompressionBombError("too big")

    monkeypatch.setattr(share_image, "draw_card", failing)
    url = reverse("tracker:share_image", kwargs={"slug": story.slug})
    answers = [client.get(url).status_code for _ in range(3)]
    assert answers == [404, 404, 404] and len(tries) == 1
    assert [r.levelname for r in caplog.records if r.name == "tracker.public.share_image"] == ["ERROR"]


# --- timeline.json escapes every text field -------------------------------------------


def test_every_text_of_timeline_json_is_escaped(client):
    hostile = '<script>alert("x")</script> & co'
    story = make_story()
    Story.objects.filter(pk=story.pk).update(title=hostile, summary=hostile)
    source = make_source(headline=hostile, outlet=hostile)
    make_event(
        story,
        sources=[source],
        date_precision=DatePrecision.APPROXIMATE,
        date_label=hostile[:100],
        headline=hostile,
        description=hostile,
        disagreement=hostile,
    )
    data = client.get(reverse("tracker:story_timeline", kwargs={"slug": story.slug})).json()
    (slide,) = data["events"]
    texts = [data["title"]["text"]["headline"], data["title"]["text"]["text"], slide["display_date"]]
    texts += [slide["text"]["headline"], slide["text"]["text"]]
    for text in texts:
        assert "<script>" not in text and "&lt;script&gt;" in text, text
    assert slide["display_date"] == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co"


# --- CI's last line says whether the dependencies were audited ---------------------

CI_RUN = Path(__file__).resolve().parent.parent / ".ci" / "run"


def ci_ending(tmp_path, audit_output, audit_status):
    """The pip-audit part of .ci/run, to its end, with a pip-audit that prints
    `audit_output` and exits with `audit_status`."""
    script = CI_RUN.read_text(encoding="utf-8")
    ending = script[script.index('echo "== pip-audit"') :]
    tool = tmp_path / ".venv" / "bin" / "pip-audit"
    tool.parent.mkdir(parents=True)
    tool.write_text(f"#!/bin/sh\nprintf '%s\\n' {shlex.quote(audit_output)}\nexit {audit_status}\n")
    tool.chmod(0o755)
    return subprocess.run(  # noqa: S603
        ["/bin/bash", "-c", "set -euo pipefail\n" + ending], cwd=tmp_path, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("output", "status", "returncode", "last_line"),
    [
        ("No known vulnerabilities found", 0, 0, "CI passed"),
        (
            "ConnectionError: could not resolve pypi.org",
            1,
            0,
            "CI passed; dependencies NOT audited (PyPI's vulnerability data was unreachable)",
        ),
        ("Found 1 known vulnerability in 1 package", 1, 1, "Found 1 known vulnerability in 1 package"),
    ],
    ids=["audited", "unreachable", "vulnerable"],
)
def test_the_last_line_of_ci_says_whether_dependencies_were_audited(tmp_path, output, status, returncode, last_line):
    result = ci_ending(tmp_path, output, status)
    assert result.returncode == returncode, result.stderr
    assert result.stdout.strip().splitlines()[-1] == last_line
