"""No lost updates: every save of editorial content names the version it was based on.

Two editors who open the same event both start from, say, version 4. The first
save makes it version 5; the second still says 4 and is refused, instead of
silently writing over the first editor's work. The check is a single
``UPDATE ... SET version = version + 1 WHERE pk = ? AND version = 4`` in the
save's own transaction, so it holds however close together two saves arrive:
the database lets exactly one of them claim version 4.
"""

from django.db import models, router, transaction
from django.db.models import F


class StaleEdit(Exception):
    """A save based on a version of the object that is no longer current."""

    def __init__(self, instance, based_on):
        self.instance, self.based_on = instance, based_on
        super().__init__(f"{instance._meta.verbose_name} {instance.pk} is no longer at version {based_on}")


class Versioned(models.Model):
    """Editorial content that refuses a save based on a stale copy."""

    version = models.PositiveIntegerField(
        default=1, help_text="Counts the saves of this object; a save based on an older version is refused."
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding:
            return super().save(*args, **kwargs)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            advance_version(self, expected=self.version, using=using)
            super().save(*args, **kwargs)


def advance_version(instance, expected=None, using=None):
    """Claim the next version of `instance` in the database.

    With `expected`, only if the stored version is still that one (else
    StaleEdit); without, whatever it is, for changes that are not based on an
    editor's copy (a link made from the other side, a fixture load).
    """
    stored = type(instance)._base_manager.using(using or router.db_for_write(type(instance))).filter(pk=instance.pk)
    claimed = stored if expected is None else stored.filter(version=expected)
    if not claimed.update(version=F("version") + 1):
        raise StaleEdit(instance, expected)
    instance.version = expected + 1 if expected is not None else stored.values_list("version", flat=True).get()


def current_version(instance):
    """The version stored for `instance`, or None if it no longer exists."""
    return type(instance)._base_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
