"""Reporters prepare drafts; only editors put anything in front of readers,
whichever route through the admin a reporter tries."""

import datetime
import logging
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracker.editorial.permissions import REFUSED_LIVE, REFUSED_PUBLISH
from tracker.models import Event, Quote, Source, Status, Story

from .admin_forms import add_row, form_data
from .conftest import make_event, make_quote, make_source, make_story
from .people import changelist_data, member_of

EDITORIAL = ["story", "event", "source", "quote"]


@pytest.fixture
def reporter(db):
    return member_of("Reporters", "rita")


@pytest.fixture
def reporter_client(client, reporter):
    client.force_login(reporter)
    return client


@pytest.fixture
def editors_page(db):
    """A page as an editor's browser gets it: what a reporter would have to
    forge to post to a page that is read-only for them."""
    client = Client()
    client.force_login(member_of("Editors", "ed"))
    return client.get


@pytest.fixture
def denials(caplog):
    caplog.set_level(logging.WARNING, logger="tracker.security")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "tracker.security" and "rita" in r.getMessage()]


def codenames(group):
    return set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))


@pytest.mark.django_db
def test_reporters_may_draft_everything_and_publish_nothing_editors_may_publish():
    # Speakers are drafted alike (a quote's form picks one) and have nothing to publish.
    actions = ("add", "change", "delete", "view")
    drafting = {f"{action}_{model}" for model in [*EDITORIAL, "speaker"] for action in actions}
    publishing = {f"publish_{model}" for model in EDITORIAL}
    assert codenames("Reporters") == drafting
    unlocking = {"view_accessattempt", "delete_accessattempt"}  # editors can lift a login lockout
    assert codenames("Editors") == drafting | publishing | unlocking


@pytest.mark.django_db
def test_reporter_is_not_offered_publishing(reporter_client):
    page = reporter_client.get(reverse("admin:tracker_story_add")).content.decode()
    assert 'name="_save_draft"' in page and 'name="_submit"' in page and 'name="_publish"' not in page
    for model in ("story", "event", "quote"):
        actions = reporter_client.get(reverse(f"admin:tracker_{model}_changelist")).context["action_form"]
        assert [name for name, _ in actions.fields["action"].choices if name] == ["delete_selected"]


@pytest.mark.django_db
def test_reporter_cannot_add_a_published_story(reporter_client, denials):
    url = reverse("admin:tracker_story_add")
    data = form_data(reporter_client.get(url), title="Scoop", slug="scoop", summary="S", submit=None)
    assert "_publish" not in data.names  # offered Submit for review instead; the Publish below is forged
    data["_publish"] = "Publish"
    data["published_at_0"], data["published_at_1"] = "2024-04-17", "10:00"
    response = reporter_client.post(url, data)
    assert response.status_code == 200
    assert REFUSED_PUBLISH in response.content.decode()
    assert not Story.objects.exists()
    assert any("permission denied" in message for message in denials())


@pytest.mark.django_db
def test_reporter_drafts_a_story_and_cannot_publish_it_from_its_form(reporter_client, reporter):
    url = reverse("admin:tracker_story_add")
    response = reporter_client.post(url, form_data(reporter_client.get(url), title="Scoop", slug="scoop", summary="S"))
    assert response.status_code == 302
    story = Story.objects.get(slug="scoop")
    assert story.status == Status.DRAFT and story.history.get().history_user == reporter
    change = reverse("admin:tracker_story_change", args=[story.pk])
    forged = {**form_data(reporter_client.get(change), submit=None), "_publish": "Publish"}
    response = reporter_client.post(change, forged)
    assert response.status_code == 200 and REFUSED_PUBLISH in response.content.decode()
    story.refresh_from_db()
    assert story.status == Status.DRAFT and story.history.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status_published_at", ["past", "future"])
def test_reporter_cannot_change_or_delete_a_published_or_scheduled_story(
    reporter_client, editors_page, denials, status_published_at
):
    when = timezone.now() + datetime.timedelta(days=-1 if status_published_at == "past" else 1)
    story = make_story(published_at=when)
    change = reverse("admin:tracker_story_change", args=[story.pk])
    page = reporter_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    forged = form_data(editors_page(change), summary="Rewritten by a reporter")
    assert reporter_client.post(change, forged).status_code == 403
    delete = reverse("admin:tracker_story_delete", args=[story.pk])
    assert reporter_client.get(delete).status_code == 403
    assert reporter_client.post(delete, {"post": "yes"}).status_code == 403
    story.refresh_from_db()
    assert story.summary == "Summary story" and story.history.count() == 1
    assert len(denials()) >= 3


