"""The public pages' templates: Jinja2, with the few helpers they use.

Jinja2 compiles a template to Python, so the story page, with its hundreds of
dates, quotes and citations, renders several times faster than in Django's
template language (bench/render.py gives the figures). The admin keeps
Django's templates (tracker/templates/admin/). Autoescaping is on, and
Django's safe strings (format_html) pass through unescaped, as they do there.
"""

import datetime
import re

from django.conf.locale import LANG_INFO
from django.templatetags.static import static
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import capfirst
from jinja2 import Environment


def url(name, **kwargs):
    return reverse(name, kwargs=kwargs)


def site_time(value):
    """An aware datetime in the site's time zone (settings.TIME_ZONE); anything else as it is."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return value.astimezone(timezone.get_default_timezone())
    return value


def date(value, format_string):
    """A date or datetime in Django's date format (`j F Y`), a datetime in the
    site's time zone; "" for no date."""
    return dateformat.format(site_time(value), format_string) if value else ""


def iso(moment):
    """A datetime in ISO 8601 to the millisecond, in the site's time zone: what
    HTML's datetime attribute accepts (at most three digits of a second), and the
    same string in JSON-LD and for the new-since script."""
    return site_time(moment).isoformat(timespec="milliseconds") if moment else ""


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
