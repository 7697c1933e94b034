"""Corrections as newsrooms publish them: a public note on the corrected
event, in the changelog, the feed and the JSON export; the editor's change
reason stays internal."""

import datetime

import feedparser
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tracker.models import Status

from .admin_forms import form_data
from .conftest import make_event, make_source, make_story

NOTE = "An earlier version said the block began on 18 February."


@pytest.fixture
def corrected(editor_client):
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=1)):  # published an hour ago
        story = make_story()
        event = make_event(story, sources=[make_source()], headline="X blocked on 18 February")
    url = reverse("admin:tracker_event_change", args=[event.pk])
    page = editor_client.get(url)
    assert "correction" in page.context["adminform"].form.fields  # asked for on a published event
    data = form_data(page, submit="_publish", headline="X blocked on 17 February", correction=NOTE)
    assert editor_client.post(url, data).status_code == 302
    event.refresh_from_db()
    return event


@pytest.mark.django_db
def test_a_correction_note_is_shown_on_the_event_with_its_date(client, corrected):
    assert corrected.corrected_at is not None and corrected.headline == "X blocked on 17 February"
    page = client.get(corrected.story.get_absolute_url()).content.decode()
    assert f"{NOTE}</p>" in page and "Corrected <time datetime=" in page


@pytest.mark.django_db
def test_the_changelog_feed_and_json_carry_the_correction(client, corrected):
    slug = corrected.story.slug
    assert NOTE in client.get(reverse("tracker:story_changes", kwargs={"slug": slug})).content.decode()
    feed = feedparser.parse(client.get(reverse("tracker:story_feed", kwargs={"slug": slug})).content)
    assert NOTE in feed.entries[0].summary
    exported = client.get(reverse("tracker:story_json", kwargs={"slug": slug})).json()
    event = next(e for e in exported["events"] if e["headline"] == corrected.headline)
    assert event["correction"]["note"] == NOTE and event["correction"]["corrected_at"].startswith(
        corrected.corrected_at.date().isoformat()
    )


@pytest.mark.django_db
def test_saving_again_keeps_the_correction_date_and_a_new_note_moves_it(corrected):
    first = corrected.corrected_at
    corrected.description = "More detail."
    corrected.save()
    assert corrected.corrected_at == first
    corrected.correction = "A second correction."
    corrected.save()
    assert corrected.corrected_at > first


@pytest.mark.django_db
def test_a_draft_is_not_asked_for_a_correction_and_change_reasons_stay_internal(editor_client, client):
    story = make_story()
    draft = make_event(story, sources=[make_source()], status=Status.DRAFT)
    page = editor_client.get(reverse("admin:tracker_event_change", args=[draft.pk]))
    assert "correction" not in page.context["adminform"].form.fields
    public = make_event(story, "public", sources=draft.sources.all())
    public._change_reason = "internal: the desk's own note"
    public.headline = "Changed"
    public.save()
    for name in ("tracker:story_changes", "tracker:story_json", "tracker:story_feed"):
        assert "the desk's own note" not in client.get(reverse(name, kwargs={"slug": story.slug})).content.decode()
