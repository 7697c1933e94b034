"""The story page's loader (tracker/public/story_page.py) held to the querysets
that define what the public sees, on stories whose rows are in every state."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from tracker.models import Event, Quote, Source, Status, Story
from tracker.parts import PAGE_SIZE
from tracker.public.story_page import Timeline

from .conftest import make_event, make_quote, make_source, make_story

pytestmark = pytest.mark.django_db


def mixed_story(slug="mixed", events=6, **fields):
    """A story whose events and quotes are in every state, with a derived source."""
    story = make_story(slug, **fields)
    wire = make_source(f"{slug}-wire")
    copy = make_source(f"{slug}-copy", derived_from=wire, kind="translation", published_on=datetime.date(2024, 4, 18))
    undated = make_source(f"{slug}-undated")
    for n in range(events):
        status = [Status.PUBLISHED, Status.DRAFT, Status.UNPUBLISHED][n % 3]
        precision = {"date": None, "date_precision": "approximate", "date_label": "Some day"} if n == 4 else {}
        sources = [wire, copy] if n % 2 else [undated]
        event = make_event(story, f"e{n}", sources, status=status, is_key=n == 0, **precision)
        make_quote(event, wire, slug=f"q{n}-live")
        make_quote(event, copy, slug=f"q{n}-draft", status=Status.DRAFT)
        make_quote(event, copy, slug=f"q{n}-variant", variant_of=event.quotes.get(slug=f"q{n}-live"))
    return story


def expected_events(story):
    return list(Event.objects.published().filter(story=story).order_by(*Event._meta.ordering))


def test_the_timeline_holds_what_the_querysets_call_public():
    story = mixed_story()
    mixed_story("other")  # another story's rows must not leak in
    timeline = Timeline.part_of(story.slug, 1)
    events = expected_events(story)
    assert [e.pk for e in timeline.events] == [e.pk for e in events]
    for loaded, event in zip(timeline.events, events, strict=True):
        for field in Event._meta.concrete_fields:
            if field.name not in ("version", "status"):
                assert getattr(loaded, field.attname) == getattr(event, field.attname), field.name
        quotes = Quote.objects.published().filter(event=event).order_by("created_at", "pk")
        assert [q.pk for q in loaded.published_quotes] == [q.pk for q in quotes]
        assert [q.text for q in loaded.published_quotes] == [q.text for q in quotes]
        assert {s.pk for s in loaded.cited_sources} == set(event.sources.values_list("pk", flat=True))
    cited = set(Source.objects.filter(events__in=events).values_list("pk", flat=True))
    quoted = set(Quote.objects.published().filter(event__in=events).values_list("source", flat=True))
    assert {s.pk for s in timeline.sources} == cited | quoted
    assert timeline.story.last_updated == max([story.updated_at, *(e.changed_at for e in timeline.events)])


def test_loaded_values_are_converted_as_the_orm_converts_them():
    story = mixed_story()
    timeline = Timeline.part_of(story.slug, 1)
    stored = Story.objects.get(pk=story.pk)
    assert timeline.story.published_at == stored.published_at and timeline.story.published_at.tzinfo is not None
    assert timeline.story.is_developing is True
    event = timeline.events[0]
    assert isinstance(event.date, datetime.date) and event.created_at.tzinfo is not None
    assert event.is_key is True and timeline.events[1].is_key is False
    assert all(isinstance(q.updated_at, datetime.datetime) for q in event.published_quotes)


def test_the_first_and_last_parts_split_as_the_querysets_order_the_events():
    story = make_story("long")
    source = make_source()
    for n in range(PAGE_SIZE + 7):
        make_event(story, f"e{n:03}", [source], date=datetime.date(2024, 1, 1) + datetime.timedelta(days=n % 40))
    ordered = [e.pk for e in expected_events(story)]
    assert [e.pk for e in Timeline.part_of(story.slug, 1).events] == ordered[-PAGE_SIZE:]
    assert [e.pk for e in Timeline.part_of(story.slug, 2).events] == ordered[:-PAGE_SIZE]


def test_a_derived_source_counts_once_with_its_original():
    story = mixed_story()
    event = next(e for e in Timeline.part_of(story.slug, 1).events if len(e.cited_sources) == 2)
    assert event.independent_sources == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.DRAFT},
        {"status": Status.UNPUBLISHED},
        {"published_at": timezone.now() + datetime.timedelta(hours=1)},  # scheduled
    ],
    ids=["draft", "unpublished", "scheduled"],
)
def test_a_story_the_public_may_not_see_is_not_found(fields):
    story = mixed_story(**fields)
    assert not Story.objects.published().filter(pk=story.pk).exists()
    with pytest.raises(Http404):
        Timeline.part_of(story.slug, 1)


def test_a_derivation_cycle_ends_and_each_source_in_it_counts_as_its_own():
    story = make_story()
    first, second = make_source("first"), make_source("second")
    # The form forbids a cycle; the database alone does not.
    Source.objects.filter(pk=first.pk).update(derived_from=second)
    Source.objects.filter(pk=second.pk).update(derived_from=first)
    make_event(story, "cited", [first, second])
    (event,) = Timeline.part_of(story.slug, 1).events
    assert event.independent_sources == 2
