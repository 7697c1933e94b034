"""Draft first, publish explicitly: the change form's buttons decide what
readers see, and a reporter's draft reaches an editor by Submit for review."""

import pytest
from django.test import Client
from django.urls import reverse

from tracker.models import Event, Quote, Status, Story

from .admin_forms import add_row, form_data
from .conftest import make_event, make_quote, make_source, make_story
from .people import member_of

ROW = {"speaker": "Interior Ministry", "source": None}


@pytest.fixture
def reporter_client(db):
    client = Client()
    client.force_login(member_of("Reporters", "rita"))
    return client


@pytest.mark.django_db
def test_new_events_and_quotes_are_drafts_by_default_in_the_model_too():
    source = make_source()
    story = make_story()
    event = Event.objects.create(story=story, slug="e", headline="E", date="2024-04-17")
    quote = Quote.objects.create(event=event, source=source, text="it was necessary", speaker="M")
    assert event.status == Status.DRAFT and quote.status == Status.DRAFT
    assert Story.objects.create(slug="s2", title="T", summary="S").status == Status.DRAFT


@pytest.mark.django_db
def test_save_draft_keeps_a_new_event_from_readers_and_stays_on_the_form(editor_client):
    story, source = make_story(), make_source()
    url = reverse("admin:tracker_event_add")
    typed = {"story": story.pk, "headline": "Draft event", "slug": "draft-event", "date": "2024-04-18"}
    data = form_data(editor_client.get(url), sources=[source.pk], **typed)
    assert "_save_draft" in data  # Enter presses Save draft, never Publish
    response = editor_client.post(url, data, follow=True)
    event = Event.objects.get(slug="draft-event")
    assert event.status == Status.DRAFT and not Event.objects.published().exists()
    assert response.redirect_chain[-1][0] == reverse("admin:tracker_event_change", args=[event.pk])
    assert "Saved as a draft" in response.content.decode()


@pytest.mark.django_db
def test_publish_on_an_event_publishes_the_ticked_draft_quotes_with_a_record_each(editor_client, editor):
    source = make_source(text="The ministry said “it was necessary” and “it was lawful” and “it was brief”.")
    event = make_event(make_story(), sources=[source], status=Status.DRAFT)
    stored = make_quote(event, source, "it was necessary", status=Status.DRAFT, slug="stored")
    kept_back = make_quote(event, source, "it was brief", status=Status.DRAFT, slug="kept")
    url = reverse("admin:tracker_event_change", args=[event.pk])
    data = form_data(editor_client.get(url), submit="_publish", **{"quotes-1-publish": None})  # untick one
    assert data["quotes-0-publish"] == "on"  # ticked unless the editor unticks it
    for words in ("it was necessary", "it was lawful"):
        add_row(data, "quotes", speaker="Interior Ministry", text=words, source=source.pk, slug="")
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    event.refresh_from_db()
    kept_back.refresh_from_db()
    assert event.status == Status.PUBLISHED and event.history.first().history_change_reason == "Published"
    published = event.quotes.filter(status=Status.PUBLISHED)
    assert sorted(published.values_list("text", flat=True)) == ["it was lawful", "it was necessary", "it was necessary"]
    assert kept_back.status == Status.DRAFT and kept_back.history.count() == 1
    assert stored.history.count() == 2 and stored.history.first().history_user == editor
    for quote in published:
        record = quote.history.first()
        assert record.status == Status.PUBLISHED and record.history_user == editor


@pytest.mark.django_db
def test_a_refused_quote_row_publishes_nothing(editor_client):
    source = make_source(text="The ministry said “it was necessary”.")
    event = make_event(make_story(), sources=[source], status=Status.DRAFT)
    draft = make_quote(event, source, status=Status.DRAFT)
    url = reverse("admin:tracker_event_change", args=[event.pk])
    data = form_data(editor_client.get(url), submit="_publish")
    add_row(data, "quotes", speaker="Minister", text="words nobody printed", source=source.pk)
    response = editor_client.post(url, data)
    assert response.status_code == 200
    event.refresh_from_db()
    draft.refresh_from_db()
    assert event.status == Status.DRAFT and draft.status == Status.DRAFT and event.quotes.count() == 1


