"""The picture a shared link shows: a 1200×630 PNG card drawn from the story's
own data (title, status, a miniature of the timeline).

Drawing depends only on what the card shows, so the same story gives the same
bytes; `fingerprint()` names that content, for ETags and the cache.
"""

import hashlib
import io
import logging
from collections import namedtuple

from django.core.cache import cache
from django.db.models import DateField, Max, Min
from django.db.models.functions import Trunc
from django.http import Http404
from PIL import Image, ImageDraw, ImageFont

from tracker.models import DatePrecision
from tracker.public.chart import Scale, month_start, next_month
from tracker.public.structured_data import SHARE_IMAGE_SIZE

WIDTH, HEIGHT = SHARE_IMAGE_SIZE
MARGIN = 72
INK, MUTED, ACCENT, LIVE, RULE = "#1a1a1a", "#595959", "#0b5394", "#a3161a", "#c8c8c8"
CACHE_SECONDS = 24 * 60 * 60
# A card that could not be drawn is not tried again for this long: each try
# costs what the failure cost, on every request for the card.
FAILED, FAILURE_SECONDS = b"", 10 * 60

log = logging.getLogger(__name__)


def font(size):
    # Pillow's bundled font: the same glyphs on every machine, no system fonts needed.
    return ImageFont.load_default(size)


# What the chart's Scale reads of an event.
Day = namedtuple("Day", "date date_precision")


def card_content(story):
    """Everything the card shows, and nothing else, for a published story
    annotated with its `event_count`. The miniature needs only where events
    fall, read from the story's index a day, a week or a month at a time as
    its span needs: the axis is about a thousand pixels wide, so a story of
    years has at most a few hundred marks, however many events it holds."""
    dated = story.events.live().filter(date__isnull=False)
    ends = dated.aggregate(first=Min("date"), last=Max("date"))
    scale = Scale(month_start(ends["first"]), next_month(ends["last"])) if ends["first"] else None
    marks = []
    if scale:
        step = "day" if scale.days <= 400 else "week" if scale.days <= 2800 else "month"
        at = Trunc("date", step, output_field=DateField())
        rows = dated.annotate(at=at).order_by("at", "date_precision").values_list("at", "date_precision").distinct()
        marks = [(precision, *scale.extent(Day(day, precision))) for day, precision in rows]
    ticks = [(scale.at(day), day.strftime("%b %Y")) for day in scale.months()] if scale else []
    count = story.event_count
    return {
        "title": story.title,
        "summary": story.summary,
        "status": "DEVELOPING STORY" if story.is_developing else "CONCLUDED STORY",
        "line": f"{count} event{'s' if count != 1 else ''} · every fact sourced",
        "marks": marks,
        "ticks": ticks,
    }


def fingerprint(content):
    return hashlib.sha256(repr(sorted(content.items())).encode()).hexdigest()[:32]


def most_per_line(face, width):
    """More characters than a line of `width` pixels holds: none of the font's
    glyphs but zero-width ones is narrower than a fifth of its size."""
    return width * 5 // max(getattr(face, "size", 10), 1) + 1


