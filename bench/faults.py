"""Hostile traffic and faults against the production server (bin/serve, PostgreSQL,
and a Redis this script starts for itself, so it can stop it).

Three runs, each with its figures:

1. hostile: 64 connections on a mix of public pages (wrk) while 8 clients send
   made-up session cookies and random query strings; /healthz is probed every
   20 ms. Reports /healthz p99 (and its ratio to the p50 of an idle /healthz
   measured first, in the same run), errors, and Redis memory and keys before
   and after (every key must have a time to live).
2. redis-outage: readers under load while an editor saves an event through the
   admin twice a second; Redis is stopped for 30 s in the middle. Reports
   failed saves, 5xx answers to readers, and how long after Redis returns the
   public page shows the last save.
3. database-restart: 64 connections while every PostgreSQL connection of the
   app is terminated once. Reports the share of requests that failed, and
   that every later request succeeds.

Usage: .venv/bin/python bench/faults.py [--seconds 60]   (needs wrk, redis-server)
"""

import argparse
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import DATABASE_URL, ENV, PORT, SEED, SOAK_SCRIPT, log, manage, prepare, production, wrk  # noqa: E402

os.environ.update(ENV)  # the editor's session below reuses the test suite's, which needs Django set up
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django.setup()

from tests.people import PASSWORD  # noqa: E402
from tests.test_scale_out import Address, Editor  # noqa: E402 - an editor's browser session, as the scale-out test drives it

USERNAME = "bench-editor"


