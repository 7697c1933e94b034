"""PostgreSQL through Django's stock backend: datetimes come back exactly as
saved, and a connection the server dropped is replaced on the next request
(CONN_MAX_AGE with CONN_HEALTH_CHECKS), so a database restart costs readers
at most the requests already in flight."""

import datetime
import time
import zoneinfo

import pytest
from django.db import close_old_connections, connection, connections

from tracker.models import Story

from .conftest import make_story

UTC = datetime.UTC
KARACHI = zoneinfo.ZoneInfo("Asia/Karachi")


@pytest.fixture(autouse=True)
def postgresql():
    """The suite also runs on SQLite, where these have nothing to test."""
    if connection.vendor != "postgresql":
        pytest.skip("tests PostgreSQL connections: run with DATABASE_URL=postgres://… (CI's second pass does)")


def test_settings_use_django_s_own_backend_with_persistent_checked_connections():
    settings = connection.settings_dict
    assert settings["ENGINE"] == "django.db.backends.postgresql"
    assert settings["CONN_MAX_AGE"] > 0 and settings["CONN_HEALTH_CHECKS"] is True


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
    assert loaded == saved
    assert all(value.utcoffset() == datetime.timedelta(0) for value in loaded)


@pytest.fixture
def fresh(transactional_db):
    """The default connection in autocommit, as a request finds it, closed
    before and after so that no test inherits a terminated connection."""
    connection.close()
    yield connection
    connection.close()


def request(query=lambda: Story.objects.count()):
    """What Django does around a request: close_old_connections before and after."""
    close_old_connections()
    try:
        return query()
    finally:
        close_old_connections()


def test_a_connection_the_server_terminated_is_replaced_on_the_next_request(fresh):
    request()
    pid = connection.connection.info.backend_pid
    with other_connection() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        wait_for(lambda: not cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone())
    assert request() == 0
    assert connection.connection.info.backend_pid != pid


def test_a_connection_the_driver_closed_is_replaced_on_the_next_request(fresh):
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


def wait_for(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.01)
