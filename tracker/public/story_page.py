"""A published story as its readers see it: the story page, its share image
and its structured data all draw from this, so they always show the same
events.

Everything is loaded through the querysets that say what readers may see
(`Story.objects.published()`, and under it the events' and quotes' `live()`),
in a fixed number of queries whatever the story's size. Each query reads
only the story's own rows, through indexes, and a long story's page loads
only the part it shows (see tracker.parts): the outline of the whole story
comes from the story's row and its key events.
"""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from markupsafe import Markup, escape

from tracker import parts, provenance
from tracker.models import Event, Quote, Source, SourceKind, Story, account_citations
from tracker.public import updates
from tracker.public.templating import source_title, url


def fields(model, leaving):
    return [field.name for field in model._meta.concrete_fields if field.name not in leaving]


# What the story page shows: neither the sources' archived texts nor the
# workflow state (status, version) the querysets have already applied; the
# story keeps its status, which Story.is_published() reads.
STORY_FIELDS = fields(Story, leaving=["version"])
EVENT_FIELDS = fields(Event, leaving=["version", "status", "accounts_text"])  # the accounts are loaded whole
QUOTE_FIELDS = [
    *("event", "slug", "text", "speaker", "speaker_role", "speech", "source", "variant_of", "updated_at"),
    "spoken_by",
    *Quote.CLAIM_FIELDS,
    "claim_recorded_at",
]
# Archived texts are long and the story page shows none of them: not loaded.
LONG_TEXT = ["text", "notes"]
SOURCE_FIELDS = fields(Source, leaving=["version", "created_at", "updated_at", *LONG_TEXT])


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
    part: parts.Part | None = None  # None: the whole story
    outline: Outline | None = None  # set by part_of

    @classmethod
    def part_of(cls, slug, number):
        """Part `number` of the published story at `slug` (see tracker.parts; a short
        story's only part is all of it) with the whole story's outline; Http404
        for a hidden story or a part before the story's start."""
        story = get_object_or_404(Story.objects.published().only(*STORY_FIELDS), slug=slug)
        live = story.events.live().only(*EVENT_FIELDS)
        # The latest part comes first: count back from the story's end, one
        # event further to learn whether there is more.
        start = (number - 1) * parts.PAGE_SIZE
        rows = list(live.chronological().reverse()[start : start + parts.PAGE_SIZE + 1])
        events = rows[: parts.PAGE_SIZE][::-1]
        if number == 1 and len(rows) <= parts.PAGE_SIZE:
            # The whole story is on this page: its outline is in what was loaded.
            timeline = cls.loaded(story, events)
            story.last_updated = timeline.last_change()
            timeline.outline = whole(timeline)
            return timeline
        if not rows:
            raise Http404("No such part of the story.")
        for name, value in outlined(Story.objects.filter(pk=story.pk)).values(*OUTLINED).get().items():
            setattr(story, name, value)
        part = parts.Part(url("tracker:story_detail", slug=slug), number, story.event_count)
        timeline = cls.loaded(story, events)
        timeline.outline = outline(story, part, live, events)
        timeline.part = part
        return timeline

    @classmethod
    def loaded(cls, story, events, links=None, quotes=None):
        """A timeline of `events`, with the sources they cite, their published
        quotes and the accounts of what their sources disagree about loaded and
        worked out (each event's `shown_accounts`, one query for them all); `links`, the (event id, source id) pairs of
        what the events cite, when the caller has them already; `quotes`, the
        events' quotes to show instead of their published ones (the staff
        preview's, drafts included), in the order they were recorded. Each
        source is loaded once however often it is cited, so what is worked out
        about it is worked out once."""
        by_pk = {event.pk: event for event in events}
        if links is None:
            links = Event.sources.through.objects.filter(event__in=list(by_pk)).values_list("event_id", "source_id")
        if quotes is None:
            quotes = (
                Quote.objects.live()
                .filter(event__in=list(by_pk))
                .select_related("spoken_by")  # whether each is a person or a body, for the structured data
                .only(*QUOTE_FIELDS, "spoken_by__kind")
                .order_by("created_at", "pk")
            )
        links, quotes = list(links), list(quotes)
        accounts = account_citations(list(by_pk))
        ids = {source for _, source in links} | {quote.source_id for quote in quotes}
        ids |= {source for account in accounts for source in account.source_ids}
        # Undated sources last, the same on every database; each event lists
        # its sources in the same order, by their numbers.
        sources = sorted(cited_sources(ids), key=lambda s: (s.published_on is None, s.published_on, s.slug))
        cited = {source.pk: source for source in sources}
        for number, source in enumerate(sources, start=1):
            source.number = number
            source.title = source_title(source)
            source.kind_label = SourceKind(source.kind).label
            source.page_url = url("tracker:source_detail", pk=source.pk)
            # The page cites a source many times over: its link is made once.
            source.citation = Markup(f'<a href="#source-{source.pk}">[{number}] {escape(source.title)}</a>')  # noqa: S704 - the title is escaped  # nosec B704
        # A copy names its original only if readers may see that one too
        # (Source.objects.published(), as on the source's page and in the
        # export): by its citation if this page cites it, else by its own page.
        parents = {s.derived_from_id for s in sources} - set(cited) - {None}
        elsewhere = Source.objects.published().filter(pk__in=parents).only(*SOURCE_FIELDS) if parents else []
        elsewhere = {parent.pk: parent for parent in elsewhere}
        for parent in elsewhere.values():
            parent.title, parent.page_url = source_title(parent), url("tracker:source_detail", pk=parent.pk)
        for source in sources:
            source.parent = cited.get(source.derived_from_id) or elsewhere.get(source.derived_from_id)
        for event in events:
            event.cited_sources, event.published_quotes, event.shown_accounts = [], [], []
        for event, source in sorted(links, key=lambda link: cited[link[1]].number):
            by_pk[event].cited_sources.append(cited[source])
        for quote in quotes:
            quote.event, quote.source = by_pk[quote.event_id], cited[quote.source_id]
            quote.citation = quote.source.citation
            quote.event.published_quotes.append(quote)
        for account in accounts:
            account.cited_sources = sorted((cited[source] for source in account.source_ids), key=lambda s: s.number)
            by_pk[account.event_id].shown_accounts.append(account)
        for event in events:
            event.independent_sources = provenance.independent_count(event.cited_sources)
            event.statements = provenance.statements(event.published_quotes)
            event.changed_at = updates.changed_at(event)
        return cls(story, events, sources)

    def last_change(self):
        """The latest change to the story or to any of the events loaded, with their quotes."""
        return max([self.story.updated_at, *(event.changed_at for event in self.events)])

    @property
    def url(self):
        """This page's own address: the story's, or its part's."""
        return self.part.canonical_url if self.part else url("tracker:story_detail", slug=self.story.slug)

    @cached_property
    def dated_events(self):
        return [event for event in self.events if event.date is not None]

    @cached_property
    def undated_events(self):
        return [event for event in self.events if event.date is None]


