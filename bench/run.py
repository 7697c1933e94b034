"""The benchmark: production settings on PostgreSQL and Redis, every figure a
ratio to /healthz measured in the same run (the machine is shared and noisy).

Steps: build the data (seed story and synthetic stories) once; server time
per page in-process; gunicorn against granian; every public endpoint under
wrk with the production server (bin/serve); a soak at 64 connections with
worker memory; the admin at 100,000 events (bench/admin_scale.py).
Usage: bench/run [--quick] [--no-admin-scale]   (docs/performance.md).
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
PORT = int(os.environ.get("BENCH_PORT", "8400"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/perf_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SEED = "pakistan-x-block"
CONNECTIONS = 64

ENV = {
    **os.environ,
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-key-not-for-production-0123456789abcdefghijklmnop",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",  # TLS ends at the proxy; the benchmark speaks plain HTTP on loopback
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "CACHE_KEY_PREFIX": "tracker-bench",
    # A page slower than this fails instead of holding the benchmark for minutes.
    "PGOPTIONS": "-c statement_timeout=30000",
}


def manage(*args, env=ENV):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- Data --------------------------------------------------------------------


def prepare(sizes):
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"Creating database {name}")
            db.execute(f'CREATE DATABASE "{name}"')
    manage("migrate", "--no-input", "-v0")
    with psycopg.connect(DATABASE_URL) as db:
        slugs = {row[0] for row in db.execute("SELECT slug FROM tracker_story")}
    if SEED not in slugs:
        manage("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")), "-v0")
    for n in sizes:
        if f"synthetic-{n}" not in slugs:
            log(f"Synthesizing a story with {n:,} events")
            manage("synthesize_story", "--events", str(n), "-v0")
    with psycopg.connect(DATABASE_URL, autocommit=True) as db:
        db.execute("ANALYZE")  # as autovacuum would in time: plans for the rows just written
    manage("collectstatic", "--no-input", "-v0")


# --- Servers -----------------------------------------------------------------


class Server:
    def __init__(self, name, command, port, **env):
        self.name, self.command, self.port, self.env = name, command, port, {**ENV, **env}

    def __enter__(self):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise SystemExit(f"Port {self.port} is taken: something else would answer for {self.name}.")
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url("/healthz"), timeout=5).read()
                return self
            except OSError:  # not listening yet, or still booting
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.log.seek(0)
        output = self.log.read().decode()[-2000:]
        self.__exit__()
        raise SystemExit(f"{self.name} did not start:\n{output}")

    def __exit__(self, *exc):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def workers_rss_kb(self):
        """Resident memory of each worker process (the children of the server's master)."""
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
                sizes.append(int(match.group(1)) if match else 0)
        return sizes


def gunicorn(name, port, *args):
    return Server(name, [str(BIN / "gunicorn"), "newsroom.wsgi", "-b", f"127.0.0.1:{port}", *args], port)


def granian(name, port, workers, threads):
    command = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--blocking-threads", str(threads), "newsroom.wsgi:application"]
    return Server(name, command, port)


def production(port, **env):
    """The production server exactly as bin/serve starts it."""
    return Server("bin/serve", [str(ROOT / "bin" / "serve")], port, PORT=str(port), **env)


# --- Load --------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def wrk(url, seconds, connections=CONNECTIONS, script=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))

    def ms(value):
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
        return float(number) * UNITS[unit]

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": ms(latency["50"]),
        "p99_ms": ms(latency["99"]),
        "errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def static_path():
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["tracker/site.css"]


def seed_source_path():
    import psycopg

    with psycopg.connect(DATABASE_URL) as db:
        row = db.execute(
            "SELECT l.source_id FROM tracker_event_sources l JOIN tracker_event e ON e.id = l.event_id "
            "JOIN tracker_story s ON s.id = e.story_id WHERE s.slug = %s ORDER BY l.source_id LIMIT 1",
            [SEED],
        ).fetchone()
    return f"/sources/{row[0]}/"


# --- Steps -------------------------------------------------------------------


def render_step(sizes, seconds):
    env = {**ENV, "BENCH_SIZES": ",".join(map(str, sizes)), "BENCH_RENDER_SECONDS": str(seconds)}
    out = subprocess.run([PY, "bench/render.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["rows"]


def warm(server, paths):
    """A short load on each path first: a fresh server's workers still import,
    connect and fill their caches, which would count against whatever runs first."""
    for path in paths:
        wrk(server.url(path), 2)


def alternating(server, paths, seconds):
    """Load each path in turn, twice round, so that the machine's drift (other
    work on shared cores) falls on all of them alike; totals per path."""
    warm(server, paths)
    runs = {path: [] for path in paths}
    for _ in range(2):
        for path in paths:
            runs[path].append(wrk(server.url(path), max(1, seconds // 2)))
    return {path: combine(results) for path, results in runs.items()}


def combine(results):
    return {
        "rps": sum(r["rps"] for r in results) / len(results),
        "requests": sum(r["requests"] for r in results),
        "p50_ms": max(r["p50_ms"] for r in results),
        "p99_ms": max(r["p99_ms"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "non_2xx": sum(r["non_2xx"] for r in results),
    }


def servers_step(seconds):
    """gunicorn against granian on the trivial endpoint and the cached story page,
    each server started twice in turn so that the machine's drift falls on all."""
    story = f"/stories/{SEED}/"
    configs = [
        gunicorn("gunicorn sync, 5 workers", PORT + 1, "-w", "5"),
        gunicorn("gunicorn gthread, 2x4", PORT + 1, "-w", "2", "--threads", "4", "-k", "gthread"),
        granian("granian, 2 workers", PORT + 1, 2, 1),
        granian("granian, 4 workers", PORT + 1, 4, 1),
        granian("granian, 2 workers x 4 threads", PORT + 1, 2, 4),
    ]
    runs = {config.name: {"healthz": [], "story": []} for config in configs}
    for _ in range(2):
        for config in configs:
            log(f"Server: {config.name}")
            with config as server:
                status_of(server.url(story))  # render it once: the run measures hits
                warm(server, ["/healthz", story])
                runs[config.name]["healthz"].append(wrk(server.url("/healthz"), max(1, seconds // 2)))
                runs[config.name]["story"].append(wrk(server.url(story), max(1, seconds // 2)))
    return [{"server": name, **{path: combine(results) for path, results in r.items()}} for name, r in runs.items()]


def endpoints_step(seconds):
    story = f"/stories/{SEED}/"
    endpoints = [
        ("/healthz (baseline)", "/healthz"),
        ("story page, cached", story),
        ("index", "/"),
        ("source page", seed_source_path()),
        ("feed", f"/stories/{SEED}/feed/"),
        ("JSON export", f"/stories/{SEED}.json"),
        ("static file (hashed CSS)", static_path()),
    ]
    rows = []
    with production(PORT + 2) as server:
        present = []
        for label, path in endpoints:
            if status_of(server.url(path)) == 404:
                rows.append({"endpoint": label, "path": path, "missing": True})
            else:
                present.append((label, path))
        log(f"Load: {', '.join(label for label, _ in present)}")
        results = alternating(server, [path for _, path in present], seconds)
        rows += [{"endpoint": label, "path": path, **results[path]} for label, path in present]
        headers = urllib.request.urlopen(server.url(static_path())).headers
    # Uncached: the same server with page caching off (PAGE_CACHE_SECONDS=0),
    # last and on its own, as its backlog of slow renders outlives wrk; set
    # beside /healthz on that same server, alternating, both warmed first.
    log("Load: story page, uncached")
    with production(PORT + 3, PAGE_CACHE_SECONDS="0") as server:
        results = alternating(server, ["/healthz", story], seconds)
        rows.append(
            {
                "endpoint": "story page, uncached*",
                "path": story,
                **results[story],
                "baseline_rps": results["/healthz"]["rps"],
            }
        )
    rows.sort(key=lambda row: row["endpoint"] != "/healthz (baseline)")
    rows.append({"static_cache_control": headers.get("Cache-Control")})
    return rows


SOAK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def soak_step(seconds):
    """64 connections over a mix of pages; worker memory before, halfway and after."""
    paths = ["/healthz", f"/stories/{SEED}/", "/", seed_source_path(), static_path()]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(SOAK_SCRIPT % ", ".join(f'"{p}"' for p in paths))
    with production(PORT + 4) as server:
        for path in paths:
            status_of(server.url(path))
        warm(server, paths)
        before = server.workers_rss_kb()
        first = wrk(server.url("/"), seconds // 2, script=script.name)
        half = server.workers_rss_kb()
        second = wrk(server.url("/"), seconds - seconds // 2, script=script.name)
        after = server.workers_rss_kb()
    os.unlink(script.name)
    return {"first": first, "second": second, "rss_before": before, "rss_half": half, "rss_after": after}


# --- Report ------------------------------------------------------------------


def fmt_ms(value):
    return f"{value:,.2f}" if value < 10 else f"{value:,.0f}"


def report(render, servers, endpoints, soak, admin):
    print("\n== Server time per page, in-process (production settings; page cache off unless 'hit')")
    print(f"{'page':32} {'cache':5} {'p50 ms':>9} {'p90 ms':>9} {'queries':>7} {'KB':>7} {'x healthz':>9}")
    base = render[0]["p50_ms"]
    for row in render:
        if "error" in row:
            print(f"{row['page']:32} {row['cache']:5} failed: {row['error']} (statement timeout 30 s)")
            continue
        print(
            f"{row['page']:32} {row['cache']:5} {fmt_ms(row['p50_ms']):>9} {fmt_ms(row['p90_ms']):>9} "
            f"{row['queries']:>7} {row['bytes'] / 1024:>7.0f} {row['p50_ms'] / base:>9.1f}"
        )

    if servers:
        print(f"\n== Servers, wrk -c{CONNECTIONS}: requests/s (cached story page as a ratio to /healthz)")
        print(f"{'server':32} {'/healthz':>9} {'story':>9} {'ratio':>6} {'errors':>7}")
        for row in servers:
            h, s = row["healthz"], row["story"]
            errors = h["errors"] + h["non_2xx"] + s["errors"] + s["non_2xx"]
            print(f"{row['server']:32} {h['rps']:>9,.0f} {s['rps']:>9,.0f} {s['rps'] / h['rps']:>6.2f} {errors:>7}")

    print(f"\n== Production server (bin/serve), wrk -c{CONNECTIONS}, PostgreSQL + Redis")
    print(f"{'endpoint':28} {'req/s':>9} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'non-2xx':>7}")
    base = endpoints[0]["rps"]
    for row in endpoints:
        if "static_cache_control" in row:
            print(f"hashed static file Cache-Control: {row['static_cache_control']}")
        elif row.get("missing"):
            print(f"{row['endpoint']:28} n/a (route missing: {row['path']})")
        else:
            print(
                f"{row['endpoint']:28} {fmt_ms(row['rps']):>9} {row['rps'] / row.get('baseline_rps', base):>6.3f} "
                f"{fmt_ms(row['p50_ms']):>8} "
                f"{fmt_ms(row['p99_ms']):>8} {row['errors']:>6} {row['non_2xx']:>7}"
            )

    uncached = [row for row in endpoints if "baseline_rps" in row]
    for row in uncached:
        print(f"* ratio to /healthz on that server (page cache off), {fmt_ms(row['baseline_rps'])} req/s")

    first, second = soak["first"], soak["second"]
    total = first["requests"] + second["requests"]
    failures = sum(r["errors"] + r["non_2xx"] for r in (first, second))
    print(f"\n== Soak: {CONNECTIONS} connections, mixed pages: {total:,} requests, {failures} errors or non-2xx")

    def mb(sizes):
        return f"{sum(sizes) / 1024:.0f} MB ({', '.join(f'{s / 1024:.0f}' for s in sizes)})"

    growth = (sum(soak["rss_after"]) - sum(soak["rss_half"])) / max(1, sum(soak["rss_half"])) * 100
    print(f"worker RSS before {mb(soak['rss_before'])}, halfway {mb(soak['rss_half'])}, after {mb(soak['rss_after'])}")
    print(f"growth over the second half: {growth:+.1f} %")

    if admin:
        print(f"\n== Admin at scale: {admin['events']:,} events, {admin['history']:,} history records")
        print(f"{'page':44} {'ms':>8} {'queries':>8}")
        for row in admin["rows"]:
            print(f"{row['page']:44} {row['ms']:>8,.0f} {row['queries']:>8}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs and sizes up to 1,000, for development")
    parser.add_argument("--no-admin-scale", action="store_true", help="skip the admin at 100,000 events")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    sizes = [10, 100, 1000] if options.quick else [10, 100, 1000, 2000, 10000]
    seconds = 3 if options.quick else 10

    prepare(sizes)
    log("In-process render times")
    render = render_step(sizes, 1 if options.quick else 3)
    servers = servers_step(seconds)
    endpoints = endpoints_step(seconds)
    log("Soak")
    soak = soak_step(10 if options.quick else 60)
    admin = None
    if not options.no_admin_scale:
        log("Admin at scale (builds its database once)")
        out = subprocess.run(
            [PY, "bench/admin_scale.py", *(["--quick"] if options.quick else [])],
            cwd=ROOT,
            # No statement timeout: building inserts a million records in one statement.
            env={name: value for name, value in ENV.items() if name != "PGOPTIONS"},
            capture_output=True,
            text=True,
            check=True,
        )
        admin = json.loads(out.stdout)
    report(render, servers, endpoints, soak, admin)


if __name__ == "__main__":
    main()
