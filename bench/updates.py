"""What open pages polling for live updates cost the production server.

An open page of a developing story asks `updates.json?since=…` every 30 s
while it is visible. This serves the seed story with bin/serve (PostgreSQL and
Redis, as bench/run does) and prints:

- the bytes of one poll, and its requests/s from the page cache as a ratio to
  /healthz on the same server, alternating, in the same run (goal >= 0.8);
- 1,000 open pages: wrk with 1,000 connections polling as fast as they can for
  the run, its errors, and what 1,000 pages actually ask (one poll each per
  30 s) as a share of what the server answered.

Usage: bench/run's environment (BENCH_DATABASE_URL, BENCH_REDIS_URL), then
`.venv/bin/python bench/updates.py [--seconds N]`. Figures, not a timed test.
"""

import argparse
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from run import PORT, SEED, alternating, log, prepare, production, wrk  # noqa: E402

POLL_SECONDS = 30  # settings.LIVE_POLL_SECONDS' default
OPEN_PAGES = 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    options = parser.parse_args()
    prepare([])
    poll = f"/stories/{SEED}/updates.json?since=2000-01-01"  # every event counts as new: the largest answer
    with production(PORT + 5) as server:
        body = urllib.request.urlopen(server.url(poll)).read()
        log("Load: /healthz and the poll, alternating")
        runs = alternating(server, ["/healthz", poll], options.seconds)
        log(f"Load: {OPEN_PAGES:,} connections polling")
        crowd = wrk(server.url(poll), options.seconds, connections=OPEN_PAGES)
    healthz, polled = runs["/healthz"], runs[poll]
    asked = OPEN_PAGES / POLL_SECONDS
    print(f"\n== Live-updates poll ({poll})")
    print(f"bytes per poll: {len(body)}")
    print(f"{'':28} {'req/s':>9} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'non-2xx':>7}")
    for label, row in (("/healthz (baseline)", healthz), ("poll, from the page cache", polled)):
        ratio = row["rps"] / healthz["rps"]
        print(
            f"{label:28} {row['rps']:>9,.0f} {ratio:>6.2f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f}"
            f" {row['errors']:>6} {row['non_2xx']:>7}"
        )
    print(
        f"\n{OPEN_PAGES:,} connections polling flat out: {crowd['rps']:,.0f} req/s, p99 {crowd['p99_ms']:.0f} ms, "
        f"{crowd['errors']} socket errors, {crowd['non_2xx']} non-2xx"
    )
    print(
        f"{OPEN_PAGES:,} open pages polling every {POLL_SECONDS} s ask {asked:.0f} req/s: "
        f"{asked / crowd['rps']:.1%} of what the server answered under that load"
    )


if __name__ == "__main__":
    main()
