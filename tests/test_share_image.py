"""The PNG card a shared link shows, drawn from the story's published data."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tracker.models import Status

from .conftest import make_event, make_source, make_story

pytestmark = pytest.mark.django_db


def url(story):
    return reverse("tracker:share_image", kwargs={"slug": story.slug})


def png(client, story):
    response = client.get(url(story))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return response.content


def test_the_share_image_is_a_1200_by_630_png(client, seed):
    image = Image.open(io.BytesIO(png(client, seed)))
    assert image.format == "PNG" and image.size == (1200, 630)


def test_the_share_image_is_the_same_bytes_every_time(client, seed):
    first = png(client, seed)
    cache.clear()
    assert png(client, seed) == first


def test_a_repeat_request_with_the_etag_gets_304(client, seed):
    response = client.get(url(seed))
    assert "max-age" in response["Cache-Control"]
    again = client.get(url(seed), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_the_share_image_changes_when_a_published_event_does(client, django_capture_on_commit_callbacks):
    story, source = make_story(), make_source()
    event = make_event(story, sources=[source], date=datetime.date(2024, 2, 8))
    make_event(story, "later", sources=[source], date=datetime.date(2024, 5, 8))
    before = client.get(url(story))
    event.date = datetime.date(2024, 3, 20)
    with django_capture_on_commit_callbacks(execute=True):
        event.save()
    after = client.get(url(story))
    assert after["ETag"] != before["ETag"] and after.content != before.content


def test_draft_events_do_not_change_the_share_image(client):
    story, source = make_story(), make_source()
    make_event(story, sources=[source], date=datetime.date(2024, 2, 8))
    before = png(client, story)
    make_event(story, "draft", sources=[source], date=datetime.date(2025, 6, 1), status=Status.DRAFT)
    make_event(story, "withdrawn", sources=[source], date=datetime.date(2023, 6, 1), status=Status.UNPUBLISHED)
    cache.clear()
    assert png(client, story) == before


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.DRAFT},
        {"status": Status.UNPUBLISHED},
        {"published_at": timezone.now() + datetime.timedelta(days=1)},
    ],
)
def test_only_published_stories_have_a_share_image(client, fields):
    story = make_story(**fields)
    assert client.get(url(story)).status_code == 404


def test_a_story_without_events_or_with_a_long_title_still_gets_a_card(client):
    story = make_story()
    story.title = ("A very long title " * 12)[:200]
    story.save()
    assert Image.open(io.BytesIO(png(client, story))).size == (1200, 630)