@pytest.mark.django_db
def test_reporter_cannot_publish_an_event_through_the_story_inline(reporter_client):
    story = make_story(status=Status.DRAFT)
    source = make_source()
    change = reverse("admin:tracker_story_change", args=[story.pk])
    data = form_data(reporter_client.get(change), submit=None)
    assert "events-__prefix__-publish" not in data.names  # a reporter's rows offer no publishing
    row = {"headline": "Petition filed", "slug": "petition-filed", "date": "2024-04-01", "sources": [source.pk]}
    index = add_row(data, "events", **row)
    data.update({f"events-{index}-publish": "on", "_publish": "Publish"})  # forged
    response = reporter_client.post(change, data)
    assert response.status_code == 200 and REFUSED_PUBLISH in response.content.decode()
    assert not Event.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Story, Event, Quote])
def test_reporter_cannot_publish_with_the_publish_action(reporter_client, denials, model):
    source = make_source()
    story = make_story(status=Status.DRAFT)
    event = make_event(story, sources=[source], status=Status.DRAFT)
    quote = make_quote(event, source, status=Status.DRAFT)
    obj = {Story: story, Event: event, Quote: quote}[model]
    url = reverse(f"admin:tracker_{model._meta.model_name}_changelist")
    response = reporter_client.post(url, {"action": "publish", "_selected_action": [obj.pk]})
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.status == Status.DRAFT
    assert any("action publish" in message for message in denials())


@pytest.mark.django_db
def test_reporter_cannot_publish_through_the_editable_list(reporter_client):
    event = make_event(make_story(), sources=[make_source()], status=Status.DRAFT)
    url = reverse("admin:tracker_event_changelist")
    response = reporter_client.post(url, changelist_data(reporter_client.get(url), **{"form-0-status": "published"}))
    assert response.status_code == 200 and REFUSED_PUBLISH in response.content.decode()
    event.refresh_from_db()
    assert event.status == Status.DRAFT


@pytest.mark.django_db
def test_reporter_cannot_change_a_published_event_through_the_editable_list(reporter_client):
    event = make_event(make_story(), sources=[make_source()])
    url = reverse("admin:tracker_event_changelist")
    response = reporter_client.post(url, changelist_data(reporter_client.get(url), **{"form-0-is_key": "on"}))
    assert response.status_code == 200 and REFUSED_LIVE in response.content.decode()
    event.refresh_from_db()
    assert not event.is_key


@pytest.mark.django_db
def test_reporter_cannot_publish_by_reverting_to_a_published_version(reporter_client, editors_page):
    story = make_story()
    story.unpublish()
    story.save()
    published_version = story.history.last()
    url = reverse("admin:tracker_story_simple_history", args=[story.pk, published_version.history_id])
    page = reporter_client.get(url)
    assert page.status_code == 200
    response = reporter_client.post(url, form_data(editors_page(url)))  # the version restores "Published"
    assert response.status_code == 200 and REFUSED_PUBLISH in response.content.decode()
    story.refresh_from_db()
    assert story.status == Status.UNPUBLISHED and story.history.count() == 2


@pytest.mark.django_db
def test_reporter_cannot_revert_a_published_story(reporter_client, editors_page, denials):
    story = make_story()
    story.summary = "Second wording"
    story.save()
    url = reverse("admin:tracker_story_simple_history", args=[story.pk, story.history.last().history_id])
    assert 'name="_save"' not in reporter_client.get(url).content.decode()
    assert reporter_client.post(url, form_data(editors_page(url))).status_code == 403
    story.refresh_from_db()
    assert story.summary == "Second wording"
    assert any("revert" in message for message in denials())


@pytest.mark.django_db
def test_reporter_cannot_delete_published_content_with_delete_selected(reporter_client):
    draft, live = make_story("draft", status=Status.DRAFT), make_story("live")
    url = reverse("admin:tracker_story_changelist")
    chosen = {"action": "delete_selected", "_selected_action": [draft.pk, live.pk]}
    assert reporter_client.post(url, {**chosen, "post": "yes"}).status_code == 403
    assert Story.objects.count() == 2
    response = reporter_client.post(url, {"action": "delete_selected", "_selected_action": [draft.pk], "post": "yes"})
    assert response.status_code == 302 and list(Story.objects.all()) == [live]


