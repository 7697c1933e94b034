"""When a story last changed for its readers, and what changed since a given time.

A reader's "last updated" is the latest change to anything they can see: the
story itself or any of its published events and quotes. The index, the story
page and its structured data all read it from here, so they always agree.
"""

import datetime

from django.db.models import DateTimeField, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from tracker.models import Event, Quote, Status

# MAX over the rows a subquery selects, without GROUP BY (not an aggregate to Django).
LATEST = Func(F("updated_at"), function="MAX", output_field=DateTimeField())


def with_last_updated(stories):
    """Annotate `last_updated` on a Story queryset, in the same query (for lists
    and the story page, which loads only part of a long story; the staff
    preview computes the same from the events it loaded). Each subquery reads
    the story's own rows through an index (see Event.Meta and Quote.Meta)."""
    # Max() over the story's own rows, not ORDER BY updated_at LIMIT 1: with
    # that, the database may walk every quote's updated_at looking for this
    # story's newest, which costs the size of the whole site.
    latest_event = Event.objects.live().filter(story=OuterRef("pk")).order_by().annotate(latest=LATEST).values("latest")
    latest_quote = (
        Quote.objects.live()
        # A join on the event's status, not `event__in=Event.objects.live()`:
        # SQLite runs that nested IN once per story row and took seconds.
        .filter(event__story=OuterRef("pk"), event__status=Status.PUBLISHED)
        .order_by()
        .annotate(latest=LATEST)
        .values("latest")
    )
    story_time = "updated_at"
    return stories.annotate(
        last_updated=Greatest(
            story_time,
            Coalesce(Subquery(latest_event), story_time),
            Coalesce(Subquery(latest_quote), story_time),
            output_field=DateTimeField(),
        )
    )


def changed_at(event):
    """The latest change to an event or to one of its published quotes (loaded by Timeline)."""
    return max([event.updated_at, *(quote.updated_at for quote in event.published_quotes)])


def parse_since(value):
    """An aware datetime from `?since=` (an ISO date or datetime), or None when
    it is missing or malformed: a bad value only means nothing is marked."""
    if not value:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                return None
            moment = datetime.datetime.combine(day, datetime.time.min)
    except ValueError:
        return None
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        moment.astimezone(datetime.UTC)  # the database compares in UTC
    except (OverflowError, ValueError):
        return None  # e.g. 9999-12-31T23:59:59-12:00, past the last representable moment
    if moment.microsecond % 1000 == 0:
        # Pages give times to the millisecond (templating.iso), so a page
        # stamped 12:00:00.123 has seen everything up to 12:00:00.123999.
        moment = moment.replace(microsecond=moment.microsecond + 999)
    return moment


# An event changed within this of being posted was still being posted, not updated.
POSTING = datetime.timedelta(minutes=1)


def mark_changes(events, since):
    """Label each event added or changed after `since` (None marks nothing), and
    say whether it changed after it was posted (`updated_later`)."""
    for event in events:
        event.updated_later = event.changed_at - event.created_at > POSTING
        event.since_label = ""
        if since is None or event.changed_at <= since:
            continue
        event.since_label = "New" if event.created_at > since else "Updated"


# An open page is told about this many changed events by name; the counts are exact.
LISTED_UPDATES = 20


def changed_since(story, since):
    """What changed for readers of `story` after `since`: the events added and
    the events changed (their own text, or one of their published quotes),
    newest first, as the open page's poll (updates.json) reports them.

    Three queries, whatever the story's length or how much changed (the
    latest few, and two counts), each reading the rows changed after `since`
    through indexes: events by (story, status, updated_at), quotes by their event's."""
    touched = Quote.objects.live().filter(event__story=story, event__status=Status.PUBLISHED, updated_at__gt=since)
    events = (
        story.events.live()
        .filter(Q(updated_at__gt=since) | Q(pk__in=touched.values("event_id")))
        .only("story", "slug", "is_key", "created_at", "updated_at")
        .order_by("-updated_at", "-pk")
    )
    listed = list(events[:LISTED_UPDATES])
    # Counted in the database, not loaded: a `since` long past may name the whole story.
    new = events.filter(created_at__gt=since).count()
    total = events.count()
    return {
        "new": new,
        "updated": total - new,
        "events": [
            {"id": event.anchor, "change": "new" if event.created_at > since else "updated", "key": event.is_key}
            for event in listed
        ],
    }


def in_words(new, updated):
    """The summary line's count: "4 new and 1 corrected events", "1 new event"."""
    if not new and not updated:
        return "No event is new or corrected"
    parts = [f"{new} new" if new else "", f"{updated} corrected" if updated else ""]
    return f"{' and '.join(part for part in parts if part)} event{'s' if new + updated != 1 else ''}"
