"""How well a fact is sourced: independent sources behind an event, and the
several wordings in which sources printed one statement.

Everything here works on data already loaded for the page (timeline.py loads
the sources with the roots of their derivation chains), so the page costs
the same number of queries however many events, quotes and sources it shows.
"""

from dataclasses import dataclass


def independent_count(sources):
    """How many independent sources report something (each loaded with its
    `root_id`, see timeline.cited_sources): copies and translations of the
    same original count once."""
    return len({source.root_id for source in sources})


@dataclass
class Statement:
    """One statement as the sources printed it: the first wording shown, the others to compare."""

    wordings: list

    @property
    def quote(self):
        return self.wordings[0]

    @property
    def variants(self):
        return self.wordings[1:]

    @property
    def source_count(self):
        return len({quote.source_id for quote in self.wordings})


def statements(quotes):
    """Group quotes by the statement they word (`variant_of`, or themselves), in order of first appearance."""
    groups = {}
    for quote in quotes:
        groups.setdefault(quote.variant_of_id or quote.pk, []).append(quote)
    # The first recorded wording leads its group when it is published.
    return [Statement(sorted(wordings, key=lambda q: q.variant_of_id is not None)) for wordings in groups.values()]
