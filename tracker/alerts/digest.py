"""A story's digest: the new and corrected events that were not key alerts.

A digest is due per story and frequency. Hourly: a few minutes after the
change that calls for it (`ALERTS_DIGEST_DELAY`, so an editor's burst of
edits makes one email) and at least an hour after the previous one, so a
reader gets at most one an hour. Daily: at `ALERTS_DAILY_HOUR` o'clock in the
site's time zone. At most one digest waits per story and frequency (a unique
constraint), and it takes every change recorded until it runs.

Each reader's digest holds the changes recorded since they confirmed that
no earlier message told them (a Delivery per change and reader), of events
published when it is sent, in their published words.
"""

import datetime
from itertools import islice

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tracker.alert_models import Delivery, DeliveryKind, Digest, Frequency, Subscription
from tracker.alerts import delivery, mail
from tracker.models import Change, ChangeAction, Event, Story

BATCH = 200  # readers per query and per SMTP connection
OVERLAP = datetime.timedelta(hours=1)  # changes recorded late, just before the previous digest ran


def delay():
    return datetime.timedelta(seconds=getattr(settings, "ALERTS_DIGEST_DELAY", 300))


def daily_hour():
    return getattr(settings, "ALERTS_DAILY_HOUR", 7)


def next_due(frequency, now, last_due=None):
    """When the next digest of `frequency` is due, given the previous one's time."""
    if frequency == Frequency.HOURLY:
        due = now + delay()
        return max(due, last_due + datetime.timedelta(hours=1)) if last_due else due
    local = timezone.localtime(now)
    due = local.replace(hour=daily_hour(), minute=0, second=0, microsecond=0)
    while due <= local or (last_due is not None and due < last_due + datetime.timedelta(hours=20)):
        due += datetime.timedelta(days=1)
    return due


def schedule(story_id, now=None):
    """Make sure a digest is waiting for each frequency the story's readers chose."""
    from tracker.alerts import tasks

    now = now or timezone.now()
    chosen = (
        Subscription.objects.filter(story_id=story_id, confirmed_at__isnull=False)
        .order_by()
        .values_list("frequency", flat=True)
        .distinct()
    )
    for frequency in sorted(set(chosen)):
        waiting = Digest.objects.filter(story_id=story_id, frequency=frequency, sent_at=None)
        if waiting.exists():
            continue
        last = Digest.objects.filter(story_id=story_id, frequency=frequency).first()
        due = next_due(frequency, now, last.due_at if last else None)
        try:
            with transaction.atomic():
                made = Digest.objects.create(story_id=story_id, frequency=frequency, due_at=due)
                tasks.later(tasks.send_digest, made.pk, run_after=due)
        except IntegrityError:
            continue  # another worker scheduled it first


def _chunks(iterable, size):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def candidates(digest):
    """(change, event) pairs the digest may tell, oldest first: new or corrected
    events published now, other than key events' publication (their own alert)."""
    previous = (
        Digest.objects.filter(story_id=digest.story_id, frequency=digest.frequency, sent_at__isnull=False)
        .exclude(pk=digest.pk)
        .first()
    )
    found = Change.objects.filter(
        story_id=digest.story_id, subject="event", action__in=[ChangeAction.ADDED, ChangeAction.CORRECTED]
    )
    if previous is not None:
        found = found.filter(when__gt=previous.due_at - OVERLAP)
    found = list(found.order_by("when", "pk"))
    events = Event.objects.published().filter(story_id=digest.story_id, pk__in={c.object_id for c in found})
    public = {event.pk: event for event in events}
    return [
        (change, public[change.object_id])
        for change in found
        if change.object_id in public and not (change.action == ChangeAction.ADDED and public[change.object_id].is_key)
    ]


def items_for(pending):
    """(label, event) per event, in order: "New" if its publication is among the changes, else "Corrected"."""
    labels, events = {}, {}
    for change, event in pending:
        events[event.pk] = event
        if change.action == ChangeAction.ADDED or event.pk not in labels:
            labels[event.pk] = "New" if change.action == ChangeAction.ADDED else "Corrected"
    return [(label, events[pk]) for pk, label in labels.items()]


def send(digest_id):
    """Send the digest to each of its readers. Returns (sent, whether to try again)."""
    found = Digest.objects.filter(pk=digest_id, sent_at=None).first()
    if found is None:
        return 0, False
    story = Story.objects.published().filter(pk=found.story_id).first()
    pairs = candidates(found) if story is not None else []
    sent, again = 0, False
    readers = Subscription.objects.filter(
        story_id=found.story_id, frequency=found.frequency, confirmed_at__isnull=False
    ).order_by("pk")
    for chunk in _chunks(readers.iterator(chunk_size=BATCH) if pairs else (), BATCH):
        told = set(
            Delivery.objects.filter(subscription__in=chunk, change__in=[c for c, _ in pairs]).values_list(
                "subscription_id", "change_id"
            )
        )
        alerted = set(
            Delivery.objects.filter(
                subscription__in=chunk, kind=DeliveryKind.ALERT, event__in={e.pk for _, e in pairs}
            ).values_list("subscription_id", "event_id")
        )
        rows, plans = [], {}
        for reader in chunk:
            pending = [
                (c, e)
                for c, e in pairs
                if c.when >= reader.confirmed_at
                and (reader.pk, c.pk) not in told
                and not (c.action == ChangeAction.ADDED and (reader.pk, e.pk) in alerted)
            ]
            if pending:
                plans[reader.pk] = (reader, pending)
                rows += [Delivery(subscription=reader, kind=DeliveryKind.DIGEST, event=e, change=c) for c, e in pending]
        claimed = {}
        for row in delivery.claim(rows):
            claimed.setdefault(row.subscription_id, []).append(row)
        batch = []
        for pk, claims in sorted(claimed.items()):
            reader, pending = plans[pk]
            mine = {row.change_id for row in claims}
            pending = [(c, e) for c, e in pending if c.pk in mine]
            since = min(min(c.when, e.updated_at) for c, e in pending) - datetime.timedelta(seconds=1)
            for _, event in pending:
                event.story = story
            batch.append((pk, mail.digest(reader, story, items_for(pending), since), claims))
        done, failed = delivery.send(batch, what="digest")
        sent += done
        again = again or failed
    if not again:
        Digest.objects.filter(pk=found.pk).update(sent_at=timezone.now())
    return sent, again


def give_up(digest_id):
    """Out of attempts: the digest stops waiting, so the next one can be scheduled."""
    Digest.objects.filter(pk=digest_id).update(sent_at=timezone.now())
