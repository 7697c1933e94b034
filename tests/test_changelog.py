"""The public changelog: what readers could see change, and nothing else."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracker import changes
from tracker.diffs import Segment, word_diff
from tracker.history import editing
from tracker.models import DatePrecision, Event, Quote, Source, Status, Story
from tracker.public import changelog

YESTERDAY = timezone.now() - datetime.timedelta(days=1)


def at(minutes):
    return YESTERDAY + datetime.timedelta(minutes=minutes)


def save_at(obj, minutes, **fields):
    """Save `obj` with `fields` changed, recorded in history `minutes` after the start."""
    for name, value in fields.items():
        setattr(obj, name, value)
    obj._history_date = at(minutes)
    obj.save()
    return obj


def new_source(slug, text, **fields):
    return save_at(Source(slug=slug, text=text, headline=f"Headline {slug}"), -1, **fields)


def new_story(minutes=0, **fields):
    fields = {"status": Status.PUBLISHED, "published_at": YESTERDAY, **fields}
    return save_at(Story(slug="story", title="Ministry blocks X", summary="X is blocked."), minutes, **fields)


def new_event(story, minutes, sources, slug="block", **fields):
    """An event saved with the sources it cites, as one edit (as the admin saves it)."""
    fields = {"date": datetime.date(2024, 2, 17), "headline": "Ministry blocks X", "status": Status.PUBLISHED, **fields}
    with editing():
        event = save_at(Event(story=story, slug=slug), minutes, **fields)
        event.sources.set(sources)
    return event


def story_with_event(sources, **fields):
    """A published story and its first event, as one edit (a fixture load, say)."""
    with editing():
        story = new_story()
        return story, new_event(story, 0, sources, **fields)


def new_quote(event, source, minutes, text="it was necessary", **fields):
    fields = {"speaker": "Interior Ministry", "status": Status.PUBLISHED, **fields}
    return save_at(Quote(event=event, source=source, text=text), minutes, **fields)


def page(client, story, query=""):
    response = client.get(reverse("tracker:story_changes", kwargs={"slug": story.slug}) + query)
    assert response.status_code == 200
    return response.content.decode()


def story_changes(story):
    """The story's changelog as its page reads it (the edits of a test's
    transaction, which never commits, are recorded as the page is read)."""
    changes.catch_up(story)
    recorded = list(story.changes.all())
    changelog.linked(story, recorded)
    return recorded


def summary(story):
    return [(c.action, c.subject, c.name) for c in story_changes(story)]


def segment(op, text):
    return {"op": op, "text": text}


@pytest.fixture
def wire(db):
    return new_source("wire", text="The ministry said “it was necessary” on Wednesday. Officials said “nothing more”.")


# --- what is reported ----------------------------------------------------------


@pytest.mark.django_db
def test_a_story_published_with_its_events_is_one_entry_listing_them(client, wire):
    story = new_story(0, status=Status.DRAFT, published_at=None)
    new_event(story, 0, [wire], headline="First draft headline", status=Status.DRAFT)
    event = Event.objects.get()
    save_at(event, 2, headline="Ministry blocks X", status=Status.PUBLISHED)
    save_at(story, 3, status=Status.PUBLISHED, published_at=at(3))
    assert summary(story) == [("published", "story", "Ministry blocks X")]
    html = page(client, story)
    assert "Story published" in html and "17 February 2024: Ministry blocks X" in html
    assert "First draft headline" not in html


@pytest.mark.django_db
def test_the_seed_story_starts_with_its_publication(client, seed):
    (change,) = story_changes(seed)
    assert change.action == "published"
    assert change.published_event_count == len(change.published_events) == seed.events.live().count()
    # One publication time, on the changelog as on the story page: the story's own.
    assert change.when == seed.published_at
    published = f'datetime="{seed.published_at:%Y-%m-%dT%H:%M:%S}'
    assert published in page(client, seed)
    assert published in client.get(seed.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_an_event_published_later_is_added_at_its_publication_not_its_drafting(client, wire):
    story = new_story()
    event = new_event(story, 10, [wire], headline="SECRET draft wording", status=Status.DRAFT)
    save_at(event, 20, description="SECRET draft description")
    save_at(event, 30, headline="Court hears case", description="", status=Status.PUBLISHED)
    changes = story_changes(story)
    assert (changes[0].action, changes[0].name) == ("added", "17 February 2024: Court hears case")
    assert changes[0].when == at(30)
    html = page(client, story)
    assert "SECRET" not in html
    permalink = reverse("tracker:event_permalink", kwargs={"slug": story.slug, "event_slug": "block"})
    assert f'href="{permalink}"' in html


@pytest.mark.django_db
def test_a_correction_shows_the_words_that_changed(client, wire):
    story, event = story_with_event([wire], description="Users reported outages in Lahore.")
    save_at(event, 10, description="Users reported outages in Karachi.")
    (correction, _) = story_changes(story)
    assert (correction.action, correction.subject) == ("corrected", "event")
    (difference,) = correction.differences
    assert difference["label"] == "Description"
    assert segment("delete", "Lahore.") in difference["segments"]
    assert segment("insert", "Karachi.") in difference["segments"]
    assert "<del>Lahore.</del><ins>Karachi.</ins>" in page(client, story)


@pytest.mark.django_db
def test_edits_made_while_an_event_was_withdrawn_appear_only_as_the_published_result(client, wire):
    story, event = story_with_event([wire], headline="Ministry blocks X")
    save_at(event, 10, status=Status.DRAFT, headline="SECRET interim headline")
    save_at(event, 20, headline="Ministry confirms block")
    save_at(event, 30, status=Status.PUBLISHED)
    assert summary(story)[:2] == [
        ("added", "event", "17 February 2024: Ministry confirms block"),
        ("removed", "event", "17 February 2024: Ministry blocks X"),
    ]
    assert "SECRET" not in page(client, story)


@pytest.mark.django_db
def test_a_withdrawn_event_is_removed_under_the_headline_readers_saw(client, wire):
    story, event = story_with_event([wire], headline="Ministry blocks X")
    save_at(event, 10, status=Status.UNPUBLISHED, headline="SECRET replacement", description="SECRET reason")
    (removal, _) = story_changes(story)
    assert (removal.action, removal.name, removal.url) == ("removed", "17 February 2024: Ministry blocks X", "")
    html = page(client, story)
    assert "Event removed" in html and "SECRET" not in html


@pytest.mark.django_db
def test_deleting_an_event_removes_it_once_with_its_quotes(client, wire):
    story, event = story_with_event([wire])
    new_quote(event, wire, 2)
    with editing():  # as the admin deletes it: quotes and event together, now
        Event.objects.get().delete()
    assert summary(story)[0] == ("removed", "event", "17 February 2024: Ministry blocks X")
    assert [c.subject for c in story_changes(story)].count("quote") == 1  # only its addition


@pytest.mark.django_db
def test_quotes_are_added_corrected_and_removed_but_drafts_never_show(client, wire):
    story, event = story_with_event([wire])
    quote = new_quote(event, wire, 10)
    new_quote(event, wire, 20, text="nothing more", speaker="SECRET speaker", status=Status.DRAFT)
    save_at(quote, 30, speaker="Interior Ministry of Pakistan")
    save_at(quote, 40, status=Status.UNPUBLISHED)
    assert [(c.action, c.subject) for c in story_changes(story)][:3] == [
        ("removed", "quote"),
        ("corrected", "quote"),
        ("added", "quote"),
    ]
    html = page(client, story)
    assert "SECRET" not in html and "<ins> of Pakistan</ins>" in html


@pytest.mark.django_db
def test_a_change_of_sources_names_the_sources(client, wire):
    second = new_source("second", headline="Dawn report", text="Officials said X was blocked.")
    story, event = story_with_event([wire])
    event._history_date = at(10)
    with editing():
        event.save()
        event.sources.set([wire, second])
    (correction, _) = story_changes(story)
    (difference,) = correction.differences
    assert difference["label"] == "Reported by"
    assert segment("insert", "Dawn report") in difference["segments"]


@pytest.mark.django_db
def test_a_cited_source_corrected_shows_the_correction_and_an_uncited_one_does_not(client, wire):
    hidden = new_source("hidden", headline="SECRET source", text="SECRET text")
    story, event = story_with_event([wire])
    new_event(story, 2, [hidden], slug="draft", headline="SECRET event", status=Status.DRAFT)
    save_at(wire, 10, text=wire.text.replace("Wednesday", "Thursday"))
    save_at(hidden, 11, text="SECRET corrected text")
    (correction, _) = story_changes(story)
    assert (correction.action, correction.subject) == ("corrected", "source")
    assert correction.url == wire.get_absolute_url()
    html = page(client, story)
    assert "<del>Wednesday.</del><ins>Thursday.</ins>" in html and "SECRET" not in html
    assert event.pk  # the event citing the wire keeps it public


@pytest.mark.django_db
def test_story_corrections_withdrawal_and_return_are_reported(client, wire):
    story, _ = story_with_event([wire])
    save_at(story, 10, summary="X is blocked nationwide.")
    save_at(story, 20, status=Status.UNPUBLISHED)
    save_at(story, 30, title="SECRET working title")
    save_at(story, 40, title="Pakistan blocks X", status=Status.PUBLISHED)
    assert [(c.action, c.subject) for c in story_changes(story)] == [
        ("republished", "story"),
        ("corrected", "story"),
        ("withdrawn", "story"),
        ("corrected", "story"),
        ("published", "story"),
    ]
    assert "SECRET" not in page(client, Story.objects.get())


@pytest.mark.django_db
def test_a_scheduled_story_is_published_at_its_time_not_when_it_was_saved(wire):
    story = new_story(0, published_at=at(60))
    new_event(story, 10, [wire], headline="Before publication", status=Status.DRAFT)
    (published,) = story_changes(story)
    assert (published.action, published.when, published.published_events) == ("published", at(60), [])


@pytest.mark.django_db
def test_editors_and_their_change_reasons_are_never_shown(client, editor, wire):
    story, event = story_with_event([wire])
    event._history_user = editor
    event._change_reason = "Fixed after a call with Edna's source"
    save_at(event, 10, headline="Ministry confirms block")
    html = page(client, story)
    assert "Event corrected" in html
    assert editor.username not in html and "Edna" not in html


@pytest.mark.django_db
def test_text_in_a_diff_is_escaped(client, wire):
    story, event = story_with_event([wire], description="Calm.")
    save_at(event, 10, description="<script>alert(1)</script> Calm.")
    html = page(client, story)
    assert "<script>alert(1)" not in html and "<ins>&lt;script&gt;alert(1)&lt;/script&gt; </ins>" in html


# --- who may see it -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?page=2", "?page=abc", "?page=-1", "?page=99999999999999999999"])
def test_any_page_number_gives_a_page(client, wire, query):
    story, event = story_with_event([wire])
    for n in range(60):
        save_at(event, 10 + n, headline=f"Headline {n}")
    assert "Page " in page(client, story, query)


# --- cost ---------------------------------------------------------------------------


def build_history(story, sources, events):
    for n in range(events):
        event = new_event(story, n, sources, slug=f"e{n}", date_precision=DatePrecision.MONTH)
        new_quote(event, sources[0], n)
        save_at(event, 100 + n, headline=f"Corrected {n}")


@pytest.mark.django_db
def test_the_changelog_costs_the_same_queries_however_long_the_history(
    client, wire, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # each edit recorded as it commits
        small, large = new_story(0), new_story(0, slug="large")
        other = new_source("other", text="Another account.")
        build_history(small, [wire], 1)
        build_history(large, [wire, other], 25)
    assert large.changes.count() == 1 + 25 * 3  # published; each event added, its quote added, corrected
    counts = []
    for story in (small, large):
        with CaptureQueriesContext(connection) as queries:
            page(client, story)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8


# --- word diffs ------------------------------------------------------------------------


def test_a_word_diff_keeps_only_the_words_around_a_change_in_a_long_text():
    words = " ".join(f"w{n}" for n in range(200))
    segments = word_diff(words, words.replace("w100", "W100"))
    assert [s.op for s in segments] == ["gap", "equal", "delete", "insert", "equal", "gap"]
    assert Segment("delete", "w100") in segments and "w50 " not in "".join(s.text for s in segments)


def test_a_word_diff_of_an_added_text_is_one_insertion():
    assert word_diff("", "New words") == [Segment("insert", "New words")]
