"""The geometry of the story's visual timeline, drawn as much as the dates allow.

A known day is a dot, a month-only date a bar spanning its month, an
approximate date a dashed mark around the editors' best placement with their
words as its label. Events with no date at all are not placed: the page lists
them apart. Time runs down the page so the picture stays legible on a phone.
The template `tracker/_timeline_svg.html` draws what `layout()` returns; the
share image draws a miniature from the same `Scale`.
"""

import calendar
import datetime
import math
import textwrap
from dataclasses import dataclass

from .models import DatePrecision

# Half the width, in days, of the dashed mark for an approximate date.
FUZZ_DAYS = 5

WIDTH = 360
AXIS_X = 78
LABEL_X = 104
TOP = 20
DATE_LINE = 15
HEADLINE_LINE = 16
LABEL_GAP = 10
HEADLINE_CHARS = 34
DATE_CHARS = 36


def coord(value):
    """A coordinate as the SVG will print it: formatted once here, so the
    template prints strings instead of localising hundreds of numbers."""
    return f"{value:.1f}".removesuffix(".0")


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


@dataclass
class Mark:
    event: object
    kind: str  # "day", "month" or "approximate"
    y: str
    y1: str
    y2: str
    height: str


@dataclass
class Label:
    """An event's date and headline beside the axis, with a leader line to its
    mark when neighbours pushed it down."""

    event: object
    rows: list  # (baseline, text, "date" or "headline") for each line
    mark_y: str
    leader_y: str | None


@dataclass
class Layout:
    width: str
    height: str
    axis_top: str
    axis_bottom: str
    ticks: list
    marks: list
    labels: list
    axis_x: str = coord(AXIS_X)
    label_x: str = coord(LABEL_X)
    tick_x: str = coord(AXIS_X - 12)
    tick_from: str = coord(AXIS_X - 5)
    bar_x: str = coord(AXIS_X - 4)
    leader_from: str = coord(AXIS_X + 8)
    leader_to: str = coord(LABEL_X - 4)


def wrapped(text, width):
    """At most two lines; the full text is on the page and in the chart's description."""
    lines = textwrap.wrap(text, width) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width, placeholder=" …")]
    return lines


def layout(events):
    """Place the dated events on a vertical time axis, labels pushed apart so
    none overlap; None when no event has a date."""
    scale = Scale.around(events)
    if scale is None:
        return None
    dated = [event for event in events if event.date is not None]
    length = max(300, 34 * len(dated))
    per_day = length / scale.days

    def y(fraction):
        return TOP + fraction * length

    month_step = max(1, math.ceil(18 / (per_day * 30)))
    months = [day for n, day in enumerate(scale.months()) if n % month_step == 0]
    ticks = [(coord(y(scale.at(day))), day.strftime("%b %Y")) for day in months]

    marks, labels, next_free = [], [], TOP
    for event in dated:
        start, end = scale.extent(event)
        centre = y(scale.at(event.date)) if event.date_precision != DatePrecision.MONTH else y((start + end) / 2)
        y1, y2 = y(start), y(end)
        marks.append(Mark(event, event.date_precision, coord(centre), coord(y1), coord(y2), coord(y2 - y1)))
        lines = [(line, "date") for line in wrapped(event.date_display, DATE_CHARS)]
        lines += [(line, "headline") for line in wrapped(event.headline, HEADLINE_CHARS)]
        top = max(centre - 5, next_free)
        rows, baseline = [], top + 11
        for text, kind in lines:
            rows.append((coord(baseline), text, kind))
            baseline += DATE_LINE if kind == "date" else HEADLINE_LINE
        leader_y = coord(top + 7) if top - (centre - 5) > 2 else None
        labels.append(Label(event, rows, coord(centre), leader_y))
        next_free = baseline - 11 + LABEL_GAP
    height = math.ceil(max(TOP + length, next_free) + TOP)
    return Layout(coord(WIDTH), coord(height), coord(TOP), coord(TOP + length), ticks, marks, labels)
