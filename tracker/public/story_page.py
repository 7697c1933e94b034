"""A published story as its readers see it: the story page, its share image
and its structured data all draw from this, so they always show the same
events. Loading costs a fixed number of queries whatever the story's size;
a long story's page loads only the part it shows (see tracker.parts).

The queries are written out in SQL: this is the busiest page of the site,
and Django spent longer building and compiling them than the database
spends answering them. They apply the rules the querysets apply: a story is
shown only when Story.is_published() (the rule of Story.objects.published()),
and under it only events and quotes whose status is published (`live()`);
tests/test_timeline.py holds the two to the same answers.
"""

import weakref
from dataclasses import dataclass
from functools import cached_property

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models.base import ModelState
from django.http import Http404
from django.shortcuts import get_object_or_404
from markupsafe import Markup, escape

from tracker import parts, provenance
from tracker.models import Event, Quote, Source, SourceKind, Status, Story
from tracker.public import updates
from tracker.public.templating import source_title, url

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
    part: parts.Part | None = None  # None: the whole story
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
        """Part `number` of the published story at `slug` (see tracker.parts; a short
        story's only part is all of it) with the whole story's outline; Http404
        for a hidden story or a part before the story's start."""
        part, whole, events = outline(slug, number)
        if number > part.count:
            raise Http404("No such part of the story.")
        story = public_story(slug, with_last_updated=part.count > 1)
        timeline = cls.loaded(story, events, links=[(event.pk, source) for event in events for source in event.cites])
        if part.count == 1:
            story.last_updated = timeline.last_change()
        timeline.outline = whole
        timeline.part = part if part.count > 1 else None
        return timeline

    @classmethod
    def loaded(cls, story, events, links=None, quotes=None):
        """A timeline of `events`, with the sources they cite and their published
        quotes loaded and worked out; `links`, the (event id, source id) pairs of
        what the events cite, when the caller has them already; `quotes`, the
        events' quotes to show instead of their published ones (the staff
        preview's, drafts included), in the order they were recorded. Each
        source is loaded once however often it is cited, so what is worked out
        about it is worked out once."""
        by_pk = {event.pk: event for event in events}
        links = cited_by(list(by_pk)) if links is None else links
        quotes = live_quotes(list(by_pk)) if quotes is None else quotes
        ids = {source for _, source in links} | {quote.source_id for quote in quotes}
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
            # A parent that this story does not cite may be cited by nothing public at all.
            source.public_parent = cited.get(source.derived_from_id)
        for event in events:
            event.cited_sources, event.published_quotes = [], []
        for event, source in sorted(links, key=lambda link: cited[link[1]].number):
            by_pk[event].cited_sources.append(cited[source])
        for quote in quotes:
            # As select_related() fills them in, without the checks of assignment.
            source = cited[quote.source_id]
            QUOTE_EVENT.set_cached_value(quote, by_pk[quote.event_id])
            QUOTE_SOURCE.set_cached_value(quote, source)
            quote.citation = source.citation
            quote.event.published_quotes.append(quote)
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


def table(model):
    return connection.ops.quote_name(model._meta.db_table)


def placeholders(values):
    return ", ".join(["%s"] * len(values))