class OwnRedis:
    """A redis-server of this script's own, with the memory cap production docs ask for."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self):
        command = [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        for _ in range(100):
            if self.ask("PING") == "PONG":
                return
            time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait()

    def ask(self, *command):
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), *command], capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    def memory(self):
        info = dict(line.split(":", 1) for line in self.ask("INFO", "memory").splitlines() if ":" in line)
        keys = self.ask("--scan").split()
        without_ttl = sum(1 for key in keys if self.ask("TTL", key) == "-1")
        return {"used_mb": int(info["used_memory"]) / 2**20, "keys": len(keys), "without_ttl": without_ttl}


def junk(n=12):
    return "".join(random.choices(string.ascii_letters + string.digits, k=n))  # noqa: S311 - junk, not secrets


def seed_event_id():
    import psycopg

    with psycopg.connect(DATABASE_URL) as db:
        return db.execute(
            "SELECT e.id FROM tracker_event e JOIN tracker_story s ON s.id = e.story_id "
            "WHERE s.slug = %s AND e.status = 'published' ORDER BY e.id LIMIT 1",
            [SEED],
        ).fetchone()[0]


def mixed_pages_script():
    paths = ["/healthz", f"/stories/{SEED}/", "/", f"/stories/{SEED}/changes/", f"/stories/{SEED}/feed/"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(SOAK_SCRIPT % ", ".join(f'"{p}"' for p in paths))
    return script.name


def in_background(target, *args):
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def hostile(server, redis, seconds):
    client = Address(server.port)
    idle = []
    for _ in range(200):
        started = time.perf_counter()
        client.request("GET", "/healthz")
        idle.append(time.perf_counter() - started)
    before = redis.memory()
    stop, probes = threading.Event(), []
    # The attackers run in processes of their own, so that their work does not
    # delay the probe's own timing in this one.
    forked = multiprocessing.get_context("fork")
    halt, sent, failed = forked.Event(), forked.Value("i", 0), forked.Value("i", 0)

    def probe():
        while not stop.is_set():
            started = time.perf_counter()
            status = client.request("GET", "/healthz")[0]
            probes.append((time.perf_counter() - started, status))
            time.sleep(0.02)

    def attacker():
        random.seed()
        while not halt.is_set():
            path = random.choice([f"/stories/{SEED}/", f"/stories/{SEED}/changes/", f"/stories/{junk()}/"])  # noqa: S311
            cookie = {"Cookie": f"sessionid={random.choice(['x', junk(32), junk(5)])}"}  # noqa: S311
            status = client.request("GET", f"{path}?utm={junk()}&fbclid={junk(40)}", headers=cookie)[0]
            with sent.get_lock():
                sent.value += 1
            if status >= 500:
                with failed.get_lock():
                    failed.value += 1

    attackers = [forked.Process(target=attacker, daemon=True) for _ in range(8)]
    for process in attackers:
        process.start()
    probing = in_background(probe)
    load = wrk(server.url("/"), seconds, connections=56, script=mixed_pages_script())
    stop.set()
    halt.set()
    probing.join()
    for process in attackers:
        process.join()
    latencies = sorted(latency for latency, _ in probes)
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return {
        "healthz_idle_p50_ms": statistics.median(idle) * 1000,
        "healthz_p99_ms": p99,
        "healthz_errors": sum(1 for _, status in probes if status != 200),
        "load": load,
        "junk_requests": sent.value,
        "junk_5xx": failed.value,
        "redis_before": before,
        "redis_after": redis.memory(),
    }


def redis_outage(server, redis, seconds=30):
    client, event = Address(server.port), seed_event_id()
    editor = Editor(client, USERNAME)
    stop, saves, failures = threading.Event(), [], []

    def edit():
        n = 0
        while not stop.is_set():
            n += 1
            try:
                editor.change_headline(type("Event", (), {"pk": event}), f"Outage edit {n}")
                saves.append((n, time.monotonic()))
            except (AssertionError, OSError) as error:
                failures.append(f"save {n}: {str(error)[:200]}")
            time.sleep(0.5)

    editing = in_background(edit)
    load = {}
    reading = in_background(
        lambda: load.update(wrk(server.url("/"), seconds + 20, connections=32, script=mixed_pages_script()))
    )
    time.sleep(10)
    redis.stop()
    log(f"redis stopped for {seconds} s")
    time.sleep(seconds)
    redis.start()
    reading.join()
    stop.set()
    editing.join()
    # How long after the editor's last save (made with Redis back) a reader sees it.
    n, saved_at = saves[-1] if saves else (None, None)
    fresh_after = None
    while n and time.monotonic() - saved_at < 60:
        if f"Outage edit {n}<" in client.request("GET", f"/stories/{SEED}/")[1]:
            fresh_after = time.monotonic() - saved_at
            break
        time.sleep(0.05)
    return {"saves": len(saves), "failed_saves": failures, "readers": load, "fresh_after_s": fresh_after}


def without_page_cache(redis):
    """A second server with PAGE_CACHE_SECONDS=0, so every request reads the database."""
    return production(PORT + 11, REDIS_URL=redis.url, CACHE_KEY_PREFIX="tracker-faults", PAGE_CACHE_SECONDS="0")


def database_restart(server, seconds=30):
    import psycopg

    load = {}
    reading = in_background(
        lambda: load.update(wrk(server.url("/"), seconds, connections=64, script=mixed_pages_script()))
    )
    time.sleep(seconds / 3)
    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL, autocommit=True) as db:
        killed = db.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchone()[0]
    reading.join()
    client = Address(server.port)
    later = [client.request("GET", path)[0] for path in (f"/stories/{SEED}/", "/", "/healthz") * 30]
    failed = load["errors"] + load["non_2xx"]
    return {"terminated": killed, "load": load, "failed_share": failed / max(1, load["requests"]), "later": later}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    prepare([])
    manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        f"User.objects.filter(username='{USERNAME}').exists() or "
        f"User.objects.create_superuser('{USERNAME}', password='{PASSWORD}')",
    )
    redis = OwnRedis()
    try:
        with production(PORT + 10, REDIS_URL=redis.url, CACHE_KEY_PREFIX="tracker-faults") as server:
            log("hostile traffic")
            result = hostile(server, redis, args.seconds)
            load = result["load"]
            print("\n1. hostile: 56 connections on mixed pages + 8 clients with made-up cookies and junk queries")
            p99, idle = result["healthz_p99_ms"], result["healthz_idle_p50_ms"]
            print(f"   /healthz p99 {p99:.1f} ms, idle p50 {idle:.2f} ms")
            print(f"   = {p99 / idle:.1f} x idle; probe errors {result['healthz_errors']}")
            print(f"   wrk: {load['requests']} requests, {load['errors']} socket errors, {load['non_2xx']} non-2xx")
            print(f"   junk requests: {result['junk_requests']}, 5xx: {result['junk_5xx']}")
            print(f"   Redis before: {result['redis_before']}")
            print(f"   Redis after:  {result['redis_after']}")
            log("Redis outage")
            outage = redis_outage(server, redis)
            readers = outage["readers"]
            print("\n2. Redis stopped for 30 s while an editor saves twice a second and 32 connections read")
            failed = outage["failed_saves"]
            print(f"   saves {outage['saves']}, failed {len(failed)} {failed[:3]}")
            print(
                f"   readers: {readers['requests']} requests, {readers['errors']} socket errors, "
                f"{readers['non_2xx']} non-2xx"
            )
            fresh = outage["fresh_after_s"]
            print(f"   the editor's last save was on the public page {fresh:.2f} s after it returned")
        with without_page_cache(redis) as server:
            log("database connections terminated")
            restart = database_restart(server)
            print("\n3. every PostgreSQL connection of the app terminated once, under 64 connections, uncached")
            print(f"   terminated {restart['terminated']}; {restart['load']['requests']} requests")
            print(f"   failed {restart['failed_share']:.3%}; later requests all 200: {set(restart['later']) == {200}}")
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
