"""Word-level differences between two versions of a text: the public changelog's
and the admin's (compare page, history pages), one implementation for both.

A difference is a list of segments, each with an op:

- "equal", "insert", "delete": text kept, added, removed;
- "gap": unchanged (or, in a long change, changed) text left out, shown as "…";
- "replaced": a label, first of its list, saying that the whole text was
  replaced (see below); its text is the label, shown as plain text.

Templates render "insert" as <ins>, "delete" as <del> and the rest as text,
escaping every text; `render_html` does so for the admin. Long unchanged
stretches (an archived article with one word corrected) are cut down to a
few words either side of each change, and a very long change to its first
words, so a reader sees the change and not the article.

The work stays close to linear in the length of the texts:

1. the common start and end of the two texts are set aside first, by
   comparing characters in blocks (a one-word edit in a megabyte costs a few
   hundred string comparisons, nothing word by word);
2. what is left is compared by lines and sentences;
3. words are compared only inside the lines and sentences that differ.

SequenceMatcher's work grows with the pairs of equal elements it can line
up (every "the" in one text against every "the" in the other) times the
matching blocks it finds, quadratic for long texts that differ throughout.
BoundedMatcher counts that work as it goes; past WORK_LIMIT in all, the
texts are not compared further and the difference is "replaced": the label,
then the start of the old text deleted and the start of the new inserted,
each followed by a gap.
"""

import re
from collections import Counter
from difflib import SequenceMatcher
from itertools import accumulate, islice
from typing import NamedTuple

from django.utils.html import escape, format_html, format_html_join

CONTEXT_WORDS = 12  # unchanged words kept either side of a change
LONG_CHANGE_WORDS = 200  # a longer run of added or removed words is cut to its start
EXCERPT_WORDS = 40  # words kept of a long change, or of each text when it was replaced
# How much SequenceMatcher may do for one whole difference (lines and
# sentences, then words inside the changed ones), counted as BoundedMatcher
# counts: a few tenths of a second at most.
WORK_LIMIT = 2_000_000
# Kept text is cut after this many characters a token on average, even
# inside a word: a megabyte without a space is not shown whole either.
TOKEN_CHARS = 100
REPLACED = "Text replaced: "
GAP = "…"


class Segment(NamedTuple):
    op: str  # "equal", "insert", "delete", "gap" or "replaced"
    text: str


# Words, each with the whitespace after it (and any whitespace starting the
# text on its own): what SequenceMatcher compares. Leaving spaces out of the
# comparison keeps a paragraph from becoming every space against every space.
_UNIT = re.compile(r"\S+\s*|\s+")
# Words and runs of whitespace: how context is counted and changes trimmed.
_TOKEN = re.compile(r"\s+|\S+")
# Where a line or a sentence ends; what follows starts a word.
_LINE_END = re.compile(r"((?:[.!?]\s|\n)\s*)")
_WORD_START = re.compile(r"\s\S")  # a word start is the position after the match's start
_BLOCK = 4096  # characters compared at once when looking for the common start and end


class _TooCostly(Exception):
    pass


def word_diff(old, new, context=CONTEXT_WORDS):
    """The segments that turn `old` into `new`, word by word.

    Unchanged stretches keep `context` words next to each change and long
    changes their first EXCERPT_WORDS words; `context=None` keeps every word
    (except in a "replaced" difference, which is always cut).
    """
    if old == new:
        return [Segment("equal", old)] if old else []
    start, end_old, end_new = _common_ends(old, new)
    parts = [("equal", old[:start])]
    try:
        parts += _middle(old[start:end_old], new[start:end_new])
    except _TooCostly:
        return replaced(old, new)
    parts.append(("equal", old[end_old:]))
    return _cut(_merged(parts), context)


def replaced(old, new):
    """The difference of two texts that would cost too much to compare word
    by word: the label, and the start of each text, removed and added."""
    segments = [Segment("replaced", REPLACED)]
    for op, text in (("delete", old), ("insert", new)):
        if text:
            segments += _excerpt(op, text, EXCERPT_WORDS * 2)
    return segments


def render_html(segments):
    """HTML of `segments`: removed text in <del>, added text in <ins>, gaps as
    "…", the "replaced" label in <strong>; every text escaped."""
    return format_html_join("", "{}", ((_html(segment),) for segment in segments))


def word_diff_html(old, new, context=CONTEXT_WORDS):
    """HTML of `new` against `old`: `render_html(word_diff(old, new, context))`."""
    return render_html(word_diff(old, new, context))


