"""The public pages' templates: Jinja2, with the few helpers they use.

Jinja2 compiles a template to Python, so the story page, with its hundreds of
dates, quotes and citations, renders several times faster than in Django's
template language (bench/render.py gives the figures). The admin keeps
Django's templates (tracker/templates/admin/). Autoescaping is on, and
Django's safe strings (format_html) pass through unescaped, as they do there.
"""

import datetime
import functools
import re

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.signals import setting_changed
from django.templatetags.static import static as django_static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, timezone
from django.utils.text import capfirst
from django.utils.translation import get_language
from jinja2 import Environment


def url(name, **kwargs):
    """reverse(), remembered: a page links to the same few addresses many times.
    Remembered per URLconf and script prefix, which are all reverse() reads."""
    where = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return _reversed(where, name, tuple(sorted(kwargs.items())))


@functools.lru_cache(maxsize=4096)
def _reversed(where, name, kwargs):
    return reverse(name, urlconf=where[0], kwargs=dict(kwargs))


def static(path):
    """A static file's address, remembered: the hashed names come from a
    manifest that does not change while the site runs."""
    return _static(path)


_static = functools.lru_cache(maxsize=256)(django_static)


def _forget(setting, **kwargs):
    # The settings on which Django resets its own static files storage, and DEBUG.
    if setting in ("DEBUG", "STATIC_ROOT", "STATIC_URL", "STORAGES"):
        _static.cache_clear()


setting_changed.connect(_forget, dispatch_uid="tracker.templating.static")


def site_time(value):
    """An aware datetime in the site's time zone (settings.TIME_ZONE); anything else as it is."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return value.astimezone(timezone.get_default_timezone())
    return value


def date(value, format_string):
    """A date or datetime in Django's date format (`j F Y`), a datetime in the
    site's time zone; "" for no date."""
    return _date(value, _zones(value), format_string, get_language()) if value else ""


def iso(moment):
    """A datetime in ISO 8601 to the millisecond, in the site's time zone: what
    HTML's datetime attribute accepts (at most three digits of a second), and the
    same string in JSON-LD and for the new-since script."""
    return _iso(moment, _zones(moment)) if moment else ""


# Formatting a date takes Django tens of microseconds, and a page prints the
# same few dates on every request, so each is remembered. The key holds all
# an answer depends on: equal moments in different zones (which compare
# equal), the site's zone and, for names of months, the language.


def _zones(value):
    return getattr(value, "tzinfo", None), timezone.get_default_timezone()


@functools.lru_cache(maxsize=8192)
def _date(value, zones, format_string, language):
    return dateformat.format(site_time(value), format_string)


@functools.lru_cache(maxsize=8192)
def _iso(moment, zones):
    return site_time(moment).isoformat(timespec="milliseconds")


def language(code):
    """A language's English name from its code ("ur" → "Urdu"); the code itself
    when Django does not know it."""
    info = LANG_INFO.get(str(code).lower(), {})
    return info.get("name", code)


LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


def language_tag(code):
    """The code when it can stand in a `lang` attribute, else "" (unknown language)."""
    return code if LANGUAGE_TAG.fullmatch(str(code)) else ""


def source_title(source):
    """A source's name as the site prints it everywhere (Source.display_name)."""
    return source.display_name


def plural(count, suffix="s"):
    return "" if count == 1 else suffix


def environment(**options):
    env = Environment(keep_trailing_newline=True, **options)  # noqa: S701 - Django's backend turns autoescape on  # nosec B701
    env.globals.update(static=static, url=url)
    env.filters.update(
        capfirst=capfirst,
        date=date,
        iso=iso,
        language=language,
        language_tag=language_tag,
        plural=plural,
        source_title=source_title,
    )
    return env
