"""Live updates on the open page: `updates.json?since=<the page's time>` says
how many events were added or corrected since, names the latest, and links to
the story with them marked. It is a few hundred bytes, served from the page
cache with ETag and 304, and never counts what readers may not see."""

import re
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracker.history import editing
from tracker.models import Status
from tracker.public.templating import iso
from tracker.public.updates import LISTED_UPDATES

from .conftest import make_event, make_quote, make_source, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(db):
    wire = make_source("wire", headline="Wire", text="The ministry said “it was necessary” and “it is temporary”.")
    made = make_story("story", is_developing=True)
    event = make_event(made, "block", [wire], headline="X is blocked")
    make_quote(event, wire, slug="necessary")
    return made


def page_time(client, story):
    """The time the open page was rendered under, as the page gives it to its script."""
    html = client.get(story.get_absolute_url()).content.decode()
    return re.search(r'data-story-updated="([^"]+)"', html).group(1)


def poll(since, story, client=None):
    url = reverse("tracker:story_updates", kwargs={"slug": story.slug})
    return (client or Client()).get(url, {"since": since})


@pytest.fixture
def edit(django_capture_on_commit_callbacks):
    """An edit that ends as a committed one does: the page cache hears of it at once."""

    @contextmanager
    def committed():
        with django_capture_on_commit_callbacks(execute=True), editing():
            yield

    return committed


def later(edit, story, headline, **fields):
    sources = story.events.first().sources.all()
    with edit():
        return make_event(story, headline.lower().replace(" ", "-"), sources, headline=headline, **fields)


def test_nothing_new_since_the_page_was_rendered(client, story):
    response = poll(page_time(client, story), story)
    assert response.status_code == 200
    assert response.json() == {
        "story": "story",
        "updated_at": page_time(client, story),
        "new": 0,
        "updated": 0,
        "events": [],
    }


def test_a_new_event_and_a_corrected_one_are_counted_named_and_linked(client, story, edit):
    since = page_time(client, story)
    added = later(edit, story, "Court hears the petition", is_key=True)
    quote = story.events.get(slug="block").quotes.get()
    with edit():
        quote.text = "it is temporary"
        quote.save()  # a correction of the event, through its quote
    data = poll(since, story).json()
    assert (data["new"], data["updated"]) == (1, 1)
    assert sorted(data["events"], key=lambda event: event["id"]) == [
        {"id": "event-block", "change": "updated", "key": False},
        {"id": added.anchor, "change": "new", "key": True},
    ]
    assert data["show"] == f"/stories/story/?since={since.replace(':', '%3A').replace('+', '%2B')}"
    shown = Client().get(data["show"]).content.decode()
    assert shown.count('class="new-label"') == 2
    assert data["updated_at"] == iso(quote.updated_at)


def test_drafts_and_withdrawn_events_are_never_counted(client, story, edit):
    since = page_time(client, story)
    later(edit, story, "A draft nobody may see", status=Status.DRAFT)
    withdrawn = later(edit, story, "Withdrawn", status=Status.UNPUBLISHED)
    draft_quote_event = story.events.get(slug="block")
    with edit():
        make_quote(draft_quote_event, draft_quote_event.sources.get(), text="it is temporary", status=Status.DRAFT)
    data = poll(since, story).json()
    assert (data["new"], data["updated"], data["events"]) == (0, 0, [])
    assert withdrawn.anchor not in poll(since, story).content.decode()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.UNPUBLISHED])
def test_a_story_readers_cannot_see_is_404(story, status, edit):
    with edit():
        story.status = status
        story.save()
    assert poll("2000-01-01", story).status_code == 404


@pytest.mark.parametrize("since", ["", "yesterday", "2024-13-45", "9999-12-31T23:59:59-12:00", "x" * 5000])
def test_a_missing_or_malformed_since_is_a_clear_400(story, since):
    response = poll(since, story)
    assert response.status_code == 400
    assert "Give ?since= as an ISO date and time" in response.json()["error"]


def test_a_poll_is_a_few_hundred_bytes_and_is_answered_from_the_cache_with_304(client, story, edit):
    since = page_time(client, story)
    later(edit, story, "Court hears the petition")
    first = poll(since, story)
    assert len(first.content) < 400, first.content
    with CaptureQueriesContext(connection) as queries:
        again = poll(since, story)
    assert len(queries) == 0 and again.content == first.content
    address = reverse("tracker:story_updates", kwargs={"slug": story.slug})
    revalidated = Client().get(address, {"since": since}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304 and revalidated.content == b""
    assert "max-age=30" in first["Cache-Control"]


def test_its_cost_does_not_grow_with_what_changed(client, story, django_assert_max_num_queries, edit):
    since = timezone.now()
    later(edit, story, "One")
    with django_assert_max_num_queries(4) as few:
        poll(since.isoformat(), story)
    for n in range(LISTED_UPDATES + 5):
        later(edit, story, f"Event {n}")
    with django_assert_max_num_queries(len(few) + 2):
        data = poll(since.isoformat(), story).json()
    assert data["new"] == LISTED_UPDATES + 6 and len(data["events"]) == LISTED_UPDATES


def test_the_page_of_a_developing_story_names_its_poll_and_a_concluded_one_does_not(client, story, edit):
    html = client.get(story.get_absolute_url()).content.decode()
    assert f'data-updates="{reverse("tracker:story_updates", kwargs={"slug": story.slug})}"' in html
    with edit():
        story.is_developing = False
        story.save()
    assert "data-updates" not in client.get(story.get_absolute_url()).content.decode()


def summary(html):
    note = html[html.index('<div class="since-note">') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", note[: note.index("</div>")])).strip()


def test_the_page_marked_since_a_time_sums_up_what_changed_at_the_top_and_links_each(client, story, edit):
    since = page_time(client, story)
    added = later(edit, story, "Court hears the petition")
    quote = story.events.get(slug="block").quotes.get()
    with edit():
        quote.text = "it is temporary"
        quote.save()
    html = Client().get(story.get_absolute_url(), {"since": since}).content.decode()
    line = summary(html)
    assert line.startswith("1 new and 1 corrected events since ") and ", marked below:" in line
    assert "Court hears the petition (new)" in line and "X is blocked (corrected)" in line
    assert f'<a href="#{added.anchor}">Court hears the petition</a>' in html
    assert html.index('class="since-note"') < html.index('<ol class="timeline">')


def test_a_time_after_which_nothing_changed_says_so(client, story):
    html = Client().get(story.get_absolute_url(), {"since": page_time(client, story)}).content.decode()
    assert summary(html).startswith("No event is new or corrected since ")
