"""Edits: the records one editorial act wrote share one id, and the public
changelog is recorded from them once they commit, not rebuilt on each read."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracker import changes
from tracker.history import editing
from tracker.models import Change, Edit, Event, Quote, Status

from .admin_forms import add_row, form_data
from .conftest import make_event, make_source, make_story

pytestmark = pytest.mark.django_db

grouping = importlib.import_module("tracker.migrations.0012_edits_and_changes")


def changelog_of(client, story):
    response = client.get(reverse("tracker:story_changes", kwargs={"slug": story.slug}))
    assert response.status_code == 200
    return response.content.decode()


def test_an_admin_save_with_an_inline_quote_is_one_edit_recorded_when_it_commits(
    editor_client, django_capture_on_commit_callbacks
):
    source = make_source(text="The ministry said “it was necessary” on Wednesday.")
    with editing():
        story = make_story()
        event = make_event(story, sources=[source])
    changes.catch_up(story)
    url = reverse("admin:tracker_event_change", args=[event.pk])
    data = form_data(editor_client.get(url), headline="Ministry explains the block", submit="_publish")
    add_row(data, "quotes", speaker="Interior Ministry", text="it was necessary", source=source.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(url, data).status_code == 302
    event_record, quote_record = event.history.first(), Quote.objects.get().history.get()
    assert event_record.edit_id == quote_record.edit_id is not None
    # Recorded as the save committed, before anyone read the changelog.
    assert Edit.objects.get(pk=event_record.edit_id).recorded
    recorded = list(story.changes.filter(edit_id=event_record.edit_id))
    assert [(c.action, c.subject) for c in recorded] == [("corrected", "event"), ("added", "quote")]
    html = changelog_of(editor_client, story)
    assert "Event corrected" in html and "Quote added" in html


def test_records_written_outside_any_edit_are_an_edit_each():
    story = make_story(status=Status.DRAFT)
    story.summary = "Changed."
    story.save()
    first, second = story.history.order_by("history_id")
    assert first.edit_id and second.edit_id and first.edit_id != second.edit_id


def test_a_page_of_the_changelog_reads_no_history_however_long_it_is(client):
    source = make_source()
    with editing():
        story = make_story()
        event = make_event(story, sources=[source])
    for n in range(30):
        event.headline = f"Headline {n}"
        event.save()
    changelog_of(client, story)  # records the edits of this test's transaction, which never commits
    with CaptureQueriesContext(connection) as queries:
        html = changelog_of(client, story)
    assert "Headline 29" in html and "Page 1 of 1" not in html  # 31 changes: one page of 50
    assert not [q["sql"] for q in queries if "historical" in q["sql"].lower()]


def test_each_edit_is_recorded_once_however_often_recording_runs(client):
    with editing():
        story = make_story()
        make_event(story, sources=[make_source()])
    changes.record_pending()
    changes.record_pending()
    changelog_of(client, story)
    assert list(story.changes.values_list("action", flat=True)) == ["published"]
    # An edit another process claimed first is left to it.
    with editing():
        claimed = make_event(story, slug="second", sources=[make_source("second")])
    (edit,) = set(claimed.history.values_list("edit_id", flat=True))
    Edit.objects.filter(pk=edit).update(recorded=True)
    changes.record_pending()
    assert story.changes.count() == 1


def test_history_from_before_edits_is_grouped_as_the_changelog_grouped_it(client):
    """Migration 0012 gives records written before edits had ids the edits the
    two-second window made of them, and the changelog records those."""
    yesterday = timezone.now() - datetime.timedelta(days=1)
    source = make_source()
    story = make_story(published_at=yesterday)
    event = make_event(story, sources=[source])
    event.headline = "Ministry confirms the block"
    event._history_date = timezone.now() + datetime.timedelta(seconds=10)
    event.save()
    for model in (Event, Quote, type(source), type(story)):
        model.history.update(edit=None)
    Change.objects.all().delete()
    Edit.objects.all().delete()
    grouping.group_into_edits(apps, None)
    assert Edit.objects.count() == 2  # the story with its event and sources; ten seconds on, the correction
    changelog_of(client, story)
    assert [(c.action, c.subject) for c in story.changes.all()] == [("corrected", "event"), ("published", "story")]


def test_a_deleted_event_s_record_keeps_the_sources_it_cited():
    story = make_story()
    sources = [make_source("wire"), make_source("copy")]
    make_event(story, sources=sources).delete()
    deleted = Event.history.get(history_type="-")
    assert sorted(link.source_id for link in deleted.sources.all()) == sorted(s.pk for s in sources)
