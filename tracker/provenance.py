"""Provenance: how a quote is held to its source's words, and how well a fact is sourced.

A quote must occur in its source's archived text word for word; only quote
marks and spacing may differ, and `normalise_text` folds exactly those. The
quote form, the fixture loader, the highlighting on a source's page and the
closest-passage search all fold through here, so they agree on what
"verbatim" means.

How well a fact is sourced: the independent sources behind an event, and the
several wordings in which sources printed one statement. These work on data
already loaded for the page (story_page.py loads the sources with the roots of
their derivation chains), so the page costs the same number of queries
however many events, quotes and sources it shows.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass

TYPOGRAPHIC = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "\u00a0": " "})

# Every whitespace character becomes a plain space, one for one, so that
# offsets survive; runs of spaces are then collapsed with a record of where.
_SPACES = {code: " " for code in range(0x3001) if chr(code).isspace()}
FOLD = {**_SPACES, **TYPOGRAPHIC}
RUNS = re.compile(r"^ +| {2,}")


def normalise_text(text):
    """Fold typographic quotes and runs of whitespace: the only differences a
    verbatim quote may have from the archived text it was copied from."""
    return re.sub(r"\s+", " ", text.translate(TYPOGRAPHIC)).strip()


def folded(text):
    """`text` folded as `normalise_text` folds it, and a function from offsets
    in the folded text back to offsets in `text` (to lay marks on the original)."""
    spaced = text.translate(FOLD)
    folded_at, removed_before = [0], [0]  # from folded_at[i] on, removed_before[i] characters were removed
    removed = 0
    for run in RUNS.finditer(spaced):
        removed += len(run.group()) - (run.start() > 0)
        folded_at.append(run.end() - removed)
        removed_before.append(removed)
    result = RUNS.sub(lambda run: "" if run.start() == 0 else " ", spaced).rstrip(" ")

    def to_original(offset):
        return offset + removed_before[bisect_right(folded_at, offset) - 1]

    return result, to_original


def roots(sources):
    """{source id: the id of the original at the end of its `derived_from`
    chain} for these loaded sources (a translation of a wire copy leads back
    to the wire copy; an original leads to itself). A suspected derivation is
    followed as a confirmed one is: a source that reads as a copy is not
    counted as independent confirmation either. Parents not among them are
    looked up a generation per query: as many queries as the longest chain is
    long, however many sources. A source in a cycle (the form forbids one; the
    database alone does not) has no original and counts as its own."""
    from tracker.models import Source  # the models fold quotes through this module

    parent = {source.pk: source.derived_from_id for source in sources}
    wanted = set(parent.values()) - set(parent) - {None}
    while wanted:
        found = dict(Source.objects.filter(pk__in=wanted).values_list("pk", "derived_from_id"))
        parent.update(found)
        wanted = set(found.values()) - set(parent) - {None}

    def root(pk):
        seen = [pk]
        while parent.get(seen[-1]) is not None:
            if parent[seen[-1]] in seen:
                return pk
            seen.append(parent[seen[-1]])
        return seen[-1]

    return {source.pk: root(source.pk) for source in sources}


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

    @property
    def claim(self):
        """The wording that carries the statement's status (its first, the one
        variants point at), or None when the status is not recorded or not public."""
        lead = self.wordings[0]
        return lead if lead.variant_of_id is None and lead.claim_status else None

    @property
    def independent_count(self):
        """How many independent sources printed it: a translation's wording and
        its original's are one source's (each quote's source loaded with its `root_id`)."""
        return independent_count(quote.source for quote in self.wordings)


def statements(quotes):
    """Group quotes by the statement they word (`variant_of`, or themselves), in order of first appearance."""
    groups = {}
    for quote in quotes:
        groups.setdefault(quote.variant_of_id or quote.pk, []).append(quote)
    # The first recorded wording leads its group when it is published.
    return [Statement(sorted(wordings, key=lambda q: q.variant_of_id is not None)) for wordings in groups.values()]
