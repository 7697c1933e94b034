"""Reader search at 10,000 events on PostgreSQL: server time per search,
in-process (Django's WSGI handler, the whole middleware stack, production
settings, no HTTP), queries per search, and the plans PostgreSQL chooses.

Every figure is also given as a ratio to baselines measured in the same run:
/healthz (no database, no template) and the story list (a page with a
template and a query or two), both with the page cache off, as searches are
never cached.

Usage: .venv/bin/python bench/search.py [--json] [--no-explain]
Database: SEARCH_BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/perf_search, created if missing, migrated,
and given the seed story and a synthetic story of BENCH_SEARCH_EVENTS
(default 10,000) events, once; later runs reuse it.
"""

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("SEARCH_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/perf_search")
EVENTS = int(os.environ.get("BENCH_SEARCH_EVENTS", "10000"))
SECONDS = float(os.environ.get("BENCH_SEARCH_SECONDS", "3"))
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-key-not-for-production-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": DATABASE_URL,
        "PGOPTIONS": "-c statement_timeout=30000",
    }
)
os.environ.pop("REDIS_URL", None)  # searches are not cached; the baselines run with the page cache off too


def log(message):
    print(message, file=sys.stderr, flush=True)


def prepare():
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"Creating database {name}")
            db.execute(f'CREATE DATABASE "{name}"')

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tracker.models import Story

    call_command("migrate", "--no-input", verbosity=0)
    if not Story.objects.filter(slug="pakistan-x-block").exists():
        call_command("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")), verbosity=0)
    if not Story.objects.filter(slug=f"synthetic-{EVENTS}").exists():
        log(f"Synthesizing a story with {EVENTS:,} events")
        call_command("synthesize_story", "--events", str(EVENTS), verbosity=0)
    with connection.cursor() as cursor:
        # As autovacuum would in time: plans for the rows written, and statistics
        # for the indexed expressions (a migration that rebuilt an index drops them).
        cursor.execute("ANALYZE")
    call_command("collectstatic", "--no-input", verbosity=0)


def measure(app, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.inprocess import get

    content = get(app, path)  # warm: templates, connection
    with CaptureQueriesContext(connection) as captured:
        get(app, path)
    queries = len(captured)
    times = []
    deadline = time.perf_counter() + SECONDS
    while len(times) < 5 or (time.perf_counter() < deadline and len(times) < 2000):
        start = time.perf_counter()
        get(app, path)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "p50_ms": statistics.median(times),
        "p95_ms": times[max(0, int(len(times) * 0.95) - 1)],
        "queries": queries,
        "bytes": len(content),
        "n": len(times),
    }


def searches():
    """(name, query parameters): words found often, rarely and never, a speaker, within the story, a later page."""
    from tracker.models import Event

    story = f"synthetic-{EVENTS}"
    rare = Event.objects.filter(story__slug=story).order_by("pk").values_list("description", flat=True)[EVENTS // 2]
    item = re.search(r"item \d+", rare).group()
    return [
        ("common words (~1 event in 8)", {"q": "national security"}),
        ("a quote's words", {"q": "virtual private networks"}),
        ("a phrase", {"q": '"written order"'}),
        ("rare words (one event)", {"q": item}),
        ("a speaker", {"q": "Attorney General"}),
        ("no match", {"q": "zebra crossing"}),
        ("common words, within the story", {"q": "national security", "story": story}),
        ("common words, quotes page 5", {"q": "national security", "kind": "quotes", "page": "5"}),
        ("seed story's quote", {"q": "convince Pakistani advertisers"}),
    ]


def explain(terms):
    """The plans of a search's event and quote queries (EXPLAIN ANALYZE)."""
    from tracker.public import search

    events, quotes = search.scope(None)
    parsed = search.Terms.of(terms)
    plans = {}
    for name, rows in (
        ("events", search.event_results(events, terms, parsed)[: search.PAGE_SIZE + 1]),
        ("quotes", search.quote_results(quotes, terms, parsed)[: search.PAGE_SIZE + 1]),
        ("speakers", search.speaker_results(quotes, terms, parsed)[: search.PAGE_SIZE + 1]),
    ):
        plans[name] = rows.explain(analyze=True)
    return plans


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--no-explain", action="store_true", help="leave out the query plans")
    args = parser.parse_args()
    prepare()

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    settings.PAGE_CACHE_SECONDS = 0
    app = WSGIHandler()
    baselines = [("/healthz", "/healthz"), ("story list", "/")]
    rows = [{"name": name, "path": path, **measure(app, path)} for name, path in baselines]
    healthz, index = rows[0]["p50_ms"], rows[1]["p50_ms"]
    for name, params in searches():
        path = f"/search/?{urlencode(params)}"
        rows.append({"name": name, "path": path, **measure(app, path)})
    for row in rows:
        row["x_healthz"] = row["p50_ms"] / healthz
        row["x_story_list"] = row["p50_ms"] / index
    plans = {} if args.no_explain else {terms: explain(terms) for terms in ("national security", "virtual private")}
    report = {"events": EVENTS, "postgresql": connection.pg_version, "rows": rows, "plans": plans}
    if args.json:
        print(json.dumps(report))
        return
    print(f"Search at {EVENTS:,} events (PostgreSQL {connection.pg_version // 10000}), page cache off, in-process\n")
    print(f"{'search':<34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} {'KB':>6} {'× /healthz':>10} {'× list':>7}")
    for row in rows:
        print(
            f"{row['name']:<34} {row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f} {row['queries']:>7} "
            f"{row['bytes'] / 1024:>6.1f} {row['x_healthz']:>10.1f} {row['x_story_list']:>7.2f}"
        )
    for terms, by_group in plans.items():
        for group, plan in by_group.items():
            print(f"\nEXPLAIN ANALYZE, {group} for “{terms}”:\n{plan}")


if __name__ == "__main__":
    main()
