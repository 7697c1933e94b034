"""Real-browser tests: Playwright drives Debian's Chromium against a live server.

The server is Django's test server in a thread, serving static files through
WhiteNoise exactly as production does (hashed names from collectstatic), on
127.0.0.1 and the port LIVE_SERVER_PORT names (any free port by default).
Every module here is marked `browser`; its tests are skipped with one message
where Chromium is missing, unless REQUIRE_BROWSER=1.
"""

import os

import pytest
from django.db import connections
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings
from django.urls import reverse

from ..people import PASSWORD, restore_groups
from ..quality import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_chromium

WIDTHS = {"phone": 360, "desktop": 1280}


def _as_production(media_handler):
    """The bare Django application, as production runs it.

    Django's test server would wrap it in handlers that serve static files from
    the source folders (where the hashed names the pages use do not exist;
    WhiteNoise serves them) and, with MEDIA_URL unset, any file under the
    working directory."""
    return media_handler.application


@pytest.fixture(scope="session")
def live_site(django_db_setup, django_db_blocker):
    """The site's address on a live server; data the tests commit is visible to it."""
    require_chromium()
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    thread = LiveServerThread(
        "127.0.0.1", _as_production, connections_override=shared, port=int(os.environ.get("LIVE_SERVER_PORT", 0))
    )
    thread.daemon = True
    with django_db_blocker.unblock(), override_settings(ALLOWED_HOSTS=["127.0.0.1", "testserver"]):
        for connection in shared.values():
            connection.inc_thread_sharing()
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
        thread.terminate()
        for connection in shared.values():
            connection.dec_thread_sharing()


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # Playwright's sync API keeps an asyncio loop running in this thread, which
        # Django takes for async code; the tests' ORM calls remain synchronous.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def site(live_site, transactional_db):
    """The live site, with a database the server and the test share."""
    return live_site


@pytest.fixture(params=WIDTHS.values(), ids=WIDTHS.keys())
def width(request):
    return request.param


@pytest.fixture
def page(browser, width, site):
    """A fresh browser tab at the test's width that fails the test on any script
    error, Content-Security-Policy violation or failed request the page makes.

    It comes after the live site, so it is closed before the test's database
    is emptied: a request the page still had in flight (a search typed into
    an autocomplete) is answered by the test's data, not by an empty database."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: _is_error(message) and errors.append(message.text))
    tab.on("response", lambda response: _failed(response) and errors.append(f"{response.status} {response.url}"))
    yield tab
    context.close()
    assert errors == [], f"errors in the browser: {errors}"


def _is_error(message):
    # A failed request is reported with its address by _failed.
    return message.type == "error" and not message.text.startswith("Failed to load resource")


def _failed(response):
    # Every page names its icon, so a browser asking for /favicon.ico fails too.
    return response.status >= 400


def log_in(page, site, username="ed"):
    """Log in through the admin's login form, as a person does."""
    page.goto(site + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(site + reverse("admin:index"))


def screenshot(page, name):
    """Keep a full-page screenshot in test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=ARTIFACTS / f"{name}-{width}px.png", full_page=True)


@pytest.fixture
def story(site):
    """The seed story, loaded as `bin/dev` loads it, for the editorial journeys."""
    from .admin_steps import seed_story

    restore_groups()  # the flush between transactional tests emptied them
    return seed_story()


@pytest.fixture
def desk(page, site):
    """The test's own tab, as the person at the desk uses it."""
    from .admin_steps import Desk

    return Desk(page.context, site, "the test's tab")
