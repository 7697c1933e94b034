"""Template filters for the public pages."""

import re

from django import template
from django.conf.locale import LANG_INFO
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def language(code):
    """A language's English name from its code ("ur" → "Urdu"); the code itself
    when Django does not know it (its own `language_name` filter would fail)."""
    info = LANG_INFO.get(str(code).lower(), {})
    return info.get("name", code)


LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


@register.filter
def language_tag(code):
    """The code when it can stand in a `lang` attribute, else "" (unknown language)."""
    return code if LANGUAGE_TAG.fullmatch(str(code)) else ""


@register.filter
def source_title(source):
    """A source's headline, or what kind of untitled source it is."""
    if source.headline:
        return source.headline
    title = f"Untitled {source.get_kind_display().lower()}"
    return f"{title}, {date_format(source.published_on, 'j F Y')}" if source.published_on else title


@register.filter
def iso(moment):
    """A datetime in ISO 8601 to the millisecond, in the site's time zone: what
    HTML's datetime attribute accepts (at most three digits of a second), and the
    same string in JSON-LD and for the new-since script."""
    return timezone.localtime(moment).isoformat(timespec="milliseconds") if moment else ""
