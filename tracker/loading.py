"""What a fixture load adds to Django's loaddata: every loaded object is
validated like an editor's save, leaves a history record, and never replaces
an editor's work unless asked to.

Django saves fixture objects "raw", so simple-history writes nothing for them;
without a baseline the first edit after a load would have nothing to diff
against. A reload that changes nothing writes nothing. A reload that would
change an object whose latest version came from an editor rather than from a
fixture is refused, naming the object, the fields and who changed them,
unless the load is told to overwrite.
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db.models.signals import post_save, pre_save

from .history import History, record
from .models import Event

LOAD_REASON = "Loaded from fixture"


class FixtureInvalid(Exception):
    pass


@contextmanager
def collecting_raw_saves():
    """Collect the objects of tracked models that a fixture load saves raw.

    Yields {(model, pk): instance} and fills it as the load goes; an object
    that the fixtures hold twice (the second would silently replace the
    first) is kept in the "duplicates" entry.
    """
    loaded = {"duplicates": []}

    def keep_version(sender, instance, raw, **kwargs):
        # A fixture does not know how often editors have saved an object
        # since: its version stays what the database says.
        if raw and sender in History.by_model and instance.pk is not None:
            stored = sender._base_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
            instance.version = stored or 1

    def collect(sender, instance, raw, **kwargs):
        if raw and sender in History.by_model:
            # Also stops simple-history recording the m2m links the
            # deserializer sets next; the baseline records them instead.
            instance.skip_history_when_saving = True
            if (sender, instance.pk) in loaded:
                loaded["duplicates"].append(instance)
            loaded[sender, instance.pk] = instance

    pre_save.connect(keep_version, weak=False, dispatch_uid="tracker.loading.keep_version")
    post_save.connect(collect, weak=False, dispatch_uid="tracker.loading.collect")
    try:
        yield loaded
    finally:
        pre_save.disconnect(dispatch_uid="tracker.loading.keep_version")
        post_save.disconnect(dispatch_uid="tracker.loading.collect")


def _label(instance):
    return f"{instance._meta.label} {instance.natural_key()}"


def validate(instance):
    """The rules an editor's save must pass, applied to a loaded object."""
    try:
        instance.full_clean()
        if isinstance(instance, Event) and not instance.sources.exists():
            raise ValidationError({"sources": "An event must cite at least one source."})
    except ValidationError as error:
        details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
        raise FixtureInvalid(f"{_label(instance)} is invalid: {details}") from error


def finish_load(loaded, labels, overwrite=False):
    """Validate everything a load saved, then record its history.

    Returns (created, changed): the objects that got their first record, and
    (object, changed fields) for objects whose stored content the load changed.
    Raises FixtureInvalid for an invalid object, an object the fixtures hold
    twice, or (without `overwrite`) a change to an editor's work.
    """
    duplicates = loaded.pop("duplicates")
    if duplicates:
        names = ", ".join(sorted({_label(obj) for obj in duplicates}))
        raise FixtureInvalid(f"the fixtures hold these objects more than once: {names}")
    instances = [type(obj)._default_manager.get(pk=obj.pk) for obj in loaded.values()]
    for instance in instances:
        validate(instance)
    reason = f"{LOAD_REASON} {', '.join(labels)}"[:100]
    created, changed, conflicts = [], [], []
    for instance in instances:
        previous = instance.history.first()
        fields = record(instance, reason)
        if fields == []:
            created.append(instance)
        elif fields:
            changed.append((instance, fields))
            if not (previous.history_change_reason or "").startswith(LOAD_REASON):
                conflicts.append(
                    f"{_label(instance)} ({', '.join(fields)}), last changed by "
                    f"{previous.history_user or 'someone'} on {previous.history_date:%Y-%m-%d %H:%M %Z}"
                )
    if conflicts and not overwrite:
        raise FixtureInvalid(
            "it would overwrite editorial changes made since these objects were loaded: "
            f"{'; '.join(conflicts)}. Load with --overwrite to replace them (the history keeps both)."
        )
    return created, changed
