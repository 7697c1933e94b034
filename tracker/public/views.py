"""Public pages. Every query starts from a published() queryset, or from a
live() one under a story found through it, so drafts never reach a reader."""

from django.conf import settings
from django.db.models import F, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import urlencode
from django.utils.text import Truncator

from tracker import parts, provenance
from tracker.models import Account, Event, Quote, Source, Speaker, Story
from tracker.public import chart, highlighting, share_image, structured_data, updates
from tracker.public.story_page import Timeline
from tracker.public.templating import iso


def published_story(slug):
    """The published story at `slug`, or 404: drafts, withdrawn and scheduled stories alike."""
    return get_object_or_404(Story.objects.published(), slug=slug)


def story_list(request):
    """Published stories, most recently updated first. Template: tracker/story_list.html."""
    stories = updates.with_last_updated(Story.objects.published().with_event_count()).order_by("-last_updated", "pk")
    return render(request, "tracker/story_list.html", {"stories": stories})


def story_detail(request, slug):
    """A story's timeline with quotes, citations and sources, a long one in parts
    (`?page=`, see tracker.parts); `?since=<ISO date or datetime>` marks what
    changed after it. Template: tracker/story_detail.html."""
    timeline = Timeline.part_of(slug, parts.requested(request.GET.get("page")))
    order = parts.reading_order(request.GET.get("order"), timeline.story.is_developing)
    since = updates.parse_since(request.GET.get("since"))
    updates.mark_changes(timeline.events, since)
    # The page's own query string, less `order`, for the link to the other order.
    kept = {name: request.GET[name] for name in ("page", "since") if name in request.GET}
    other = "oldest" if order == "newest" else "newest"
    drawn = chart.chart(timeline.events)  # in time order, whatever the reading order
    if order == "newest":
        timeline.events.reverse()  # the page and its structured data read newest first
    marked = [event for event in timeline.events if event.since_label]
    changed = updates.changed_since(timeline.story, since) if since else {"new": 0, "updated": 0}
    context = {
        # "4 new and 1 corrected events since …", counted over the whole story; this part's are listed.
        "since_summary": updates.in_words(changed["new"], changed["updated"]),
        "marked": marked,
        "marked_elsewhere": changed["new"] + changed["updated"] - len(marked),
        "story": timeline.story,
        "timeline": timeline,
        "part": timeline.part
        and timeline.part.carrying(since=request.GET["since"] if since else None, order=request.GET.get("order")),
        "order": order,
        "other_order_url": f"{timeline.story.get_absolute_url()}?{urlencode({**kept, 'order': other})}",
        "chart": drawn,
        "since": since,
        "poll_seconds": settings.LIVE_POLL_SECONDS,
        "description": Truncator(timeline.story.summary).words(40),
        "canonical_url": structured_data.absolute(timeline.url),
        "share_image_url": structured_data.share_image_url(timeline.story),
        "share_image_alt": structured_data.share_image_alt(timeline),
        "json_ld": structured_data.json_ld_script(structured_data.story_json_ld(timeline)),
    }
    return render(request, "tracker/story_detail.html", context)


def story_updates(request, slug):
    """What changed after `?since=` (the open page's data-story-updated), for
    the page's live-updates script: a few hundred bytes, from the page cache,
    with ETag and 304 like every cached page."""
    story = get_object_or_404(updates.with_last_updated(Story.objects.published()), slug=slug)
    since = updates.parse_since(request.GET.get("since"))
    if since is None:
        return JsonResponse(
            {"error": "Give ?since= as an ISO date and time, e.g. the page's data-story-updated."}, status=400
        )
    changed = updates.changed_since(story, since)
    data = {"story": story.slug, "updated_at": iso(story.last_updated), **changed}
    if changed["new"] or changed["updated"]:
        # The story's own page marks them: its first part, where new events are.
        data["show"] = f"{story.get_absolute_url()}?{urlencode({'since': request.GET['since']})}"
    return JsonResponse(data)


def event_permalink(request, slug, event_slug, quote_slug=None):
    """An event's, or one of its quotes', lasting address: a redirect to the
    part of its story that holds the event now."""
    story = published_story(slug)
    event = get_object_or_404(story.events.live(), slug=event_slug)
    target = event if quote_slug is None else get_object_or_404(event.quotes.live(), slug=quote_slug)
    number = parts.holding(story.events.live().later_than(event).count())
    return redirect(f"{parts.address(story.get_absolute_url(), number)}#{target.anchor}")


def story_share_image(request, slug):
    """The story's 1200×630 PNG card for link previews, drawn from its published events."""
    story = get_object_or_404(Story.objects.published().with_event_count(), slug=slug)
    png, etag = share_image.share_image(story)
    response = get_conditional_response(request, etag=etag) or HttpResponse(png, content_type="image/png")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=300)
    return response


def source_detail(request, pk):
    """One source with its archived text, the quotes taken from it highlighted.
    Template: tracker/source_detail.html."""
    source = get_object_or_404(Source.objects.published().select_related("derived_from"), pk=pk)
    quotes = list(source.quotes.published().select_related("event__story"))
    # The events it is cited for, by the event itself or in an account of what the sources disagree about.
    cited = Event.sources.through.objects.filter(source=source).values("event")
    accounted = Account.objects.filter(sources=source).values("event")
    events = Event.objects.published().filter(Q(pk__in=cited) | Q(pk__in=accounted)).select_related("story")
    parent = source.derived_from
    context = {
        "source": source,
        "quotes": quotes,
        "events": events,
        "text": highlighting.highlighted(source.text, quotes),
        # A parent cited by nothing public is named no more than a draft would be.
        "parent_is_public": parent is not None and Source.objects.published().filter(pk=parent.pk).exists(),
    }
    return render(request, "tracker/source_detail.html", context)


def speaker_detail(request, slug):
    """Everything a speaker said in published stories, story by story and event
    by event, each statement with its wordings as the sources printed them;
    404 for a speaker with no published quote, so a draft names nobody.
    Two queries. Template: tracker/speaker_detail.html."""
    speaker = get_object_or_404(Speaker, slug=slug)
    quotes = list(
        Quote.objects.published()
        .filter(spoken_by=speaker)
        .select_related("event__story", "source")
        # Story by story, their events in time order (models.CHRONOLOGICAL), each event's quotes as recorded.
        .order_by(
            "event__story__title",
            "event__story_id",
            F("event__date").asc(nulls_last=True),
            "event__created_at",
            "event_id",
            "created_at",
            "pk",
        )
    )
    if not quotes:
        raise Http404("No published quote of this speaker.")
    stories = {}
    for quote in quotes:
        stories.setdefault(quote.event.story, {}).setdefault(quote.event, []).append(quote)
    said = [
        (story, [(event, provenance.statements(wordings)) for event, wordings in events.items()])
        for story, events in stories.items()
    ]
    return render(request, "tracker/speaker_detail.html", {"speaker": speaker, "said": said, "count": len(quotes)})
