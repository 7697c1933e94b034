"""A published story as its readers see it: the story page, its share image
and its structured data all draw from this, so they always show the same
events. Loading costs a fixed number of queries whatever the story's size;
a long story's page loads only the part it shows (see story_parts).
"""

from dataclasses import dataclass
from functools import cached_property

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html

from . import sourcing, story_parts, updates
from .models import Event, Quote, Story
from .templating import source_title

# Archived texts are long and the story page shows none of them: not loaded.
LONG_TEXT = ["text", "notes"]


@dataclass
class Outline:
    """The whole story at a glance, whichever part of it a page shows: how many
    events, the key ones (each with `link`, where the page links it) and the
    first and last dated ones."""

    total: int
    key_events: list
    first_dated: object
    last_dated: object


@dataclass
class Timeline:
    story: Story
    events: list
    sources: list
    part: story_parts.Part | None = None  # None: the whole story
    outline: Outline | None = None  # set by part_of

    @classmethod
    def of(cls, story):
        """Load a published story's published events, quotes and sources, and
        set `story.last_updated` from them (as `updates.with_last_updated` does in SQL)."""
        timeline = cls.loaded(story, list(story.events.live().chronological()))
        story.last_updated = timeline.last_change()
        return timeline

    @classmethod
    def part_of(cls, slug, number):
        """Part `number` of the published story at `slug` (see story_parts; a short
        story's only part is all of it) with the whole story's outline; Http404
        for a hidden story or a part before the story's start."""
        part, whole, events = outline(slug, number)
        if number > part.count:
            raise Http404("No such part of the story.")
        stories = Story.objects.published()
        if part.count > 1:  # a part's events cannot tell when the story last changed
            stories = updates.with_last_updated(stories)
        story = get_object_or_404(stories, slug=slug)
        timeline = cls.loaded(story, events)
        if part.count == 1:
            story.last_updated = timeline.last_change()
        timeline.outline = whole
        timeline.part = part if part.count > 1 else None
        return timeline

    @classmethod
    def loaded(cls, story, events):
        """A timeline of `events`, with the sources they cite and their published
        quotes loaded and worked out. Each source is loaded once however often it
        is cited, so what is worked out about it is worked out once."""
        by_pk = {event.pk: event for event in events}
        links = list(Event.sources.through.objects.filter(event__in=list(by_pk)).values_list("event", "source"))
        quotes = list(Quote.objects.live().filter(event__in=list(by_pk)).order_by("created_at", "pk"))
        ids = {source for _, source in links} | {quote.source_id for quote in quotes}
        # Undated sources last, the same on every database; each event lists
        # its sources in the same order, by their numbers.
        sources = sorted(
            sourcing.with_roots(ids, defer=LONG_TEXT), key=lambda s: (s.published_on is None, s.published_on, s.slug)
        )
        cited = {source.pk: source for source in sources}
        for number, source in enumerate(sources, start=1):
            source.number = number
            source.title = source_title(source)
            source.page_url = source.get_absolute_url()
            # The page cites a source many times over: its link is made once.
            source.citation = format_html('<a href="#source-{}">[{}] {}</a>', source.pk, number, source.title)
            # A parent that this story does not cite may be cited by nothing public at all.
            source.public_parent = cited.get(source.derived_from_id)
        for event in events:
            event.cited_sources, event.published_quotes = [], []
        for event, source in sorted(links, key=lambda link: cited[link[1]].number):
            by_pk[event].cited_sources.append(cited[source])
        for quote in quotes:
            quote.event, quote.source = by_pk[quote.event_id], cited[quote.source_id]
            quote.event.published_quotes.append(quote)
        for event in events:
            event.independent_sources = sourcing.independent_count(event.cited_sources)
            event.statements = sourcing.statements(event.published_quotes)
            event.changed_at = updates.changed_at(event)
        return cls(story, events, sources)

    def last_change(self):
        """The latest change to the story or to any of the events loaded, with their quotes."""
        return max([self.story.updated_at, *(event.changed_at for event in self.events)])

    @property
    def url(self):
        """This page's own address: the story's, or its part's."""
        return self.part.canonical_url if self.part else self.story.get_absolute_url()

    @cached_property
    def dated_events(self):
        return [event for event in self.events if event.date is not None]

    @cached_property
    def undated_events(self):
        return [event for event in self.events if event.date is None]


# Each event's place in the whole story (models.CHRONOLOGICAL order) and the
# story's length, keeping the events of one part (counted back from the
# story's last event: the latest part comes first), the key events and the
# first and last dated ones. Written out: Django builds a filter on window
# functions more slowly than a short story's whole page is queried.
OUTLINE_SQL = """
    SELECT * FROM (
        SELECT events.*,
            ROW_NUMBER() OVER (ORDER BY date IS NULL, date, created_at, id) AS position,
            COUNT(*) OVER () AS total,
            ROW_NUMBER() OVER (ORDER BY date IS NULL, date DESC, created_at DESC, id DESC) AS from_last_dated
        FROM ({events}) events
    ) outline
    WHERE total - position BETWEEN %s AND %s OR is_key OR position = 1 OR from_last_dated = 1
    ORDER BY position
"""


def outline(slug, number):
    """Part `number` of the story at `slug`, the whole story's outline and the
    part's events, in one query. The part's events are found by counting back
    from the story's end, so the story's length need not be known first."""
    events = Event.objects.published().filter(story__slug=slug).order_by()
    sql, params = events.query.sql_with_params()
    later = ((number - 1) * story_parts.PAGE_SIZE, number * story_parts.PAGE_SIZE - 1)
    rows = list(Event.objects.raw(OUTLINE_SQL.format(events=sql), [*params, *later]))
    total = rows[0].total if rows else 0
    part = story_parts.Part(reverse("tracker:story_detail", kwargs={"slug": slug}), number, total)
    key_events = [row for row in rows if row.is_key]
    for event in key_events:
        event.link = part.link(event, story_parts.holding(total - event.position))
    dated = [row for row in rows if row.date is not None and (row.position == 1 or row.from_last_dated == 1)]
    shown = [row for row in rows if later[0] <= total - row.position <= later[1]]
    return part, Outline(total, key_events, *((dated[0], dated[-1]) if dated else (None, None))), shown
