"""Synthetic stories of any size, for benchmarks and load tests.

Everything is written in bulk, with the one history record per object an
editor's save would leave (an event's record lists its sources), and named
``synthetic-…`` so that it can be told apart from real reporting and removed
again, which leaves a deletion record per object.
"""

import datetime
import random

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.history import current_edit, editing
from tracker.models import DatePrecision, Event, Quote, Source, SourceKind, Speech, Status, Story
from tracker.public import caching

PREFIX = "synthetic-"
BATCH = 2000

SPEAKERS = [
    ("Interior Ministry", ""),
    ("Attorney General", "Government's lawyer"),
    ("Chief Justice", "High Court"),
    ("Platform spokesperson", ""),
    ("Digital rights campaigner", "Bytes for All"),
    ("Information Minister", ""),
    ("Opposition leader", ""),
]
SUBJECTS = ["The ministry", "The court", "The company", "Officials", "Lawyers", "Campaigners", "The regulator"]
VERBS = ["said", "told reporters", "argued", "wrote", "confirmed", "denied"]
CLAIMS = [
    "the restriction was necessary for national security",
    "no written order had been issued",
    "access would be restored once the review ended",
    "the platform had failed to cooperate with requests",
    "the block violated the constitution",
    "users were switching to virtual private networks",
    "the decision would be reviewed within a week",
    "the hearing was adjourned until further notice",
]


def synthetic_slug(slug):
    return slug if slug.startswith(PREFIX) else PREFIX + slug


def check_slug(slug):
    validate_slug(slug)
    if len(slug) > 100:
        raise ValidationError("Use at most 100 characters: source slugs are built from it.")


def _sentence(rng):
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} that {rng.choice(CLAIMS)} (item {rng.randrange(10**6)})."


def _chunks(items, progress):
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        yield chunk
        progress(len(chunk))


def _sources(story_slug, count, rng):
    sources = []
    for i in range(count):
        sentences = [_sentence(rng) for _ in range(12)]
        sources.append(
            Source(
                slug=f"{story_slug}-source-{i:05d}",
                headline=f"Report {i}: {sentences[0][:80]}",
                outlet=rng.choice(["Dawn", "The Express Tribune", "Reuters", "AP", ""]),
                kind=rng.choice([SourceKind.NEWS_REPORT, SourceKind.WIRE, SourceKind.OFFICIAL_STATEMENT]),
                published_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i),
                text=" ".join(sentences),
            )
        )
    return sources


