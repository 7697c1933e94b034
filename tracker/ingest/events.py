"""Which of the story's events a new article reports, and the dated facts it
reports that no event holds yet.

An event is reported when the article's quotes match wordings cited under
it, when it gives the event's date, and when its sentences share the words of
the event's headline and description. A sentence that states a date none of
the story's events has is proposed as a new event, dated only as precisely
as the sentence dates it.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from tracker.ingest.matching import content_words

EVENT_THRESHOLD = 0.45
# How far each kind of evidence goes on its own: a quote matching a wording
# cited under the event all the way, the event's date a little, a sentence in
# the words of its headline and description most of the way.
WEIGHTS = {"date": 0.3, "words": 0.6}
MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9
MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DATES = [
    re.compile(r"\b(?P<year>\d{4})-(?P<num>\d{2})-(?P<day>\d{2})\b"),
    re.compile(rf"\b{MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>\d{{4}}))?", re.I),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{MONTH}\b(?:,?\s+(?P<year>\d{{4}}))?", re.I),
    re.compile(rf"\b(?:in|since|until|by|early|late|mid-)\s*{MONTH}\b(?:\s+(?P<year>\d{{4}}))?(?!\s+\d)", re.I),
]


@dataclass
class Stated:
    """A date the text states: `precision` is "day" or "month"."""

    date: datetime.date
    precision: str
    start: int
    end: int
    year_stated: bool


@dataclass
class Reported:
    event: object
    score: float
    evidence: str


@dataclass
class NewEvent:
    date: datetime.date
    precision: str
    text: str


def stated_dates(text, default_year=None):
    """Every date `text` states, in order. A date without a year takes the
    article's (`default_year`); without either it is left out."""
    found = []
    taken = []
    for pattern in DATES:
        for match in pattern.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            parts = match.groupdict()
            month = int(parts["num"]) if parts.get("num") else MONTHS.get((parts.get("month") or "").lower())
            year = int(parts["year"]) if parts.get("year") else default_year
            if not month or not year:
                continue
            day = int(parts["day"]) if parts.get("day") else None
            try:
                date = datetime.date(year, month, day or 1)
            except ValueError:
                continue
            taken.append((match.start(), match.end()))
            found.append(Stated(date, "day" if day else "month", match.start(), match.end(), bool(parts.get("year"))))
    found.sort(key=lambda stated: stated.start)
    return found


def article_year(text, published_on=None, events=()):
    """The year a date without one belongs to: the article's date's, else the
    year it states most, else the year most of the story's events fall in."""
    if published_on:
        return published_on.year
    years = re.findall(r"\b(?:19|20)\d\d\b", text) or [str(event.date.year) for event in events if event.date]
    return int(max(sorted(set(years)), key=years.count)) if years else None


def rank(text, events, quote_events, published_on=None):
    """The events among `events` the article reports, best first, and the
    dated facts it states that none of them holds. `quote_events` lists the
    event id of each found quote's matched wording (or None)."""
    year = article_year(text, published_on, events)
    dates = stated_dates(text, year)
    sentences = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[^.!?\n]+[.!?]?", text)]
    prepared = [" ".join(content_words(sentence)) for _s, _e, sentence in sentences]
    matched = [event_id for event_id in quote_events if event_id is not None]
    ranked = []
    for event in events:
        evidence = []
        quote_share = matched.count(event.pk) / len(matched) if matched else 0.0
        if quote_share:
            evidence.append(f"{matched.count(event.pk)} of its quotes match wordings cited under this event")
        same_date = [d for d in dates if _same_date(d, event)]
        if same_date:
            evidence.append(f"it gives the event's date ({text[same_date[0].start : same_date[0].end]})")
        described = " ".join(content_words(f"{event.headline} {event.description}"))
        words = 0.0
        if len(described.split()) >= 3:  # two words in common say little
            words = max((fuzz.token_set_ratio(described, s) for s in prepared if s), default=0) / 100
        if words >= 0.5:
            evidence.append(f"a sentence shares {words:.0%} of the words of its headline and description")
        # Each kind of evidence alone can carry it; together they add up without passing 1.
        doubt = (1 - quote_share) * (1 - WEIGHTS["date"] * bool(same_date)) * (1 - WEIGHTS["words"] * words)
        score = 1 - doubt
        if evidence:
            ranked.append(Reported(event, round(min(score, 1.0), 3), "; ".join(evidence)))
    ranked.sort(key=lambda item: (-item.score, item.event.pk))
    known = [d for d in dates if any(_same_date(d, event) for event in events)]
    new = []
    seen = set()
    for stated in dates:
        if stated in known or (stated.date, stated.precision) in seen:
            continue
        seen.add((stated.date, stated.precision))
        sentence = next((s for s in sentences if s[0] <= stated.start < s[1]), None)
        if sentence is not None:
            new.append(NewEvent(stated.date, stated.precision, sentence[2].strip()))
    return ranked, new


def _same_date(stated, event):
    if event.date is None:
        return False
    if stated.precision == "day" and event.date_precision == "day":
        return stated.date == event.date
    return (stated.date.year, stated.date.month) == (event.date.year, event.date.month)
