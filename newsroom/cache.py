"""Django's Redis cache backend, with lighter calls and watched keys.

Lighter calls: Django's backend asks for a new ``redis.Redis`` on every cache
operation, and since redis-py 5 each one builds a table of some 170 response
callbacks (reported to redis-py as #3624): more CPU than the round trip
itself. Clients are thread-safe and share their pool, so one per pool is enough.

Watched keys: the page cache reads a story's version tokens on every request,
and a round trip to Redis for them costs more than serving the page from
memory. So each process keeps the token values it has read and subscribes to
a channel on which every writer of tokens (``set_announced``) names the keys
it replaced, in the same transaction as the write. A read then costs a poll of
the subscription's socket: anything announced is dropped before the values
are used, and anything else cannot have changed. Redis writes the
announcement out with its reply to the writer, so it is in every subscriber's
socket before the writer's own response can lead anyone to ask again.

If the subscription fails or is not yet confirmed, reads go to Redis as
before, and a broken subscription is dropped with everything it held.
"""

import logging
import os
import select
import threading
import time
from contextlib import suppress

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

RETRY_AFTER = 1.0  # seconds between attempts to subscribe when Redis is away


class Watch:
    """Values of keys this process read, kept until someone announces a change."""

    def __init__(self, url, channel):
        # No retries: a reconnect would silently skip what was announced meanwhile.
        pool = redis.ConnectionPool.from_url(url, retry=Retry(NoBackoff(), 0), socket_timeout=5)
        self.pubsub = redis.Redis(connection_pool=pool).pubsub()
        self.pubsub.subscribe(channel)
        self.poller = select.poll()
        self.poller.register(self.pubsub.connection._sock, select.POLLIN)
        self.values = {}
        self.epoch = 0  # counts announcements applied, so a read racing one isn't kept
        self.confirmed = False
        self.lock = threading.Lock()

    def current(self):
        """Apply every announcement that has arrived; whether the values can be trusted.

        Called with the lock held. Raises if the subscription broke.
        """
        if self.confirmed and not self.poller.poll(0):
            return True
        while (response := self.pubsub.parse_response(block=False, timeout=0)) is not None:
            message = self.pubsub.handle_message(response)
            if message is None:
                continue
            if message["type"] == "subscribe":
                self.confirmed = True
            elif message["type"] == "message":
                for key in message["data"].decode().split("\n"):
                    self.values.pop(key, None)
            self.epoch += 1
        return self.confirmed

    def close(self):
        with suppress(redis.RedisError, OSError):  # it is being thrown away because it failed
            self.pubsub.close()
            self.pubsub.connection_pool.disconnect()


class Watches:
    """One watch per process and channel: forked workers make their own."""

    def __init__(self):
        self.watches = {}
        self.failed_at = {}
        self.lock = threading.Lock()

    def get(self, url, channel):
        key = (os.getpid(), url, channel)
        watch = self.watches.get(key)
        if watch is not None:
            return watch
        with self.lock:
            if key in self.watches:
                return self.watches[key]
            if time.monotonic() - self.failed_at.get(key, -RETRY_AFTER) < RETRY_AFTER:
                return None
            try:
                watch = self.watches[key] = Watch(url, channel)
            except redis.RedisError:
                log.warning("Cannot subscribe to %s; reading version tokens from Redis", channel)
                self.failed_at[key] = time.monotonic()
            return watch

    def drop(self, url, channel, watch):
        with self.lock:
            key = (os.getpid(), url, channel)
            if self.watches.get(key) is watch:
                del self.watches[key]
                self.failed_at[key] = time.monotonic()
        watch.close()


watches = Watches()


class ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client

    def get_watched(self, keys, channel):
        url = self._servers[0]  # the server written to, whose announcements are complete
        watch = watches.get(url, channel)
        if watch is None:
            return self.get_many(keys)
        with watch.lock:
            try:
                trusted = watch.current()
            except (redis.RedisError, OSError):
                log.warning("Lost the subscription to %s; reading version tokens from Redis", channel)
                watches.drop(url, channel, watch)
                return self.get_many(keys)
            if trusted and all(key in watch.values for key in keys):
                return {key: watch.values[key] for key in keys}
            epoch = watch.epoch
        found = self.get_many(keys)
        if trusted:
            with watch.lock:
                # Kept only if nothing was announced while Redis answered. A
                # missing key is not kept: whoever creates it announces nothing.
                if watch.epoch == epoch:
                    watch.values.update(found)
        return found

    def set_announced(self, data, channel):
        """Set keys (no expiry) and announce them to every watch, atomically."""
        pipeline = self.get_client(write=True).pipeline(transaction=True)
        pipeline.mset({key: self._serializer.dumps(value) for key, value in data.items()})
        pipeline.publish(channel, "\n".join(data))
        pipeline.execute()


class Cache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingClient

    @property
    def channel(self):
        return self.make_key("announcements")

    def get_watched(self, keys):
        """Like get_many, for keys only ever written with set_announced."""
        key_map = {self.make_and_validate_key(key): key for key in keys}
        found = self._cache.get_watched(list(key_map), self.channel)
        return {key_map[key]: value for key, value in found.items()}

    def set_announced(self, data):
        """Like set_many with no expiry, telling every process's watch."""
        if data:
            self._cache.set_announced({self.make_and_validate_key(k): v for k, v in data.items()}, self.channel)
