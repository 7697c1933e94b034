"""Ingest time against story size: a ~1,000-word article (two seed articles
run together) suggested into the seed story (41 statements) and into a
synthetic story of about 1,000 statements (`synthesize_story`), with the
ratio between them, so the growth with the story shows.

Uses a throwaway SQLite database of its own (migrated, the seed fixture
loaded, the synthetic story made), so it touches neither db.sqlite3 nor a
server's. Prints the figures; not a timed test, nothing fails.

Run: .venv/bin/python bench/ingest.py   (BENCH_INGEST_STATEMENTS=1000, BENCH_INGEST_RUNS=5)
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = Path(tempfile.mkdtemp(prefix="bench-ingest-")) / "bench.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
os.environ.setdefault("DEBUG", "1")  # development settings: no secret key needed
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

STATEMENTS = int(os.environ.get("BENCH_INGEST_STATEMENTS", "1000"))
RUNS = int(os.environ.get("BENCH_INGEST_RUNS", "5"))


def timed(story, text):
    """Seconds per suggest() (the median of RUNS), and the suggestions of the last run."""
    from tracker import ingest

    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        suggestions = ingest.suggest(story, text=text)
        times.append(time.perf_counter() - start)
    return statistics.median(times), suggestions


def main():
    from tracker import synthetic
    from tracker.models import Quote, Source, Story

    call_command("migrate", verbosity=0)
    call_command("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")), verbosity=0)
    seed = Story.objects.get(slug="pakistan-x-block")
    # About two quotes per event: enough events for the statements asked for.
    big = synthetic.synthesize(STATEMENTS // 2, f"ingest-bench-{STATEMENTS}")
    wire = Source.objects.get(slug="reuters-wire-ministry-confirms-block").text
    report = Source.objects.get(slug="x-first-statement-report-2024-04-18").text
    article = f"{wire}\n\n{report}"  # not archived as such: no SHA-256 matches

    rows = []
    for label, story in [("seed story", seed), ("synthetic story", big)]:
        statements = Quote.objects.filter(event__story=story).count()
        seconds, suggestions = timed(story, article)
        rows.append((label, statements, seconds, len(suggestions.quotes)))
    words = len(article.split())
    print(f"Ingest (suggest) of a {words:,}-word article, median of {RUNS} runs:")
    for label, statements, seconds, found in rows:
        print(f"  {label:16} {statements:6,} statements  {seconds * 1000:8.1f} ms  ({found} quotes found)")
    print(f"  ratio {rows[1][2] / rows[0][2]:.1f}× for {rows[1][1] / rows[0][1]:.0f}× the statements")


if __name__ == "__main__":
    try:
        main()
    finally:
        for path in DATABASE.parent.iterdir():
            path.unlink()
        DATABASE.parent.rmdir()
