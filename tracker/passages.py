"""Where in a source's archived text the words an editor typed come from.

A quote must occur verbatim in its source's archived text. When it does not,
the editor is shown the passage of the archived text that comes closest, with
what differs marked, so that a dropped comma or a misspelt word is found at a
glance instead of by rereading the article.

The search is rapidfuzz's partial-ratio alignment on the folded texts (quote
marks and spacing folded as `normalise_text` does), then a few word-boundary
adjustments of the passage's ends. Its cost grows with the length of the
archived text times the length of the typed words over the machine word
size; both are bounded, past which no passage is offered.
"""

import difflib
import re

from django.utils.html import format_html, format_html_join
from rapidfuzz import fuzz

from tracker.provenance import FOLD, folded, normalise_text

NOT_VERBATIM = (
    "These words do not occur in the source's archived text. "
    "Copy them exactly as printed (only quote marks and spacing may differ)."
)

# Longer typed words or archived texts are not searched (a 1 MB article and
# 2,000 typed characters take a fraction of a second).
MAX_WORDS = 2_000
MAX_ARCHIVED = 2_000_000
# Below this partial-ratio score (0-100) the best passage is too unlike the
# typed words to be shown as "the closest".
MIN_SCORE = 70

WORDS = re.compile(r"\S+"), re.compile(r"\w+")  # a passage ends where either ends
# Words and punctuation marks: what the differences are marked in.
MARKS = re.compile(r"\w+|[^\w\s]")
# The same and the spacing between them: what passages are compared in.
TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


def closest_passage(words, archived):
    """The (start, end) character offsets in `archived` of the passage that
    best matches `words`, ignoring the differences `normalise_text` folds;
    None when nothing in it is close, or the texts are too long to search."""
    typed = normalise_text(words or "")
    if not typed or not archived or len(typed) > MAX_WORDS or len(archived) > MAX_ARCHIVED:
        return None
    text, to_original = folded(archived)
    found = fuzz.partial_ratio_alignment(typed, text, score_cutoff=MIN_SCORE)
    if found is None or found.dest_end <= found.dest_start:
        return None
    start, end = _best_ends(typed, text, found.dest_start, found.dest_end)
    return to_original(start), to_original(end - 1) + 1


def not_verbatim_message(words, archived):
    """The error for typed `words` that do not occur in `archived`: what is
    wrong, and the closest passage with the typed words' differences from it
    marked (<del>: typed but not in the source; <ins>: in the source but not
    typed). Everything typed or archived is escaped."""
    span = closest_passage(words, archived)
    if span is None:
        return NOT_VERBATIM
    passage = archived[span[0] : span[1]]
    return format_html(
        '{} The closest passage in the source: <q class="closest-passage">{}</q>',
        NOT_VERBATIM,
        marked_differences(words, passage),
    )


def marked_differences(words, passage):
    """`passage` with what `words` lack marked <ins> and what they have in its
    place or besides marked <del>, word by word (a punctuation mark counts as
    a word), all escaped. Quote marks that differ only typographically match;
    spacing is the passage's."""
    typed, printed = list(MARKS.finditer(words)), list(MARKS.finditer(passage))
    matcher = difflib.SequenceMatcher(None, _keys(typed), _keys(printed), autojunk=False)
    parts, shown = [], 0  # shown: how much of the passage is printed
    for operation, typed_from, typed_to, printed_from, printed_to in matcher.get_opcodes():
        if operation == "equal":
            parts.append(("{}", passage[shown : printed[printed_to - 1].end()]))
            shown = printed[printed_to - 1].end()
            continue
        if printed_to > printed_from:
            parts.append(("{}", passage[shown : printed[printed_from].start()]))
        elif typed_from > 0 and typed[typed_from].start() > typed[typed_from - 1].end():
            parts.append(("{}", " "))  # the typed words were spaced there
        if typed_to > typed_from:
            parts.append(("<del>{}</del>", words[typed[typed_from].start() : typed[typed_to - 1].end()]))
        if printed_to > printed_from:
            parts.append(("<ins>{}</ins>", passage[printed[printed_from].start() : printed[printed_to - 1].end()]))
            shown = printed[printed_to - 1].end()
    parts.append(("{}", passage[shown:]))
    return format_html_join("", "{}", ((format_html(template, text),) for template, text in parts if text))


def _keys(marks):
    return [mark.group().translate(FOLD) for mark in marks]


def _best_ends(typed, folded, start, end):
    """The aligned window [start, end) of `folded`, its ends moved to the word
    boundaries nearby that make the passage most like `typed`: the window is
    as long as the typed words, so it cuts a word short when they miss a
    comma and stops a word early when they miss a word."""
    margin = max(len(typed) // 4, 20)
    low, high = max(0, start - margin), min(len(folded), end + margin)
    region = folded[low:high]
    starts, ends = set(), set()
    for pattern in WORDS:
        for word in pattern.finditer(region):
            starts.add(low + word.start())
            ends.add(low + word.end())
    starts, ends = sorted(starts), sorted(ends)
    if not starts or not ends:
        return start, end
    # The nearest boundaries outside the window, then each end in turn moved,
    # by at most the margin, to where the passage scores best.
    first, last = start, end
    start = max((s for s in starts if s <= first), default=starts[0])
    end = min((e for e in ends if e >= last), default=ends[-1])
    typed_words = TOKENS.findall(typed)

    def likeness(passage):
        # Word by word first: a changed word at an end stays in the passage.
        return fuzz.ratio(typed_words, TOKENS.findall(passage)), fuzz.ratio(typed, passage)

    for _round in range(2):
        nearby = [s for s in starts if abs(s - first) <= margin and s < end]
        start = _most_like(likeness, nearby, lambda s, end=end: folded[s:end], start)
        nearby = [e for e in ends if abs(e - last) <= margin and e > start]
        end = _most_like(likeness, nearby, lambda e, start=start: folded[start:e], end)
    return start, end


def _most_like(likeness, candidates, passage_at, current):
    best, best_score = current, likeness(passage_at(current))
    for candidate in candidates:
        score = likeness(passage_at(candidate))
        if score > best_score or (score == best_score and abs(candidate - current) < abs(best - current)):
            best, best_score = candidate, score
    return best
