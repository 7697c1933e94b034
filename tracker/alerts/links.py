"""The signed links in alert emails, and the absolute addresses they point at.

A link names a subscription's id and its random key, never the address, so a
link in a server's access log or a 400 in the error log reveals nobody. The
confirmation link also carries the digest frequency the reader chose, and
expires; the unsubscribe and delete link does not (RFC 8058 asks that it keep
working), but the key changes with every new subscription, so an old link
never acts on a later one.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.http import urlencode

from tracker.alert_models import Frequency
from tracker.public.templating import iso

CONFIRM_SALT = "tracker.alerts.confirm"
MANAGE_SALT = "tracker.alerts.manage"


def confirm_days():
    """How long a confirmation link works, and an unconfirmed address is kept."""
    return getattr(settings, "ALERTS_CONFIRM_DAYS", 3)


class BadLink(Exception):
    """A link that was altered, has expired, or names nothing any more."""

    def __init__(self, reason):
        super().__init__(reason)
        self.expired = reason == "expired"


def confirm_token(subscription, frequency):
    return signing.dumps([subscription.pk, subscription.key, frequency], salt=CONFIRM_SALT)


def manage_token(subscription):
    return signing.dumps([subscription.pk, subscription.key], salt=MANAGE_SALT)


def _load(token, salt, max_age=None):
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise BadLink("expired") from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadLink("invalid") from error
    if not isinstance(value, list) or not value or not isinstance(value[0], int) or not isinstance(value[1], str):
        raise BadLink("invalid")
    return value


def read_confirm(token):
    """(subscription id, key, frequency) from a confirmation link, or BadLink."""
    value = _load(token, CONFIRM_SALT, datetime.timedelta(days=confirm_days()))
    if len(value) != 3 or value[2] not in Frequency.values:
        raise BadLink("invalid")
    return value[0], value[1], value[2]


def read_manage(token):
    """(subscription id, key) from an unsubscribe or delete link, or BadLink."""
    value = _load(token, MANAGE_SALT)
    if len(value) != 2:
        raise BadLink("invalid")
    return value[0], value[1]


def absolute(path):
    """An address on the site, from SITE_URL (never from a request: emails are built by the worker)."""
    return settings.SITE_URL + path


def confirm_url(subscription, frequency):
    return absolute(reverse("alerts:confirm", kwargs={"token": confirm_token(subscription, frequency)}))


def unsubscribe_url(subscription):
    return absolute(reverse("alerts:unsubscribe", kwargs={"token": manage_token(subscription)}))


def delete_url(subscription):
    return absolute(reverse("alerts:delete", kwargs={"token": manage_token(subscription)}))


def since_url(story, moment):
    """The story's page with what changed after `moment` marked (tracker.public.updates)."""
    return absolute(story.get_absolute_url()) + "?" + urlencode({"since": iso(moment)})
