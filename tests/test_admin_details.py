"""Details an editor reads in the admin: times that name their zone, help
texts that render as written."""

import datetime
import html

import pytest
from django.urls import reverse

from tracker.models import Story

from .conftest import make_story

SUMMER_NOON_UTC = datetime.datetime(2024, 7, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def story(db):
    story = make_story(published_at=SUMMER_NOON_UTC)
    Story.objects.filter(pk=story.pk).update(updated_at=SUMMER_NOON_UTC)
    return story


def text_of(response):
    return html.unescape(response.content.decode())


@pytest.mark.django_db
def test_the_story_list_gives_publication_and_update_times_with_their_zone(editor_client, story):
    page = text_of(editor_client.get(reverse("admin:tracker_story_changelist")))
    assert page.count("1 Jul 2024, 12:00 UTC") == 2  # published_at and updated_at


@pytest.mark.django_db
def test_times_are_in_the_site_s_zone_and_say_which(editor_client, story, settings):
    settings.TIME_ZONE = "Europe/London"
    page = text_of(editor_client.get(reverse("admin:tracker_story_changelist")))
    assert page.count("1 Jul 2024, 13:00 BST") == 2
    assert "12:00" not in page


@pytest.mark.django_db
def test_history_pages_give_each_version_s_time_with_its_zone(editor_client, story):
    story.summary = "Changed"
    story.save()
    record = story.history.first()
    shown = f"{record.history_date:%-d %b %Y, %H:%M} UTC"
    history = text_of(editor_client.get(reverse("admin:tracker_story_history", args=[story.pk])))
    assert shown in history
    older = story.history.last()
    compare = reverse("admin:tracker_story_compare", args=[story.pk])
    compared = text_of(editor_client.get(compare, {"old": older.history_id, "new": record.history_id}))
    assert shown in compared


@pytest.mark.django_db
def test_the_story_slug_s_help_text_shows_the_address_in_full(editor_client):
    page = text_of(editor_client.get(reverse("admin:tracker_story_add")))
    assert "The story's address: /stories/your-slug/." in page
    assert "/stories//" not in page


def test_no_help_text_holds_markup_that_would_vanish():
    from django.apps import apps

    for model in apps.get_app_config("tracker").get_models():
        for field in model._meta.get_fields():
            help_text = str(getattr(field, "help_text", ""))
            assert "<" not in help_text, f"{model.__name__}.{field.name}: {help_text}"