def _html(segment):
    op, text = segment
    if op == "insert":
        return format_html("<ins>{}</ins>", text)
    if op == "delete":
        return format_html("<del>{}</del>", text)
    if op == "gap":
        return format_html('<span class="diff-gap" title="{}">{}</span>', "text left out", text)
    if op == "replaced":
        return format_html('<strong class="diff-replaced">{}</strong>', text)
    return escape(text)


# --- Comparing ----------------------------------------------------------------------


def _common_ends(old, new):
    """(start, end_old, end_new): `old[:start] == new[:start]` and
    `old[end_old:] == new[end_new:]`, both as long as they can be while each
    of the three parts of either text is made of whole words (a cut falls
    where a word starts, or at an end)."""
    start = _common_length(old, new, min(len(old), len(new)), lambda s, i, j: s[i:j])
    if not (_cuts_words(old, start) and _cuts_words(new, start)):
        start = _word_start_before(old, start)
    room = min(len(old), len(new)) - start
    end = _common_length(old, new, room, lambda s, i, j: s[len(s) - j : len(s) - i])
    end_old, end_new = len(old) - end, len(new) - end
    if end and not (_cuts_words(old, end_old) and _cuts_words(new, end_new)):
        found = _WORD_START.search(old, end_old)
        # The first word start inside the common end; none: the end stays with the middle.
        end_old, end_new = (found.start() + 1, end_new + found.start() + 1 - end_old) if found else (len(old), len(new))
    return start, end_old, end_new


def _cuts_words(text, position):
    """Whether cutting `text` at `position` leaves whole words either side."""
    return (position == 0 or text[position - 1].isspace()) and (position == len(text) or not text[position].isspace())


def _common_length(a, b, limit, piece):
    """How many characters `a` and `b` have in common, up to `limit`, read by `piece(s, i, j)`."""
    n, block = 0, _BLOCK
    while n < limit:
        step = min(block, limit - n)
        if piece(a, n, n + step) == piece(b, n, n + step):
            n += step
            block *= 2
        elif step == 1:
            break
        else:
            block = max(1, step // 2)
    return n


def _word_start_before(text, position):
    """The last position before `position` where a word starts, or 0."""
    window = 256
    while True:
        low = max(0, position - window)
        found = list(_WORD_START.finditer(text, low, position))
        if found:
            return found[-1].start() + 1
        if low == 0:
            return 0
        window *= 4


def _middle(old, new):
    """The parts (op, text) that turn `old` into `new`: lines and sentences
    first, words inside the changed ones. Raises _TooCostly past WORK_LIMIT."""
    if not old or not new:
        return [("delete", old), ("insert", new)]
    a, b = _lines(old), _lines(new)
    if len(a) == 1 or len(b) == 1:
        return _words(old, new, WORK_LIMIT)[0]
    matcher = BoundedMatcher(a, b, WORK_LIMIT)
    opcodes = matcher.get_opcodes()
    budget = WORK_LIMIT - matcher.work
    parts = []
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            parts.append(("equal", "".join(a[i1:i2])))
        elif op == "replace":
            words, budget = _words("".join(a[i1:i2]), "".join(b[j1:j2]), budget)
            parts += words
        else:  # lines only removed or only added
            parts += [("delete", "".join(a[i1:i2])), ("insert", "".join(b[j1:j2]))]
    return parts


def _words(old, new, budget):
    """(parts, budget left): the parts that turn `old` into `new` word by word."""
    a, b = _UNIT.findall(old), _UNIT.findall(new)
    head = _common_count(a, b)
    tail = _common_count(reversed(a[head:]), reversed(b[head:]))
    a_mid, b_mid = a[head : len(a) - tail], b[head : len(b) - tail]
    matcher = BoundedMatcher(a_mid, b_mid, budget)
    parts = [("equal", "".join(a[:head]))]
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("equal", "".join(a_mid[i1:i2])))
        else:
            parts += _refined("".join(a_mid[i1:i2]), "".join(b_mid[j1:j2]))
    parts.append(("equal", "".join(a[len(a) - tail :])))
    return parts, budget - matcher.work


