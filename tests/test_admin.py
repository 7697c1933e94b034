"""The whole editorial job, done by a member of the Editors group (not a superuser)."""

import pytest
from django.urls import reverse

from tracker.models import Event, Quote, Source, Status, Story

from .admin_forms import add_row, confirm_delete, form_data
from .conftest import make_event, make_quote, make_source, make_story


def history_users(obj):
    return [record.history_user for record in obj.history.all()]


@pytest.mark.django_db
def test_editor_sees_every_editorial_list_and_add_page(editor_client):
    for model in ("story", "event", "source", "quote"):
        assert editor_client.get(reverse(f"admin:tracker_{model}_changelist")).status_code == 200
        assert editor_client.get(reverse(f"admin:tracker_{model}_add")).status_code == 200


@pytest.mark.django_db
def test_editor_adds_an_event_citing_two_sources_and_history_names_them(editor_client, editor):
    story, wire, report = make_story(), make_source("wire"), make_source("report")
    page = editor_client.get(reverse("admin:tracker_event_add"))
    data = form_data(
        page,
        story=story.pk,
        headline="Ministry confirms the block",
        slug="ministry-confirms",
        date="2024-04-17",
        date_precision="day",
        sources=[wire.pk, report.pk],
        submit="_publish",
    )
    response = editor_client.post(reverse("admin:tracker_event_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = Event.objects.get(slug="ministry-confirms")
    assert set(event.sources.all()) == {wire, report}
    record = event.history.first()
    assert record.history_user == editor
    assert {row.source_id for row in record.sources.all()} == {wire.pk, report.pk}


@pytest.mark.django_db
def test_an_event_must_cite_at_least_one_source(editor_client):
    story = make_story()
    page = editor_client.get(reverse("admin:tracker_event_add"))
    data = form_data(page, story=story.pk, headline="Unsourced", slug="unsourced", date="2024-04-17", sources=[])
    response = editor_client.post(reverse("admin:tracker_event_add"), data)
    assert response.status_code == 200
    assert "sources" in response.context["adminform"].form.errors
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_editor_changes_an_event_and_adds_a_quote_inline_with_history_for_each(editor_client, editor):
    source = make_source(text="The ministry said “it was necessary” on Wednesday.")
    event = make_event(make_story(), sources=[source])
    url = reverse("admin:tracker_event_change", args=[event.pk])
    data = form_data(editor_client.get(url), headline="Ministry explains the block", submit="_publish")
    add_row(data, "quotes", speaker="Interior Ministry", text="it was necessary", source=source.pk)
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert event.headline == "Ministry explains the block"
    assert history_users(event)[0] == editor
    quote = event.quotes.get()
    assert quote.history.get().history_user == editor


@pytest.mark.django_db
def test_a_quote_not_in_its_source_is_refused_and_nothing_is_saved(editor_client):
    source = make_source(text="The ministry said “it was necessary” on Wednesday.")
    event = make_event(make_story(), sources=[source])
    url = reverse("admin:tracker_event_change", args=[event.pk])
    data = form_data(editor_client.get(url), headline="Changed headline", submit="_publish")
    add_row(data, "quotes", speaker="Interior Ministry", text="it was unavoidable", source=source.pk)
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "do not occur in the source" in response.content.decode()
    event.refresh_from_db()
    assert event.headline == "Headline event" and not Quote.objects.exists()


@pytest.mark.django_db
def test_editor_creates_a_story_with_an_inline_event(editor_client, editor):
    source = make_source()
    page = editor_client.get(reverse("admin:tracker_story_add"))
    data = form_data(
        page, title="Court hears X petition", slug="court-hears-x-petition", summary="A court hears a petition."
    )
    assert "_save_draft" in data  # Enter saves a draft
    add_row(
        data,
        "events",
        headline="Petition filed",
        slug="petition-filed",
        date="2024-04-01",
        date_precision="month",
        sources=[source.pk],
    )
    response = editor_client.post(reverse("admin:tracker_story_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    story = Story.objects.get(slug="court-hears-x-petition")
    event = story.events.get()
    assert event.date_display == "April 2024"
    assert history_users(story) == [editor] and history_users(event) == [editor]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "status"), [("publish", Status.PUBLISHED), ("unpublish", Status.UNPUBLISHED)])
def test_publish_actions_save_each_story_with_a_history_record(editor_client, editor, action, status):
    initial = Status.DRAFT if action == "publish" else Status.PUBLISHED
    stories = [make_story(f"s{i}", status=initial) for i in range(3)]
    response = editor_client.post(
        reverse("admin:tracker_story_changelist"),
        {"action": action, "_selected_action": [s.pk for s in stories]},
    )
    assert response.status_code == 302
    for story in stories:
        story.refresh_from_db()
        assert story.status == status
        latest = story.history.first()
        assert latest.history_user == editor and latest.history_change_reason == status.label
    if action == "publish":
        assert all(s.published_at for s in stories) and all(s.is_published() for s in stories)


@pytest.mark.django_db
def test_editor_sees_history_with_changes_and_can_revert(editor_client, editor):
    source = make_source()
    event = make_event(make_story(), sources=[source])
    event.headline = "Corrected headline"
    event.save()
    history_url = reverse("admin:tracker_event_history", args=[event.pk])
    page = editor_client.get(history_url)
    assert page.status_code == 200
    assert "Corrected headline" in page.content.decode()
    before_correction = event.history.all()[1]
    records = event.history.count()
    revert_url = reverse("admin:tracker_event_simple_history", args=[event.pk, before_correction.history_id])
    revert_page = editor_client.get(revert_url)
    assert revert_page.status_code == 200
    response = editor_client.post(revert_url, form_data(revert_page))
    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert event.headline == "Headline event"
    assert event.history.count() == records + 1
    latest = event.history.first()
    assert (
        latest.history_user == editor
        and latest.history_change_reason == f"Reverted to version {before_correction.version}"
    )


@pytest.mark.django_db
def test_source_autocomplete_finds_sources_for_editors(editor_client):
    make_source("reuters-wire", headline="Social media platform X blocked in Pakistan")
    make_source("other", headline="Unrelated")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "blocked", "app_label": "tracker", "model_name": "event", "field_name": "sources"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Social media platform X blocked in Pakistan"]


@pytest.mark.django_db
def test_deleting_a_quote_is_recorded(editor_client, editor):
    source = make_source()
    quote = make_quote(make_event(make_story(), sources=[source]), source)
    response = confirm_delete(editor_client, reverse("admin:tracker_quote_delete", args=[quote.pk]))
    assert response.status_code == 302
    record = Quote.history.filter(id=quote.pk).first()
    assert record.history_type == "-" and record.history_user == editor


@pytest.mark.django_db
def test_a_source_that_is_an_event_s_only_source_cannot_be_deleted(editor_client):
    only, other = make_source("only"), make_source("other")
    story = make_story()
    alone = make_event(story, "alone", [only], headline="Cites only one")
    shared = make_event(story, "shared", [only, other], headline="Cites two")
    url = reverse("admin:tracker_source_delete", args=[only.pk])
    page = editor_client.get(url).content.decode()
    assert "cannot be deleted" in page and "Cites only one" in page and "Cites two" not in page
    assert editor_client.post(url, {"post": "yes", "version": only.version}).status_code == 200
    bulk = {"action": "delete_selected", "_selected_action": [only.pk], "post": "yes"}
    response = editor_client.post(reverse("admin:tracker_source_changelist"), bulk)
    assert "cannot be deleted" in response.content.decode()
    assert Source.objects.filter(pk=only.pk).exists() and set(alone.sources.all()) == {only}

    alone.sources.add(other)  # attributed elsewhere, it may go
    assert confirm_delete(editor_client, url).status_code == 302
    assert not Source.objects.filter(pk=only.pk).exists()
    assert set(shared.sources.all()) == {other} and set(alone.sources.all()) == {other}


@pytest.mark.django_db
def test_a_deletion_confirmed_after_someone_else_s_edit_deletes_nothing(editor_client):
    source = make_source()
    event = make_event(make_story(), sources=[source], headline="Ministry blocks X")
    url = reverse("admin:tracker_event_delete", args=[event.pk])
    shown = editor_client.get(url).context["object"].version
    event.headline = "Ministry restores X"
    event.save()  # another editor, meanwhile
    response = editor_client.post(url, {"post": "yes", "version": shown}, follow=True)
    assert Event.objects.filter(pk=event.pk).exists()
    page = response.content.decode()
    assert "It was not deleted" in page and "Ministry restores X" in page
    for forged in ({"post": "yes"}, {"post": "yes", "version": "x"}):
        assert editor_client.post(url, forged).status_code == 302 and Event.objects.filter(pk=event.pk).exists()
    assert confirm_delete(editor_client, url).status_code == 302  # confirmed on the page as it is now
    assert not Event.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["story", "event", "source", "quote"])
def test_every_add_form_saves_as_a_browser_posts_it(editor_client, model):
    """A browser posts the hidden version input empty; the new object still starts at version 1."""
    story, source = make_story(), make_source(text="The ministry said “it was necessary” on Wednesday.")
    event = make_event(story, sources=[source])
    typed = {
        "story": {"title": "New story", "slug": "new-story", "summary": "Where it stands."},
        "event": {"story": story.pk, "headline": "New event", "slug": "new-event", "date": "2024-04-18"},
        "source": {"headline": "New source", "slug": "new-source", "text": "Archived words."},
        "quote": {"event": event.pk, "speaker": "Minister", "text": "it was necessary", "source": source.pk},
    }[model]
    if model == "event":
        typed["sources"] = [source.pk]
    url = reverse(f"admin:tracker_{model}_add")
    data = form_data(editor_client.get(url), **typed)
    assert data["version"] == ""
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    Model = {"story": Story, "event": Event, "source": Source, "quote": Quote}[model]
    created = Model.objects.order_by("pk").last()
    assert created.version == 1 and created.history.count() == 1


@pytest.mark.django_db
def test_two_new_quotes_with_blank_slugs_in_one_event_each_get_their_own(editor_client):
    source = make_source(text="The ministry said “it was necessary” and “it was lawful” on Wednesday.")
    event = make_event(make_story(), sources=[source])
    url = reverse("admin:tracker_event_change", args=[event.pk])
    data = form_data(editor_client.get(url))
    for words in ("it was necessary", "it was lawful"):
        add_row(data, "quotes", speaker="Interior Ministry", text=words, source=source.pk, slug="")
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert list(event.quotes.values_list("slug", "text")) == [
        ("interior-ministry", "it was necessary"),
        ("interior-ministry-2", "it was lawful"),
    ]
