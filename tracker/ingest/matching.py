"""Which of the story's statements a new quote may be another wording of.

The same statement reaches a story in several wordings: copied word for word,
trimmed, paraphrased in reported speech, machine-translated ("hostile
elements" / "enemy instruments"). The words are compared with rapidfuzz's
token-set ratio on their content words (folded, function words dropped, a
light suffix stripping so "reluctant" meets "reluctance"), which rewards the
shared words whatever their order and however much either side adds; who
said it then weighs in, since two bodies rarely say the same sentence.

Thresholds, measured on the seed story (five articles, 41 quotes, 29 of
them another wording of a statement another seed printed) by leaving each
article out in turn and ingesting it again (tests/test_ingest_scoring.py
prints the figures):

- the right statement is the best candidate for all 29; its score (content
  likeness × speaker agreement) is at least 0.68;
- for the 16 found quotes whose best candidate is not their statement (most
  have none in the story), the best score is at most 0.59, bar one: the
  Reuters headline ("…blocked in Pakistan over national security, ministry
  says", 0.87), which does word the ministry's statement though the
  fixture records no quote for it.

VARIANT_THRESHOLD sits between, at 0.62: a suggestion above it is what
`--apply` accepts.
"""

import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from tracker.provenance import normalise_text

VARIANT_THRESHOLD = 0.62
CANDIDATES = 5  # how many ranked candidates each quote lists
# How much who said it weighs: the same speaker, not known on one side, or another speaker.
SAME_SPEAKER, UNKNOWN_SPEAKER, OTHER_SPEAKER = 1.0, 0.85, 0.7

FUNCTION_WORDS = set(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "and",
        "in",
        "on",
        "for",
        "is",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "had",
        "have",
        "it",
        "its",
        "that",
        "this",
        "these",
        "those",
        "with",
        "by",
        "as",
        "at",
        "from",
        "which",
        "their",
        "our",
        "his",
        "her",
        "they",
        "them",
        "there",
        "here",
        "or",
        "but",
        "not",
        "also",
        "very",
        "so",
        "such",
        "into",
        "than",
        "then",
    ]
)
SUFFIXES = ("ations", "ation", "ances", "ance", "ants", "ant", "ingly", "ing", "edly", "ed", "ies", "es", "s", "ly")


def content_words(text):
    """The words that carry a statement's content, each cut to a rough stem."""
    words = re.findall(r"\w+", normalise_text(text).casefold())
    return [_stem(word) for word in words if word not in FUNCTION_WORDS]


def _stem(word):
    for suffix in SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


@dataclass
class Candidate:
    """An existing quote a new one may word, with the evidence: its score in
    [0, 1] and the words the two share, in order."""

    quote: object
    score: float
    likeness: float
    speaker_agrees: bool | None
    aligned: list

    @property
    def statement(self):
        """The first recorded wording, which variants point at."""
        return self.quote.variant_of or self.quote


class Statements:
    """The story's quotes, prepared once for ranking against each new quote."""

    def __init__(self, quotes):
        self.quotes = list(quotes)
        self.prepared = [" ".join(content_words(quote.text)) for quote in self.quotes]

    def rank(self, text, same_speaker, exclude_source=None):
        """The candidates for `text`, best first. `same_speaker(name)` says
        whether the story's speaker `name` is this quote's (True, False, or
        None when this quote's speaker is not known)."""
        mine = " ".join(content_words(text))
        if not mine:
            return []
        scored = []
        for quote, theirs in zip(self.quotes, self.prepared, strict=True):
            if exclude_source is not None and quote.source_id == exclude_source:
                continue
            likeness = fuzz.token_set_ratio(mine, theirs, score_cutoff=40) / 100
            if not likeness:
                continue
            agrees = same_speaker(quote.speaker)
            factor = UNKNOWN_SPEAKER if agrees is None else SAME_SPEAKER if agrees else OTHER_SPEAKER
            scored.append((likeness * factor, likeness, agrees, quote))
        scored.sort(key=lambda item: (-item[0], item[3].pk))
        return [
            Candidate(quote, round(score, 3), round(likeness, 3), agrees, aligned_words(text, quote.text))
            for score, likeness, agrees, quote in scored[:CANDIDATES]
        ]


def aligned_words(mine, theirs):
    """The runs of words two wordings share, in order: what the editor sees as evidence."""
    a = re.findall(r"\w+", normalise_text(mine).casefold())
    b = re.findall(r"\w+", normalise_text(theirs).casefold())
    runs = []
    for block in Indel.opcodes(a, b):
        if block.tag == "equal":
            run = a[block.src_start : block.src_end]
            if any(word not in FUNCTION_WORDS for word in run):
                runs.append(" ".join(run))
    return runs
