"""Instructions per request, counted by valgrind's callgrind: a figure that
does not drift with the machine's load, as timings on shared cores do, so
two versions of a page can be compared from one run each. It counts this
process's work only (Python, Django, the driver), not the database's.

Prints one line per page: instructions per request and the ratio to /healthz.
Run after bench/run has built its data (same environment):
    .venv/bin/python bench/instructions.py [PATH ...]
Needs valgrind (Debian's package). About a minute per page.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 20
DEFAULT_PATHS = ["/healthz", "/stories/pakistan-x-block/", "/"]


def child(path, count):
    """Warm the page up, then answer it `count` more times (the figure is the
    difference between a run of 0 and a run of REQUESTS)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    from bench.inprocess import get

    settings.PAGE_CACHE_SECONDS = 0  # the page built each time, as "uncached" in bench/run
    app = WSGIHandler()
    for _ in range(5 + count):
        get(app, path)


def collected(path, count, env):
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, "--child", path]
        + [str(count)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in run.stderr.splitlines() if "Collected :" in line)
    return int(line.rsplit(":", 1)[1])


def main(paths):
    sys.path.insert(0, str(ROOT))
    from bench.run import ENV

    env = {**ENV, "PAGE_CACHE_SECONDS": "0"}
    counts = {}
    for path in paths:
        counts[path] = (collected(path, REQUESTS, env) - collected(path, 0, env)) / REQUESTS
        print(f"{path:40} {counts[path] / 1e6:8.2f} M instructions/request", flush=True)
    if "/healthz" in counts:
        print()
        for path, count in counts.items():
            print(f"{path:40} {count / counts['/healthz']:8.1f} × /healthz")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main(sys.argv[1:] or DEFAULT_PATHS)
