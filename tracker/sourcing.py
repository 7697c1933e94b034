"""How well a fact is sourced: independent sources behind an event, and the
several wordings in which sources printed one statement.

Everything here works on data already loaded for the page (one query for the
derivation chains), so the page costs the same number of queries however
many events, quotes and sources it shows.
"""

from dataclasses import dataclass

from django.db import connection

from .models import Source


def chain_roots(source_ids):
    """Map each source id to the original at the end of its `derived_from` chain.

    A translation of a wire copy leads back to the wire copy; an original leads
    to itself. One recursive query, however long the chains.
    """
    ids = sorted(set(source_ids))
    if not ids:
        return {}
    table = connection.ops.quote_name(Source._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    # UNION (not UNION ALL) drops repeated rows, so even a cycle the database
    # would allow (the form forbids it) ends the recursion.
    sql = f"""
        WITH RECURSIVE chain(start_id, id, parent_id) AS (
            SELECT id, id, derived_from_id FROM {table} WHERE id IN ({placeholders})
            UNION
            SELECT chain.start_id, s.id, s.derived_from_id FROM chain JOIN {table} s ON s.id = chain.parent_id
        )
        SELECT start_id, id FROM chain WHERE parent_id IS NULL
    """  # noqa: S608 - only the quoted table name and placeholders are interpolated  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        roots = dict(cursor.fetchall())
    return {pk: roots.get(pk, pk) for pk in ids}


def independent_count(sources, roots):
    """How many independent sources report something: copies and translations
    of the same original count once."""
    return len({roots.get(source.pk, source.pk) for source in sources})


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
