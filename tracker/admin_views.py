"""Admin pages beyond Django's own: two versions of an object side by side,
and a whole story as it stood at a chosen moment. Staff only (the admin site
wraps them), read only."""

import datetime
from collections import defaultdict

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone

from .history import field_changes
from .models import Event, Quote, Source, Story
from .permissions import deny


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
        story = model_admin.get_object(request, unquote(object_id))
        if story is None:
            raise Http404
        if not model_admin.has_view_or_change_permission(request, story):
            deny(request, f"story as of, {object_id}", "no permission to view it")
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
    events = sorted(
        Event.history.as_of(when).filter(story_id=story_pk),
        key=lambda e: (e.date is None, e.date or datetime.date.min, e.created_at, e.pk),
    )
    cited = {event.pk: [row.source_id for row in event._history.sources.all()] for event in events}
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