@pytest.mark.django_db
def test_publishing_a_story_from_its_form_fills_its_publication_time(editor_client):
    url = reverse("admin:tracker_story_add")
    data = form_data(editor_client.get(url), title="New", slug="new", summary="S.", submit="_publish")
    assert editor_client.post(url, data).status_code == 302
    story = Story.objects.get(slug="new")
    assert story.is_published() and story.history.get().history_change_reason == "Published"


@pytest.mark.django_db
def test_withdraw_takes_a_published_event_from_readers(editor_client):
    event = make_event(make_story(), sources=[make_source()])
    url = reverse("admin:tracker_event_change", args=[event.pk])
    page = editor_client.get(url)
    assert 'value="Publish changes"' in page.content.decode()
    assert editor_client.post(url, form_data(page, submit="_withdraw")).status_code == 302
    event.refresh_from_db()
    assert event.status == Status.UNPUBLISHED and event.get_status_display() == "Withdrawn"


@pytest.mark.django_db
def test_a_reporter_submits_a_draft_for_review_and_an_editor_finds_and_publishes_it(reporter_client, editor_client):
    story, source = make_story(), make_source()
    url = reverse("admin:tracker_event_add")
    typed = {"story": story.pk, "headline": "Scoop", "slug": "scoop", "date": "2024-04-18", "sources": [source.pk]}
    page = reporter_client.get(url)
    assert 'value="Submit for review"' in page.content.decode() and 'name="_publish"' not in page.content.decode()
    response = reporter_client.post(url, form_data(page, submit="_submit", **typed), follow=True)
    event = Event.objects.get(slug="scoop")
    assert event.status == Status.DRAFT and event.is_awaiting_review()
    assert event.history.get().history_change_reason == "Submitted for review"
    assert "Submitted for review" in response.content.decode()

    index = editor_client.get(reverse("admin:index")).content.decode()
    waiting = reverse("admin:tracker_event_changelist") + "?publication=review"
    assert f'href="{waiting}"' in index and "1 event" in index
    listed = editor_client.get(waiting)
    assert [row.pk for row in listed.context["cl"].result_list] == [event.pk]

    change = reverse("admin:tracker_event_change", args=[event.pk])
    assert editor_client.post(change, form_data(editor_client.get(change), submit="_publish")).status_code == 302
    event.refresh_from_db()
    assert event.status == Status.PUBLISHED and not event.is_awaiting_review()
    assert "Nothing is waiting" in editor_client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_a_reporter_is_told_why_a_published_event_is_read_only_and_who_can_change_it(reporter_client, editor):
    event = make_event(make_story(), sources=[make_source()])
    page = reporter_client.get(reverse("admin:tracker_event_change", args=[event.pk])).content.decode()
    assert "only an editor can change or withdraw it" in page and editor.username in page
    assert 'name="_save_draft"' not in page and 'name="_publish"' not in page


@pytest.mark.django_db
def test_a_withdrawn_row_is_not_republished_with_its_event_unless_ticked(editor_client):
    source = make_source(text="The ministry said “it was necessary” and “it was lawful”.")
    event = make_event(make_story(), sources=[source])
    withdrawn = make_quote(event, source, "it was lawful", status=Status.UNPUBLISHED, slug="withdrawn")
    url = reverse("admin:tracker_event_change", args=[event.pk])
    data = form_data(editor_client.get(url), submit="_publish")
    assert "quotes-0-publish" not in data  # a withdrawn row starts unticked
    assert editor_client.post(url, data).status_code == 302
    withdrawn.refresh_from_db()
    assert withdrawn.status == Status.UNPUBLISHED
