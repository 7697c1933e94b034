"""Admin pages beyond Django's own: two versions of an object side by side,
and a whole story as it stood at a chosen moment. Staff only (the admin site
wraps them), read only."""

from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery, Value
from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from simple_history.models import DeletedObject, HistoricalRecords

from tracker.editorial.permissions import deny
from tracker.history import NOT_CONTENT, FieldChange, field_changes, latest_records
from tracker.models import Event, Quote, Source, Story, chronological_key


class CompareForm(forms.Form):
    old = forms.ModelChoiceField(queryset=None, to_field_name="history_id", label="Version")
    new = forms.ModelChoiceField(queryset=None, to_field_name="history_id", label="compared with version")

    def __init__(self, records, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.queryset = records
            field.label_from_instance = _version_label

    def clean(self):
        cleaned_data = super().clean()
        old, new = cleaned_data.get("old"), cleaned_data.get("new")
        if old and new and (old.history_date, old.history_id) > (new.history_date, new.history_id):
            cleaned_data["old"], cleaned_data["new"] = new, old
        return cleaned_data


def _version_label(record):
    who = record.history_user or "unknown"
    return f"{record.version} — {timezone.localtime(record.history_date):%d %b %Y %H:%M} by {who}"


def _viewable(model_admin, request, object_id, what):
    """The object at `object_id` if the user may view it; 404 if there is none,
    and a logged refusal if they may not."""
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404
    if not model_admin.has_view_or_change_permission(request, obj):
        deny(request, f"{what}, {object_id}", "no permission to view it")
    return obj


def _history_of(model_admin, object_id):
    try:
        pk = model_admin.opts.pk.to_python(unquote(object_id))
    except ValidationError:
        raise Http404 from None
    records = model_admin.model.history.filter(id=pk).select_related("history_user")
    if not records.exists():
        raise Http404
    return records


def compare_versions(model_admin):
    """Two history records of one object, field by field, with word-level
    differences. Template: admin/tracker/compare_versions.html."""

    def view(request, object_id):
        records = _history_of(model_admin, object_id)
        latest = records.first()
        current = model_admin.get_object(request, unquote(object_id))
        if not model_admin.has_view_history_or_change_history_permission(request, current or latest.instance):
            deny(request, f"compare {model_admin.opts.label} {object_id}", "no permission to view its history")
        previous = records[1] if records.count() > 1 else latest
        if "old" in request.GET or "new" in request.GET:
            form = CompareForm(records, request.GET)
        else:
            form = CompareForm(records, {"old": previous.history_id, "new": latest.history_id})
        old = new = None
        changes = []
        if form.is_valid():
            old, new = form.cleaned_data["old"], form.cleaned_data["new"]
            changes = field_changes(old, new)
        context = {
            **model_admin.admin_site.each_context(request),
            "title": f"Compare versions of {latest.instance}",
            "opts": model_admin.opts,
            "object": current,
            "form": form,
            "old": old,
            "new": new,
            "changes": changes,
            "can_revert": current is not None and model_admin.has_change_permission(request, current),
        }
        return TemplateResponse(request, "admin/tracker/compare_versions.html", context)

    return view


class MomentForm(forms.Form):
    when = forms.DateTimeField(
        label="As it stood at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def story_as_of(model_admin):
    """A story with its events, their sources and quotes, rebuilt from history
    as they stood at the moment chosen in the form. Template:
    admin/tracker/story_as_of.html."""

    def view(request, object_id):
        story = _viewable(model_admin, request, object_id, "story as of")
        form = MomentForm(request.GET or None, initial={"when": timezone.localtime().replace(second=0, microsecond=0)})
        snapshot = story_snapshot(story.pk, form.cleaned_data["when"]) if form.is_valid() else None
        context = {
            **model_admin.admin_site.each_context(request),
            "title": f"{story} as it stood",
            "opts": model_admin.opts,
            "object": story,
            "form": form,
            "snapshot": snapshot,
        }
        return TemplateResponse(request, "admin/tracker/story_as_of.html", context)

    return view


def story_snapshot(story_pk, when):
    """The story, its events (with sources and quotes) as history has them at
    `when`; None if the story did not exist then."""
    story = Story.history.as_of(when).filter(id=story_pk).first()
    if story is None:
        return None
    # The events' records as of `when` (not as_of()'s instances: the records
    # hold the links they were saved with).
    records = latest_records(Event.history.filter(story_id=story_pk, history_date__lte=when)).values()
    records = sorted((r for r in records if r.history_type != "-"), key=chronological_key)
    cited = {record.id: [row.source_id for row in record.sources.all()] for record in records}
    events = [record.instance for record in records]
    quotes = defaultdict(list)
    for quote in Quote.history.as_of(when).filter(event_id__in=cited).order_by("created_at", "id"):
        quotes[quote.event_id].append(quote)
    source_ids = {pk for pks in cited.values() for pk in pks} | {q.source_id for qs in quotes.values() for q in qs}
    sources = {source.pk: source for source in Source.history.as_of(when).filter(id__in=source_ids)}
    for event in events:
        event.sources_then = [sources[pk] for pk in cited[event.pk] if pk in sources]
        event.quotes_then = quotes[event.pk]
        for quote in event.quotes_then:
            quote.source_then = sources.get(quote.source_id)
    return {"story": story, "events": events, "when": when}


def source_text(model_admin):
    """A source's archived text as JSON, for the quote forms' passage picker
    (static/tracker/admin/quote-picker.js): {"id", "title", "text"}."""

    def view(request, object_id):
        if not model_admin.has_view_or_change_permission(request):
            deny(request, f"text of {model_admin.opts.label} {object_id}", "no permission to view it")
        source = model_admin.get_object(request, unquote(object_id))
        if source is None:
            raise Http404
        response = JsonResponse({"id": source.pk, "title": str(source), "text": source.text})
        response["Cache-Control"] = "private, no-store"
        return response

    return view


# The picker's script, told where to fetch a source's text: the address with
# the source's id in place of the placeholder.
QUOTE_PICKER_SCRIPT = forms.Script(
    "tracker/admin/quote-picker.js",
    **{"data-source-text-url": reverse_lazy("admin:tracker_source_text", args=["__id__"])},
)


# --- A story's whole history ---------------------------------------------------

HISTORY_PER_PAGE = 50
# The models of a story's whole history. A record's model is carried as its
# index here, which also orders records of one moment with the same history_id.
WHOLE_STORY = (Story, Event, Quote, Source)
KINDS = {"+": "added", "~": "changed", "-": "deleted"}


@dataclass
class HistoryEntry:
    """One history record of a story's whole history, ready to show."""

    record: object  # the history record: when, who, why
    subject: object  # the object as that record has it
    kind: str  # added, changed or deleted
    exists: bool  # the object still exists
    url: str  # its admin change page; "" if it is gone or the user may not see that model
    changes: list  # FieldChange, against the previous record of the same object

    @property
    def model_name(self):
        return self.subject._meta.verbose_name


def story_history(model_admin):
    """A story's whole history: every change to the story, its events (deleted
    ones too), their quotes and the sources they cite or are quoted from, who
    made it, when and why, with word differences, newest first and
    HISTORY_PER_PAGE to a page. Template: admin/tracker/story_history.html.

    A page costs the same few queries however long the history: see
    newest_first() and history_entries()."""

    def view(request, object_id):
        story = _viewable(model_admin, request, object_id, "story history")
        site = model_admin.admin_site
        linkable = {
            model
            for model in WHOLE_STORY
            if site.is_registered(model) and site.get_model_admin(model).has_view_or_change_permission(request)
        }
        paginator = Paginator(newest_first(story_history_records(story.pk)), HISTORY_PER_PAGE)
        page = paginator.get_page(request.GET.get(PAGE_VAR))
        page.object_list = history_entries(page.object_list, linkable, site.name)
        context = {
            **site.each_context(request),
            "title": f"The whole history of {story}",
            "opts": model_admin.opts,
            "object": story,
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
        }
        return TemplateResponse(request, "admin/tracker/story_history.html", context)

    return view


def story_history_records(story_pk):
    """The history records of a story's whole history, a queryset for each
    model of WHOLE_STORY: the story's own; those of events that were ever in
    it (a deleted event's last record keeps its story); those of the quotes
    of those events; and those of every source one of those event records
    cited or one of those quote records was taken from."""
    events = Event.history.filter(story_id=story_pk)
    quotes = Quote.history.filter(event_id__in=events.values("id"))
    links = HistoricalRecords.m2m_models[Event._meta.get_field("sources")].objects
    citations = links.filter(history__story_id=story_pk)
    sources = Source.history.filter(Q(id__in=citations.values("source_id")) | Q(id__in=quotes.values("source_id")))
    return [Story.history.filter(id=story_pk), events, quotes, sources]


def newest_first(streams):
    """The records of `streams` (one queryset of history records for each
    model of WHOLE_STORY, in that order) merged newest first by
    (history_date, history_id), as rows {history_date, history_id, stream}.

    One UNION ALL of the streams' three columns, ordered and sliced by the
    database (and counted, for the paginator, in one more query): a page
    fetches only its own rows, whichever page it is, and no record's text
    but the page's is read. Each part is an index search on this story's
    records (on story, event or object id), so the rest of the history
    tables, however large, is never read; the database sorts the three
    columns of the story's own records. Merging in Python instead
    (heapq.merge) would fetch offset + page size rows of every stream, more
    the further back the page.
    """
    parts = [
        records.order_by().values("history_date", "history_id").annotate(stream=Value(n))
        for n, records in enumerate(streams)
    ]
    return parts[0].union(*parts[1:], all=True).order_by("-history_date", "-history_id", "-stream")


def history_entries(rows, linkable=WHOLE_STORY, site_name="admin"):
    """The rows of newest_first() (a page of them) as HistoryEntry, in their
    order; admin links only to objects of the `linkable` models.

    For each model with rows on the page, three queries at most whatever
    their number: its records, each with the id of the previous record of
    its object (a correlated subquery along the history table's index on
    object, date and id); those previous records; which objects still exist.
    A model whose links are recorded (an event's sources) costs one query
    more for the links of all those records."""
    rows = list(rows)
    wanted = defaultdict(list)
    for row in rows:
        wanted[row["stream"]].append(row["history_id"])
    entries = {}
    for stream, history_ids in wanted.items():
        model = WHOLE_STORY[stream]
        for entry in _entries_of(model, history_ids, model in linkable, site_name):
            entries[stream, entry.record.history_id] = entry
    return [entries[row["stream"], row["history_id"]] for row in rows]


def _entries_of(model, history_ids, linkable, site_name):
    history, pk = model.history, model._meta.pk.attname
    related = [f.name for f in model._meta.concrete_fields if f.many_to_one]  # shown when changed
    earlier = (
        history.filter(**{pk: OuterRef(pk)})
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    records = list(
        history.filter(history_id__in=history_ids)
        .select_related("history_user", *related)
        .annotate(previous_id=Subquery(earlier))
    )
    previous_ids = [r.previous_id for r in records if r.previous_id is not None]
    previous = {r.history_id: r for r in history.filter(history_id__in=previous_ids).select_related(*related)}
    links = {
        field: _links_of(field, [*records, *previous.values()])
        for field in model._meta.many_to_many
        if field in HistoricalRecords.m2m_models
    }
    stored = model._default_manager.filter(pk__in={getattr(r, pk) for r in records}).order_by()
    existing = set(stored.values_list("pk", flat=True))
    change_page = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
    for record in records:
        object_pk = getattr(record, pk)
        old = previous.get(record.previous_id)
        exists = object_pk in existing
        yield HistoryEntry(
            record=record,
            subject=record.instance,
            kind=KINDS.get(record.history_type, record.history_type),
            exists=exists,
            url=reverse(change_page, args=[object_pk], current_app=site_name) if exists and linkable else "",
            changes=_changes(model, old, record, links) if old is not None and record.history_type != "-" else [],
        )


def _links_of(field, records):
    """{history_id: [object, or DeletedObject]}: what each of `records` links to through `field`."""
    target = field.m2m_reverse_field_name()
    links = defaultdict(list)
    for row in HistoricalRecords.m2m_models[field].objects.filter(history__in=records).select_related(target):
        linked = getattr(row, target) or DeletedObject(field.related_model, getattr(row, f"{target}_id"))
        links[row.history_id].append(linked)
    return links


def _changes(model, old, new, links):
    """field_changes(old, new), with the links compared from `links` (see
    _links_of) instead of read again, twice for every record."""
    if not links:
        return field_changes(old, new)
    excluded = [*NOT_CONTENT, *(field.name for field in links)]
    delta = new.diff_against(old, excluded_fields=excluded, foreign_keys_are_objs=True)
    changes = [(c.field, _readable(model, c.field, c.old), _readable(model, c.field, c.new)) for c in delta.changes]
    for field, linked in links.items():
        then, now = linked[old.history_id], linked[new.history_id]
        if sorted(o.pk for o in then) != sorted(o.pk for o in now):
            changes.append((field.name, _names(then), _names(now)))
    changes.sort(key=lambda change: change[0])
    return [FieldChange(str(model._meta.get_field(name).verbose_name).capitalize(), o, n) for name, o, n in changes]


def _readable(model, name, value):
    field = model._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return "" if value is None else str(value)


def _names(objects):
    return "; ".join(sorted(str(o) for o in objects))