def longest_fitting(text, fits):
    """The length of the longest start of `text` that `fits`, at least 1."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(text[:middle]) else (low, middle - 1)
    return low


def wrap(draw, text, face, width, most):
    """Wrap to the pixel width in at most `most` lines, ending with … when the
    text is longer; a word wider than a line is broken where the line ends.

    Only as much of the text as `most` lines could hold is ever measured, so
    a summary of one million-character word costs no more than a short one
    (Pillow would otherwise draw that word into one enormous bitmap)."""
    most = max(most, 0)
    limit = most * most_per_line(face, width)
    cut = len(text) > limit

    def fits(line):
        return draw.textlength(line, font=face) <= width

    words, lines = text[:limit].split(), []
    while words and len(lines) < most:
        line = words.pop(0)
        if not fits(line):
            keep = longest_fitting(line, fits)
            line, rest = line[:keep], line[keep:]
            words.insert(0, rest)
        while words and fits(f"{line} {words[0]}"):
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if (words or cut) and lines:
        last = lines[-1]
        while " " in last and not fits(last + " …"):
            last = last.rsplit(" ", 1)[0]
        if fits(last + " …"):
            lines[-1] = last.rstrip(",;:") + " …"
        else:  # one broken word: it ends with … where the line ends
            lines[-1] = last[: longest_fitting(last, lambda start: fits(start + "…"))] + "…"
    return lines


def draw_card(content):
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 16, HEIGHT], fill=ACCENT)

    status_face = font(26)
    left, top, right, bottom = draw.textbbox((MARGIN + 14, MARGIN), content["status"], font=status_face)
    draw.rounded_rectangle([MARGIN, MARGIN - 8, right + 14, bottom + 10], radius=6, fill=LIVE)
    draw.text((MARGIN + 14, MARGIN), content["status"], font=status_face, fill="white")

    title_face, summary_face = font(62), font(30)
    y = MARGIN + 64
    for line in wrap(draw, content["title"], title_face, WIDTH - 2 * MARGIN, most=2):
        draw.text((MARGIN, y), line, font=title_face, fill=INK)
        y += 74
    most = min(3, (HEIGHT - 190 - y) // 40)
    for line in wrap(draw, content["summary"], summary_face, WIDTH - 2 * MARGIN, most=most):
        draw.text((MARGIN, y + 10), line, font=summary_face, fill=INK)
        y += 40
    draw.text((MARGIN, HEIGHT - 176), content["line"], font=font(26), fill=MUTED)

    # The miniature timeline, drawn with the page chart's conventions.
    axis_y, x0, x1 = HEIGHT - 110, MARGIN, WIDTH - MARGIN

    def x(fraction):
        return x0 + fraction * (x1 - x0)

    draw.line([x0, axis_y, x1, axis_y], fill=RULE, width=4)
    tick_face = font(22)
    for fraction, label in content["ticks"]:
        draw.line([x(fraction), axis_y - 10, x(fraction), axis_y + 10], fill=MUTED, width=2)
        draw.text((x(fraction) + 6, axis_y + 16), label, font=tick_face, fill=MUTED)
    for precision, start, end in content["marks"]:
        if precision == DatePrecision.MONTH:
            draw.rounded_rectangle([x(start), axis_y - 9, max(x(end), x(start) + 4), axis_y + 9], 4, fill="#9fc0e0")
        elif precision == DatePrecision.APPROXIMATE:
            centre = x((start + end) / 2)
            for dash in range(int(x(start)), int(x(end)), 8):
                draw.line([dash, axis_y, min(dash + 4, x(end)), axis_y], fill=ACCENT, width=6)
            draw.ellipse([centre - 10, axis_y - 10, centre + 10, axis_y + 10], outline=ACCENT, width=4, fill="white")
        else:
            draw.ellipse([x(start) - 11, axis_y - 11, x(start) + 11, axis_y + 11], fill=ACCENT)

    out = io.BytesIO()
    image.save(out, format="PNG")  # optimize=True would take half as long again to save 4%
    return out.getvalue()


def share_image(story):
    """(PNG bytes, ETag) for a story's card, drawn once per distinct content.

    A card that cannot be drawn is logged once and answered with a 404 (a
    link preview without a picture) for FAILURE_SECONDS, not drawn again for
    every request."""
    content = card_content(story)
    tag = fingerprint(content)
    key = f"tracker:share-image:{tag}"
    png = cache.get(key)
    if png is None:
        try:
            png = draw_card(content)
        except Exception:  # Pillow raises many kinds; none should cost a redraw per request
            log.exception("The share image of story %s could not be drawn", story.pk)
            cache.set(key, FAILED, FAILURE_SECONDS)
            png = FAILED
        else:
            cache.set(key, png, CACHE_SECONDS)
    if png == FAILED:
        raise Http404("No share image for this story.")
    return png, f'"{tag}"'
