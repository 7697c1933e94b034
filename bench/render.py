"""Server time per page, measured in-process: Django's WSGI handler with the
full middleware stack and production settings, no HTTP in between.

Prints one JSON object: {"rows": [{"page", "path", "cache", "p50_ms", "p90_ms", "queries", "bytes", "n"}]}.
Run by bench/run; on its own: .venv/bin/python bench/render.py (with the
environment bench/run sets: DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS=127.0.0.1).
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.inprocess import PageFailed, get  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10,100,1000,2000,10000").split(",")]
SECONDS = float(os.environ.get("BENCH_RENDER_SECONDS", "2"))
SLOW = 2.0  # seconds: a page this slow is timed once, not five times


def measure(page, path, app, cache):
    # The page cache reads the setting on each request.
    settings.PAGE_CACHE_SECONDS = 600 if cache == "hit" else 0
    row = {"page": page, "path": path, "cache": cache}
    try:
        start = time.perf_counter()
        content = get(app, path)  # warm: templates, connection, and the cache when on
        slow = time.perf_counter() - start > SLOW
        with CaptureQueriesContext(connection) as captured:
            get(app, path)
        queries = len(captured)  # read now: the next request clears the log
        times = []
        deadline = time.perf_counter() + SECONDS
        while len(times) < (1 if slow else 5) or (time.perf_counter() < deadline and len(times) < 2000):
            start = time.perf_counter()
            get(app, path)
            times.append((time.perf_counter() - start) * 1000)
    except PageFailed as error:  # e.g. the statement timeout bench/run sets
        return {**row, "error": str(error)}
    times.sort()
    return {
        **row,
        "p50_ms": statistics.median(times),
        "p90_ms": times[int(len(times) * 0.9) - 1] if len(times) >= 10 else times[-1],
        "queries": queries,
        "bytes": len(content),
        "n": len(times),
    }


def main():
    from tracker.models import Source, Story
    from tracker.parts import PAGE_SIZE

    app = WSGIHandler()
    seed = Story.objects.published().exclude(slug__startswith="synthetic-").order_by("pk").first()
    source = Source.objects.published().exclude(slug__startswith="synthetic-").order_by("pk").first()
    pages = [("/healthz (baseline)", "/healthz"), ("index", "/")]
    if seed:
        pages += [("seed story", seed.get_absolute_url()), ("seed source", source.get_absolute_url())]
    pages += [(f"story, {n:,} events", f"/stories/synthetic-{n}/") for n in SIZES]
    # Every public page of a story, at every size: each should cost what it
    # shows (a part, a page of the export or the changelog, the latest feed
    # entries and timeline slides, a card), not what the story holds.
    largest = max(SIZES)
    oldest = -(-largest // PAGE_SIZE)
    pages.append((f"story, {largest:,} events, oldest part", f"/stories/synthetic-{largest}/?page={oldest}"))
    per_story = [
        ("JSON export", ".json"),
        ("TimelineJS", "/timeline.json"),
        ("changelog", "/changes/"),
        ("share image", "/share.png"),
        ("feed", "/feed/"),
    ]
    for name, suffix in per_story:
        pages += [(f"{name}, {n:,} events", f"/stories/synthetic-{n}{suffix}") for n in SIZES]
    rows = [measure(page, path, app, "off") for page, path in pages]
    rows += [measure(page, path, app, "hit") for page, path in pages[:3]]
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