def _refined(old, new):
    """A change of whole words, with the words and spaces it starts or ends
    with on both sides kept as unchanged ("w1 " to "W1 " changes "w1" only)."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    head = _common_count(a, b)
    tail = _common_count(reversed(a[head:]), reversed(b[head:]))
    return [
        ("equal", "".join(a[:head])),
        ("delete", "".join(a[head : len(a) - tail])),
        ("insert", "".join(b[head : len(b) - tail])),
        ("equal", "".join(a[len(a) - tail :])),
    ]


def _common_count(a, b):
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _lines(text):
    """`text` cut after each line break and each sentence end, the cuts kept."""
    pieces = _LINE_END.split(text)
    lines = [piece + end for piece, end in zip(pieces[::2], pieces[1::2], strict=False)]
    if pieces[-1]:
        lines.append(pieces[-1])
    return lines


class BoundedMatcher(SequenceMatcher):
    """A SequenceMatcher (no junk) that counts its work and gives up past `limit`.

    Its work is what find_longest_match, called once for each matching block
    and each gap between two, loops over: for every element of `a` in the
    range, the positions of that element in `b`. `work` counts that (an
    upper bound, plus one per element and per call); once it would pass
    `limit`, the comparison stops with _TooCostly.
    """

    def __init__(self, a, b, limit):
        # Positions in b of the elements of a up to each position of a.
        self.pairs_to = list(accumulate(map(Counter(b).__getitem__, a), initial=0))
        self.limit, self.work = limit, 0
        if self._cost(0, len(a)) > limit:  # the first call, over all of a and b, would pass it
            raise _TooCostly
        super().__init__(None, a, b, autojunk=False)

    def _cost(self, alo, ahi):
        return self.pairs_to[ahi] - self.pairs_to[alo] + ahi - alo + 1

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        self.work += self._cost(alo, ahi)
        if self.work > self.limit:
            raise _TooCostly
        return super().find_longest_match(alo, ahi, blo, bhi)


# --- Presenting ---------------------------------------------------------------------


def _merged(parts):
    """`parts` as segments: empty ones dropped, neighbours of one op joined,
    and the changes between two unchanged stretches as one removal then one
    addition."""
    segments, deleted, inserted, kept = [], [], [], []

    def flush_change():
        if deleted:
            segments.append(Segment("delete", "".join(deleted)))
        if inserted:
            segments.append(Segment("insert", "".join(inserted)))
        deleted.clear()
        inserted.clear()

    for op, text in parts:
        if not text:
            continue
        if op == "equal":
            flush_change()
            kept.append(text)
            continue
        if kept:
            segments.append(Segment("equal", "".join(kept)))
            kept.clear()
        (deleted if op == "delete" else inserted).append(text)
    flush_change()
    if kept:
        segments.append(Segment("equal", "".join(kept)))
    return segments


def _cut(segments, context):
    if context is None:
        return segments
    keep = context * 2  # tokens alternate word and space
    cut = []
    for n, (op, text) in enumerate(segments):
        if op == "equal":
            cut += _context(text, keep, before=n < len(segments) - 1, after=n > 0)
        else:
            cut += _excerpt(op, text, EXCERPT_WORDS * 2, longer_than=LONG_CHANGE_WORDS * 2)
    return cut


def _context(text, keep, before, after):
    """An unchanged stretch: whole if short, else only its ends next to a change.

    `before` keeps the words leading into the next change, `after` the words
    following the previous one; the rest becomes a gap.
    """
    if not (before or after) or _whole(text, keep * (before + after) + 1):
        return [Segment("equal", text)]
    head = [Segment("equal", _head(text, keep))] if after and keep else []
    tail = [Segment("equal", _tail(text, keep))] if before and keep else []
    return [*head, Segment("gap", GAP), *tail]


def _excerpt(op, text, keep, longer_than=None):
    """`text` as one segment, or its first `keep` tokens and a gap if it has
    more than `longer_than` (default: `keep`)."""
    if _whole(text, keep if longer_than is None else longer_than):
        return [Segment(op, text)]
    return [Segment(op, _head(text, keep)), Segment("gap", GAP)]


def _whole(text, most):
    """Whether `text` has at most `most` tokens (and TOKEN_CHARS times as many characters)."""
    return len(text) <= most * TOKEN_CHARS and sum(1 for _ in islice(_TOKEN.finditer(text), most + 1)) <= most


def _head(text, count):
    """The first `count` tokens of `text` (at most TOKEN_CHARS characters each on average)."""
    end = 0
    for match in islice(_TOKEN.finditer(text, 0, count * TOKEN_CHARS), count):
        end = match.end()
    return text[:end]


def _tail(text, count):
    """The last `count` tokens of `text` (at most TOKEN_CHARS characters each
    on average), read from a window at its end."""
    window = 32 * (count + 1)
    while True:
        low = max(0, len(text) - min(window, count * TOKEN_CHARS))
        tokens = _TOKEN.findall(text, low)  # the first may be the end of a longer one
        if low == 0 or len(tokens) > count or window >= count * TOKEN_CHARS:
            return "".join(tokens[-count:]) if count else ""
        window *= 4
