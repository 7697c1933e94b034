"""A manage.py command run without DEBUG=1 or SECRET_KEY says what to set."""

import os
import subprocess
import sys

import pytest

from .conftest import ROOT

ADVICE = "set DEBUG=1 for local development, or SECRET_KEY for production"


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("command", [["shell", "-c", "print('started')"], ["createsuperuser", "--help"]])
def test_a_command_without_debug_or_secret_key_says_what_to_set(command):
    result = manage(*command)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert ADVICE in result.stderr


def test_with_debug_1_the_same_command_runs():
    result = manage("shell", "-c", "print('started')", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("started")
