"""A story as data: our own JSON, and Knight Lab TimelineJS's format.

Both formats are described in docs/data.md. Both are public, so they may be
fetched from other sites (a newsroom embedding the timeline with TimelineJS).
"""

from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import dateformat, timezone
from django.utils.html import escape, format_html, format_html_join

from tracker.models import DatePrecision, Quote, Source, Story
from tracker.public.structured_data import absolute
from tracker.public.updates import with_last_updated


def _published_story(slug):
    """The published story with its live events, their sources and quotes: four queries."""
    story = get_object_or_404(with_last_updated(Story.objects.published()), slug=slug)
    story.live_events = list(
        story.events.live()
        .chronological()
        .prefetch_related(
            Prefetch("sources", queryset=Source.objects.select_related("derived_from")),
            Prefetch("quotes", queryset=Quote.objects.live().select_related("source__derived_from")),
        )
    )
    return story


def _json(data):
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def story_json(request, slug):
    """The story with its events, quotes and sources, as documented in docs/data.md."""
    story = _published_story(slug)
    url = absolute(story.get_absolute_url())
    cited = {}
    for event in story.live_events:
        cited.update((source.pk, source) for source in event.sources.all())
        cited.update((quote.source.pk, quote.source) for quote in event.quotes.all())
    statements = _statements([quote for event in story.live_events for quote in event.quotes.all()])
    return _json(
        {
            "id": story.slug,
            "url": url,
            "title": story.title,
            "summary": story.summary,
            "published_at": story.published_at.isoformat(),
            "updated_at": story.last_updated.isoformat(),
            "events": [_event(event, statements) for event in story.live_events],
            "sources": [
                _source(source, cited)
                for source in sorted(cited.values(), key=lambda s: (s.published_on is None, s.published_on, s.slug))
            ],
        }
    )


def _statements(quotes):
    """Each quote's statement: the id of the first published wording of it."""
    first = {}
    for quote in sorted(quotes, key=lambda q: (q.created_at, q.pk)):
        first.setdefault(quote.variant_of_id or quote.pk, quote.anchor)
    return {quote.pk: first[quote.variant_of_id or quote.pk] for quote in quotes}


def _event(event, statements):
    return {
        "id": event.anchor,
        "url": absolute(event.get_absolute_url()),
        "date": event.date.isoformat() if event.date else None,
        "date_precision": event.date_precision,
        "date_label": event.date_display,
        "headline": event.headline,
        "description": event.description,
        "disagreement": event.disagreement,
        "correction": {"note": event.correction, "corrected_at": event.corrected_at.isoformat()}
        if event.correction
        else None,
        "key_event": event.is_key,
        "sources": [source.slug for source in event.sources.all()],
        "quotes": [
            {
                "id": quote.anchor,
                "url": absolute(quote.get_absolute_url()),
                "text": quote.text,
                "speaker": quote.speaker,
                "speaker_role": quote.speaker_role,
                "speech": quote.speech,
                "source": quote.source.slug,
                "statement": statements[quote.pk],
            }
            for quote in event.quotes.all()
        ],
    }


def _source(source, listed):
    # Name the original only if it is listed: a source known only to drafts stays private.
    origin = source.derived_from if source.derived_from_id in listed else None
    return {
        "id": source.slug,
        "url": absolute(source.get_absolute_url()),
        "original_url": source.url or None,
        "headline": source.headline,
        "outlet": source.outlet,
        "byline": source.byline,
        "published_on": source.published_on.isoformat() if source.published_on else None,
        "kind": source.kind,
        "language": source.language,
        "independent": source.derived_from_id is None,
        "derived_from": origin.slug if origin else None,
        "text": source.text,
    }


def timeline_json(request, slug):
    """The story in TimelineJS3's JSON format. Undated events are left out: TimelineJS needs a date."""
    story = _published_story(slug)
    return _json(
        {
            "title": {"text": {"headline": escape(story.title), "text": format_html("<p>{}</p>", story.summary)}},
            "events": [_slide(event) for event in story.live_events if event.date],
        }
    )


def _slide(event):
    start = {"year": event.date.year, "month": event.date.month}
    if event.date_precision != DatePrecision.MONTH:
        start["day"] = event.date.day
    slide = {
        "start_date": start,
        "text": {"headline": escape(event.headline), "text": event_html(event)},
        "unique_id": event.anchor,
    }
    if event.date_precision == DatePrecision.APPROXIMATE:
        slide["display_date"] = escape(event.date_display)  # TimelineJS shows it as HTML too
    return slide


def event_html(event):
    """An event's description, disagreement and sources as HTML for other sites'
    software (TimelineJS, feed readers); every field is escaped."""
    parts = [format_html("<p>{}</p>", event.description)] if event.description else []
    if event.disagreement:
        parts.append(format_html("<p>Sources disagree: {}</p>", event.disagreement))
    if event.correction:
        when = dateformat.format(timezone.localtime(event.corrected_at), "j F Y")
        parts.append(format_html("<p>Corrected {}: {}</p>", when, event.correction))
    sources = format_html_join("; ", "{}", ((source.display_name,) for source in event.sources.all()))
    parts.append(format_html("<p>Reported by: {}</p>", sources))
    return "".join(parts)
