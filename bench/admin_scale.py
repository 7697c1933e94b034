"""The editors' admin with 100,000 events and a million history records.

Builds that data set once, in its own PostgreSQL database (a synthetic story
of 100,000 events, then past revisions inserted in bulk, one event with
10,000 of them), and times the pages editors open, in-process with a
logged-in superuser. Prints JSON; run by bench/run.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("ADMIN_SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/perf_bench_admin")
QUICK = "--quick" in sys.argv
EVENTS = 10_000 if QUICK else 100_000
HISTORY = 100_000 if QUICK else 1_000_000
HOT_REVISIONS = 10_000

os.environ["DATABASE_URL"] = (
    DATABASE_URL.replace("perf_bench_admin", "perf_bench_admin_quick") if QUICK else DATABASE_URL
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
sys.path.insert(0, str(ROOT))


def create_database():
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(f'CREATE DATABASE "{name}"')


create_database()

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from simple_history.models import HistoricalRecords  # noqa: E402

from bench.inprocess import PageFailed, get  # noqa: E402
from tracker.models import Event, Quote, Source, Story  # noqa: E402

SLUG = "synthetic-admin"


def history_count():
    return sum(model.history.count() for model in (Story, Event, Quote, Source))


def build():
    call_command("migrate", "--no-input", verbosity=0)
    if not Story.objects.filter(slug=SLUG).exists():
        print(f"Synthesizing {EVENTS:,} events", file=sys.stderr)
        call_command("synthesize_story", "--events", EVENTS, "--slug", "admin", verbosity=0)
    missing = HISTORY - history_count()
    if missing > 0:
        print(f"Inserting {missing:,} past revisions", file=sys.stderr)
        add_revisions(missing)
    analyze()


def analyze():
    """Planner statistics for the rows just written, as autovacuum would gather them
    in time: a benchmark run straight after a bulk load would otherwise measure
    plans made for empty tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def add_revisions(count):
    """Past revisions of the story's events, straight in SQL: one event gets
    HOT_REVISIONS of them (a long-running item edited all day), the rest are
    spread evenly. Each lists the event's sources, as real records do."""
    history = Event.history.model
    m2m = HistoricalRecords.m2m_models[Event._meta.get_field("sources")]
    columns = [f.column for f in history._meta.concrete_fields if f.column != "history_id"]
    select = ", ".join(
        {
            "history_date": "h.history_date - make_interval(mins => g)",
            "history_change_reason": "'Earlier revision'",
            "history_type": "'~'",
        }.get(c, f"h.{c}")
        for c in columns
    )
    story = Story.objects.get(slug=SLUG)
    hot = story.events.order_by("pk").first()
    per_event = max(1, -(-(count - HOT_REVISIONS) // story.events.count()))
    with transaction.atomic(), connection.cursor() as cursor:
        for event_filter, revisions in (("h.id = %s", HOT_REVISIONS), ("h.id <> %s", per_event)):
            cursor.execute(
                f"""
                WITH new AS (
                    INSERT INTO {history._meta.db_table} ({", ".join(columns)})
                    SELECT {select}
                    FROM {history._meta.db_table} h CROSS JOIN generate_series(1, %s) g
                    WHERE h.history_type = '+' AND h.story_id = %s AND {event_filter}
                    RETURNING history_id, id
                )
                INSERT INTO {m2m._meta.db_table} (id, event_id, source_id, history_id)
                SELECT l.id, l.event_id, l.source_id, new.history_id
                FROM new JOIN {Event.sources.through._meta.db_table} l ON l.event_id = new.id
                """,  # noqa: S608 - table and column names come from the models
                [revisions, story.pk, hot.pk],
            )


def measure(app, cookie, page, path):
    get(app, path, HTTP_COOKIE=cookie)
    with CaptureQueriesContext(connection) as captured:
        get(app, path, HTTP_COOKIE=cookie)
    queries = len(captured)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        get(app, path, HTTP_COOKIE=cookie)
        times.append((time.perf_counter() - start) * 1000)
    return {"page": page, "path": path, "ms": statistics.median(times), "queries": queries}


def main():
    build()
    story = Story.objects.get(slug=SLUG)
    hot = story.events.order_by("pk").first()
    user, _ = User.objects.get_or_create(username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    app = WSGIHandler()
    pages = [
        ("event list", "/admin/tracker/event/"),
        ("event list, one story", f"/admin/tracker/event/?story__id__exact={story.pk}"),
        (f"event list, page {EVENTS // 200}", f"/admin/tracker/event/?p={EVENTS // 200}"),
        ("event list, search", "/admin/tracker/event/?q=review"),
        ("quote list", "/admin/tracker/quote/"),
        ("story list", "/admin/tracker/story/"),
        ("story change page", f"/admin/tracker/story/{story.pk}/change/"),
        ("event change page", f"/admin/tracker/event/{hot.pk}/change/"),
        (f"event history ({HOT_REVISIONS + 1:,} records)", f"/admin/tracker/event/{hot.pk}/history/"),
        ("story history", f"/admin/tracker/story/{story.pk}/history/"),
    ]
    try:
        rows = [measure(app, cookie, page, path) for page, path in pages]
    except PageFailed as error:
        raise SystemExit(f"{error.path}: {error}") from None
    print(json.dumps({"events": story.events.count(), "history": history_count(), "rows": rows}))


if __name__ == "__main__":
    main()
