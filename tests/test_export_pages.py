"""/stories/<slug>.json is read in pages of PAGE_SIZE events counted from the
story's first event, so a copy of a page stays true as the story grows, and
each page costs what it shows."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracker.models import Event, Source, Status, Story
from tracker.public.exports import PAGE_SIZE
from tracker.synthetic import synthesize

from .conftest import make_event, make_source, make_story

pytestmark = pytest.mark.django_db

LONG = 2 * PAGE_SIZE + 30


@pytest.fixture(autouse=True)
def uncached(settings):
    """The page cache does not key story_json on `?page=` yet
    (caching.STORY_PAGES), so it would answer every page with the first."""
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def long(db):
    """A story of three pages, citing many sources (so no page cites them all)."""
    return synthesize(LONG, "pages", sources=200)


def path(story, page=None):
    address = reverse("tracker:story_json", kwargs={"slug": story.slug})
    return f"{address}?page={page}" if page else address


def absolute(story, page=None):
    return settings.SITE_URL + path(story, page)


def fetch(client, address):
    response = client.get(address.removeprefix(settings.SITE_URL))
    assert response.status_code == 200, address
    assert response["Access-Control-Allow-Origin"] == "*"
    return response


def link_header(response):
    """The Link header as {rel: address}."""
    return {rel: address for address, rel in re.findall(r'<([^>]*)>; rel="([^"]*)"', response["Link"])}


def test_pages_hold_100_events_each_in_timeline_order_from_the_story_s_first(client, long):
    anchors = [event.anchor for event in long.events.live().chronological()]
    pages = [fetch(client, path(long, page)).json() for page in (None, 2, 3)]
    assert [len(page["events"]) for page in pages] == [PAGE_SIZE, PAGE_SIZE, LONG - 2 * PAGE_SIZE]
    assert [event["id"] for page in pages for event in page["events"]] == anchors
    assert [(page["page"], page["pages"], page["total_events"]) for page in pages] == [(n, 3, LONG) for n in (1, 2, 3)]
    story = ["id", "url", "title", "summary", "published_at", "updated_at"]
    assert len({tuple(page[key] for key in story) for page in pages}) == 1  # every page names the whole story


def test_a_crawler_follows_next_from_the_first_page_to_the_last(client, long):
    visited, address, previous = [], absolute(long), None
    while address:
        response = fetch(client, address)
        data = response.json()
        links = link_header(response)
        assert data["previous"] == previous == links.get("prev")
        assert data["next"] == links.get("next")
        assert (links["first"], links["last"]) == (absolute(long), absolute(long, 3))
        visited.append(address)
        previous, address = address, data["next"]
    assert visited == [absolute(long), absolute(long, 2), absolute(long, 3)]


def test_a_page_keeps_its_events_when_the_story_grows(client, long):
    def events(page):
        return [event["id"] for event in fetch(client, path(long, page)).json()["events"]]

    before = [events(None), events(2)]
    make_event(long, "newest", [make_source("newest")], date=datetime.date(2030, 1, 1))
    assert [events(None), events(2)] == before
    last = fetch(client, path(long, 3)).json()
    assert last["total_events"] == LONG + 1 and "event-newest" in [event["id"] for event in last["events"]]


@pytest.mark.parametrize(("events", "pages"), [(PAGE_SIZE, 1), (PAGE_SIZE + 1, 2)])
def test_the_event_after_a_full_page_starts_the_next_page(client, events, pages):
    story = synthesize(events, "edge")
    response = fetch(client, path(story))
    data = response.json()
    assert (data["pages"], len(data["events"]), data["previous"]) == (pages, PAGE_SIZE, None)
    assert data["next"] == (absolute(story, 2) if pages == 2 else None)
    assert ("next" in link_header(response)) == (pages == 2)
    assert client.get(path(story, 2)).status_code == (200 if pages == 2 else 404)


def test_a_story_without_published_events_is_one_empty_page(client):
    story = make_story()
    make_event(story, "draft", [make_source()], status=Status.DRAFT)
    response = fetch(client, path(story))
    data = response.json()
    assert (data["page"], data["pages"], data["total_events"], data["next"], data["previous"]) == (1, 1, 0, None, None)
    assert (data["events"], data["statements"], data["sources"]) == ([], [], [])
    assert link_header(response) == {"first": absolute(story), "last": absolute(story)}
    assert client.get(path(story, 2)).status_code == 404


@pytest.mark.parametrize(
    "value", ["1", "01", "0", "-1", "4", "99999999999999", "", "two", "2.0", "02", "+2", " 2", "２"]
)
def test_anything_but_another_page_s_number_is_not_found(client, long, value):
    # The first page has one address, the story's own, so no copy of it is cached under another.
    assert client.get(path(long), {"page": value}).status_code == 404


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": Status.DRAFT},
        {"status": Status.UNPUBLISHED},
        {"published_at": timezone.now() + datetime.timedelta(days=1)},
    ],
)
def test_no_page_of_a_story_readers_cannot_see_is_found(client, long, hidden):
    Story.objects.filter(pk=long.pk).update(**hidden)
    assert [client.get(path(long, page)).status_code for page in (None, 2, 3)] == [404, 404, 404]


def test_each_page_lists_only_the_statements_and_sources_of_its_own_events(client, long):
    listed = []
    for page in (None, 2, 3):
        data = fetch(client, path(long, page)).json()
        quotes = [quote for event in data["events"] for quote in event["quotes"]]
        cited = {source for event in data["events"] for source in event["sources"]}
        assert {source["id"] for source in data["sources"]} == cited | {quote["source"] for quote in quotes}
        wordings = [wording for statement in data["statements"] for wording in statement["wordings"]]
        assert sorted(wordings) == sorted(quote["id"] for quote in quotes)
        listed.append({source["id"] for source in data["sources"]})
    story_sources = set(Source.objects.filter(events__story=long).values_list("slug", flat=True))
    assert all(sources < story_sources for sources in listed)


def test_every_page_costs_the_same_queries_and_loads_only_its_own_events(client, long):
    small = make_story("small")
    make_event(small, "only", [make_source("only")])
    loaded = []

    def count(sender, instance, **kwargs):
        loaded[-1] += 1

    counts = []
    post_init.connect(count, sender=Event)
    try:
        for address in (path(small), path(long), path(long, 2), path(long, 3)):
            loaded.append(0)
            with CaptureQueriesContext(connection) as queries:
                shown = fetch(client, address).json()["events"]
            counts.append(len(queries))
            assert loaded[-1] == len(shown), address
    finally:
        post_init.disconnect(count, sender=Event)
    # The story, its events, their quotes, their sources' links, their accounts' links, the sources.
    assert len(set(counts)) == 1 and counts[0] <= 6, counts


def test_a_copy_names_its_original_on_every_page_whichever_page_cites_the_original(client):
    original, filler = make_source("original"), make_source("filler")
    copy = make_source("copy", derived_from=original)
    story = make_story()
    start = datetime.date(2024, 1, 1)
    make_event(story, "first", [original], date=start)
    for n in range(PAGE_SIZE):
        make_event(story, f"e{n:03d}", [filler], date=start + datetime.timedelta(days=n + 1))
    make_event(story, "copy", [copy, filler], date=start + datetime.timedelta(days=PAGE_SIZE + 1))
    second = fetch(client, path(story, 2)).json()
    assert [event["id"] for event in second["events"]] == ["event-e099", "event-copy"]
    derived = {source["id"]: source["derived_from"] for source in second["sources"]}
    assert derived == {"copy": "original", "filler": None}  # the original is listed on page 1 only
    assert second["events"][-1]["independent_sources"] == 2


def test_the_page_cache_keeps_each_page_apart(client, long, settings):
    settings.PAGE_CACHE_SECONDS = 600
    assert [fetch(client, path(long, page)).json()["page"] for page in (None, 2, None, 2)] == [1, 2, 1, 2]
