"""Email alerts: the time to queue one key event's notifications for 10,000
followers, and the worker's throughput against a local SMTP server (aiosmtpd,
in a process of its own).

- **Queueing** is two steps (docs/alerts.md): the editor's save, which adds one
  task row to its transaction, and the worker's `notify_edit`, which reads the
  followers and queues one `send_alerts` task per batch of 200. The save is
  given as a ratio to the same save on a story nobody follows, in the same run.
- **Throughput** is `manage.py db_worker --batch` sending every alert (claim,
  build from the published event, send, mark sent), in messages per second,
  and as a ratio to the same SMTP server receiving the same number of
  prebuilt messages over one connection with no queue, claims or templates.

Usage: .venv/bin/python bench/alerts.py [--json]
Database: a fresh SQLite file in a temporary folder, or ALERTS_BENCH_DATABASE_URL
(e.g. postgres://postgres@127.0.0.1:5432/perf_alerts, emptied and migrated).
BENCH_ALERTS_FOLLOWERS sets the number of followers (default 10,000).
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FOLLOWERS = int(os.environ.get("BENCH_ALERTS_FOLLOWERS", "10000"))
WORKDIR = tempfile.mkdtemp(prefix="alerts-bench-")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_server(port):
    """aiosmtpd in a process of its own (its Sink handler accepts and drops
    everything), so that it does not share this process's interpreter lock."""
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("aiosmtpd did not start")


def log(message):
    print(message, file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    port = free_port()
    smtp = smtp_server(port)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": os.environ.get("ALERTS_BENCH_SETTINGS", "newsroom.settings"),
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-key-not-for-production-0123456789abcdefghijklmnop",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": os.environ.get("ALERTS_BENCH_DATABASE_URL", f"sqlite:///{WORKDIR}/bench.sqlite3"),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("REDIS_URL", None)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from tests.conftest import make_event, make_story
    from tracker.alert_models import Delivery, Subscription
    from tracker.alerts import tasks
    from tracker.history import editing

    log("Migrating")
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)

    def edit(change):
        started = time.perf_counter()
        with transaction.atomic(), editing():
            result = change()
        return result, time.perf_counter() - started

    (followed, _), (alone, _) = edit(lambda: make_story("followed")), edit(lambda: make_story("alone"))
    log(f"Adding {FOLLOWERS:,} confirmed followers")
    now = timezone.now()
    Subscription.objects.bulk_create(
        (Subscription(story=followed, email=f"reader{n}@bench.example", confirmed_at=now) for n in range(FOLLOWERS)),
        batch_size=2000,
    )
    # Warm both paths once (first queries, template compilation), then measure.
    edit(lambda: make_event(alone, "warm", headline="Warm-up", is_key=True))
    baseline_times, save_times = [], []
    for n in range(5):
        baseline_times.append(
            edit(lambda n=n: make_event(alone, f"base-{n}", headline="Nobody follows", is_key=True))[1]
        )
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
    for n in range(5):
        event, seconds = edit(lambda n=n: make_event(followed, f"key-{n}", headline=f"Key event {n}", is_key=True))
        save_times.append(seconds)
        if n < 4:  # the last one's alerts are queued and sent below; the others are not sent
            from django_tasks_db.models import DBTaskResult

            DBTaskResult.objects.all().delete()
    save = sorted(save_times)[2]
    baseline = sorted(baseline_times)[2]

    from django_tasks_db.models import DBTaskResult

    (pending,) = DBTaskResult.objects.filter(task_path="tracker.alerts.tasks.notify_edit")
    edit_id = pending.task_result.args[0]
    pending.delete()
    started = time.perf_counter()
    batches = tasks.notify_edit.call(edit_id)
    fan_out = time.perf_counter() - started
    queued = DBTaskResult.objects.filter(task_path="tracker.alerts.tasks.send_alerts").count()
    assert queued == batches, (queued, batches)

    log(f"Sending {FOLLOWERS:,} alerts through db_worker")
    started = time.perf_counter()
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
    sending = time.perf_counter() - started
    sent = Delivery.objects.filter(event=event, sent_at__isnull=False).count()
    assert sent == FOLLOWERS, sent

    log("Baseline: the same number of prebuilt messages, one connection, no queue")
    from django.core.mail import EmailMessage, get_connection

    messages = [
        EmailMessage("Key event", "A key event.\n" * 10, None, [f"reader{n}@bench.example"]) for n in range(FOLLOWERS)
    ]
    started = time.perf_counter()
    with get_connection() as mail:
        mail.send_messages(messages)
    raw = time.perf_counter() - started
    smtp.terminate()
    smtp.wait()

    figures = {
        "followers": FOLLOWERS,
        "database": connection.vendor,
        "save_with_followers_ms": round(save * 1000, 2),
        "save_nobody_follows_ms": round(baseline * 1000, 2),
        "save_ratio": round(save / baseline, 3),
        "fan_out_ms": round(fan_out * 1000, 1),
        "send_tasks_queued": batches,
        "time_to_queue_ms": round((save + fan_out) * 1000, 1),
        "worker_messages_per_second": round(FOLLOWERS / sending, 1),
        "raw_smtp_messages_per_second": round(FOLLOWERS / raw, 1),
        "throughput_ratio": round(raw / sending, 3),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"Email alerts, {FOLLOWERS:,} followers of one story, {connection.vendor}")
    print(
        f"  the editor's save of a key event: {figures['save_with_followers_ms']} ms "
        f"({figures['save_ratio']}× the same save on a story nobody follows, {figures['save_nobody_follows_ms']} ms)"
    )
    print(f"  the worker's fan-out (notify_edit): {figures['fan_out_ms']} ms, {batches} send tasks queued")
    print(f"  time to queue every notification: {figures['time_to_queue_ms']} ms")
    print(
        f"  worker throughput against aiosmtpd: {figures['worker_messages_per_second']} messages/s "
        f"({figures['throughput_ratio']}× raw SMTP on one connection, {figures['raw_smtp_messages_per_second']}/s)"
    )


if __name__ == "__main__":
    main()
