"""How well a fact is sourced: independent sources behind an event, and the
several wordings in which sources printed one statement.

Everything here works on data already loaded for the page (the sources and
their derivation chains come in one query), so the page costs the same number
of queries however many events, quotes and sources it shows.
"""

from dataclasses import dataclass

from django.db import connection

from .models import Source


def with_roots(source_ids, columns):
    """The sources with these ids, each with `root_id`: the original at the end
    of its `derived_from` chain (a translation of a wire copy leads back to the
    wire copy; an original leads to itself). One query, however long the
    chains; `columns` (timeline.Columns) says which fields to load.
    """
    ids = sorted(set(source_ids))
    if not ids:
        return []
    table = connection.ops.quote_name(Source._meta.db_table)
    selected = columns.qualified(table)
    placeholders = ", ".join(["%s"] * len(ids))
    # Each step looks the parent up by its key (a join let PostgreSQL scan
    # every source). UNION (not UNION ALL) drops repeated rows, so even a
    # cycle the database would allow (the form forbids it) ends the
    # recursion; a source in one has no root and counts as its own.
    sql = f"""
        WITH RECURSIVE chain(start_id, id, parent_id) AS (
            SELECT id, id, derived_from_id FROM {table} WHERE id IN ({placeholders})
            UNION
            SELECT start_id, parent_id, (SELECT s.derived_from_id FROM {table} s WHERE s.id = chain.parent_id)
            FROM chain WHERE parent_id IS NOT NULL
        )
        SELECT {selected}, COALESCE(root.id, {table}.id) AS root_id
        FROM {table} LEFT JOIN chain root ON root.start_id = {table}.id AND root.parent_id IS NULL
        WHERE {table}.id IN ({placeholders})
    """  # noqa: S608 - only quoted names and placeholders are interpolated  # nosec B608
    return columns.instances(sql, ids + ids, extra=("root_id",))


def independent_count(sources):
    """How many independent sources report something (each loaded by
    `with_roots`): copies and translations of the same original count once."""
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
