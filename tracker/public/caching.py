"""Whole-page caching of the public pages, never more than a second stale after an edit.

A cached page is stored with the version tokens it was rendered under and is
served only while they are still current:

- a story's pages carry that story's token and a site-wide generation;
- pages drawing on every story (the index, source pages) carry the site token.

Every write to a story, event, quote, source or event–source link replaces
the tokens it affects (signals below) in the shared cache when its
transaction commits. Nothing writes when a scheduled story comes due, so a
page that lists stories also stores the next scheduled publication time it
was rendered before, and is not served from that moment on.

The bound: each process trusts the token values it read for TOKEN_SECONDS
(one second), so a hit costs no round trip to Redis and, since the
middleware runs before sessions, no database query. An anonymous reader on
another instance may therefore get the previous page for up to one second
after an edit commits; the instance that made the edit, and every editor
(staff sessions bypass the cache), see it at once. The `Cache-Control:
max-age=30` sent to browsers is far looser than that.

The cache is never the source of truth. If Redis is down or slow (socket
timeouts of a fraction of a second, settings.py), pages are rendered from
the database and saves succeed; a token write that failed is retried on the
next contact with Redis, and whatever was stored before expires within
PAGE_CACHE_SECONDS whatever happens. Every key has a time to live.
"""

import hashlib
import logging
import secrets
import threading
import time
from contextlib import suppress
from functools import lru_cache
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models import Min
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import cc_delim_re, get_conditional_response
from django.utils.http import http_date, parse_http_date_safe, urlencode

from tracker.models import Event, Quote, Source, Story
from tracker.public import updates

log = logging.getLogger(__name__)

# Which pages are cached, by view name, and the query parameters each view
# reads: the page's key holds those and ignores the rest (?utm_source=…,
# ?fbclid=…, junk), so no query string makes another copy. A story's pages
# take the `slug` URL argument. A public route in neither table is simply not
# cached; the tests list every public route and fail on one nobody classified.
STORY_PAGES = {
    "tracker:story_detail": ("page", "since", "order"),
    "tracker:story_changes": ("page",),
    "tracker:story_updates": ("since",),
    "tracker:story_feed": (),
    "tracker:story_json": ("page",),
    "tracker:story_timeline": (),
    "tracker:share_image": (),
}
SITE_PAGES = {"tracker:story_list": (), "tracker:source_detail": (), "sitemap": (), "robots_txt": ()}

# Readers' browsers and any shared cache in front may keep a page half a
# minute and serve it for another half while they revalidate, which costs us
# a 304 from the cache: a developing story is edited minutes apart, and a
# reader is at most a minute behind while a spike is absorbed downstream.
MAX_AGE = 30
STALE_WHILE_REVALIDATE = 30

TOKEN_SECONDS = 1.0  # how long a process trusts the tokens it read: the staleness bound across instances
LOCAL_BYTES = 32 * 1024 * 1024  # per process
LOCAL_TOKENS = 10_000  # token values a process holds at most
RENDER_WAIT = 10  # seconds a reader waits for another's rendering of the same page
RETRY_SECONDS = 1.0  # after the cache failed, how long to render without asking it

SITE = "tracker:v:site"
GENERATION = "tracker:v:all"
NEVER = float("inf")


def story_token_key(slug):
    # Cache keys stay under memcached's 250 bytes, whatever the slug.
    if len(slug) > 64:
        slug = hashlib.blake2b(slug.encode(), digest_size=16).hexdigest()
    return f"tracker:v:story:{slug}"


def token_seconds():
    """Tokens outlive the pages stored under them (a day, at least): one that
    expires only makes the next request render its pages again."""
    return max(86400, 2 * settings.PAGE_CACHE_SECONDS)


