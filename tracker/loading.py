"""What a fixture load adds to Django's loaddata: every loaded object is
validated like an editor's save, and leaves a history record.

Django saves fixture objects "raw", so simple-history writes nothing for them;
without a baseline the first edit after a load would have nothing to diff
against. A reload that changes nothing writes nothing; a reload that changes
something (perhaps overwriting an editor's later work) writes a record that
says so, and the command reports it.
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db.models.signals import post_save

from .history import History, record
from .models import Event


class FixtureInvalid(Exception):
    pass


@contextmanager
def collecting_raw_saves():
    """Collect the objects of tracked models that a fixture load saves raw."""
    loaded = {}

    def collect(sender, instance, raw, **kwargs):
        if raw and sender in History.by_model:
            # Also stops simple-history recording the m2m links the
            # deserializer sets next; the baseline records them instead.
            instance.skip_history_when_saving = True
            loaded[sender, instance.pk] = instance

    post_save.connect(collect, weak=False, dispatch_uid="tracker.loading.collect")
    try:
        yield loaded
    finally:
        post_save.disconnect(dispatch_uid="tracker.loading.collect")


def validate(instance):
    """The rules an editor's save must pass, applied to a loaded object."""
    try:
        instance.full_clean()
        if isinstance(instance, Event) and not instance.sources.exists():
            raise ValidationError({"sources": "An event must cite at least one source."})
    except ValidationError as error:
        label = f"{instance._meta.label} {instance.natural_key()}"
        details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
        raise FixtureInvalid(f"{label} is invalid: {details}") from error


def finish_load(loaded, reason):
    """Validate everything a load saved, then record its history.

    Returns (created, changed): the objects that got their first record, and
    (object, changed fields) for objects whose stored content the load changed.
    """
    instances = [type(obj)._default_manager.get(pk=obj.pk) for obj in loaded.values()]
    for instance in instances:
        validate(instance)
    created, changed = [], []
    for instance in instances:
        fields = record(instance, reason)
        if fields == []:
            created.append(instance)
        elif fields:
            changed.append((instance, fields))
    return created, changed