def cited_sources(source_ids):
    """The sources with these ids (their archived texts not loaded), each with
    `root_id`: the original at the end of its `derived_from` chain."""
    sources = list(Source.objects.filter(pk__in=source_ids).only(*SOURCE_FIELDS))
    roots = provenance.roots(sources)
    for source in sources:
        source.root_id = roots[source.pk]
    return sources


OUTLINED = ["event_count", "last_updated", "first_dated_id", "last_dated_id"]


def outlined(stories):
    """Stories annotated with what the outline of a story too long for one page
    needs from its rows (OUTLINED): how many events, when it last changed, the
    first and last dated events; each a subquery on an index of the story's rows."""
    return updates.with_last_updated(stories.with_event_count().with_dated_ends())


def whole(timeline):
    """The outline of a story loaded whole."""
    dated = timeline.dated_events
    key_events = [event for event in timeline.events if event.is_key]
    for event in key_events:
        event.link = f"#{event.anchor}"
    return Outline(len(timeline.events), key_events, *((dated[0], dated[-1]) if dated else (None, None)))


def outline(story, part, live, shown):
    """The whole story's outline: its key events and its first and last dated
    ones, in one query. A key event on the page links to its place on it; one
    on another part, to its permalink, which finds the part holding it now."""
    ends = [pk for pk in (story.first_dated_id, story.last_dated_id) if pk is not None]
    outlined = {event.pk: event for event in live.filter(Q(is_key=True) | Q(pk__in=ends)).chronological()}
    on_page = {event.pk for event in shown}
    key_events = [event for event in outlined.values() if event.is_key]
    for event in key_events:
        permalink = url("tracker:event_permalink", slug=story.slug, event_slug=event.slug)
        event.link = f"#{event.anchor}" if event.pk in on_page else permalink
    first, last = (outlined.get(pk) for pk in (story.first_dated_id, story.last_dated_id))
    return Outline(story.event_count, key_events, first, last)