def one_of(column, values):
    """SQL saying `column` is one of `values`, and its parameters. PostgreSQL
    takes them as one array, so the statement reads the same however many there are."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({placeholders(values)})", list(values)


@dataclass(frozen=True)
class Columns:
    """Some of a model's fields, for a query written out: their SQL, and the
    model instances made from its rows. Each value is converted as Django's
    ORM converts it; the instances are filled in directly, as loaded rows, in
    a fraction of the time a queryset takes to make them (and without the
    init signals, which nothing here listens to). Fields left out are
    deferred, as with QuerySet.only()."""

    model: type
    names: tuple

    @cached_property
    def fields(self):
        return [self.model._meta.get_field(name) for name in self.names]

    @cached_property
    def attnames(self):
        return tuple(field.attname for field in self.fields)

    def converters(self, db):
        """(index, converter, column) for each value the ORM would convert on
        `db` (a connection: its converters may be bound to it), worked out once."""
        if db not in self._converters:
            self._converters[db] = [
                (i, converter, column)
                for i, field in enumerate(self.fields)
                for column in [field.get_col(self.model._meta.db_table)]
                for converter in field.get_db_converters(db) + db.ops.get_db_converters(column)
            ]
        return self._converters[db]

    @cached_property
    def _converters(self):
        return weakref.WeakKeyDictionary()

    @cached_property
    def sql(self):
        return self.qualified()

    def qualified(self, table=None):
        """The columns' SQL, each prefixed with `table` when given."""
        prefix = f"{table}." if table else ""
        return ", ".join(prefix + connection.ops.quote_name(field.column) for field in self.fields)

    def instances(self, sql, params, extra=()):
        """Instances from the rows of `sql` (which selects these columns, then
        the `extra` ones, set as plain attributes)."""
        db = connections[DEFAULT_DB_ALIAS]
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        converters = self.converters(db)
        names = self.attnames + extra
        instances = []
        for row in rows:
            values = list(row)
            for i, converter, column in converters:
                values[i] = converter(values[i], column, db)
            instance = self.model.__new__(self.model)
            instance.__dict__.update(zip(names, values, strict=True))
            instance._state = ModelState()
            instance._state.adding, instance._state.db = False, db.alias
            instances.append(instance)
        return instances


def every_field(model, leaving=()):
    return Columns(model, tuple(f.name for f in model._meta.concrete_fields if f.name not in leaving))


# What the story page shows: neither the sources' archived texts nor the
# workflow state (status, version) the queries have already applied; the
# story keeps its status, which Story.is_published() reads.
STORY = every_field(Story, leaving=["version"])
EVENT = every_field(Event, leaving=["version", "status"])
QUOTE = Columns(
    Quote, ("id", "event", "slug", "text", "speaker", "speaker_role", "speech", "source", "variant_of", "updated_at")
)
SOURCE = every_field(Source, leaving=["version", "created_at", "updated_at", *LONG_TEXT])
QUOTE_EVENT, QUOTE_SOURCE = Quote._meta.get_field("event"), Quote._meta.get_field("source")


# Each published event's place in the whole story (models.CHRONOLOGICAL
# order) and the story's length, keeping the events of one part (counted
# back from the story's last event: the latest part comes first), the key
# events and the first and last dated ones; each event of the part with the
# ids of the sources it cites, so they cost no query of their own. The story
# is found by its slug alone: the caller shows nothing unless public_story()
# finds it public.
OUTLINE_SQL = """
    SELECT outline.*, CASE WHEN total - position BETWEEN %s AND %s THEN (
        SELECT {joined} FROM {links} WHERE {links}.event_id = outline.id
    ) END AS cites
    FROM (
        SELECT {columns},
            ROW_NUMBER() OVER (ORDER BY date IS NULL, date, created_at, id) AS position,
            COUNT(*) OVER () AS total,
            COUNT(date) OVER () AS dated
        FROM {events} WHERE story_id = (SELECT id FROM {stories} WHERE slug = %s) AND status = %s
    ) outline
    WHERE total - position BETWEEN %s AND %s OR is_key OR position = 1 OR position = dated
    ORDER BY position
"""

# The source ids of an event, comma-separated, in each database's words.
JOINED_IDS = {"postgresql": "string_agg(CAST(source_id AS text), ',')"}
JOINED_IDS_DEFAULT = "group_concat(source_id, ',')"  # SQLite (and MySQL)


