"""Django's Redis cache backend, reusing one redis-py client per connection pool.

Django's backend asks for a new ``redis.Redis`` on every cache operation, and
since redis-py 5 each one builds a table of some 170 response callbacks
(reported to redis-py as #3624): more CPU than the round trip itself, on
every cached page served. Clients are thread-safe and share their pool, so one per pool is
enough.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


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


class Cache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingClient
