"""Readers who follow a story by email, and what was sent to them (see tracker/alerts and docs/alerts.md).

A `Subscription` is one address following one story. It is made pending when a
reader asks (only to send the one confirmation message, and deleted unconfirmed
after `ALERTS_CONFIRM_DAYS`), and takes effect when the reader follows the
signed link in that message. Unsubscribing deletes it; deleting one's address
deletes every subscription that has it. The address is never written to a log,
a page, a task's arguments or a link: those name the subscription's id and a
random key.

A `Delivery` is the claim that one message told one subscriber of one thing:
a key event (once per event) or a change in a digest (once per change). It is
written before the message is sent, under unique constraints, so a task that
runs again, or twice at once, never sends the same thing twice.

A `Digest` is one scheduled round of a story's digest for one frequency; a
story has at most one waiting per frequency, so an hourly reader gets at most
one an hour.

Imported at the end of tracker/models.py, so Django finds these models in the
tracker app.
"""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.signals import post_create_historical_record


def new_key():
    return secrets.token_urlsafe(16)


class Frequency(models.TextChoices):
    HOURLY = "hourly", "As they happen (at most one email an hour)"
    DAILY = "daily", "Once a day"


class Subscription(models.Model):
    story = models.ForeignKey("tracker.Story", on_delete=models.CASCADE, related_name="subscriptions")
    email = models.EmailField(max_length=254)  # stored lower-cased (tracker.alerts.forms)
    frequency = models.CharField("digest of other changes", max_length=8, choices=Frequency, default=Frequency.HOURLY)
    # Named by the signed links; a new subscription after a deletion has a new one,
    # so an old link never acts on it.
    key = models.CharField(max_length=32, default=new_key, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "email"], name="subscription_once_per_story"),
            models.CheckConstraint(condition=Q(frequency__in=Frequency.values), name="subscription_frequency_valid"),
        ]
        indexes = [
            # A story's confirmed followers, in id order (the alert batches are id ranges).
            models.Index(fields=["story", "id"], condition=Q(confirmed_at__isnull=False), name="subscription_live"),
            models.Index(fields=["created_at"], condition=Q(confirmed_at__isnull=True), name="subscription_pending"),
            models.Index(fields=["email"], name="subscription_email"),
        ]

    def __str__(self):
        # Never the address: this is what the admin, logs and errors would show.
        return f"Subscription {self.pk} to story {self.story_id}"

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class DeliveryKind(models.TextChoices):
    ALERT = "alert", "Key event"
    DIGEST = "digest", "Digest"


class Delivery(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=6, choices=DeliveryKind)
    event = models.ForeignKey("tracker.Event", on_delete=models.CASCADE, related_name="+")
    change = models.ForeignKey("tracker.Change", on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)  # None: claimed, being sent or lost in a crash

    class Meta:
        constraints = [
            # A key event is announced to a follower once, whatever happens to it later.
            models.UniqueConstraint(
                fields=["subscription", "event"], condition=Q(kind="alert"), name="delivery_one_alert_per_event"
            ),
            # Each change reaches a follower once, in an alert or a digest.
            models.UniqueConstraint(fields=["subscription", "change"], name="delivery_once_per_change"),
            models.CheckConstraint(condition=Q(kind__in=DeliveryKind.values), name="delivery_kind_valid"),
        ]
        indexes = [models.Index(fields=["change", "subscription"], name="delivery_change")]

    def __str__(self):
        return f"{self.kind} of change {self.change_id} to subscription {self.subscription_id}"


class Digest(models.Model):
    story = models.ForeignKey("tracker.Story", on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(max_length=8, choices=Frequency)
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["story", "frequency"], condition=Q(sent_at__isnull=True), name="digest_one_waiting"
            ),
        ]
        indexes = [models.Index(fields=["story", "frequency", "-due_at"], name="digest_story_latest")]

    def __str__(self):
        return f"{self.frequency} digest of story {self.story_id} due {self.due_at:%Y-%m-%d %H:%M}"


def _record_written(sender, instance, history_instance, **kwargs):
    """An edit wrote a record of an event or a story (`sender` is the history
    model): tell the story's followers once it is recorded."""
    kind = instance._meta.label_lower
    if kind not in ("tracker.event", "tracker.story"):
        return
    from tracker.alerts import tasks  # the task queue is loaded with the app, not with the models

    tasks.edit_wrote(history_instance, instance.pk if kind == "tracker.story" else instance.story_id)


post_create_historical_record.connect(_record_written, dispatch_uid="tracker.alert_models.record_written")
