"""Ingest: a new article joins a story in one step.

`suggest()` archives the article (pasted text, an uploaded file's bytes, or a
URL) and proposes what an editor would otherwise type: the source's details,
every quote with its exact span, speaker and role, the existing statement it
may be another wording of, the sources it may copy or translate, the events
it reports, and the dated facts no event holds yet. Nothing is written.
`apply()` writes the suggestions an editor accepted (all of them above their
thresholds, from the command line) in one transaction, as drafts, through
the models' own save path, so every object gets its history record.

The command (`manage.py ingest_source`) and the admin's review screen are
doors onto these two functions; docs/ingest.md describes the whole.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify

from tracker.history import completing_record, editing
from tracker.ingest import archive, derivation, events, matching, quotes, speakers
from tracker.ingest.archive import Archived, Refused
from tracker.models import DatePrecision, Derivation, Event, Quote, Source, SourceKind, Speaker, Status

__all__ = ["Refused", "Suggestions", "apply", "suggest"]

QUOTE_THRESHOLD = 0.5  # a found quote's own confidence at which --apply takes it


@dataclass
class QuoteSuggestion:
    """One statement the article reports, with its evidence."""

    start: int
    end: int
    text: str
    speech: str
    speaker: str
    speaker_role: str
    speaker_match: str | None
    speaker_reason: str
    cue: str
    candidates: list
    variant_of: object  # the Quote it words, or None
    event: object  # the Event it belongs to, or None
    score: float

    def as_json(self):
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "speech": self.speech,
            "speaker": self.speaker,
            "speaker_role": self.speaker_role,
            "speaker_match": self.speaker_match,
            "variant_of": natural_key(self.variant_of),
            "variant_candidates": [
                {"quote": natural_key(candidate.quote), "score": candidate.score} for candidate in self.candidates
            ],
            "event": self.event.slug if self.event else None,
            "score": self.score,
        }


@dataclass
class Suggestions:
    """Everything ingest proposes for one article, ranked best first."""

    story: object
    source: Archived
    existing: object = None  # a Source already holding exactly this text
    derived_from: list = field(default_factory=list)
    quotes: list = field(default_factory=list)
    events: list = field(default_factory=list)
    new_events: list = field(default_factory=list)
    speaker_records: dict = field(default_factory=dict)  # a name the story prints -> its Speaker

    def as_json(self):
        source = self.source
        return {
            "source": {
                "headline": source.headline or None,
                "published_on": source.published_on.isoformat() if source.published_on else None,
                "outlet": source.outlet or None,
                "byline": source.byline or None,
                "language": source.language or None,
                "text": source.text,
                "sha256": source.sha256,
            },
            "derived_from": [
                {"source": item.source.slug, "score": item.score, "evidence": item.evidence}
                for item in self.derived_from
            ],
            "quotes": [quote.as_json() for quote in self.quotes],
            "events": [
                {"event": item.event.slug, "score": item.score, "evidence": item.evidence} for item in self.events
            ],
            "new_events": [
                {"date": item.date.isoformat(), "date_precision": item.precision, "text": item.text}
                for item in self.new_events
            ],
        }


def natural_key(quote):
    return "/".join(quote.natural_key()) if quote is not None else None


def archived(*, text=None, html=None, url=None, filename=None, data=None):
    """The article archived from exactly one of: pasted `text`, `html`, the
    file at `filename` (or an upload's bytes `data`, named `filename`) or a `url`."""
    if filename is not None and data is None and text is None and html is None and url is None:
        data = archive.read_file(filename)
    given = [value is not None for value in (text, html, url, data)]
    if sum(given) != 1:
        raise Refused("Give exactly one of: text, HTML, a file or a URL.")
    if url is not None:
        return archive.fetch(url)
    if data is not None:
        if len(data) > archive.max_bytes():
            raise Refused(f"The file is larger than the limit of {archive.max_bytes():,} bytes.")
        text = archive.decode(data)
        if archive.looks_like_html(text, filename or ""):
            return archive.from_html(text)
        return archive.from_text(text)
    if html is not None:
        return archive.from_html(html)
    if "\x00" in text:
        raise Refused("The input is binary data, not text or HTML.")
    return archive.from_text(text)


def suggest(story, *, text=None, html=None, url=None, filename=None, data=None, source=None):
    """What ingesting this article into `story` would add, without writing anything.
    Give one of pasted `text`, `html`, a `url`, or a file: its path as
    `filename`, or an upload's bytes as `data` with its name as `filename`;
    or, as `source`, an `Archived` already made (the admin's review screen
    derives its suggestions again from the article it archived)."""
    if source is None:
        source = archived(text=text, html=html, url=url, filename=filename, data=data)
    suggestions = Suggestions(story, source)
    suggestions.existing = Source.objects.filter(text=source.text).order_by("pk").first()
    if suggestions.existing is not None:
        return suggestions
    story_quotes = list(
        Quote.objects.filter(event__story=story)
        .select_related("event__story", "variant_of__event__story", "spoken_by")
        .only(
            "pk",
            "slug",
            "text",
            "speaker",
            "spoken_by",
            "source_id",
            "variant_of",
            "event__slug",
            "event__story__slug",
            "variant_of__slug",
            "variant_of__event__slug",
            "variant_of__event__story__slug",
        )
        .order_by("pk")
    )
    # Who the story's speakers are: each quote's printed name, and every name of the Speakers they link to.
    for record in Speaker.objects.filter(quotes__event__story=story).distinct().order_by("pk"):
        for name in record.names:
            suggestions.speaker_records.setdefault(name, record)
    for quote in story_quotes:
        if quote.spoken_by is not None:
            suggestions.speaker_records.setdefault(quote.speaker, quote.spoken_by)
    story_speakers = speakers.StorySpeakers([*(quote.speaker for quote in story_quotes), *suggestions.speaker_records])
    statements = matching.Statements(story_quotes)
    found = quotes.find(source.text)
    article = speakers.Article(source.text, [(f.start, f.end) for f in found if f.speech == quotes.DIRECT])
    for item in found:
        suggestions.quotes.append(_quote(source.text, item, article, story_speakers, statements))
    _rank_sources_and_events(story, suggestions)
    return suggestions


def _quote(text, item, article, story_speakers, statements):
    reason = ""
    speaker = item.speaker
    if speaker is not None:
        speaker, reason = article.resolve(speaker, item.attribution)
        article.said(speaker, item.attribution)
    known = story_speakers.match(speaker) if speaker is not None else None
    if known is not None:
        reason = "; ".join(part for part in (reason, known.reason) if part)
    story_name = known.name if known else None

    def same_speaker(name):
        if speaker is None or speaker.kind in ("pronoun", "document"):
            return None  # unresolved: who it is is not known
        if story_name is not None and speakers.fold(name) == speakers.fold(story_name):
            return True
        return speakers.same(speaker, name) is not None

    candidates = statements.rank(text[item.start : item.end], same_speaker)
    best = candidates[0] if candidates and candidates[0].score >= matching.VARIANT_THRESHOLD else None
    # How sure the finding itself is: an attributed quotation, an attributed clause, an orphan.
    score = (0.9 if item.speech == quotes.DIRECT else 0.7) if speaker is not None else 0.4
    if item.unclosed:
        score -= 0.2
    return QuoteSuggestion(
        start=item.start,
        end=item.end,
        text=text[item.start : item.end],
        speech=item.speech,
        speaker=speaker.name if speaker is not None else "",
        speaker_role=speaker.role if speaker is not None else "",
        speaker_match=story_name,
        speaker_reason=reason,
        cue=item.cue,
        candidates=candidates,
        variant_of=best.statement if best else None,
        event=best.quote.event if best else None,
        score=round(score, 2),
    )


def _rank_sources_and_events(story, suggestions):
    text = suggestions.source.text
    in_story = Q(events__story=story) | Q(quotes__event__story=story)
    candidates = list(Source.objects.filter(pk__in=Source.objects.filter(in_story).values("pk")).order_by("pk"))
    best_sources = [q.candidates[0].quote.source_id if q.variant_of else None for q in suggestions.quotes]
    suggestions.derived_from = derivation.rank(text, suggestions.quotes, candidates, best_sources)
    story_events = list(Event.objects.filter(story=story).order_by("pk"))
    quote_events = [q.event.pk if q.event else None for q in suggestions.quotes]
    ranked, new = events.rank(text, story_events, quote_events, suggestions.source.published_on)
    suggestions.events, suggestions.new_events = ranked, new
    top = ranked[0].event if ranked and ranked[0].score >= events.EVENT_THRESHOLD else None
    for quote in suggestions.quotes:
        if quote.event is None:
            quote.event = top


# --- Writing what was accepted --------------------------------------------------------


@dataclass
class Applied:
    source: Source
    quotes: list
    events: list
    skipped: list  # (suggestion, reason)


def apply(suggestions, user=None, publish=False, slug=None):
    """Create the source, the quotes above their thresholds and the citations
    they imply, in one transaction and one edit, as drafts (published when
    `publish`, which only an editor may choose). Each object is validated and
    saved as the admin saves it, so each has its history record; a quote
    that is no longer verbatim is refused with the source."""
    if suggestions.existing is not None:
        raise Refused(f"This text is already archived as the source “{suggestions.existing.slug}”.")
    if publish and user is not None and not user.has_perms(["tracker.publish_quote", "tracker.publish_event"]):
        raise Refused("Only an editor may publish; ingest as drafts instead.")
    story = suggestions.story
    status = Status.PUBLISHED if publish else Status.DRAFT
    skipped = []
    with transaction.atomic(), editing():
        source = _source(suggestions, slug)
        _save(source, user, "Ingested")
        cited = {}
        for item in suggestions.events:
            if item.score >= events.EVENT_THRESHOLD:
                cited[item.event.pk] = item.event
        created = []
        for item in suggestions.new_events:
            event = Event(
                story=story,
                slug=_free_slug(Event.objects.filter(story=story), slugify(item.text)[:60] or "event"),
                date=item.date,
                date_precision=DatePrecision.DAY if item.precision == "day" else DatePrecision.MONTH,
                headline=item.text[:200],
                status=status,
            )
            _save(event, user, "Proposed by ingest")
            with completing_record(event):  # the new event's one record lists its source
                event.sources.add(source)
            created.append(event)
        made = []
        for item in suggestions.quotes:
            if item.score < QUOTE_THRESHOLD or not item.speaker:
                skipped.append((item, "no speaker or too unsure"))
                continue
            if item.event is None:
                skipped.append((item, "no event it belongs to"))
                continue
            quote = Quote(
                event=item.event,
                source=source,
                text=item.text,
                # The name as this article prints it; who that is, when the story knows them.
                speaker=(item.speaker or item.speaker_match)[:200],
                spoken_by=suggestions.speaker_records.get(item.speaker_match),
                speaker_role=item.speaker_role[:200],
                speech=item.speech,
                variant_of=item.variant_of,
                status=status,
            )
            _save(quote, user, "Ingested")
            made.append(quote)
            cited.setdefault(item.event.pk, item.event)
        for event in cited.values():
            event = Event.objects.get(pk=event.pk)  # as it stands now: its version moves with each link
            event._history_user = user
            event.sources.add(source)
    return Applied(source, made, created, skipped)


def _source(suggestions, slug):
    archived = suggestions.source
    derived = suggestions.derived_from[0] if suggestions.derived_from else None
    if derived is not None and derived.score < derivation.DERIVED_THRESHOLD:
        derived = None
    base = slug or slugify(archived.headline)[:80] or f"source-{archived.sha256[:12]}"
    source = Source(
        slug=_free_slug(Source.objects.all(), base),
        headline=archived.headline[:300],
        outlet=archived.outlet[:200],
        byline=archived.byline[:200],
        published_on=archived.published_on,
        kind=SourceKind.NEWS_REPORT,
        text=archived.text,
        url=archived.url[:500],
        notes=_notes(archived),
    )
    if archived.language:
        source.language = archived.language
    if derived is not None:
        # Suggested from the text, not from the source's own word: suspected, with the evidence as the reason.
        source.derived_from = derived.source
        source.derivation = Derivation.SUSPECTED
        source.derivation_reason = f"Suggested by ingest: {derived.evidence}."
    return source


def _notes(archived):
    notes = [f"Archived by ingest on {archived.accessed_at:%Y-%m-%d %H:%M} UTC; SHA-256 {archived.sha256}."]
    if archived.requested_url and archived.requested_url != archived.url:
        notes.append(f"Requested as {archived.requested_url}.")
    return " ".join(notes)


def _save(obj, user, reason):
    """Validate and save `obj` as an admin form does: full_clean, then save with a reason and the user."""
    try:
        obj.full_clean(validate_unique=True)
    except ValidationError as error:
        raise Refused(f"{obj._meta.verbose_name} {obj}: {'; '.join(error.messages)}") from error
    obj._change_reason = reason
    obj._history_user = user
    obj.save()


def _free_slug(queryset, base):
    base = base.strip("-") or "item"
    taken = set(queryset.filter(slug__startswith=base).values_list("slug", flat=True))
    return next(s for s in (base, *(f"{base}-{n}" for n in range(2, len(taken) + 3))) if s not in taken)
