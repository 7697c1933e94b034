"""A story as data: our own JSON, and Knight Lab TimelineJS's format.

Both formats are described in docs/data.md. Both are public, so they may be
fetched from other sites (a newsroom embedding the timeline with TimelineJS).
"""

from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape, format_html, format_html_join

from tracker import parts, provenance
from tracker.models import DatePrecision, Event, Quote, Source, Story, account_citations
from tracker.public.structured_data import absolute
from tracker.public.updates import with_last_updated

# Events per page of /stories/<slug>.json: a page costs what it shows, the
# archived texts of its sources included, however long the story grows.
PAGE_SIZE = 100


def _json(data):
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def story_json(request, slug):
    """A page of the story's events, with their statements, the accounts of what
    their sources disagree about and the sources they cite, as documented in
    docs/data.md; six queries whatever the page, and one more per generation of
    originals that the page does not cite.

    Pages count from the story's first event, so a page keeps its events as new
    ones are added; `?page=` follows the story page's rule (tracker.parts), so
    the first page has one address only."""
    number = parts.requested(request.GET.get("page"))
    story = get_object_or_404(with_last_updated(Story.objects.published().with_event_count()), slug=slug)
    pages = max(1, -(-story.event_count // PAGE_SIZE))
    if number > pages:
        raise Http404("No such page of the story.")
    start = (number - 1) * PAGE_SIZE
    events = list(
        story.events.live()
        .chronological()
        .prefetch_related(Prefetch("quotes", queryset=Quote.objects.live()))[start : start + PAGE_SIZE]
    )
    sources = _cite(events)
    for event in events:
        event.statements = provenance.statements(list(event.quotes.all()))

    here = reverse("tracker:story_json", kwargs={"slug": story.slug})
    neighbours = {"first": 1, "prev": number - 1, "next": number + 1 if number < pages else 0, "last": pages}
    links = {rel: absolute(parts.address(here, page)) for rel, page in neighbours.items() if page}
    response = _json(
        {
            "id": story.slug,
            "url": absolute(story.get_absolute_url()),
            "title": story.title,
            "summary": story.summary,
            "published_at": story.published_at.isoformat(),
            "updated_at": story.last_updated.isoformat(),
            "page": number,
            "pages": pages,
            "total_events": story.event_count,
            "next": links.get("next"),
            "previous": links.get("prev"),
            "events": [_event(event) for event in events],
            "statements": [_statement(statement) for event in events for statement in event.statements],
            "sources": [_source(source) for source in sorted(sources.values(), key=_in_order)],
        }
    )
    response["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())  # RFC 8288
    return response


def _cite(events):
    """The sources these events, their quotes and their accounts cite, by id,
    each with `root_id` (provenance.roots) and `public_original`; each event
    gets `cited`, its own sources, and `shown_accounts`, each quote its source.

    An original is named only when the public may see it (Source.objects.published()),
    wherever it is cited: never one known only to drafts, and the same on every page."""
    links = list(Event.sources.through.objects.filter(event__in=events).values_list("event_id", "source_id"))
    accounts = account_citations(events)
    ids = {source for _, source in links} | {quote.source_id for event in events for quote in event.quotes.all()}
    ids |= {source for account in accounts for source in account.source_ids}
    public_original = Source.objects.published().filter(pk=OuterRef("derived_from")).values("slug")
    sources = {s.pk: s for s in Source.objects.filter(pk__in=ids).annotate(public_original=Subquery(public_original))}
    for source, root in provenance.roots(list(sources.values())).items():
        sources[source].root_id = root
    cites = {}
    for event, source in links:
        cites.setdefault(event, []).append(sources[source])
    shown = {}
    for account in accounts:
        account.cited = [sources[source] for source in account.source_ids]
        shown.setdefault(account.event_id, []).append(account)
    for event in events:
        event.cited = sorted(cites.get(event.pk, []), key=_in_order)
        event.shown_accounts = shown.get(event.pk, [])
        for quote in event.quotes.all():
            quote.source = sources[quote.source_id]
    return sources


def _in_order(source):
    # Undated sources last, the same on every database.
    return (source.published_on is None, source.published_on, source.slug)


def _event(event):
    statement_of = {quote.pk: statement.quote.anchor for statement in event.statements for quote in statement.wordings}
    return {
        "id": event.anchor,
        "url": absolute(event.get_absolute_url()),
        "date": event.date.isoformat() if event.date else None,
        "date_precision": event.date_precision,
        "date_label": event.date_display,
        "headline": event.headline,
        "description": event.description,
        "disagreement": event.disagreement,
        "accounts": [
            {
                "detail": account.detail,
                "version": account.says,
                "sources": [source.slug for source in sorted(account.cited, key=_in_order)],
            }
            for account in event.shown_accounts
        ],
        "correction": {"note": event.correction, "corrected_at": event.corrected_at.isoformat()}
        if event.correction
        else None,
        "key_event": event.is_key,
        "claim": _claim(event),
        "sources": [source.slug for source in event.cited],
        "independent_sources": provenance.independent_count(event.cited),
        "quotes": [
            {
                "id": quote.anchor,
                "url": absolute(quote.get_absolute_url()),
                "text": quote.text,
                "speaker": quote.speaker,
                "speaker_role": quote.speaker_role,
                "speech": quote.speech,
                "source": quote.source.slug,
                "statement": statement_of[quote.pk],
            }
            for quote in event.quotes.all()
        ],
    }


def _statement(statement):
    return {
        "id": statement.quote.anchor,
        "wordings": [quote.anchor for quote in statement.wordings],
        "sources": list(dict.fromkeys(quote.source.slug for quote in statement.wordings)),
        "independent_sources": statement.independent_count,
        "claim": _claim(statement.claim),
    }


def _claim(claimed):
    """Where an event or statement stands, or None when no status is recorded."""
    if claimed is None or not claimed.claim_status:
        return None
    return {
        "status": claimed.claim_status,
        "on_whose_word": claimed.claim_basis,
        "since": claimed.claim_since.isoformat() if claimed.claim_since else None,
        "recorded_at": claimed.claim_recorded_at.isoformat() if claimed.claim_recorded_at else None,
        "summary": claimed.claim_line,
    }


def _source(source):
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
        "derived_from": source.public_original,
        "derivation": source.derivation if source.derived_from_id else None,
        "derivation_reason": source.derivation_reason if source.derived_from_id else "",
        "text": source.text,
    }


# A timeline of more slides than this is past reading: a long story's shows
# its latest dated events, and costs what they do.
TIMELINE_SLIDES = 100


def timeline_json(request, slug):
    """The story in TimelineJS3's JSON format: its latest TIMELINE_SLIDES dated
    events. Undated events are left out: TimelineJS needs a date."""
    story = get_object_or_404(Story.objects.published(), slug=slug)
    dated = story.events.live().filter(date__isnull=False).chronological().reverse()[:TIMELINE_SLIDES]
    events = dated.prefetch_related(Prefetch("sources", queryset=Source.objects.defer("text", "notes")))
    return _json(
        {
            "title": {"text": {"headline": escape(story.title), "text": format_html("<p>{}</p>", story.summary)}},
            "events": [_slide(event) for event in list(events)[::-1]],
        }
    )


def _slide(event):
    start = {"year": event.date.year, "month": event.date.month}
    if event.date_precision == DatePrecision.DAY:
        start["day"] = event.date.day  # any other day would be ours, not the sources'
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
    software (TimelineJS, feed readers); every field is escaped. The accounts
    of a disagreement come from the event's own row (`accounts_text`), so a
    feed of many events reads no more rows for them."""
    parts = [format_html("<p>{}</p>", event.description)] if event.description else []
    accounts = event.accounts_text.splitlines()
    if accounts:
        listed = format_html_join("", "<li>{}</li>", ((account,) for account in accounts))
        parts.append(format_html("<p>Sources disagree:</p><ul>{}</ul>", listed))
    if event.disagreement:
        parts.append(format_html("<p>{}: {}</p>", "Note" if accounts else "Sources disagree", event.disagreement))
    if event.correction:
        when = dateformat.format(timezone.localtime(event.corrected_at), "j F Y")
        parts.append(format_html("<p>Corrected {}: {}</p>", when, event.correction))
    sources = format_html_join("; ", "{}", ((source.display_name,) for source in event.sources.all()))
    parts.append(format_html("<p>Reported by: {}</p>", sources))
    return "".join(parts)
