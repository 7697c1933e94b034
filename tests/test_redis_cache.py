"""The Redis cache's watched keys: read from memory, never stale after an announced write."""

import os
import socket
import subprocess
import sys
import threading
import uuid

import pytest
import redis

from newsroom import cache as redis_cache

from . import services


@pytest.fixture
def backends():
    """Two cache backends on one Redis, as two app instances see it, and a raw client."""
    prefix = f"watch-test-{uuid.uuid4().hex[:8]}"
    url = services.redis_url()
    made = [redis_cache.Cache(url, {"KEY_PREFIX": prefix}) for _ in range(2)]
    yield *made, redis.Redis.from_url(url), prefix
    services.delete_keys(prefix)


def settled(backend, keys):
    """Read until the subscription is confirmed and the values are held."""
    for _ in range(200):
        found = backend.get_watched(keys)
        watch = redis_cache.watches.get(backend._servers[0], backend.channel)
        if watch.confirmed and all(backend.make_key(key) in watch.values for key in keys):
            return found
    pytest.fail("the subscription was never confirmed")


def test_a_held_value_is_read_without_asking_redis(backends, monkeypatch):
    one, _two, raw, _prefix = backends
    one.set_announced({"story": 1})
    assert settled(one, ["story"]) == {"story": 1}

    def no_round_trips(*args, **kwargs):
        raise AssertionError("asked Redis")

    monkeypatch.setattr(one._cache, "get_many", no_round_trips)
    assert one.get_watched(["story"]) == {"story": 1}


def test_an_unannounced_write_is_not_seen_and_an_announced_one_is_seen_at_once(backends):
    one, two, raw, _prefix = backends
    one.set_announced({"story": 1, "site": 1})
    settled(one, ["story", "site"])
    raw.set(one.make_key("story"), 99)  # behind the watch's back: proves reads come from memory
    assert one.get_watched(["story"]) == {"story": 1}
    two.set_announced({"story": 2})
    assert one.get_watched(["story", "site"]) == {"story": 2, "site": 1}


def test_an_announcement_from_another_process_is_seen_on_the_next_read(backends):
    one, _two, _raw, prefix = backends
    one.set_announced({"story": 1})
    settled(one, ["story"])
    script = (
        "from newsroom.cache import Cache; import sys; "
        "Cache(sys.argv[1], {'KEY_PREFIX': sys.argv[2]}).set_announced({'story': 2})"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings", "DEBUG": "1"}
    subprocess.run([sys.executable, "-c", script, services.REDIS_URL, prefix], check=True, env=env)  # noqa: S603
    assert one.get_watched(["story"]) == {"story": 2}


def test_a_value_read_while_a_write_is_announced_is_dropped(backends, monkeypatch):
    one, two, _raw, _prefix = backends
    one.set_announced({"site": 1})
    settled(one, ["site"])
    one.set_announced({"story": 1})  # the story's key is not held yet
    read = one._cache.get_many

    def write_lands_after_the_read(keys):
        found = read(keys)
        two.set_announced({"story": 2})
        return found

    monkeypatch.setattr(one._cache, "get_many", write_lands_after_the_read)
    assert one.get_watched(["story"]) == {"story": 1}  # current when Redis answered
    monkeypatch.undo()
    assert one.get_watched(["story"]) == {"story": 2}


def test_a_value_read_while_another_thread_applies_a_write_is_not_kept(backends, monkeypatch):
    one, two, _raw, _prefix = backends
    one.set_announced({"site": 1})
    settled(one, ["site"])
    one.set_announced({"story": 1})
    watch = redis_cache.watches.get(one._servers[0], one.channel)
    read = one._cache.get_many

    def write_applied_by_another_reader_meanwhile(keys):
        found = read(keys)
        two.set_announced({"story": 2})
        epoch = watch.epoch
        while watch.epoch == epoch:  # another request's read applies the announcement
            thread = threading.Thread(target=one.get_watched, args=(["site"],))
            thread.start()
            thread.join()
        return found

    monkeypatch.setattr(one._cache, "get_many", write_applied_by_another_reader_meanwhile)
    assert one.get_watched(["story"]) == {"story": 1}
    monkeypatch.undo()
    assert one.get_watched(["story"]) == {"story": 2}


def test_missing_keys_are_not_held(backends):
    one, _two, raw, _prefix = backends
    one.set_announced({"site": 1})
    settled(one, ["site"])
    assert one.get_watched(["story"]) == {}
    assert one.add("story", 5)  # as a first reader creates a token: nothing announced
    assert one.get_watched(["story"]) == {"story": 5}


def test_a_broken_subscription_is_dropped_with_what_it_held(backends, monkeypatch):
    one, _two, raw, _prefix = backends
    monkeypatch.setattr(redis_cache, "RETRY_AFTER", 0)
    one.set_announced({"story": 1})
    settled(one, ["story"])
    watch = redis_cache.watches.get(one._servers[0], one.channel)
    raw.set(one.make_key("story"), 7)  # not announced: missed, as if sent while the connection was down
    watch.pubsub.connection._sock.shutdown(socket.SHUT_RDWR)
    assert one.get_watched(["story"]) == {"story": 7}
    assert redis_cache.watches.get(one._servers[0], one.channel) is not watch
    assert settled(one, ["story"]) == {"story": 7}


def test_without_redis_reads_fall_back_and_fail_like_any_cache_call(backends):
    one, *_ = backends
    down = redis_cache.Cache("redis://127.0.0.1:9", {"KEY_PREFIX": "nowhere"})
    with pytest.raises(redis.ConnectionError):
        down.get_watched(["story"])
    assert redis_cache.watches.get("redis://127.0.0.1:9", down.channel) is None  # not retried at once
