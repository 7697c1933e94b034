"""A source is called the same on the story page, its own page, the Atom feed
and the TimelineJS export, headline or none."""

import datetime

import feedparser
import pytest
from django.urls import reverse

from tracker.models import SourceKind
from tracker.public.templating import source_title

from .conftest import make_event, make_source, make_story

UNTITLED = "Untitled machine translation, 18 April 2024"


@pytest.fixture
def untitled(db):
    source = make_source(
        "untitled-copy",
        headline="",
        outlet="Dawn",
        kind=SourceKind.MACHINE_TRANSLATION,
        published_on=datetime.date(2024, 4, 18),
    )
    story = make_story()
    make_event(story, sources=[source])
    return source, story


def test_a_source_without_a_headline_is_named_by_its_kind_and_date(untitled):
    source, _ = untitled
    assert source.display_name == UNTITLED == source_title(source)
    assert str(source) == f"Dawn: {UNTITLED}"  # the admin's name adds the outlet
    source.published_on = None
    assert source.display_name == "Untitled machine translation"
    source.headline = "Court hears case"
    assert source.display_name == "Court hears case"


def test_the_feed_and_the_timeline_name_a_source_as_the_story_page_does(client, untitled):
    source, story = untitled
    story_page = client.get(story.get_absolute_url()).content.decode()
    assert UNTITLED in story_page
    (entry,) = feedparser.parse(client.get(reverse("tracker:story_feed", kwargs={"slug": story.slug})).content).entries
    assert f"Reported by: {UNTITLED}" in entry.summary
    timeline = client.get(reverse("tracker:story_timeline", kwargs={"slug": story.slug})).json()
    (slide,) = timeline["events"]
    assert f"Reported by: {UNTITLED}" in slide["text"]["text"]
    for printed in (story_page, entry.summary, slide["text"]["text"]):
        assert source.slug not in printed.replace(f"/sources/{source.pk}/", "")
        assert "Untitled (" not in printed
