"""The Atom feed, the sitemap and robots.txt: how machines find and follow a story."""

import datetime
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date

from tracker.models import Event, Status
from tracker.public import feeds

from .conftest import make_event, make_quote, make_source, make_story

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def feed_of(client, story):
    response = client.get(reverse("tracker:story_feed", kwargs={"slug": story.slug}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.mark.django_db
def test_the_feed_has_one_entry_per_published_event_linking_to_its_anchor(client, seed):
    make_event(seed, "draft", [seed.events.first().sources.first()], headline="DRAFT-HEADLINE", status=Status.DRAFT)
    feed = feed_of(client, seed)
    events = seed.events.live()
    assert feed.feed.title == seed.title
    assert feed.feed.author == "Tracker"  # Atom needs an author for the feed or every entry
    assert len(feed.entries) == events.count()
    assert {entry.link for entry in feed.entries} == {f"http://testserver{e.get_absolute_url()}" for e in events}
    assert all(entry.id.startswith("tag:testserver,") for entry in feed.entries)
    assert len({entry.id for entry in feed.entries}) == len(feed.entries)
    assert "DRAFT-HEADLINE" not in str(feed)


@pytest.mark.django_db
def test_an_edit_updates_its_entry_instead_of_adding_one(client, seed, django_capture_on_commit_callbacks):
    before = {entry.id: entry for entry in feed_of(client, seed).entries}
    event = seed.events.live().first()
    event.headline = "A corrected headline"
    event.slug = "renamed"
    with django_capture_on_commit_callbacks(execute=True):
        event.save()
    after = {entry.id: entry for entry in feed_of(client, seed).entries}
    assert before.keys() == after.keys()
    (changed,) = [entry for entry in after.values() if "A corrected headline" in entry.title]
    assert changed.updated_parsed > before[changed.id].updated_parsed
    assert changed.link.endswith(f"/stories/{seed.slug}/events/renamed/")


@pytest.mark.django_db
def test_feed_summaries_are_escaped_html_naming_the_sources(client):
    source = make_source(headline="Dawn <b>report</b>")
    story = make_story()
    make_event(story, sources=[source], description="<script>alert(1)</script>")
    (entry,) = feed_of(client, story).entries
    assert "<script>" not in entry.summary and "&lt;script&gt;" in entry.summary
    assert "Reported by: Dawn &lt;b&gt;report&lt;/b&gt;" in entry.summary


@pytest.mark.django_db
def test_the_feed_costs_the_same_queries_for_one_event_or_many(client):
    source, other = make_source(), make_source("other")
    counts = []
    for slug, size in (("small", 1), ("large", 30)):
        story = make_story(slug)
        for n in range(size):
            make_event(story, f"e{n}", [source, other])
        with CaptureQueriesContext(connection) as queries:
            feed_of(client, story)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4


# --- sitemap and robots.txt ---------------------------------------------------------


def sitemap_entries(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    return {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root.iter(f"{SITEMAP}url")}


@pytest.mark.django_db
def test_a_long_story_s_feed_holds_its_latest_changed_events(client):
    story, source = make_story("long"), make_source("wire")
    events = [make_event(story, f"e{n}", [source]) for n in range(feeds.ENTRIES + 5)]
    Event.objects.filter(pk=events[0].pk).update(updated_at=timezone.now() + datetime.timedelta(minutes=1))
    entries = feed_of(client, story).entries
    expected = [events[0], *reversed(events[-feeds.ENTRIES + 1 :])]
    assert [entry.title.split(": ", 1)[1] for entry in entries] == [event.headline for event in expected]


@pytest.mark.django_db
def test_the_sitemap_lists_published_stories_only(client):
    live = make_story("live")
    make_story("draft", status=Status.DRAFT)
    make_story("unpublished", status=Status.UNPUBLISHED)
    make_story("scheduled", published_at=timezone.now() + datetime.timedelta(hours=1))
    assert list(sitemap_entries(client)) == [f"http://testserver{live.get_absolute_url()}"]


@pytest.mark.django_db
def test_sitemap_lastmod_is_the_latest_change_readers_can_see(client):
    source = make_source()
    story = make_story()
    event = make_event(story, sources=[source])
    quote = make_quote(event, source)
    draft = make_event(story, "draft", [source], status=Status.DRAFT)
    later = timezone.now() + datetime.timedelta(minutes=5)
    Event.objects.filter(pk=draft.pk).update(updated_at=later + datetime.timedelta(hours=1))  # invisible
    type(quote).objects.filter(pk=quote.pk).update(updated_at=later)
    (lastmod,) = sitemap_entries(client).values()
    assert lastmod == later.date().isoformat()  # Django's sitemap gives the day
    response = client.get("/sitemap.xml")
    assert response["Last-Modified"] == http_date(later.timestamp())


@pytest.mark.django_db
def test_the_sitemap_costs_the_same_queries_for_one_story_or_many(client, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the sitemap's own cost; the page cache's is tested with it
    counts = []
    for size in (1, 20):
        for n in range(size):
            make_story(f"s{size}-{n}")
        with CaptureQueriesContext(connection) as queries:
            assert len(sitemap_entries(client)) in (1, 21)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 2


@pytest.mark.django_db
def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines and "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