class Tokens:
    """The token values this process read lately, trusted for TOKEN_SECONDS.

    It also remembers the token writes that failed (the cache was down) and
    makes them on the next contact, so an edit saved during an outage still
    invalidates its pages once the cache is back.
    """

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.held = {}  # key -> (value, when read)
        self.unsent = set()
        self.failed_at = -RETRY_SECONDS
        self.lock = threading.Lock()

    def available(self):
        return self.clock() - self.failed_at >= RETRY_SECONDS

    def failed(self):
        self.failed_at = self.clock()

    def read(self, keys):
        now = self.clock()
        held = [self.held.get(key) for key in keys]
        if all(entry is not None and now - entry[1] < TOKEN_SECONDS for entry in held):
            return {key: entry[0] for key, entry in zip(keys, held, strict=True) if entry[0] is not None}
        self.send_unsent()
        found = cache.get_many(keys)
        with self.lock:
            if len(self.held) > LOCAL_TOKENS:
                self.held.clear()
            self.held.update({key: (found.get(key), now) for key in keys})
        return found

    def write(self, keys):
        keys = set(keys)
        with self.lock:
            keys |= self.unsent
            self.unsent.clear()
        tokens = {key: new_token() for key in keys}
        try:
            cache.set_many(tokens, timeout=token_seconds())
        except Exception:
            log.warning("Page cache unreachable; %d page token(s) will be replaced when it is back", len(keys))
            self.failed()
            with self.lock:
                self.unsent |= keys
            return
        now = self.clock()
        with self.lock:
            self.held.update({key: (value, now) for key, value in tokens.items()})

    def remember(self, key, value):
        with self.lock:
            self.held[key] = (value, self.clock())

    def send_unsent(self):
        if self.unsent:
            self.write(())

    def forget(self):
        with self.lock:
            self.held.clear()
            self.unsent.clear()
        self.failed_at = -RETRY_SECONDS


TOKENS = Tokens()


def read_tokens(keys):
    """Current tokens under `keys` (a missing one is absent)."""
    return TOKENS.read(list(keys))


def new_token():
    """A fresh version token: the time in nanoseconds (which becomes
    Last-Modified), its last three digits random so two instances never
    make the same one. An int, which the Redis cache stores unpickled."""
    return time.time_ns() // 1000 * 1000 + secrets.randbelow(1000)


def token_time(token):
    return token / 1e9


# --- Invalidation ------------------------------------------------------------


def bump(keys, using="default"):
    """Replace the tokens under `keys` once the transaction commits (at once
    outside one): a reader who rendered the old rows under a token taken
    before the commit stores that page under a token nobody asks for any more."""
    keys = set(keys)
    if keys:
        transaction.on_commit(lambda: TOKENS.write(keys), using=using)


def invalidate_everything(using="default"):
    """For writes that bypass signals (bulk creates and deletes)."""
    bump([SITE, GENERATION], using)


def _stories(story_ids):
    slugs = Story.objects.filter(pk__in={pk for pk in story_ids if pk}).values_list("slug", flat=True)
    return [SITE, *(story_token_key(slug) for slug in slugs)]


def _remember_previous(sender, instance, raw, using, **kwargs):
    """Note where the row stood before the save: a story renamed or an event
    moved leaves the old story's pages to invalidate too."""
    instance._previous_story = None
    if instance.pk is None or (instance._state.adding and not raw):
        return  # a new row; a fixture's rows may exist already
    manager = sender._base_manager.using(using).filter(pk=instance.pk)
    if sender is Story:
        instance._previous_story = manager.values_list("slug", flat=True).first()
    elif sender is Event:
        instance._previous_story = manager.values_list("story_id", flat=True).first()
    elif sender is Quote:
        instance._previous_story = manager.values_list("event__story_id", flat=True).first()


def _story_changed(sender, instance, using, **kwargs):
    slugs = {instance.slug, getattr(instance, "_previous_story", None)} - {None}
    bump([SITE, *(story_token_key(slug) for slug in slugs)], using)


def _event_changed(sender, instance, using, **kwargs):
    bump(_stories({instance.story_id, getattr(instance, "_previous_story", None)}), using)


def _quote_changed(sender, instance, using, **kwargs):
    story_id = Event._base_manager.using(using).filter(pk=instance.event_id).values_list("story_id", flat=True).first()
    bump(_stories({story_id, getattr(instance, "_previous_story", None)}), using)


def _source_changed(sender, instance, using, created=False, **kwargs):
    # A source is printed on every story that cites it or one of its
    # copies; edits are rare, so every story page is invalidated.
    bump([SITE] if created else [SITE, GENERATION], using)


def _links_changed(sender, instance, action, reverse, using, **kwargs):
    if not action.startswith("post_"):
        return
    if reverse:  # links changed from the source's side
        bump([SITE, GENERATION], using)
    else:
        bump(_stories({instance.story_id}), using)


for model in (Story, Event, Quote):
    pre_save.connect(_remember_previous, sender=model, dispatch_uid=f"tracker.public.caching.previous.{model.__name__}")
for model, receiver in ((Story, _story_changed), (Event, _event_changed), (Quote, _quote_changed)):
    post_save.connect(receiver, sender=model, dispatch_uid=f"tracker.public.caching.save.{model.__name__}")
    post_delete.connect(receiver, sender=model, dispatch_uid=f"tracker.public.caching.delete.{model.__name__}")