def _event(story, i, rng):
    date = datetime.date(2020, 1, 1) + datetime.timedelta(days=i // 3)
    precision = rng.choices([DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.APPROXIMATE], [16, 3, 1])[0]
    label = ""
    if precision == DatePrecision.MONTH:
        date = date.replace(day=1)
    elif precision == DatePrecision.APPROXIMATE:
        label = f"around {date:%B %Y}"
        date = None if rng.random() < 0.2 else date
    return Event(
        story=story,
        slug=f"event-{i:06d}",
        date=date,
        date_precision=precision,
        date_label=label,
        headline=f"Development {i}: {rng.choice(CLAIMS)}",
        description=_sentence(rng),
        is_key=rng.random() < 0.01,
        disagreement="Reports differ on the timing." if rng.random() < 0.05 else "",
        status=Status.PUBLISHED,
    )


def synthesize(events, slug, sources=None, seed=0, progress=lambda n: None):
    """Create a published story with `events` events, about two quotes each,
    citing a pool of sources (a few cited much more than others, as wires are).

    `progress` is called with the number of objects each batch wrote.
    """
    rng = random.Random(seed)  # noqa: S311 - repeatable test data, not secrets  # nosec B311
    slug = synthetic_slug(slug)
    check_slug(slug)
    now = timezone.now()
    reason = "Synthesized for benchmarks"
    with transaction.atomic(), editing():
        edit = current_edit()
        story = Story(
            slug=slug,
            title=f"Synthetic story with {events:,} events",
            summary="Generated for benchmarks and load tests; not reporting.",
            status=Status.PUBLISHED,
            published_at=now - datetime.timedelta(minutes=1),
        )
        story._change_reason = reason
        story.save()

        pool = _sources(slug, sources or max(5, events // 20), rng)
        for chunk in _chunks(pool, progress):
            _create_with_history(Source, chunk, reason, now, edit)
        texts = {source.pk: source.text.split(". ") for source in pool}
        weights = [1 / (rank + 1) for rank in range(len(pool))]

        event_objs = [_event(story, i, rng) for i in range(events)]
        links = []  # (event, source)
        quotes = []
        for event in event_objs:
            cited = set(rng.choices(pool, weights, k=rng.choice([1, 1, 2, 2, 3])))
            links += [(event, source) for source in cited]
            for j in range(rng.choice([1, 2, 2, 3])):
                source = rng.choice(sorted(cited, key=lambda s: s.pk))
                text = rng.choice(texts[source.pk]).rstrip(".")
                speaker, role = rng.choice(SPEAKERS)
                quotes.append(
                    Quote(
                        event=event,
                        slug=f"q{j + 1}",
                        text=text,
                        speaker=speaker,
                        speaker_role=role,
                        speech=rng.choice([Speech.DIRECT, Speech.REPORTED]),
                        source=source,
                        status=Status.PUBLISHED,
                    )
                )

        for chunk in _chunks(event_objs, progress):
            Event.objects.bulk_create(chunk)
        Link = Event.sources.through
        link_objs = [Link(event_id=event.pk, source_id=source.pk) for event, source in links]
        for chunk in _chunks(link_objs, progress):
            Link.objects.bulk_create(chunk)
        records = []
        for chunk in _chunks(event_objs, progress):
            records += Event.history.bulk_history_create(
                chunk, default_change_reason=reason, default_date=now, custom_historical_attrs={"edit": edit}
            )
        _record_links(records, link_objs, progress)
        for chunk in _chunks(quotes, progress):
            _create_with_history(Quote, chunk, reason, now, edit)
        caching.invalidate_everything()
    return story


def remove(slug, progress=lambda n: None):
    """Delete a synthetic story with its events, quotes and sources, leaving a
    deletion record for each. Returns the number of objects removed."""
    if not slug.startswith(PREFIX):
        raise ValidationError(f"Only synthetic stories can be removed this way; their slugs start with {PREFIX!r}.")
    with transaction.atomic(), editing():
        story = Story.objects.select_for_update().get(slug=slug)
        sources = list(Source.objects.filter(slug__startswith=f"{slug}-source-"))
        Link = Event.sources.through
        used_elsewhere = [
            Link.objects.filter(source__in=sources).exclude(event__story=story),
            Quote.objects.filter(source__in=sources).exclude(event__story=story),
            Source.objects.filter(derived_from__in=sources).exclude(pk__in=[s.pk for s in sources]),
        ]
        if any(rows.exists() for rows in used_elsewhere):
            raise ValidationError(f"Not removed: another story cites or copies one of {slug}'s sources.")
        removed = story.events.count() + Quote.objects.filter(event__story=story).count() + 1 + len(sources)
        # Through the ORM, so that each object leaves its deletion record as an
        # editor's deletion would (slower than raw deletes, on a rare command).
        story.delete()
        Source.objects.filter(pk__in=[s.pk for s in sources]).delete()
        progress(removed)
        caching.invalidate_everything()
    return removed


def _create_with_history(model, objs, reason, when, edit):
    model.objects.bulk_create(objs)
    attrs = {"edit": edit}
    model.history.bulk_history_create(
        objs, default_change_reason=reason, default_date=when, custom_historical_attrs=attrs
    )


def _record_links(records, links, progress):
    """Complete events' records with the sources each cites, as an editor's save would."""
    records = {record.id: record for record in records}
    m2m_history = HistoricalRecords.m2m_models[Event._meta.get_field("sources")]
    rows = [
        m2m_history(history=records[link.event_id], id=link.pk, event_id=link.event_id, source_id=link.source_id)
        for link in links
    ]
    for chunk in _chunks(rows, progress):
        m2m_history.objects.bulk_create(chunk)
