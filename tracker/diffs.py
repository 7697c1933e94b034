"""Word-level differences between two versions of a text, for the public changelog.

A difference is a list of segments; templates render "insert" as <ins>, "delete"
as <del> and "gap" as an ellipsis, escaping every text. Long unchanged
stretches (an archived article with one word corrected) are cut down to a few
words either side of each change, so a reader sees the change and not the article.
"""

import re
from difflib import SequenceMatcher
from typing import NamedTuple

CONTEXT_WORDS = 12


class Segment(NamedTuple):
    op: str  # "equal", "insert", "delete" or "gap"
    text: str


def _tokens(text):
    # Whitespace is kept as its own token so the pieces join back into the text.
    return [token for token in re.split(r"(\s+)", text) if token]


def _context(tokens, before, after):
    """An unchanged stretch: whole if short, else only its ends next to a change.

    `before` keeps the words leading into the next change, `after` the words
    following the previous one; the rest becomes a gap.
    """
    keep = CONTEXT_WORDS * 2  # tokens alternate word and space
    if len(tokens) <= keep * (before + after) + 1 or not (before or after):
        return [Segment("equal", "".join(tokens))]
    head = [Segment("equal", "".join(tokens[:keep]))] if after else []
    tail = [Segment("equal", "".join(tokens[-keep:]))] if before else []
    return [*head, Segment("gap", "…"), *tail]


def word_diff(old, new):
    """The segments that turn `old` into `new`, word by word."""
    a, b = _tokens(old), _tokens(new)
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    segments = []
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            segments.extend(_context(a[i1:i2], before=n < len(opcodes) - 1, after=n > 0))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return segments
