"""What runs on the task queue, and the hook that queues it with an edit.

The queue is django-tasks (Django's tasks interface, DEP 14) on its database
backend (django-tasks-db): a task is a row in the site's own database, run
by `manage.py db_worker`. Enqueued inside the edit's transaction, the task
commits with the edit or not at all: no edit without its alerts, no alert
for an edit that rolled back. docs/alerts.md says why this queue.

- An edit that writes a record of an event or story followed by confirmed
  readers queues `notify_edit` once (`edit_wrote`, from the history signal).
- `notify_edit` records the edit's changelog if that has not run yet, then
  for each key event it published queues `send_alerts` for batches of
  followers (id ranges, so a task is small whatever the number), and for
  other new or corrected events makes sure a digest is due (tracker.alerts.digest).
- `send_alerts` and `send_digest` claim before they send (tracker.alerts.delivery);
  what could not go is tried again later, a few times, with a growing delay.

Task arguments are ids only: an address never reaches the queue's table or
its logs.
"""

import datetime
import logging
from functools import partial

from django.db import transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db import DatabaseBackend

from tracker import changes
from tracker.alert_models import Delivery, DeliveryKind, Subscription
from tracker.alerts import delivery, digest, links, mail
from tracker.models import Change, ChangeAction, Event, Story

log = logging.getLogger(__name__)

BATCH = 200  # followers per send_alerts task: one SMTP connection each
RETRY_DELAYS = [60, 300, 1800, 7200]  # seconds before attempts 2, 3, 4 and 5


def later(job, *args, run_after=None, **kwargs):
    """Queue `job`. On the database backend, in the caller's transaction (it
    commits with it); on any other, once the transaction commits."""
    backend = job.get_backend()
    if run_after is not None and backend.supports_defer:
        job = job.using(run_after=run_after)
    if isinstance(backend, DatabaseBackend):
        return job.enqueue(*args, **kwargs)
    transaction.on_commit(partial(job.enqueue, *args, **kwargs), robust=True)
    return None


def edit_wrote(record, story_id):
    """A history record of an event or a story was written (tracker.alert_models).
    Queue `notify_edit` once per edit, if the story has confirmed followers."""
    edit = record.edit
    if edit is None or story_id is None or getattr(edit, "_alerts_queued", False):
        return
    checked = edit.__dict__.setdefault("_alerts_checked", set())
    if story_id in checked:
        return
    checked.add(story_id)
    if Subscription.objects.filter(story_id=story_id, confirmed_at__isnull=False).exists():
        edit._alerts_queued = True
        later(notify_edit, edit.pk)


def confirmed_followers(story_id):
    return Subscription.objects.filter(story_id=story_id, confirmed_at__isnull=False)


@task()
def notify_edit(edit_id):
    """Queue what the edit's changes call for. Returns how many alert tasks it queued."""
    changes.record_pending()  # if the edit's own process did not get to it
    found = Change.objects.filter(
        edit_id=edit_id, subject="event", action__in=[ChangeAction.ADDED, ChangeAction.CORRECTED]
    ).order_by("pk")
    queued, digests = 0, set()
    for change in found:
        event = Event.objects.published().filter(pk=change.object_id, story_id=change.story_id).first()
        if event is None:
            continue  # no longer public: nothing to tell
        if change.action == ChangeAction.ADDED and event.is_key:
            queued += queue_alerts(change)
        else:
            digests.add(change.story_id)
    for story_id in sorted(digests):
        digest.schedule(story_id)
    return queued


def queue_alerts(change):
    """A send_alerts task for each batch of the story's followers at the time of the change."""
    ids = list(
        confirmed_followers(change.story_id)
        .filter(confirmed_at__lte=change.when)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic():
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            later(send_alerts, change.pk, batch[0], batch[-1])
    return (len(ids) + BATCH - 1) // BATCH


def retry(job, attempt, *args):
    """Queue `job` again with a growing delay; False once out of attempts."""
    if attempt >= len(RETRY_DELAYS):
        log.error("%s: out of attempts, what is left is not sent", job.name)
        return False
    later(job, *args, attempt + 1, run_after=timezone.now() + datetime.timedelta(seconds=RETRY_DELAYS[attempt]))
    return True


@task()
def send_alerts(change_id, first, last, attempt=0):
    """The key event a change published, to followers first..last (ids). Returns how many were sent."""
    change = Change.objects.filter(pk=change_id).first()
    if change is None:
        return 0
    story = Story.objects.published().filter(pk=change.story_id).first()
    event = Event.objects.published().filter(pk=change.object_id, story_id=change.story_id, is_key=True).first()
    if story is None or event is None:
        return 0  # withdrawn, a draft again, no longer key, or its story withdrawn: nothing goes
    followers = list(
        confirmed_followers(story.pk).filter(pk__gte=first, pk__lte=last, confirmed_at__lte=change.when).order_by("pk")
    )
    told = set(
        Delivery.objects.filter(subscription__in=followers, kind=DeliveryKind.ALERT, event=event).values_list(
            "subscription_id", flat=True
        )
    )
    rows = [
        Delivery(subscription=s, kind=DeliveryKind.ALERT, event=event, change=change)
        for s in followers
        if s.pk not in told
    ]
    claims = {row.subscription_id: row for row in delivery.claim(rows)}
    by_id = {s.pk: s for s in followers}
    since = min(event.updated_at, change.when) - datetime.timedelta(seconds=1)
    event.story = story
    batch = [(pk, mail.alert(by_id[pk], story, event, since), [row]) for pk, row in sorted(claims.items())]
    sent, again = delivery.send(batch, what="key event alert")
    if again:
        retry(send_alerts, attempt, change_id, first, last)
    return sent


@task()
def send_digest(digest_id, attempt=0):
    """A story's digest for one frequency. Returns how many were sent."""
    sent, again = digest.send(digest_id)
    if again and not retry(send_digest, attempt, digest_id):
        digest.give_up(digest_id)
    return sent


@task()
def send_confirmation(subscription_id, frequency):
    """The double opt-in message (or, to an address already following, its links).
    Also forgets addresses left unconfirmed past their link's life."""
    Subscription.objects.filter(
        confirmed_at=None, created_at__lt=timezone.now() - datetime.timedelta(days=links.confirm_days())
    ).delete()
    subscription = Subscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        return 0
    story = Story.objects.published().filter(pk=subscription.story_id).first()
    if story is None:
        return 0
    sent, _again = delivery.send(
        [(subscription.pk, mail.confirmation(subscription, story, frequency), [])], "confirmation"
    )
    return sent
