"""The page cache under hostile traffic and faults: junk never multiplies
pages or keys, made-up cookies do not skip it, every key expires, and a
Redis that is down or frozen costs readers and editors nothing but speed."""

import os
import shutil
import socket
import subprocess
import time
import uuid

import pytest
import redis
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tracker.public import caching

from . import services
from .admin_forms import form_data
from .conftest import make_event, make_source, make_story


@pytest.fixture
def story(db):
    story = make_story("story")
    make_event(story, "blocked", [make_source()], headline="Ministry blocks the platform")
    return story


@pytest.fixture
def shared_redis(settings):
    prefix = f"faults-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": services.redis_url(),
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    yield redis.Redis.from_url(services.redis_url()), prefix
    services.delete_keys(prefix)


def renders(url, **extra):
    """Whether answering `url` ran the view (queried the database)."""
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url, **extra)
    return response, len(queries) > 0


# --- Hostile traffic ------------------------------------------------------------


@pytest.mark.django_db
def test_parameters_the_view_does_not_read_share_one_cached_page(story, shared_redis):
    client, prefix = shared_redis
    url = story.get_absolute_url()
    first, rendered = renders(url)
    assert rendered and first.status_code == 200
    for junk in ("?utm_source=x", "?fbclid=abc&utm_medium=y", "?q=" + "z" * 500, "?since=garbage"):
        response, rendered = renders(url + junk)
        assert not rendered and response.content == first.content, junk
    pages = [k for k in client.scan_iter(f"{prefix}:*tracker:page:*") if b"rendering" not in k]
    assert len(pages) == 1
    assert renders(url + "?since=2024-02-17")[1]  # a parameter the view reads is a page of its own


@pytest.mark.django_db
def test_a_made_up_session_cookie_gets_the_cached_page(story, client):
    url = story.get_absolute_url()
    renders(url)
    for cookie in ("x", "a" * 32, "' OR 1=1 --", "é" * 10):
        client.cookies["sessionid"] = cookie
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        # a well-formed key costs one look-up in the session store; nothing renders
        assert len(queries) <= 1, (cookie, [q["sql"] for q in queries])


@pytest.mark.django_db
def test_a_staff_session_always_sees_the_database_and_a_reader_s_session_does_not(story, editor_client):
    from django.contrib.auth.models import User

    url = story.get_absolute_url()
    renders(url)
    client = Client()
    client.force_login(User.objects.create_user("reader", password="correct horse battery staple"))

    with CaptureQueriesContext(connection) as as_reader:
        client.get(url)
    with CaptureQueriesContext(connection) as as_editor:
        editor_client.get(url)
    story_queries = [q for q in as_editor if "tracker_event" in q["sql"]]
    assert story_queries and not [q for q in as_reader if "tracker_event" in q["sql"]]


@pytest.mark.django_db
def test_every_key_expires_and_unknown_stories_leave_no_keys(story, shared_redis):
    client, prefix = shared_redis
    for n in range(50):
        assert Client().get(f"/stories/no-such-story-{n}/").status_code == 404
    assert list(client.scan_iter(f"{prefix}:*")) == []
    Client().get(story.get_absolute_url())
    Client().get(reverse("tracker:story_list"))
    keys = list(client.scan_iter(f"{prefix}:*"))
    assert keys and all(client.ttl(key) > 0 for key in keys), {k: client.ttl(k) for k in keys}


# --- The bound across instances ---------------------------------------------------


@pytest.mark.django_db
def test_another_instance_sees_an_edit_within_a_second(story, django_capture_on_commit_callbacks):
    now = [1000.0]
    other = caching.Tokens(clock=lambda: now[0])
    keys = [caching.GENERATION, caching.story_token_key(story.slug)]
    Client().get(story.get_absolute_url())  # tokens made
    before = other.read(keys)
    event = story.events.get()
    event.headline = "Ministry lifts the block"
    with django_capture_on_commit_callbacks(execute=True):
        event.save()
    now[0] += caching.TOKEN_SECONDS / 2
    assert other.read(keys) == before  # still trusting what it read half a second ago
    now[0] += caching.TOKEN_SECONDS / 2
    assert other.read(keys) != before  # at the bound, it asks again


# --- Faults ------------------------------------------------------------------------


REDIS_SERVER = shutil.which("redis-server")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A Redis server this test starts, stops and freezes itself."""

    def __init__(self):
        self.port = free_port()
        self.start()

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - the machine's Redis, on loopback
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait()

    def freeze(self):
        self.process.send_signal(19)  # SIGSTOP: the socket stays open and nothing answers

    def thaw(self):
        self.process.send_signal(18)


@pytest.fixture
def own_redis(settings):
    if REDIS_SERVER is None:
        message = "needs redis-server on the PATH, to start and stop one of its own"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message}; REQUIRE_SERVICES=1: these tests must run here", pytrace=False)
        pytest.skip(message)
    server = OwnRedis()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    yield server
    server.thaw()
    server.stop()
    caches["default"].close()


@pytest.mark.django_db
@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_with_redis_down_editors_save_readers_read_and_pages_are_fresh_after(
    story, own_redis, editor_client, django_capture_on_commit_callbacks, fault
):
    url = story.get_absolute_url()
    assert Client().get(url).status_code == 200  # cached
    getattr(own_redis, "stop" if fault == "stopped" else "freeze")()
    event = story.events.get()
    change = reverse("admin:tracker_event_change", args=[event.pk])
    data = form_data(editor_client.get(change), headline="Ministry lifts the block", submit="_publish")
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(change, data)
    assert response.status_code == 302 and time.monotonic() - started < 2
    event.refresh_from_db()
    assert event.headline == "Ministry lifts the block"
    started = time.monotonic()
    for _ in range(5):
        page = Client().get(url)
        assert page.status_code == 200 and "Ministry lifts the block" in page.content.decode()
    assert time.monotonic() - started < 2  # one short timeout, then the database answers at once
    if fault == "stopped":
        own_redis.start()  # empty: what it held is gone
    else:
        own_redis.thaw()  # it still holds the page from before the edit
    time.sleep(caching.RETRY_SECONDS)
    for _ in range(3):
        page = Client().get(url)
        assert page.status_code == 200 and "Ministry lifts the block" in page.content.decode()
