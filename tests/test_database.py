"""The PostgreSQL backend (newsroom/postgresql): datetimes come back exactly
as Django's own backend returns them, parsed in C, and a request skips the
SELECT 1 health check only for a connection used a moment ago that the
server has not closed."""

import datetime
import os
import select
import subprocess
import sys
import time
import zoneinfo

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper as DjangosWrapper
from django.db.utils import ProgrammingError
from django.test.utils import CaptureQueriesContext
from psycopg import adapt, pq

from newsroom.postgresql import base as pg
from tracker.models import Story
from tracker.timeline import Timeline

from .conftest import make_event, make_quote, make_source, make_story

UTC = datetime.UTC
KARACHI = zoneinfo.ZoneInfo("Asia/Karachi")


@pytest.fixture(autouse=True)
def postgresql():
    """The suite also runs on SQLite, where these have nothing to test."""
    if connection.vendor != "postgresql":
        pytest.skip("tests the PostgreSQL backend: run with DATABASE_URL=postgres://… (CI's second pass does)")


# --- Datetimes --------------------------------------------------------------


def test_postgresql_urls_get_the_projects_backend():
    assert settings.DATABASES["default"]["ENGINE"] == "newsroom.postgresql"
    assert isinstance(connections["default"], pg.DatabaseWrapper)


@pytest.mark.django_db
def test_datetimes_come_back_as_saved_aware_in_utc():
    saved = [
        datetime.datetime(2024, 2, 17, 12, 34, 56, 789012, tzinfo=UTC),
        datetime.datetime(2024, 2, 17, 23, 59, 59, 1, tzinfo=KARACHI),  # another zone, another day in UTC
        datetime.datetime(1, 1, 1, 0, 0, tzinfo=UTC),
        datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ]
    stories = [make_story(f"s{i}", published_at=value) for i, value in enumerate(saved)]

    loaded = [Story.objects.get(pk=story.pk).published_at for story in stories]
    with connection.cursor() as cursor:
        cursor.execute("SELECT published_at FROM tracker_story ORDER BY id")
        raw = [row[0] for row in cursor.fetchall()]

    assert loaded == raw == saved
    assert all(value.tzinfo is UTC for value in loaded + raw)


@pytest.mark.django_db
def test_timestamptz_is_parsed_in_c_and_django_does_not_replace_the_loader():
    with connection.cursor() as cursor:
        registered = cursor.cursor.adapters.get_loader(pg.TIMESTAMPTZ_OID, pq.Format.TEXT)
        loader = adapt.Transformer(cursor.cursor).get_loader(pg.TIMESTAMPTZ_OID, pq.Format.TEXT)
    if pq.__impl__ == "python":  # no C module: Django's loader, as Django has it
        assert registered is pg.DJANGO_UTC_LOADER
        assert type(loader) is pg.DJANGO_UTC_LOADER
    else:
        assert registered is pg.UTCTimestamptzLoader  # not Django's, registered again on the cursor
        assert type(loader) is pg.C_TIMESTAMPTZ_LOADER


def loaded(wrapper, session_time_zone, texts):
    """What `wrapper` makes of each timestamptz text: a value with its tzinfo, or the error's type."""
    found = []
    with wrapper.cursor() as cursor:
        if session_time_zone:
            cursor.execute("SELECT set_config('TimeZone', %s, false)", [session_time_zone])
        for text in texts:
            try:
                cursor.execute("SELECT %s::timestamptz", [text])
                value = cursor.fetchone()[0]
                found.append((value, value.tzinfo))
            except Exception as error:  # noqa: BLE001 - the backends must fail alike too
                found.append(type(error))
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("django_time_zone", [None, "UTC", "Asia/Karachi"])  # DATABASES' TIME_ZONE
@pytest.mark.parametrize("session_time_zone", [None, "Asia/Karachi", "Etc/UTC"])  # set behind Django's back
def test_values_are_exactly_what_djangos_backend_returns(django_time_zone, session_time_zone):
    texts = [
        "2024-02-17 12:34:56.789012+00",
        "2024-02-17 23:59:59.5+05",
        "2024-03-31 01:30:00-04:30",
        "0001-01-01 00:00:00+00",
        "9999-12-31 23:59:59.999999+00",
        "9999-12-31 23:00:00-05",  # past the year 9999 in UTC
        "infinity",
    ]
    results = []
    for wrapper_class in (pg.DatabaseWrapper, DjangosWrapper):
        wrapper = wrapper_class({**connection.settings_dict, "TIME_ZONE": django_time_zone}, alias="compared")
        try:
            results.append(loaded(wrapper, session_time_zone, texts))
        finally:
            wrapper.close()
    ours, djangos = results
    assert ours == djangos


