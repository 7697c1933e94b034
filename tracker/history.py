"""Version history for editorial content, on top of django-simple-history."""

import contextvars
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise

from django.db import models, transaction
from django.db.models.signals import post_delete, pre_delete
from simple_history.models import DeletedObject, HistoricalChanges, HistoricalRecords, ModelChange, ModelDelta
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from tracker.diffs import word_diff_html
from tracker.locking import advance_version

# Bookkeeping, not content: left out of diffs and of "what changed".
NOT_CONTENT = ["version", "created_at", "updated_at"]


class ContentChanges(HistoricalChanges):
    """Diffs of history records compare content, not the version counter."""

    def diff_against(self, old_history, excluded_fields=None, included_fields=None, **kwargs):
        return super().diff_against(old_history, [*(excluded_fields or ()), "version"], included_fields, **kwargs)


class EditStamped(models.Model):
    """The edit a history record belongs to (see `editing`)."""

    edit = models.ForeignKey("tracker.Edit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class History(HistoricalRecords):
    """simple-history's HistoricalRecords, so that every change is exactly one record:

    - the links a form saves together with its object (``save_m2m``) complete
      the record that object's save wrote, instead of writing a second one;
    - a link changed on its own (``event.sources.add(...)``) is a change of the
      event: it gets a new version and a record;
    - a link changed from the other side (``source.events.add(event)``) is
      recorded on the event. simple-history would write a record of the
      *source* into the event's history table;
    - it is remembered per model, so code that writes without firing signals
      (fixture loads) can still leave a record.
    """

    by_model = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bases = (ContentChanges, EditStamped, *self.bases)

    def get_meta_options(self, model):
        # An object's history page reads its records newest first. With only
        # an index on the date, PostgreSQL finds a busy object's records by
        # walking back through every object's.
        meta = super().get_meta_options(model)
        fields = [model._meta.pk.attname, "history_date", "history_id"]
        index = models.Index(fields=fields, name=f"{model._meta.model_name}_history_object")
        meta["indexes"] = [*meta.get("indexes", ()), index]
        return meta

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            History.by_model[sender] = self

    def pre_delete(self, instance, **kwargs):
        super().pre_delete(instance, **kwargs)
        # Django deletes an object's links before the object: its deletion
        # record keeps the ones it had from here.
        fields = [instance._meta.get_field(f) if isinstance(f, str) else f for f in self.m2m_fields]
        instance._links_before_deletion = {
            field: list(field.remote_field.through.objects.filter(**{field.m2m_field_name(): instance}))
            for field in fields
        }

    def create_historical_record_m2ms(self, history_instance, instance):
        kept = getattr(instance, "_links_before_deletion", None)
        if history_instance.history_type != "-" or kept is None:
            return super().create_historical_record_m2ms(history_instance, instance)
        for field, links in kept.items():
            m2m_history = self.m2m_models[field]
            rows = ({f.attname: getattr(link, f.attname) for f in link._meta.fields} for link in links)
            m2m_history.objects.bulk_create(m2m_history(history=history_instance, **row) for row in rows)
        return None

    def m2m_changed(self, instance, action, attr, pk_set, reverse, model=None, **kwargs):
        if hasattr(instance, "skip_history_when_saving"):
            return
        if reverse:
            self._record_other_side(instance, action, attr, pk_set, model)
        elif action in ("post_add", "post_remove", "post_clear"):
            record = getattr(instance, "_completing_record", None)
            if record is None:
                record_change(instance)
            else:
                # simple-history keeps every model's link tables in one dict: only this model's.
                for field in self.get_m2m_fields_from_model(type(instance)):
                    self.m2m_models[field].objects.filter(history=record).delete()
                self.create_historical_record_m2ms(record, instance)

    def _record_other_side(self, instance, action, attr, pk_set, model):
        related_name = model._meta.get_field(attr).remote_field.get_accessor_name()
        if action == "pre_clear":
            instance._cleared_pks = set(getattr(instance, related_name).values_list("pk", flat=True))
        elif action in ("post_add", "post_remove", "post_clear"):
            pks = instance.__dict__.pop("_cleared_pks", set()) if action == "post_clear" else pk_set
            for obj in model._default_manager.filter(pk__in=pks):
                record_change(obj)


def latest_records(records):
    """{object id: its latest record} among `records`, a history queryset."""
    return {record.id: record for record in records.order_by("history_date", "history_id")}


def _remember_record(sender, instance, history_instance, **kwargs):
    instance._latest_history = history_instance


post_create_historical_record.connect(_remember_record, dispatch_uid="tracker.history.remember")


# --- Edits: the records one editorial act wrote ----------------------------------

# Inside `editing()`: a list holding the Edit once its first record is written.
_edit = contextvars.ContextVar("tracker_edit", default=None)


@contextmanager
def editing():
    """Every history record written inside this block belongs to one Edit:
    the middleware wraps each request in one (an admin save with its inlines
    and links, a deletion and what it takes along), fixture loads and the
    synthetic stories theirs. The Edit is made with its first record, so a
    request that writes nothing makes none; a record written outside any
    block is an edit of its own."""
    if _edit.get() is not None:  # within an edit already: part of it
        yield
        return
    token = _edit.set([])
    try:
        yield
    finally:
        _edit.reset(token)


def current_edit():
    """The Edit the next history record belongs to."""
    from tracker import changes
    from tracker.models import Edit  # the models' histories are built from this module

    held = _edit.get()
    if held:
        return held[0]
    edit = Edit.objects.create()
    # Its public changes are recorded once it commits (and, should that
    # fail, by the next changelog that is read: tracker.changes).
    transaction.on_commit(changes.record_pending, robust=True)
    if held is not None:
        held.append(edit)
    return edit


def _stamp_edit(sender, history_instance, **kwargs):
    if history_instance.edit_id is None:
        history_instance.edit = current_edit()


pre_create_historical_record.connect(_stamp_edit, dispatch_uid="tracker.history.edit")


class EditMiddleware:
    """One request, one edit (see `editing`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with editing():
            return self.get_response(request)


@contextmanager
def completing_record(instance):
    """Links saved inside this block belong to the record `instance`'s save just wrote."""
    instance._completing_record = getattr(instance, "_latest_history", None)
    try:
        yield
    finally:
        del instance._completing_record


def record_change(instance, reason=None):
    """A change made without saving `instance` itself (its links): a new
    version and a record of the object as stored, not of unsaved edits."""
    advance_version(instance)
    stored = type(instance)._base_manager.get(pk=instance.pk)
    history = History.by_model[type(instance)]
    stored._history_user, stored._change_reason = history.get_history_user(instance), reason
    if hasattr(instance, "_history_date"):  # a caller that dates its changes dates the links too
        stored._history_date = instance._history_date
    history.create_historical_record(stored, "~")


def _note_linked_events(sender, instance, **kwargs):
    instance._linked_events = list(instance.events.all())


def _record_unlinked_events(sender, instance, **kwargs):
    for event in instance.__dict__.pop("_linked_events", []):
        limit = event.history.model._meta.get_field("history_change_reason").max_length
        record_change(event, _shorten(f"Source deleted: {instance}", limit))


# Deleting a source removes it from the events citing it without any
# m2m signal; the events' histories must still show it.
pre_delete.connect(_note_linked_events, sender="tracker.Source", dispatch_uid="tracker.history.note_links")
post_delete.connect(_record_unlinked_events, sender="tracker.Source", dispatch_uid="tracker.history.unlinked")


def record(instance, reason):
    """Record `instance` as it now stands in the database, unless that is what
    its latest record already says (so repeating an operation that changed
    nothing leaves no trace). A change is a new version.

    Returns the names of the fields that changed ([] for a first record), or
    None when nothing was recorded.
    """
    previous = instance.history.first()
    changed = [] if previous is None else differences(previous, instance)
    if previous is not None:
        if not changed:
            return None
        advance_version(instance)
    instance._change_reason = reason
    History.by_model[type(instance)].create_historical_record(instance, "~" if previous else "+")
    return changed


def differences(record, instance):
    """Names of the content fields and links in which `instance` differs from `record`."""
    names = [
        f.name
        for f in record.tracked_fields
        if f.editable and f.name not in NOT_CONTENT and getattr(record, f.attname) != getattr(instance, f.attname)
    ]
    for field in record._history_m2m_fields:
        target = f"{field.m2m_reverse_field_name()}_id"
        then = {getattr(row, target) for row in getattr(record, field.name).all()}
        if then != set(getattr(instance, field.name).values_list("pk", flat=True)):
            names.append(field.name)
    return names


# --- Comparing versions ---------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    old: str
    new: str

    @property
    def diff(self):
        """HTML of the change, word by word, cut to the words around each change (tracker.diffs)."""
        return word_diff_html(self.old, self.new)


def field_changes(old, new):
    """What differs between two history records of one object, field by field, readably."""
    delta = new.diff_against(old, excluded_fields=NOT_CONTENT, foreign_keys_are_objs=True)
    return [
        FieldChange(_label(new, c.field), _display(new, c.field, c.old), _display(new, c.field, c.new))
        for c in delta.changes
    ]


def page_deltas(records):
    """(record, delta) for each of `records` (newest first) but the last: what
    changed since the record after it, as simple-history's history page shows.

    simple-history reads each record's links (many-to-many rows) twice, two
    queries per record shown; here the rows and linked objects of all
    `records` are read at once, so a page costs the same queries however many
    records it shows. Link values are lists of {target field: object, or
    DeletedObject}, as simple-history's are but without the link's own field.
    """
    records = list(records)
    if len(records) < 2:
        return []
    links = {field: _links(field, records) for field in records[0]._history_m2m_fields}
    result = []
    for new, old in pairwise(records):
        delta = new.diff_against(old, excluded_fields=[f.name for f in links], foreign_keys_are_objs=True)
        changes = [*delta.changes]
        for field, linked in links.items():
            then, now = linked[old.pk], linked[new.pk]
            if sorted(o.pk for o in then) != sorted(o.pk for o in now):
                target = field.m2m_reverse_field_name()
                changes.append(ModelChange(field.name, [{target: o} for o in then], [{target: o} for o in now]))
        changes.sort(key=lambda change: change.field)
        result.append((new, ModelDelta(changes, [c.field for c in changes], old, new)))
    return result


def _links(field, records):
    """{history_id: [object, or DeletedObject]}: what each record links to
    through `field`, in the order simple-history shows (the target's ordering)."""
    target = field.m2m_reverse_field_name()
    rows = HistoricalRecords.m2m_models[field].objects.filter(history__in=records)
    links = defaultdict(list)
    for row in rows.select_related(target).order_by(target):  # the link to the target is nullable: a left join
        linked = getattr(row, target) or DeletedObject(field.related_model, getattr(row, f"{target}_id"))
        links[row.history_id].append(linked)
    return links


def record_of_version(model, pk, version):
    """The history record written when object `pk` reached `version` (None if there is none)."""
    return model.history.filter(id=pk, version=version).exclude(history_type="-").order_by("history_id").last()


def _label(record, name):
    return str(record.instance_type._meta.get_field(name).verbose_name).capitalize()


def _display(record, name, value):
    field = record.instance_type._meta.get_field(name)
    if field.many_to_many:
        target = field.m2m_reverse_field_name()
        return "; ".join(sorted(str(row[target]) for row in value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return "" if value is None else str(value)


def conflict_message(stored, based_on, rebased=False):
    """Tell an editor whose copy (version `based_on`) is stale what changed since;
    `rebased` when the form is shown again on the current version with their changes."""
    if rebased:
        then = (
            "Nothing of yours was saved yet. The form now shows the current version with your changes kept "
            "where nobody else changed the field; where you both did, yours is shown beside it. Review, then save."
        )
    else:
        then = "Nothing of yours was saved: copy your changes, reload the page and make them again."
    return f"{_changed_since(stored, based_on, 'editing')} {then}"


def deletion_conflict_message(stored, based_on):
    """Tell an editor who confirmed deleting version `based_on` what changed since."""
    if not based_on or not based_on.isdigit():
        return f"This {stored._meta.verbose_name} was not deleted: confirm again on this page."
    changed = _changed_since(stored, int(based_on), "deciding to delete")
    return f"{changed} It was not deleted: review it and confirm again."


def _changed_since(stored, based_on, doing):
    started, latest = record_of_version(type(stored), stored.pk, based_on), stored.history.first()
    changes = field_changes(started, latest) if started and latest else []
    changed = "; ".join(f"{c.label}: “{_shorten(c.old)}” → “{_shorten(c.new)}”" for c in changes)
    who = f" by {latest.history_user}" if latest and latest.history_user else ""
    return (
        f"This {stored._meta.verbose_name} was changed{who} while you were {doing} it: "
        f"you started from version {based_on}, it is now version {stored.version}. "
        f"Changed meanwhile: {changed or 'links or bookkeeping only'}."
    )


def _shorten(text, limit=80):
    """`text`, or as many of its words as fit in `limit` characters with "…"
    after them: never cut inside a word, unless the first alone is too long."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    words = cut.rstrip() if text[limit - 1].isspace() else re.sub(r"\S+$", "", cut).rstrip()
    return (words or cut) + "…"
