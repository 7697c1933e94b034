"""Claim, then send: a message goes at most once.

Before a message is sent, a `Delivery` row claims what it tells (a key event,
or the changes in a digest) for its subscriber, under unique constraints, and
the claim is committed. A task that runs again, or a second run at the same
time, finds the claim and sends nothing. After the send the claim is marked
sent. A claim is given back only when the message certainly did not go (the
connection never opened, or the server refused it with a temporary error),
so a later attempt may send it; when the connection broke while the message
was on its way, it may have been delivered, and the claim stays: at most once.

Errors are logged with the subscription's id and the error's class, never
the address (an SMTP error's text often holds it).
"""

import contextlib
import enum
import logging
import smtplib

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from tracker.alert_models import Delivery

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    SENT = "sent"
    REFUSED = "refused"  # refused for good: not sent, not tried again
    AGAIN = "again"  # certainly not sent: may be tried again
    UNKNOWN = "unknown"  # the connection broke mid-message: perhaps sent, not tried again


def claim(rows):
    """Save the unsaved Delivery `rows` that no other claim holds yet; return those saved."""
    rows = list(rows)
    if not rows:
        return []
    try:
        with transaction.atomic():
            return Delivery.objects.bulk_create(rows)
    except IntegrityError:
        pass  # some were claimed meanwhile: one by one
    claimed = []
    for row in rows:
        row.pk = None
        row._state.adding = True
        try:
            with transaction.atomic():
                row.save(force_insert=True)
            claimed.append(row)
        except IntegrityError:
            continue
    return claimed


def release(claims):
    """Give back claims whose message certainly did not go."""
    ids = [row.pk for row in claims]
    if ids:
        Delivery.objects.filter(pk__in=ids, sent_at=None).delete()


def _outcome(error):
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return Outcome.AGAIN if any(400 <= code < 500 for code in codes) else Outcome.REFUSED
    if isinstance(error, smtplib.SMTPSenderRefused):
        return Outcome.AGAIN  # our own sender address: a setting to fix, then everything can go
    if isinstance(error, smtplib.SMTPResponseException):
        return Outcome.AGAIN if 400 <= error.smtp_code < 500 else Outcome.REFUSED
    return Outcome.UNKNOWN


def send(batch, what="message"):
    """Send each (subscription id, message, claims) of `batch` over one
    connection. Returns (messages sent, whether some should be tried again)."""
    if not batch:
        return 0, False
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 - nothing went: all of it can go later
        log.warning("%s: mail server unreachable (%s); %d to try again", what, type(error).__name__, len(batch))
        release([row for _, _, claims in batch for row in claims])
        return 0, True
    sent, again, done, messages = [], False, 0, 0
    try:
        for subscription_id, message, claims in batch:
            try:
                outcome = Outcome.SENT if connection.send_messages([message]) else Outcome.REFUSED
            except Exception as error:  # noqa: BLE001 - classified below, logged without the address
                outcome = _outcome(error)
                log.warning(
                    "%s to subscription %s: %s (%s)", what, subscription_id, outcome.value, type(error).__name__
                )
            done += 1
            if outcome is Outcome.SENT:
                sent.extend(row.pk for row in claims)
                messages += 1
            elif outcome is Outcome.AGAIN:
                release(claims)
                again = True
            elif outcome is Outcome.UNKNOWN:
                break  # the connection is gone: the rest go later
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection
            connection.close()
        rest = batch[done:]
        if rest:
            release([row for _, _, claims in rest for row in claims])
            again = True
        if sent:
            Delivery.objects.filter(pk__in=sent).update(sent_at=timezone.now())
    return messages, again