@pytest.mark.django_db
def test_reporter_cannot_delete_a_published_event_through_an_inline(reporter_client):
    story = make_story(status=Status.DRAFT)
    event = make_event(story, sources=[make_source()])
    change = reverse("admin:tracker_story_change", args=[story.pk])
    response = reporter_client.post(change, form_data(reporter_client.get(change), **{"events-0-DELETE": "on"}))
    assert response.status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_reporter_cannot_change_a_source_readers_can_see_but_can_fix_an_unused_one(reporter_client, editors_page):
    public, unused = make_source("public"), make_source("unused")
    make_event(make_story(), sources=[public])
    for source, allowed in ((public, False), (unused, True)):
        url = reverse("admin:tracker_source_change", args=[source.pk])
        page = reporter_client.get(url) if allowed else editors_page(url)  # a read-only page has no form
        response = reporter_client.post(url, form_data(page, notes="Checked"))
        assert response.status_code == (302 if allowed else 403)
        source.refresh_from_db()
        assert (source.notes == "Checked") == allowed


@pytest.mark.django_db
def test_reporter_prepares_a_draft_event_and_quote_inside_a_published_story(reporter_client, editor):
    editor_client = Client()
    editor_client.force_login(editor)
    story, source = make_story(), make_source()
    url = reverse("admin:tracker_event_add")
    data = form_data(
        reporter_client.get(url),
        story=story.pk,
        headline="Ministry confirms the block",
        slug="ministry-confirms",
        date="2024-04-17",
        sources=[source.pk],
    )
    add_row(data, "quotes", speaker="Interior Ministry", text="it was necessary", source=source.pk)
    assert "_save_draft" in data and "_submit" in data.names and "_publish" not in data.names
    response = reporter_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = Event.objects.get(slug="ministry-confirms")
    assert event.status == Status.DRAFT and event.quotes.get().status == Status.DRAFT
    assert not Event.objects.published().exists() and not Quote.objects.published().exists()
    for model, obj in (("event", event), ("quote", event.quotes.get())):
        response = editor_client.post(
            reverse(f"admin:tracker_{model}_changelist"), {"action": "publish", "_selected_action": [obj.pk]}
        )
        assert response.status_code == 302
    assert list(Event.objects.published()) == [event] and Quote.objects.published().count() == 1


@pytest.mark.django_db
def test_a_scheduled_story_is_listed_as_scheduled_and_goes_public_at_its_time_by_itself(editor_client):
    when = timezone.now() + datetime.timedelta(hours=2)
    story = make_story(published_at=when)
    page = editor_client.get(reverse("admin:tracker_story_changelist")).content.decode()
    assert "Scheduled for" in page
    scheduled = editor_client.get(reverse("admin:tracker_story_changelist"), {"publication": "scheduled"})
    assert list(scheduled.context["cl"].result_list) == [story]
    assert not Story.objects.published().exists() and story.is_scheduled()
    with mock.patch("django.utils.timezone.now", return_value=when + datetime.timedelta(seconds=1)):
        assert list(Story.objects.published()) == [story] and not story.is_scheduled()


@pytest.mark.django_db
def test_sources_have_no_status_so_only_their_readers_decide_what_is_live():
    assert not hasattr(Source, "status")


@pytest.mark.django_db
def test_a_source_cited_only_by_a_scheduled_story_is_live_for_a_reporter(reporter_client, editors_page):
    source = make_source("scheduled-only")
    later = timezone.now() + datetime.timedelta(days=1)
    make_event(make_story("tomorrow", published_at=later), sources=[source])
    url = reverse("admin:tracker_source_change", args=[source.pk])
    assert 'name="_save"' not in reporter_client.get(url).content.decode()
    assert reporter_client.post(url, form_data(editors_page(url), notes="Reporter's text")).status_code == 403
    source.refresh_from_db()
    assert source.notes == ""


@pytest.mark.django_db
def test_a_reporter_cannot_change_the_chain_a_public_source_derives_through(reporter_client, editors_page):
    origin, other = make_source("origin"), make_source("other")
    copy = make_source("copy", derived_from=origin)
    make_event(make_story(), sources=[copy, other])  # readers see "2 independent sources"
    url = reverse("admin:tracker_source_change", args=[origin.pk])  # cited by nothing public itself
    forged = form_data(editors_page(url), derived_from=other.pk)  # would make the two one
    assert reporter_client.post(url, forged).status_code == 403
    origin.refresh_from_db()
    assert origin.derived_from is None


@pytest.mark.django_db
def test_a_source_edit_that_would_break_a_quote_is_refused_naming_it(editor_client):
    source = make_source(text="The ministry said “it was necessary” on Wednesday.")
    event = make_event(make_story(), sources=[source])
    make_quote(event, source, "it was necessary", status=Status.DRAFT)
    url = reverse("admin:tracker_source_change", args=[source.pk])
    response = editor_client.post(url, form_data(editor_client.get(url), text="The ministry said nothing."))
    assert response.status_code == 200
    assert "would no longer occur" in response.content.decode() and "it was necessary" in response.content.decode()
    source.refresh_from_db()
    assert "it was necessary" in source.text and source.history.count() == 1