# --- Health checks ----------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """The backend's clock, standing still unless a test moves it: a slow
    machine cannot turn a just-used connection into an old one."""
    now = [1000.0]
    monkeypatch.setattr(pg, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def fresh(transactional_db):
    """The default connection in autocommit, as a request finds it, closed
    before and after so that no test inherits a terminated connection."""
    connection.close()
    yield connection
    connection.close()


def executed(monkeypatch):
    """Every statement the current psycopg connection runs from now on,
    Django's health check included (it bypasses Django's cursors)."""
    statements = []
    factory = connection.connection.cursor_factory

    class Recording(factory):
        def execute(self, query, *args, **kwargs):
            statements.append(str(query))
            return super().execute(query, *args, **kwargs)

    monkeypatch.setattr(connection.connection, "cursor_factory", Recording)
    return statements


def request(query=lambda: Story.objects.count()):
    """What Django does around a request: close_old_connections before and after."""
    close_old_connections()
    try:
        return query()
    finally:
        close_old_connections()


def test_a_connection_used_a_moment_ago_is_not_asked(fresh, clock, monkeypatch):
    request()
    statements = executed(monkeypatch)
    request()
    assert len(statements) == 1 and "SELECT 1" not in statements


def test_a_connection_used_long_ago_is_asked(fresh, clock, monkeypatch):
    request()
    statements = executed(monkeypatch)
    clock[0] += pg.FRESH_SECONDS
    request()
    assert statements[0] == "SELECT 1" and len(statements) == 2


def test_a_connection_with_something_to_read_is_asked(fresh, clock, monkeypatch):
    request(lambda: connection.cursor().execute("LISTEN tracker_test"))
    with other_connection() as cursor:
        cursor.execute("NOTIFY tracker_test")
    wait_for(lambda: readable(connection.connection.fileno()))
    statements = executed(monkeypatch)
    request()
    assert statements[0] == "SELECT 1" and len(statements) == 2


def test_a_connection_that_raised_an_error_is_asked_on_the_next_request(fresh, clock, monkeypatch):
    def failing():
        with pytest.raises(ProgrammingError), connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    request(failing)  # Django asks the server at the end of this request
    statements = executed(monkeypatch)
    request()
    assert statements[0] == "SELECT 1" and len(statements) == 2


def test_a_connection_the_server_terminated_is_replaced_on_the_next_request(fresh, clock):
    request()
    pid = connection.connection.info.backend_pid
    with other_connection() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        wait_for(lambda: not cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone())

    assert request() == 0  # still well inside FRESH_SECONDS: the socket told
    assert connection.connection.info.backend_pid != pid


def test_a_connection_the_driver_closed_is_replaced_on_the_next_request(fresh, clock):
    request()
    pid = connection.connection.info.backend_pid
    connection.connection.close()  # behind Django's back, as psycopg does when it loses the server
    assert request() == 0
    assert connection.connection.info.backend_pid != pid


class other_connection:
    """A cursor on a second connection to the same database."""

    def __enter__(self):
        self.wrapper = connections.create_connection("default")
        self.cursor = self.wrapper.cursor()
        return self.cursor

    def __exit__(self, *exc):
        self.cursor.close()
        self.wrapper.close()


def readable(fd):
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def wait_for(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.01)


# --- Prepared statements ----------------------------------------------------


def prepared_statements(wrapper=connection):
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return sorted(row[0] for row in cursor.fetchall())


def story_with_quotes(slug):
    source = make_source(f"{slug}-source")
    story = make_story(slug)
    for n in range(3):
        make_quote(make_event(story, f"e{n}", [source]), source, slug=f"q{n}")
    return story


@pytest.mark.django_db
def test_the_story_pages_statements_are_prepared_once_and_still_logged():
    first, second = story_with_quotes("first"), story_with_quotes("second")
    before = prepared_statements()
    Timeline.part_of(first.slug, 1)
    prepared = prepared_statements()
    assert len(prepared) == len(before) + 4, prepared  # story, outline, quotes, sources

    with CaptureQueriesContext(connection) as queries:
        timeline = Timeline.part_of(second.slug, 1)
    assert len(queries) == 4  # logged as any query is
    assert prepared_statements() == prepared  # another story, the same statements
    assert [quote.slug for event in timeline.events for quote in event.published_quotes] == ["q0", "q1", "q2"]


@pytest.mark.django_db
def test_the_orms_queries_are_not_prepared():
    story = story_with_quotes("orm")
    before = prepared_statements()
    for _ in range(10):
        list(Story.objects.filter(slug=story.slug))
        list(story.events.live().chronological())
    assert prepared_statements() == before


@pytest.mark.django_db
def test_prepare_threshold_none_turns_preparing_off():
    story = story_with_quotes("pooled")
    options = {**connection.settings_dict["OPTIONS"], "prepare_threshold": None}
    wrapper = pg.DatabaseWrapper({**connection.settings_dict, "OPTIONS": options}, alias="pooled")
    try:
        with wrapper.prepared_cursor() as cursor:
            cursor.execute("SELECT id FROM tracker_story WHERE slug = %s", [story.slug])
            assert cursor.fetchall() == []  # another connection: the test's row is not committed
        assert prepared_statements(wrapper) == []
    finally:
        wrapper.close()


@pytest.mark.parametrize(("value", "threshold"), [("0", None), (None, "unset")])
def test_database_prepared_statements_0_sets_no_threshold(value, threshold):
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test"}
    env.pop("DATABASE_PREPARED_STATEMENTS", None)
    if value is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = value
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(repr(settings.DATABASES['default']['OPTIONS'].get('prepare_threshold', 'unset')))"
    )
    run = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == repr(threshold)
