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

import html
import re
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db.models.signals import post_save, pre_save
from django.utils.html import strip_tags
from django.utils.safestring import SafeData

from tracker.history import History, record
from tracker.models import Event

LOAD_REASON = "Loaded from fixture"


class FixtureInvalid(Exception):
    pass


def is_content(model):
    """Whether `model` is the tracker's content, which fixtures are for:
    stories, events, sources and quotes, and the links between them. Not
    their history (a load records it), nor accounts or permissions."""
    return (model._meta.auto_created or model) in History.by_model


def refuse_other_model(instance):
    """Raise FixtureInvalid for an object that is not the tracker's content."""
    if not is_content(type(instance)):
        raise FixtureInvalid(
            f"the fixture holds {instance._meta.label} “{instance}”, which is not the tracker's content "
            "(stories, events, sources and quotes). Accounts, permissions and history loaded from a file "
            "bypass the admin's checks: leave them out (--exclude), or load with --allow-other-models "
            "if they are meant to be there."
        )


@contextmanager
def collecting_raw_saves():
    """Collect the objects of tracked models that a fixture load saves raw.

    Yields {(model, pk): instance} and fills it as the load goes; an object
    that the fixtures hold twice (the second would silently replace the
    first) is kept in the "duplicates" entry.
    """
    loaded = {"duplicates": []}

    def keep_version(sender, instance, raw, **kwargs):
        if not raw or sender not in History.by_model:
            return
        # What the database would refuse with a bare error (a choice it does
        # not know) is refused before, in the words an editor's save gets.
        # Relations may still be forward references; the whole object is
        # validated once all are loaded.
        relations = [field.name for field in sender._meta.fields if field.is_relation]
        try:
            instance.clean_fields(exclude=relations)
        except ValidationError as error:
            raise FixtureInvalid(f"{_label(instance)} is invalid: {_details(error)}") from error
        # A fixture does not know how often editors have saved an object
        # since: its version stays what the database says.
        if instance.pk is not None:
            stored = sender._base_manager.filter(pk=instance.pk).values_list("version", flat=True).first()
            instance.version = stored or 1

    def collect(sender, instance, raw, **kwargs):
        if raw and sender in History.by_model:
            # Also stops simple-history recording the m2m links the
            # deserializer sets next; the baseline records them instead.
            instance.skip_history_when_saving = True
            # The same object saved again is not a duplicate: Django saves an
            # object a second time once the objects it refers to further on
            # in the fixtures (a source derived from a later one) are loaded.
            if loaded.get((sender, instance.pk), instance) is not instance:
                loaded["duplicates"].append(instance)
            loaded[sender, instance.pk] = instance

    pre_save.connect(keep_version, weak=False, dispatch_uid="tracker.editorial.loading.keep_version")
    post_save.connect(collect, weak=False, dispatch_uid="tracker.editorial.loading.collect")
    try:
        yield loaded
    finally:
        pre_save.disconnect(dispatch_uid="tracker.editorial.loading.keep_version")
        post_save.disconnect(dispatch_uid="tracker.editorial.loading.collect")


def _label(instance):
    try:
        return f"{instance._meta.label} {instance.natural_key()}"
    except Exception:  # a relation its natural key needs is not loaded yet
        return f"{instance._meta.label} {getattr(instance, 'slug', None) or instance.pk}"


# How the admin's marks in an error (a quote's closest passage in its source,
# with the differences marked) read as plain text.
PLAIN_MARKS = {"del": ("[-", "-]"), "ins": ("{+", "+}"), "q": ("“", "”")}
MARK_TAGS = re.compile(r"<(/?)(del|ins|q)\b[^>]*>")
MARKS_LEGEND = " ([-…-]: in the quote but not the source; {+…+}: in the source but not the quote)"


def plain_text(message):
    """An error message for a terminal: one written as HTML for the admin
    loses its tags (<del>, <ins> and <q> become [-…-], {+…+} and “…”) and
    its escaping; any other is already plain text."""
    if not isinstance(message, SafeData):
        return str(message)
    marked = re.search(r"<(del|ins)\b", message) is not None
    text = html.unescape(strip_tags(MARK_TAGS.sub(lambda tag: PLAIN_MARKS[tag[2]][bool(tag[1])], message)))
    return text + MARKS_LEGEND if marked else text


def _details(error):
    return "; ".join(f"{field}: {' '.join(plain_text(m) for m in msgs)}" for field, msgs in error.message_dict.items())


def validate(instance):
    """The rules an editor's save must pass, applied to a loaded object."""
    try:
        instance.full_clean()
        if isinstance(instance, Event) and not instance.sources.exists():
            raise ValidationError({"sources": "An event must cite at least one source."})
    except ValidationError as error:
        raise FixtureInvalid(f"{_label(instance)} is invalid: {_details(error)}") from error


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
