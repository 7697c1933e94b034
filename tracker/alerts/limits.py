"""How often one address and one client may ask to follow a story.

Counted in the cache (Redis in production), under keys that hold an HMAC of
the address, never the address. Past the address's limit the reader gets the
same answer as always and nothing is sent (the answer must not tell whether
the address is known); past the client's limit, a 429 page. With the cache
down, requests are let through: following a story is not worth refusing
everyone for.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

log = logging.getLogger(__name__)

WINDOW = 3600  # seconds


def address_limit():
    return getattr(settings, "ALERTS_ADDRESS_LIMIT", 3)  # confirmation messages to one address an hour


def client_limit():
    return getattr(settings, "ALERTS_CLIENT_LIMIT", 10)  # follow requests from one client address an hour


def _hit(kind, value, limit):
    key = f"tracker:alerts:{kind}:{salted_hmac('tracker.alerts.limits', value).hexdigest()}"
    try:
        if cache.add(key, 1, WINDOW):
            return True
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW)
        return True
    except Exception:  # noqa: BLE001 - the cache is never the source of truth
        log.warning("follow-by-email rate limit not checked: the cache failed", exc_info=False)
        return True


def allow_address(email):
    return _hit("address", email, address_limit())


def allow_client(ip):
    return _hit("client", ip or "unknown", client_limit())
