"""Public pages. Every query starts from a published() queryset, so drafts
never reach a reader."""

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render

from .models import Event, Quote, Source, Status, Story


def story_list(request):
    """Published stories, most recently updated first. Template: tracker/story_list.html."""
    stories = Story.objects.published().annotate(event_count=Count("events", filter=Q(events__status=Status.PUBLISHED)))
    return render(request, "tracker/story_list.html", {"stories": stories})


def story_detail(request, slug):
    """A story's timeline with quotes and citations. Template: tracker/story_detail.html."""
    story = get_object_or_404(Story.objects.published(), slug=slug)
    events = list(
        story.events.live()
        .chronological()
        .prefetch_related(
            "sources",
            Prefetch("quotes", queryset=Quote.objects.live().select_related("source")),
        )
    )
    event_ids = [event.pk for event in events]
    sources = (
        Source.objects.filter(Q(events__in=event_ids) | Q(quotes__in=Quote.objects.live().filter(event__in=event_ids)))
        .distinct()
        .select_related("derived_from")
    )
    return render(
        request,
        "tracker/story_detail.html",
        {"story": story, "events": events, "key_events": [e for e in events if e.is_key], "sources": sources},
    )


def source_detail(request, pk):
    """One source with its archived text. Template: tracker/source_detail.html."""
    source = get_object_or_404(Source.objects.published().select_related("derived_from"), pk=pk)
    quotes = source.quotes.published().select_related("event__story")
    events = Event.objects.published().filter(sources=source).select_related("story")
    return render(request, "tracker/source_detail.html", {"source": source, "quotes": quotes, "events": events})
