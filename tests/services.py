"""The machine's Redis, for the tests that need a real shared cache.

Without it those tests are skipped with a message saying so; with
REQUIRE_SERVICES=1 (as CI sets it) they fail instead, so CI can never pass
without running them.
"""

import os

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_url():
    """REDIS_URL if Redis answers there; otherwise skip (or fail, in CI)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        message = f"needs Redis at {REDIS_URL} (set TEST_REDIS_URL)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{message}; REQUIRE_SERVICES=1: these tests must run here", pytrace=False)
        pytest.skip(message)
    return REDIS_URL


def delete_keys(prefix):
    """Remove what a test wrote under `prefix`."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
