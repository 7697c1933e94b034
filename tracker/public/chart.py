"""The story's visual timeline, drawn as precisely as the dates allow.

A known day is a dot, a month-only date a bar spanning its month, an
approximate date a dashed mark around the editors' best placement with their
words as its label. Events with no date at all are not placed: the page lists
them apart. Time runs down the page so the picture stays legible on a phone.
The share image draws a miniature from the same `Scale`. The chart is drawn
here rather than in a template: it is a few dozen shapes with computed
coordinates, and a template would spend longer than the page on them. The
only text in it (dates and headlines) is escaped where it is written in.
"""

import calendar
import datetime
import math
import textwrap
from dataclasses import dataclass
from html import escape

from django.utils.safestring import mark_safe

from tracker.models import DatePrecision

# Half the width, in days, of the dashed mark for an approximate date.
FUZZ_DAYS = 5

# Drawn 360 units wide and shown at the column's width, so on a phone of 360
# pixels a unit is about 0.9 pixel: the labels' sizes (site.css) are set so
# that none is drawn smaller than 12 pixels there.
WIDTH = 360
AXIS_X = 78
LABEL_X = 104
TOP = 20
DATE_LINE = 17
HEADLINE_LINE = 18
LABEL_GAP = 12
HEADLINE_CHARS = 30
DATE_CHARS = 30


def month_start(day):
    return day.replace(day=1)


def next_month(day):
    return (month_start(day) + datetime.timedelta(days=32)).replace(day=1)


@dataclass
class Scale:
    """Whole months from the first dated event's month to the last's."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def around(cls, events):
        days = [event.date for event in events if event.date is not None]
        if not days:
            return None
        return cls(month_start(min(days)), next_month(max(days)))

    @property
    def days(self):
        return (self.end - self.start).days

    def at(self, day):
        """Where a day falls, from 0 (the scale's start) to 1 (its end)."""
        return min(max((day - self.start).days / self.days, 0.0), 1.0)

    def extent(self, event):
        """The stretch of the scale an event's date covers, as (from, to)."""
        if event.date_precision == DatePrecision.MONTH:
            last = calendar.monthrange(event.date.year, event.date.month)[1]
            return self.at(month_start(event.date)), self.at(event.date.replace(day=last) + datetime.timedelta(days=1))
        if event.date_precision == DatePrecision.APPROXIMATE:
            fuzz = datetime.timedelta(days=FUZZ_DAYS)
            return self.at(event.date - fuzz), self.at(event.date + fuzz)
        return self.at(event.date), self.at(event.date)

    def months(self):
        day = self.start
        while day < self.end:
            yield day
            day = next_month(day)


def greedy(words, width):
    """Single-spaced words, none longer than `width`, in as few lines as fit."""
    lines = [words[0]] if words else [""]
    for word in words[1:]:
        if len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def wrapped(text, width):
    """The whole text in lines of at most `width` characters: a label that
    ended in "…" would leave a reader guessing."""
    words = text.split()
    if " ".join(words) == text and "-" not in text and all(len(word) <= width for word in words):
        return tuple(greedy(words, width))  # what textwrap makes of such a text, in a fraction of the time
    return tuple(textwrap.wrap(text, width) or [""])


def n(value):
    """A coordinate, to a tenth of a unit."""
    return f"{value:.1f}".removesuffix(".0")


def mark(event, centre, top, bottom):
    if event.date_precision == DatePrecision.DAY:
        return f'<circle class="mark day" cx="{AXIS_X}" cy="{n(centre)}" r="5"/>'
    if event.date_precision == DatePrecision.MONTH:
        return f'<rect class="mark month" x="{AXIS_X - 4}" y="{n(top)}" width="8" height="{n(bottom - top)}" rx="3"/>'
    return (
        f'<line class="mark approximate" x1="{AXIS_X}" y1="{n(top)}" x2="{AXIS_X}" y2="{n(bottom)}"/>'
        f'<circle class="mark approximate" cx="{AXIS_X}" cy="{n(centre)}" r="5"/>'
    )


def chart(events):
    """The <svg> of the dated events on a vertical time axis, each label pushed
    down below its neighbours so none overlap; "" when no event has a date."""
    scale = Scale.around(events)
    if scale is None:
        return ""
    dated = [event for event in events if event.date is not None]
    length = max(300, 34 * len(dated))

    def y(fraction):
        return TOP + fraction * length

    parts = [f'<line class="axis" x1="{AXIS_X}" y1="{TOP}" x2="{AXIS_X}" y2="{n(TOP + length)}"/>']
    month_step = max(1, math.ceil(18 / (length / scale.days * 30)))
    months = [day for number, day in enumerate(scale.months()) if number % month_step == 0]
    for day in months:
        at = n(y(scale.at(day)))
        parts.append(
            f'<line class="tick" x1="{AXIS_X - 5}" y1="{at}" x2="{AXIS_X}" y2="{at}"/>'
            f'<text class="tick-label" x="{AXIS_X - 12}" y="{at}" dy="4">{day:%b %Y}</text>'
        )
    # Events close in time would overlap: each label starts below the last
    # one, joined to its mark by a leader line. Each mark and label is a link
    # to the event on the page, reached by keyboard like any other.
    next_free = TOP
    for event in dated:
        start, end = scale.extent(event)
        middle = (start + end) / 2 if event.date_precision == DatePrecision.MONTH else scale.at(event.date)
        centre = y(middle)
        parts.append(f'<a class="chart-event" href="#{escape(event.anchor)}">')
        parts.append(mark(event, centre, y(start), y(end)))
        top = max(centre - 5, next_free)
        if top - (centre - 5) > 2:
            parts.append(f'<polyline class="leader" points="{AXIS_X + 8},{n(centre)} {LABEL_X - 4},{n(top + 7)}"/>')
        date_class = "date-label approximate" if event.date_precision == DatePrecision.APPROXIMATE else "date-label"
        lines = [(date_class, line, DATE_LINE) for line in wrapped(event.date_display, DATE_CHARS)]
        lines += [("headline-label", line, HEADLINE_LINE) for line in wrapped(event.headline, HEADLINE_CHARS)]
        baseline = top + 13
        for css_class, text, height in lines:
            parts.append(f'<text class="{css_class}" x="{LABEL_X}" y="{n(baseline)}">{escape(text)}</text>')
            baseline += height
        parts.append("</a>")
        next_free = baseline - 13 + LABEL_GAP
    height = math.ceil(max(TOP + length, next_free) + TOP)
    title = f"When the events happened, {months[0]:%B %Y} to {(scale.end - datetime.timedelta(days=1)):%B %Y}"
    description = " ".join(f"{event.date_display}: {event.headline}." for event in dated)
    head = (
        # A group, not an image: an image's children are hidden from screen
        # readers, and the chart's links must reach them.
        f'<svg class="timeline-chart" viewBox="0 0 {WIDTH} {height}" role="group" '
        'aria-labelledby="chart-title" aria-describedby="chart-desc">'
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(description)}</desc>'
    )
    svg = head + "\n".join(parts) + "</svg>"
    return mark_safe(svg)  # noqa: S308 - every text in it is escaped above  # nosec B308, B703