def outline(slug, number):
    """Part `number` of the story at `slug`, the whole story's outline and the
    part's events (each with `cites`, the ids of its sources), in one query.
    The part's events are found by counting back from the story's end, so the
    story's length need not be known first."""
    sql = OUTLINE_SQL.format(
        columns=EVENT.sql,
        events=table(Event),
        stories=table(Story),
        links=table(Event.sources.through),
        joined=JOINED_IDS.get(connection.vendor, JOINED_IDS_DEFAULT),
    )
    later = ((number - 1) * parts.PAGE_SIZE, number * parts.PAGE_SIZE - 1)
    rows = EVENT.instances(sql, [*later, slug, Status.PUBLISHED, *later], extra=("position", "total", "dated", "cites"))
    total = rows[0].total if rows else 0
    part = parts.Part(url("tracker:story_detail", slug=slug), number, total)
    key_events = [row for row in rows if row.is_key]
    for event in key_events:
        event.link = part.link(event, parts.holding(total - event.position))
    # Undated events come last, so the last dated one stands at `dated`.
    dated = [row for row in rows if row.date is not None and row.position in (1, row.dated)]
    shown = [row for row in rows if later[0] <= total - row.position <= later[1]]
    for event in shown:
        event.cites = [int(source) for source in event.cites.split(",")] if event.cites else []
    return part, Outline(total, key_events, *((dated[0], dated[-1]) if dated else (None, None))), shown


def public_story(slug, with_last_updated):
    """The story at `slug` if the public may see it (Story.is_published, the
    rule of Story.objects.published()), else Http404. A long story's page
    loads only a part of its events, so then the database also works out when
    the story last changed."""
    if with_last_updated:
        return get_object_or_404(updates.with_last_updated(Story.objects.published()), slug=slug)
    sql = f"SELECT {STORY.sql} FROM {table(Story)} WHERE slug = %s"  # noqa: S608 - names and a placeholder  # nosec B608
    story = next(iter(STORY.instances(sql, [slug])), None)
    if story is None or not story.is_published():
        raise Http404("No such story.")
    return story


def cited_by(event_ids):
    """(event id, source id) for each source these events cite."""
    if not event_ids:
        return []
    links = Event.sources.through
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT event_id, source_id FROM {table(links)} WHERE event_id IN ({placeholders(event_ids)})",  # noqa: S608 - names and placeholders only  # nosec B608
            event_ids,
        )
        return cursor.fetchall()


def live_quotes(event_ids):
    """These events' published quotes, in the order they were recorded."""
    if not event_ids:
        return []
    events, params = one_of("event_id", event_ids)
    sql = f"""
        SELECT {QUOTE.sql} FROM {table(Quote)} WHERE status = %s AND {events} ORDER BY created_at, id
    """  # noqa: S608 - names and placeholders only  # nosec B608
    return QUOTE.instances(sql, [Status.PUBLISHED, *params])


def cited_sources(source_ids):
    """The sources with these ids, each with `root_id`: the original at the end
    of its `derived_from` chain (a translation of a wire copy leads back to the
    wire copy; an original leads to itself). One query, however long the chains."""
    ids = sorted(set(source_ids))
    if not ids:
        return []
    sources = table(Source)
    # Each step looks the parent up by its key (a join let PostgreSQL scan
    # every source). UNION (not UNION ALL) drops repeated rows, so even a
    # cycle the database would allow (the form forbids it) ends the
    # recursion; a source in one has no root and counts as its own.
    (seed, seed_params), (cited, params) = one_of("id", ids), one_of(f"{sources}.id", ids)
    sql = f"""
        WITH RECURSIVE chain(start_id, id, parent_id) AS (
            SELECT id, id, derived_from_id FROM {sources} WHERE {seed}
            UNION
            SELECT start_id, parent_id, (SELECT s.derived_from_id FROM {sources} s WHERE s.id = chain.parent_id)
            FROM chain WHERE parent_id IS NOT NULL
        )
        SELECT {SOURCE.qualified(sources)}, COALESCE(root.id, {sources}.id) AS root_id
        FROM {sources} LEFT JOIN chain root ON root.start_id = {sources}.id AND root.parent_id IS NULL
        WHERE {cited}
    """  # noqa: S608 - only quoted names and placeholders are interpolated  # nosec B608
    return SOURCE.instances(sql, seed_params + params, extra=("root_id",))