post_save.connect(_source_changed, sender=Source, dispatch_uid="tracker.public.caching.save.Source")
post_delete.connect(_source_changed, sender=Source, dispatch_uid="tracker.public.caching.delete.Source")
m2m_changed.connect(_links_changed, sender=Event.sources.through, dispatch_uid="tracker.public.caching.links")


# --- Serving -----------------------------------------------------------------


def page_key(url):
    return "tracker:page:" + hashlib.blake2b(url.encode(), digest_size=16).hexdigest()


@lru_cache(maxsize=4096)
def page_tokens(path):
    """(token keys, query parameters read) for a cached page at `path`, or None if it isn't cached."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name in STORY_PAGES:
        return (GENERATION, story_token_key(match.kwargs["slug"])), STORY_PAGES[match.view_name]
    if match.view_name in SITE_PAGES:
        return (SITE,), SITE_PAGES[match.view_name]
    return None


def _settings_changed(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        page_tokens.cache_clear()
    if setting in ("CACHES", "PAGE_CACHE_SECONDS"):
        TOKENS.forget()


setting_changed.connect(_settings_changed, dispatch_uid="tracker.public.caching.settings")


def page_address(request, params):
    """The page's address as its key: scheme, host, path and only the
    parameters the view reads (a `since` it could not parse is dropped)."""
    query = {name: request.GET[name] for name in params if name in request.GET}
    if "since" in query and updates.parse_since(query["since"]) is None:
        del query["since"]
    address = f"{request.scheme}://{request.get_host()}{request.path}"
    return f"{address}?{urlencode(sorted(query.items()))}" if query else address


def is_staff_session(request, cookie_name, session_store):
    """Whether the request carries the session of an active staff member.

    Asked only when a session cookie is present, of the session store
    directly (the middleware runs before SessionMiddleware): any other cookie,
    such as a made-up `sessionid=x`, gets the cached page like everyone else.
    """
    key = request.COOKIES.get(cookie_name, "")
    if not (8 <= len(key) <= 40 and key.isalnum()):
        return False  # not a key the session store makes; no query for it
    store = session_store(key)
    if not all(name in store for name in (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY)):
        return False
    user = get_user(SimpleNamespace(session=store))  # checks the session's password hash, as logging in does
    return user.is_active and user.is_staff


def next_publication():
    """When the next scheduled story becomes public (epoch seconds), or never."""
    due = Story.objects.scheduled().aggregate(due=Min("published_at"))["due"]
    return due.timestamp() if due else NEVER


def _cacheable(response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if set(cc_delim_re.split(response.get("Vary", "").lower())) - {"", "cookie"}:
        return False  # the key holds neither language nor encoding
    directives = {d.strip().split("=")[0] for d in cc_delim_re.split(response.get("Cache-Control", "").lower())}
    return not directives & {"private", "no-cache", "no-store"}


def current(entry, tokens, now):
    """Whether a stored page was rendered under these tokens and is not past a publication."""
    return entry is not None and None not in tokens and entry[0] == tokens and now < entry[1]


def _cache_control(valid_until, now):
    max_age = MAX_AGE if valid_until == NEVER else max(0, min(MAX_AGE, int(valid_until - now)))
    return f"public, max-age={max_age}, stale-while-revalidate={STALE_WHILE_REVALIDATE}"


class LocalCopies:
    """The pages this process served lately, so that a hit reads only the
    small version tokens from the shared cache, not the page itself.

    A copy is served only under the same current tokens as the shared entry
    would be, so it is exactly as fresh. Bounded in bytes; oldest out first.
    """

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.entries = {}
        self.size = 0
        self.lock = threading.Lock()  # for writers; readers only .get()

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, entry):
        size = len(entry[-1])
        if size > self.max_bytes // 8:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            self.size += size - (len(old[-1]) if old else 0)
            self.entries[key] = entry
            while self.size > self.max_bytes:
                self.size -= len(self.entries.pop(next(iter(self.entries)))[-1])


class PageCacheMiddleware:
    """Serve public pages from the cache while their version tokens are current.

    Bypassed for anything but GET and HEAD and for a staff member's session
    (editors see what the database holds). Only complete 200 answers that set
    no cookie are stored; hits and misses alike carry ETag and Last-Modified
    and answer conditional requests with 304.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore  # as SessionMiddleware finds it
        self.local = LocalCopies(LOCAL_BYTES)

    def __call__(self, request):
        if not settings.PAGE_CACHE_SECONDS or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        cached = page_tokens(request.path_info)
        if cached is None:
            return self.get_response(request)
        token_keys, params = cached
        try:
            key = page_key(page_address(request, params))
        except DisallowedHost:
            return self.get_response(request)
        cookie = self.session_cookie
        if cookie in request.COOKIES and is_staff_session(request, cookie, self.session_store):
            return self.get_response(request)
        if not TOKENS.available():
            return self.get_response(request)  # the cache failed a moment ago: the database answers
        local = self.local.get(key)
        try:
            found = read_tokens(token_keys)
            now = time.time()
            tokens = tuple(found.get(k) for k in token_keys)
            if current(local, tokens, now):
                return self.replay(request, local, now)
            # Not here, or outdated here: another instance may have rendered it.
            shared = cache.get(key) if None not in tokens else None
        except Exception:
            log.warning("Page cache unreachable; rendering %s uncached", request.path)
            TOKENS.failed()
            return self.get_response(request)
        if current(shared, tokens, now):
            self.local.put(key, shared)
            return self.replay(request, shared, now)
        return self.render(request, key, token_keys, tokens, now)

    def replay(self, request, entry, now):
        _tokens, valid_until, etag, last_modified, headers, body = entry
        response = HttpResponse(body, headers=headers)
        if "Cache-Control" not in headers:
            response["Cache-Control"] = _cache_control(valid_until, now)
        return self.conditional(request, response, etag, last_modified)

    def render(self, request, key, token_keys, tokens, now):
        # Tokens are read before the page is rendered: an edit that commits
        # meanwhile replaces them, and this page is stored under stale ones.
        #
        # One rendering per page version across all instances: right after an
        # edit to a busy story, the readers who miss wait for the first one's
        # page instead of all rendering it at once. A page with no token yet
        # (its first request, or any address that turns out to be a 404)
        # gets a token only if it is stored, so junk addresses leave none.
        try:
            lock = f"{key}:rendering:{'-'.join(map(str, tokens))}"
            owner = cache.add(lock, 1, RENDER_WAIT)
            entry = None if owner else self.wait_for(key, lock, tokens)
            if entry is not None:
                self.local.put(key, entry)
                return self.replay(request, entry, time.time())
        except Exception:
            log.warning("Page cache unreachable; rendering %s uncached", request.path)
            TOKENS.failed()
            return self.get_response(request)
        try:
            return self.render_and_store(request, key, token_keys, tokens, now)
        finally:
            if owner:
                with suppress(Exception):
                    cache.delete(lock)

    @staticmethod
    def wait_for(key, lock, tokens):
        """The page another reader is rendering, or None if it gives up or it isn't cacheable.

        Waiting on a page that had no token, any page stored since will do:
        it was rendered after this request began."""
        deadline = time.monotonic() + RENDER_WAIT
        while time.monotonic() < deadline:
            time.sleep(0.02)
            found = cache.get_many([key, lock])
            entry, now = found.get(key), time.time()
            if current(entry, tokens, now) or (None in tokens and entry and current(entry, entry[0], now)):
                return entry
            if lock not in found:
                return None
        return None

    def render_and_store(self, request, key, token_keys, tokens, now):
        valid_until = next_publication() if token_keys == (SITE,) else NEVER
        response = self.get_response(request)
        if not _cacheable(response):
            return response
        try:
            if None in tokens:
                tokens = tuple(token or self.first_token(k) for k, token in zip(token_keys, tokens, strict=True))
        except Exception:
            log.warning("Page cache unreachable; %s not stored", request.path)
            TOKENS.failed()
            return response
        # A view's own validators and Cache-Control are kept; ours count down.
        etag = response.get("ETag") or '"' + hashlib.blake2b(response.content, digest_size=12).hexdigest() + '"'
        last_modified = parse_http_date_safe(response.get("Last-Modified", "")) or max(map(token_time, tokens))
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        headers = dict(response.items())
        if "Cache-Control" not in response:
            response["Cache-Control"] = _cache_control(valid_until, now)
        timeout = settings.PAGE_CACHE_SECONDS
        if valid_until != NEVER:
            timeout = min(timeout, max(1, int(valid_until - now)))
        entry = (tokens, valid_until, etag, last_modified, headers, response.content)
        self.local.put(key, entry)
        try:
            cache.set(key, entry, timeout)
        except Exception:
            log.warning("Page cache unreachable; %s not stored", request.path)
            TOKENS.failed()
        return self.conditional(request, response, etag, last_modified)

    @staticmethod
    def first_token(key):
        """The token under `key`, made now if there is none (another instance may just have made it)."""
        token = new_token()
        token = token if cache.add(key, token, timeout=token_seconds()) else cache.get(key)
        TOKENS.remember(key, token)
        return token

    @staticmethod
    def conditional(request, response, etag, last_modified):
        if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
            return get_conditional_response(request, etag=etag, last_modified=int(last_modified), response=response)
        return response
