"""The editors' admin costs a bounded number of queries however large a story
grows: lists paginate, a long story links to its events instead of printing
them all as forms, and history pages paginate."""

import datetime
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from tracker.editorial.admin import EventAdmin, StoryAdmin
from tracker.models import Event, Status, Story

from .admin_forms import form_data
from .conftest import make_event, make_source, make_story


def story_of(events, slug):
    call_command("synthesize_story", "--events", events, "--slug", slug, verbosity=0)
    return Story.objects.get(slug=f"synthetic-{slug}")


def queries(client, url):
    """Queries for the page, counted as a running server would answer it: warm."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(StoryAdmin, "max_inline_events", 5)
    monkeypatch.setattr(EventAdmin, "history_list_per_page", 10)


@pytest.mark.django_db
def test_the_event_list_costs_the_same_queries_for_ten_times_the_events(editor_client):
    small = story_of(8, "small")
    url = reverse("admin:tracker_event_changelist")
    few, _ = queries(editor_client, url)
    filtered_few, _ = queries(editor_client, f"{url}?story__id__exact={small.pk}")
    large = story_of(120, "large")
    many, _ = queries(editor_client, url)
    filtered_many, _ = queries(editor_client, f"{url}?story__id__exact={large.pk}")
    assert few == many and filtered_few == filtered_many


@pytest.mark.django_db
def test_the_event_list_counts_each_event_s_sources_without_grouping_the_table(editor_client):
    story = make_story()
    sources = [make_source(f"s{n}") for n in range(3)]
    for cited in (0, 1, 3):
        make_event(story, f"cites-{cited}", sources[:cited], headline=f"Cites {cited}")
    url = reverse("admin:tracker_event_changelist")
    with CaptureQueriesContext(connection) as captured:
        response = editor_client.get(url)
    assert not [q["sql"] for q in captured if "GROUP BY" in q["sql"]]
    counts = {e.headline: e.source_count for e in response.context["cl"].result_list}
    assert counts == {"Cites 0": 0, "Cites 1": 1, "Cites 3": 3}
    column = response.context["cl"].list_display.index("source_count")
    for order, expected in ((column, [0, 1, 3]), (-column, [3, 1, 0])):
        listed = editor_client.get(f"{url}?o={order}").content.decode()
        assert [int(n) for n in re.findall(r'<td class="field-source_count">(\d+)</td>', listed)] == expected


@pytest.mark.django_db
def test_the_story_list_counts_every_event_of_each_story_without_grouping_them(editor_client):
    source = make_source("wire")
    busy, _empty = make_story("busy"), make_story("empty")
    make_event(busy, "published", [source])
    make_event(busy, "draft", [source], status=Status.DRAFT)
    with CaptureQueriesContext(connection) as captured:
        response = editor_client.get(reverse("admin:tracker_story_changelist"))
    assert not [q["sql"] for q in captured if "GROUP BY" in q["sql"]]
    assert {s.slug: s.event_count for s in response.context["cl"].result_list} == {"busy": 2, "empty": 0}


@pytest.mark.django_db
def test_a_long_story_s_page_links_to_its_events_instead_of_printing_them(editor_client, small_limits):
    counts = []
    for events in (10, 40):
        story = story_of(events, f"long-{events}")
        count, html = queries(editor_client, reverse("admin:tracker_story_change", args=[story.pk]))
        counts.append(count)
        assert "events-TOTAL_FORMS" not in html
        assert f"?story__id__exact={story.pk}" in html and f"All {events} events of this story" in html
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_a_short_story_keeps_its_events_inline(editor_client, small_limits):
    story = story_of(3, "short")
    _, html = queries(editor_client, reverse("admin:tracker_story_change", args=[story.pk]))
    assert 'name="events-TOTAL_FORMS" value="3"' in html


@pytest.mark.django_db
def test_saving_a_long_story_keeps_its_events(editor_client, small_limits):
    story = story_of(10, "long")
    url = reverse("admin:tracker_story_change", args=[story.pk])
    response = editor_client.post(url, form_data(editor_client.get(url), title="Retitled"))
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.title == "Retitled" and story.events.count() == 10


@pytest.mark.django_db
def test_inline_edits_posted_while_the_story_grew_past_the_limit_are_saved(editor_client, small_limits):
    story = story_of(3, "growing")
    url = reverse("admin:tracker_story_change", args=[story.pk])
    page = editor_client.get(url)
    first = story.events.order_by("pk").first()
    for n in range(5):  # another editor adds events meanwhile
        make_event(story, f"added-{n}", first.sources.all())
    index = next(i for i, form in enumerate(page.context["inline_admin_formsets"][0].formset) if form.instance == first)
    response = editor_client.post(url, form_data(page, **{f"events-{index}-headline": "Edited inline"}))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.headline == "Edited inline"


@pytest.mark.django_db
def test_an_event_s_history_page_costs_the_same_queries_however_long_its_history(editor_client, small_limits):
    counts = []
    for revisions in (15, 60):
        event = story_of(1, f"history-{revisions}").events.get()
        for n in range(revisions):
            event.headline = f"Revision {n}"
            event.save()
        count, html = queries(editor_client, reverse("admin:tracker_event_history", args=[event.pk]))
        counts.append(count)
        assert f"Revision {revisions - 1}" in html and "Revision 0<" not in html
    assert counts[0] == counts[1]


def edit_with_links(event, revisions, sources):
    """`revisions` changes of `event`, every other one a change of its sources."""
    for n in range(revisions):
        if n % 2:
            event.sources.set(sources[: 1 + n % len(sources)])
        else:
            event.headline = f"Revision {n}"
            event.save()


@pytest.mark.django_db
def test_an_event_s_history_page_costs_the_same_queries_with_link_changes_on_it(editor_client):
    sources = [make_source(f"s{n}") for n in range(3)]
    counts = []
    for revisions in (5, 40):
        event = make_event(make_story(f"story-{revisions}"), f"event-{revisions}", sources[:1])
        edit_with_links(event, revisions, sources)
        assert event.history.count() == revisions + 2  # created, linked, then each revision
        count, html = queries(editor_client, reverse("admin:tracker_event_history", args=[event.pk]))
        counts.append(count)
        assert "<strong>Sources:</strong> [Headline s0] &rarr; [Headline s0, Headline s1]" in html
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_history_page_shows_what_simple_history_itself_would(editor_client, rf):
    # Listed by their own ordering (publication date first), not as created.
    sources = [make_source(f"s{n}", published_on=datetime.date(2024, 1, 9 - n)) for n in range(3)]
    other = make_story("other")
    event = make_event(make_story(), sources=sources[:1])
    edit_with_links(event, 8, sources)
    event.story = other
    event.save()
    ours, theirs = list(event.history.all()), list(event.history.all())
    model_admin = admin.site._registry[Event]
    model_admin.set_history_delta_changes(rf.get("/"), ours)
    SimpleHistoryAdmin.set_history_delta_changes(model_admin, rf.get("/"), theirs)
    shown = [getattr(record, "history_delta_changes", None) for record in ours]
    assert shown == [getattr(record, "history_delta_changes", None) for record in theirs]
    assert {"field": "Story", "old": "Title story", "new": "Title other"} in shown[0]
    # Linking the first source when the event was made, then four changes of its sources.
    assert sum(change["field"] == "Sources" for changes in shown[:-1] for change in changes) == 5


@pytest.mark.django_db
def test_the_history_page_names_a_deleted_source_among_the_links(editor_client):
    kept, deleted = make_source("kept"), make_source("gone")
    event = make_event(make_story(), sources=[kept, deleted])
    gone = deleted.pk
    deleted.delete()
    _, html = queries(editor_client, reverse("admin:tracker_event_history", args=[event.pk]))
    deleted_first = f"[Deleted source (pk={gone}), Headline kept] &rarr; [Headline kept]"  # NULLs sort first in SQLite
    assert deleted_first in html or f"[Headline kept, Deleted source (pk={gone})] &rarr; [Headline kept]" in html
