"""What readers see, and that drafts appear nowhere public."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracker.models import Status, Story

from .conftest import make_event, make_quote, make_source, make_story


@pytest.mark.django_db
def test_index_lists_published_stories_with_their_event_counts(client, seed):
    make_story("hidden-draft", status=Status.DRAFT)
    page = client.get(reverse("tracker:story_list"))
    html = page.content.decode()
    assert page.status_code == 200
    assert seed.title in html and "Title hidden-draft" not in html
    assert f"{seed.events.count()} events" in html


@pytest.mark.django_db
def test_index_counts_published_events_per_story_without_grouping_them(client):
    source = make_source("wire")
    busy, _empty = make_story("busy"), make_story("empty")
    for n in range(3):
        make_event(busy, f"e{n}", [source])
    make_event(busy, "draft", [source], status=Status.DRAFT)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("tracker:story_list")).content.decode()
    assert {story.slug: story.event_count for story in Story.objects.published().with_event_count()} == {
        "busy": 3,
        "empty": 0,
    }
    assert "3 events" in html and "0 events" in html
    assert not [q["sql"] for q in captured if "GROUP BY" in q["sql"]]


@pytest.mark.django_db
def test_story_page_shows_events_in_date_order_with_quotes_and_sources(client, seed):
    html = client.get(seed.get_absolute_url(), {"order": "oldest"}).content.decode()
    positions = [html.index(f'id="{event.anchor}"') for event in seed.events.chronological()]
    assert positions == sorted(positions)
    assert "Mid-February 2024" in html and "8 February 2024" in html
    assert "We continue to engage with the Pakistani Government to address their concerns" in html
    assert "Abdul Moiz Jafri" in html and "Sources disagree" in html
    for source in seed.events.get(slug="ministry-confirms-block-in-court").sources.all():
        assert f'href="#source-{source.pk}"' in html and f'id="source-{source.pk}"' in html


@pytest.mark.django_db
def test_source_page_shows_the_archived_text(client, seed):
    source = seed.events.get(slug="x-first-statement").sources.get()
    page = client.get(source.get_absolute_url())
    assert page.status_code == 200
    assert "Global Government Affairs team" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.DRAFT, Status.UNPUBLISHED])
def test_unpublished_stories_are_404_to_the_public(client, status):
    story = make_story(status=status)
    assert client.get(story.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_a_scheduled_story_is_404_until_its_time(client):
    story = make_story(published_at=timezone.now() + datetime.timedelta(hours=1))
    assert client.get(story.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_drafts_appear_on_no_public_page(client, editor):
    secret_source = make_source("secret", headline="SECRET-SOURCE", text="SECRET words “hidden quote” here")
    open_source = make_source("open", headline="Open source", text="Public “open words” here")
    live = make_story("live")
    draft_story = make_story("draft-story", status=Status.DRAFT)
    draft_story.title = "SECRET-STORY"
    draft_story.save()
    make_event(draft_story, "in-draft-story", [secret_source], headline="SECRET-EVENT-1")
    visible = make_event(live, "visible", [open_source])
    make_event(live, "draft-event", [secret_source], headline="SECRET-EVENT-2", status=Status.DRAFT)
    make_quote(visible, open_source, "open words")
    make_quote(visible, secret_source, "hidden quote", speaker="SECRET-SPEAKER", status=Status.DRAFT)

    urls = [
        reverse("tracker:story_list"),
        live.get_absolute_url(),
        open_source.get_absolute_url(),
        draft_story.get_absolute_url(),
        secret_source.get_absolute_url(),
        reverse("tracker:share_image", kwargs={"slug": draft_story.slug}),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert b"SECRET" not in response.content, url
    assert client.get(secret_source.get_absolute_url()).status_code == 404
    assert client.get(draft_story.get_absolute_url()).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/stories/no-such-story/", "/sources/999999/", "/stories/%E2%80%9C/", "/sources/abc/"])
def test_malformed_and_unknown_addresses_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_hostile_text_in_a_quote_is_inert(client):
    hostile = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    source = make_source(text=f"He wrote “{hostile}” online.")
    story = make_story()
    make_quote(make_event(story, sources=[source]), source, hostile)
    html = client.get(story.get_absolute_url()).content.decode()
    assert "<script>alert(2)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(2)" in html


@pytest.mark.django_db
@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+12:00", "9999-12-31", "x" * 300])
def test_a_since_past_the_representable_moments_marks_nothing_instead_of_failing(client, since):
    story = make_story()
    make_event(story, sources=[make_source()])
    response = client.get(story.get_absolute_url(), {"since": since})
    assert response.status_code == 200 and 'class="new-label"' not in response.content.decode()


def test_favicon_ico_leads_to_the_site_s_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and icon["Content-Type"] == "image/png"
