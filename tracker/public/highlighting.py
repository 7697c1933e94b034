"""A source's archived text with the quotes taken from it highlighted.

Quotes are found the way the quote form checks them, after folding
typographic quotes and whitespace (`normalise_text`); the marks are then laid
on the original text. Everything but the marks is escaped, so hostile text in
an archived source stays inert.
"""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from tracker.provenance import folded, normalise_text


def quote_spans(text, quotes):
    """(start, end, quote) in `text` for every occurrence of every quote."""
    folded_text, to_original = folded(text)
    spans = []
    for quote in quotes:
        needle = normalise_text(quote.text)
        if not needle:
            continue
        start = folded_text.find(needle)
        while start != -1:
            end = start + len(needle)
            spans.append((to_original(start), to_original(end - 1) + 1, quote))
            start = folded_text.find(needle, start + 1)
    return spans


def segments(length, spans):
    """Cut [0, length) where highlights begin or end: (start, end, quote or None).
    Where highlights overlap, the one that began first is linked."""
    cuts = sorted({0, length, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    result = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [span for span in spans if span[0] <= start and end <= span[1]]
        quote = min(covering, key=lambda span: span[0])[2] if covering else None
        if result and result[-1][2] is quote:
            result[-1] = (result[-1][0], end, quote)
        else:
            result.append((start, end, quote))
    return result


def render_piece(text):
    return mark_safe("<br>".join(escape(line) for line in text.split("\n")))  # noqa: S308 - every line escaped  # nosec B308, B703


def highlighted(text, quotes):
    """The archived text as HTML paragraphs, each quote in a <mark> linking to it on the story page."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces = []
    for start, end, quote in segments(len(text), quote_spans(text, quotes)):
        piece = text[start:end]
        # A blank line starts a new paragraph, also inside a highlight.
        parts = re.split(r"\n\s*\n", piece)
        for n, part in enumerate(parts):
            if n:
                pieces.append(mark_safe("</p>\n<p>"))  # a constant  # nosec B308
            if quote is None:
                pieces.append(render_piece(part))
            elif part.strip():
                pieces.append(
                    format_html(
                        '<mark><a href="{}" title="{}">{}</a></mark>',
                        quote.get_absolute_url(),
                        f"Quoted: {quote.speaker}",
                        render_piece(part),
                    )
                )
            else:
                pieces.append(render_piece(part))
    body = "".join(pieces).strip()
    return mark_safe(f"<p>{body}</p>")  # noqa: S308 - assembled from escaped pieces  # nosec B308, B703
