"""The PNG card a shared link shows, drawn from the story's published data."""

import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tracker.models import DatePrecision, Status

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


def alt_text(client, story):
    html = client.get(story.get_absolute_url()).content.decode()
    return re.search(r'<meta property="og:image:alt" content="([^"]*)">', html).group(1)


def test_the_image_description_runs_from_the_first_date_to_the_last_when_both_are_dates(client):
    story, source = make_story(), make_source()
    make_event(story, "first", [source], date=datetime.date(2024, 2, 8))
    make_event(story, "last", [source], date=datetime.date(2024, 4, 1), date_precision=DatePrecision.MONTH)
    assert alt_text(client, story).endswith("A timeline of its 2 events, from 8 February 2024 to April 2024.")


def test_the_image_description_quotes_an_approximate_date_as_the_label_it_is(client):
    story, source = make_story(), make_source()
    make_event(
        story, "first", [source], date=datetime.date(2024, 2, 15), date_precision=DatePrecision.APPROXIMATE,
        date_label="Mid-February 2024",
    )  # fmt: skip
    make_event(
        story, "last", [source], date=datetime.date(2024, 4, 18), date_precision=DatePrecision.APPROXIMATE,
        date_label="Reported 18 April 2024",
    )  # fmt: skip
    alt = alt_text(client, story)
    assert alt.endswith("its 2 events, the first dated “Mid-February 2024” and the last “Reported 18 April 2024”.")
    assert "from Mid" not in alt and "to Reported" not in alt


def test_the_image_description_of_a_story_with_one_dated_event_gives_its_date_once(client):
    story, source = make_story(), make_source()
    make_event(story, "only", [source], date=datetime.date(2024, 2, 8))
    make_event(story, "undated", [source], date=None, date_precision=DatePrecision.APPROXIMATE, date_label="A Friday")
    assert alt_text(client, story).endswith("A timeline of its 2 events, dated 8 February 2024.")


@pytest.mark.django_db
def test_a_story_of_years_is_drawn_week_by_week_so_its_card_costs_what_its_span_does():
    from tracker.models import Event, Story
    from tracker.public.share_image import card_content

    story = make_story("years")
    first = datetime.date(2020, 1, 1)
    Event.objects.bulk_create(
        Event(
            story=story, slug=f"e{n}", headline=f"Day {n}", date=first + datetime.timedelta(days=n), status="published"
        )
        for n in range(3 * 365)
    )
    content = card_content(Story.objects.with_event_count().get(pk=story.pk))
    assert content["line"].startswith("1095 events")
    assert 150 < len(content["marks"]) <= 3 * 53  # one a week, not one a day
    starts = [start for _, start, _ in content["marks"]]
    assert starts == sorted(starts) and starts[0] == 0.0 and starts[-1] > 0.99
