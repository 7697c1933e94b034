"""Synthetic stories: realistic, recorded in history like an editor's work, and removable."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from tracker.models import Event, Quote, Source, Status, Story

from .conftest import make_event, make_story


def synthesize(*args):
    call_command("synthesize_story", *args, verbosity=0)


def history_counts(model, kind):
    return model.history.filter(history_type=kind).count()


@pytest.mark.django_db
def test_a_synthetic_story_is_published_with_events_quotes_and_cited_sources(client):
    synthesize("--events", "60", "--slug", "big")
    story = Story.objects.get(slug="synthetic-big")
    assert story.is_published()
    events = list(story.events.prefetch_related("sources", "quotes"))
    quotes = Quote.objects.filter(event__story=story)
    assert len(events) == 60 and all(event.status == Status.PUBLISHED for event in events)
    assert 60 <= quotes.count() <= 180 and 1.5 <= quotes.count() / 60 <= 2.5
    pool = Source.objects.filter(slug__startswith="synthetic-big-source-")
    assert pool.count() == 5
    for event in events:
        event.full_clean()
        cited = set(event.sources.all())
        assert cited and cited <= set(pool)
        for quote in event.quotes.all():
            quote.full_clean()  # the quote occurs word for word in its source
            assert quote.source in cited
    assert client.get(story.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_every_synthetic_object_has_one_history_record_and_events_records_list_their_sources():
    synthesize("--events", "30", "--sources", "7")
    story = Story.objects.get(slug="synthetic-30")
    assert story.history.count() == 1
    for model in (Event, Quote, Source):
        objects = model.objects.all()
        records = model.history.all()
        assert records.count() == objects.count() > 0
        assert set(records.values_list("id", flat=True)) == set(objects.values_list("pk", flat=True))
    for event in Event.objects.all():
        record = event.history.get()
        assert {row.source_id for row in record.sources.all()} == set(event.sources.values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_story():
    synthesize("--events", "20", "--slug", "a", "--seed", "7")
    synthesize("--events", "20", "--slug", "b", "--seed", "7")
    a, b = (
        list(Quote.objects.filter(event__story__slug=s).values_list("text", flat=True))
        for s in ("synthetic-a", "synthetic-b")
    )
    assert a == b


@pytest.mark.django_db
def test_a_new_synthetic_story_shows_on_an_index_that_was_cached(django_capture_on_commit_callbacks):
    make_story("real")
    index = reverse("tracker:story_list")
    Client().get(index)
    with django_capture_on_commit_callbacks(execute=True):
        synthesize("--events", "5")
    assert "Synthetic story with 5 events" in Client().get(index).content.decode()


@pytest.mark.django_db
def test_removing_a_synthetic_story_deletes_it_all_and_records_each_deletion(django_capture_on_commit_callbacks):
    real = make_story("real")
    synthesize("--events", "25")
    story = Story.objects.get(slug="synthetic-25")
    url = story.get_absolute_url()
    assert Client().get(url).status_code == 200
    counts = {model: model.objects.count() for model in (Event, Quote, Source)}
    with django_capture_on_commit_callbacks(execute=True):
        call_command("synthesize_story", "--remove", "synthetic-25", verbosity=0)
    assert Client().get(url).status_code == 404
    assert list(Story.objects.all()) == [real]
    for model, count in counts.items():
        assert not model.objects.exists()
        assert history_counts(model, "-") == count
    assert history_counts(Story, "-") == 1
    deleted_event = Event.history.filter(history_type="-").first()
    assert deleted_event.sources.exists()


@pytest.mark.django_db
def test_removal_refuses_real_stories_and_sources_that_real_stories_cite():
    make_story("real")
    with pytest.raises(CommandError, match="Only synthetic stories"):
        call_command("synthesize_story", "--remove", "real", verbosity=0)
    with pytest.raises(CommandError, match="No story"):
        call_command("synthesize_story", "--remove", "synthetic-missing", verbosity=0)
    synthesize("--events", "5")
    borrowed = Source.objects.filter(slug__startswith="synthetic-").first()
    make_event(Story.objects.get(slug="real"), "real-event", [borrowed])
    with pytest.raises(CommandError, match="another story cites"):
        call_command("synthesize_story", "--remove", "synthetic-5", verbosity=0)
    assert Story.objects.filter(slug="synthetic-5").exists() and Event.objects.count() == 6


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--events", "0"], "between 1 and"),
        (["--events", "5", "--slug", "not a slug!"], "slug"),
        (["--events", "5", "--sources", "0"], "at least 1"),
    ],
)
def test_bad_arguments_are_refused_with_a_reason_and_write_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("synthesize_story", *args, verbosity=0)
    assert not Story.objects.exists() and not Source.objects.exists()


@pytest.mark.django_db
def test_an_existing_synthetic_story_is_not_overwritten():
    synthesize("--events", "5")
    with pytest.raises(CommandError, match="exists"):
        synthesize("--events", "5")
    assert Event.objects.count() == 5
