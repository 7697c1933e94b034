"""A published story as its readers see it: the story page, its share image
and its structured data all draw from this, so they always show the same
events. Loading costs a fixed number of queries whatever the story's size."""

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Prefetch

from . import sourcing, updates
from .models import Quote, Source, Story
from .templatetags.reading import source_title

# Archived texts are long and the story page shows none of them: not loaded.
LONG_TEXT = ["text", "notes"]


@dataclass
class Timeline:
    story: Story
    events: list
    sources: list

    @classmethod
    def of(cls, story):
        """Load a published story's published events, quotes and sources, and
        set `story.last_updated` from them (as `updates.with_last_updated` does in SQL)."""
        events = list(
            story.events.live()
            .chronological()
            .prefetch_related(
                Prefetch(
                    "sources",
                    queryset=Source.objects.defer(*LONG_TEXT),
                    to_attr="cited_sources",
                ),
                Prefetch(
                    "quotes",
                    queryset=Quote.objects.live()
                    .select_related("source")
                    .defer(*(f"source__{field}" for field in LONG_TEXT)),
                    to_attr="published_quotes",
                ),
            )
        )
        # Each prefetched row is its own instance: point every citation of a
        # source at one instance, so what is worked out about it is worked out once.
        cited = {}
        for event in events:
            event.cited_sources = [cited.setdefault(source.pk, source) for source in event.cited_sources]
            for quote in event.published_quotes:
                quote.source = cited.setdefault(quote.source_id, quote.source)
        roots = sourcing.chain_roots(cited)
        # Undated sources last, the same on every database.
        sources = sorted(cited.values(), key=lambda s: (s.published_on is None, s.published_on, s.slug))
        for number, source in enumerate(sources, start=1):
            source.number = number
            source.title = source_title(source)
            # A parent that this story does not cite may be cited by nothing public at all.
            source.public_parent = cited.get(source.derived_from_id)
        for event in events:
            event.independent_sources = sourcing.independent_count(event.cited_sources, roots)
            event.statements = sourcing.statements(event.published_quotes)
            event.changed_at = updates.changed_at(event)
        story.last_updated = max([story.updated_at, *(event.changed_at for event in events)])
        return cls(story, events, sources)

    @cached_property
    def key_events(self):
        return [event for event in self.events if event.is_key]

    @cached_property
    def dated_events(self):
        return [event for event in self.events if event.date is not None]

    @cached_property
    def undated_events(self):
        return [event for event in self.events if event.date is None]
