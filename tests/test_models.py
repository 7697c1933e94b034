import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tracker.models import DatePrecision, Event, Quote, Source, Status, Story, normalise_text

from .conftest import make_event, make_quote, make_source, make_story

NOW = timezone.now()
PAST, FUTURE = NOW - datetime.timedelta(days=1), NOW + datetime.timedelta(days=1)


@pytest.mark.django_db
def test_only_published_stories_whose_time_has_come_are_public():
    cases = {
        (status, when): make_story(slug=f"{status}-{label}", status=status, published_at=when)
        for status in Status.values
        for label, when in (("past", PAST), ("future", FUTURE), ("none", None))
        if not (status == Status.PUBLISHED and when is None)
    }
    public = set(Story.objects.published())
    assert public == {cases[Status.PUBLISHED, PAST]}
    for story in cases.values():
        assert story.is_published() == (story in public)


@pytest.mark.django_db
def test_events_and_quotes_of_a_draft_story_are_not_public():
    source = make_source()
    for status in Status.values:
        story = make_story(slug=f"s-{status}", status=status, published_at=PAST)
        event = make_event(story, sources=[source])
        make_quote(event, source)
    assert set(Event.objects.published().values_list("story__status", flat=True)) == {Status.PUBLISHED}
    assert set(Quote.objects.published().values_list("event__story__status", flat=True)) == {Status.PUBLISHED}


@pytest.mark.django_db
def test_draft_event_and_draft_quote_inside_a_published_story_are_not_public():
    source = make_source()
    story = make_story()
    live, draft = make_event(story, "live", [source]), make_event(story, "draft", [source], status=Status.DRAFT)
    shown, hidden = make_quote(live, source), make_quote(live, source, status=Status.DRAFT)
    make_quote(draft, source)
    assert list(Event.objects.published()) == [live]
    assert list(Quote.objects.published()) == [shown]
    assert hidden not in Quote.objects.published()


@pytest.mark.django_db
def test_source_is_public_only_when_something_public_cites_it():
    cited, quoted, unused = make_source("cited"), make_source("quoted"), make_source("unused")
    story = make_story()
    event = make_event(story, sources=[cited])
    make_quote(event, quoted)
    draft_story = make_story("draft", status=Status.DRAFT)
    make_event(draft_story, sources=[unused])
    assert set(Source.objects.published()) == {cited, quoted}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "deleted"), ("date_precision", "week")],
)
def test_database_rejects_invalid_choices(field, value):
    event = make_event(make_story(), sources=[make_source()])
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(**{field: value})


@pytest.mark.django_db
def test_database_rejects_a_published_story_without_publication_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        Story.objects.create(slug="x", title="x", summary="x", status=Status.PUBLISHED, published_at=None)


@pytest.mark.django_db
def test_database_rejects_an_approximate_date_without_a_label_and_an_exact_one_without_a_date():
    story = make_story()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(story=story, slug="a", headline="a", date_precision=DatePrecision.APPROXIMATE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(story=story, slug="b", headline="b", date_precision=DatePrecision.DAY, date=None)


@pytest.mark.django_db
def test_story_slugs_and_event_slugs_within_a_story_are_unique():
    story = make_story()
    make_event(story, "same")
    make_event(make_story("other"), "same")  # fine in another story
    with pytest.raises(IntegrityError), transaction.atomic():
        make_event(story, "same")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_story("story")


@pytest.mark.django_db
def test_dates_are_shown_only_as_precisely_as_the_sources_give_them():
    story = make_story()
    day = make_event(story, "day", date=datetime.date(2024, 2, 8))
    month = make_event(story, "month", date=datetime.date(2024, 2, 17), date_precision=DatePrecision.MONTH)
    approx = make_event(
        story,
        "approx",
        date=datetime.date(2024, 2, 15),
        date_precision=DatePrecision.APPROXIMATE,
        date_label="mid-February 2024",
    )
    undated = make_event(story, "undated", date=None, date_precision=DatePrecision.APPROXIMATE, date_label="A Friday")
    assert day.date_display == "8 February 2024"
    assert month.date_display == "February 2024"
    assert month.date == datetime.date(2024, 2, 1)
    assert approx.date_display == "mid-February 2024"
    assert list(story.events.chronological()) == [month, day, approx, undated]


@pytest.mark.django_db
def test_event_clean_explains_what_an_approximate_or_exact_date_needs():
    story = make_story()
    with pytest.raises(ValidationError, match="Say in words"):
        Event(story=story, slug="a", headline="a", date_precision=DatePrecision.APPROXIMATE).full_clean()
    with pytest.raises(ValidationError, match="needs a date"):
        Event(story=story, slug="b", headline="b", date_precision=DatePrecision.DAY).full_clean()


def test_normalise_text_folds_only_typographic_quotes_and_whitespace():
    assert normalise_text("“It’s  done,”\n he said") == '"It\'s done," he said'
    assert normalise_text("It is done") != normalise_text("It was done")


@pytest.mark.django_db
def test_a_quote_must_occur_verbatim_in_its_source():
    source = make_source(text="The ministry said “it was necessary” on Wednesday.")
    event = make_event(make_story(), sources=[source])
    Quote(event=event, source=source, text="it was  necessary", speaker="Ministry").full_clean()
    with pytest.raises(ValidationError, match="do not occur in the source"):
        Quote(event=event, source=source, text="it was needed", speaker="Ministry").full_clean()


@pytest.mark.django_db
def test_variants_point_at_the_first_wording_of_a_statement():
    first_source = make_source("a", text="“It is very pertinent to mention here,” it said.")
    second_source = make_source("b", text="“It is very relevant to mention here,” it said.")
    third_source = make_source("c", text="“It is noteworthy,” it said.")
    event = make_event(make_story(), sources=[first_source, second_source, third_source])
    first = make_quote(event, first_source, "It is very pertinent to mention here")
    second = make_quote(event, second_source, "It is very relevant to mention here", variant_of=first)
    assert second.statement == first and first.statement == first
    assert list(first.variants.all()) == [second]
    chained = Quote(event=event, source=third_source, text="It is noteworthy", speaker="M", variant_of=second)
    with pytest.raises(ValidationError, match="first wording"):
        chained.full_clean()


@pytest.mark.django_db
def test_quote_slugs_are_made_from_the_speaker_and_kept_unique_within_the_event():
    source = make_source()
    event = make_event(make_story(), sources=[source])
    slugs = [make_quote(event, source).slug for _ in range(3)]
    assert slugs == ["interior-ministry", "interior-ministry-2", "interior-ministry-3"]


@pytest.mark.django_db
def test_a_source_cannot_derive_from_itself_even_indirectly():
    a = make_source("a")
    b = make_source("b", derived_from=a)
    a.derived_from = b
    with pytest.raises(ValidationError, match="derive from itself"):
        a.full_clean()


@pytest.mark.django_db
def test_every_model_has_a_readable_str_and_a_public_url():
    source = make_source()
    story = make_story()
    event = make_event(story, sources=[source])
    quote = make_quote(event, source)
    assert str(story) == "Title story" and story.get_absolute_url() == "/stories/story/"
    assert str(event) == "17 April 2024: Headline event"
    assert event.get_absolute_url() == "/stories/story/events/event/"
    assert quote.get_absolute_url() == "/stories/story/events/event/quotes/interior-ministry/"
    assert str(quote) == "Interior Ministry: “it was necessary”"
    assert str(source) == "Headline wire" and source.get_absolute_url() == f"/sources/{source.pk}/"
