"""No lost updates: a save based on a stale copy is refused, says what changed
meanwhile, and overwrites nothing, on every admin route and under real
concurrency."""

import threading
import time
from unittest import mock

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from tracker.editorial.admin import EventAdmin
from tracker.locking import StaleEdit
from tracker.models import Event, Quote, Source, Status, Story

from .admin_forms import form_data
from .conftest import make_event, make_quote, make_source, make_story
from .people import changelist_data, member_of, restore_groups

CONFLICT = "was changed by"


@pytest.fixture
def two_editors(db):
    first, second = Client(), Client()
    first.force_login(member_of("Editors", "ann"))
    second.force_login(member_of("Editors", "bob"))
    return first, second


@pytest.fixture
def event(db):
    return make_event(make_story(), sources=[make_source()])


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Story, Event, Source, Quote])
def test_a_save_from_a_stale_copy_is_refused_and_overwrites_nothing(model):
    source = make_source()
    quote = make_quote(make_event(make_story(), sources=[source]), source)
    obj = {Story: quote.event.story, Event: quote.event, Source: source, Quote: quote}[model]
    mine, theirs = model.objects.get(pk=obj.pk), model.objects.get(pk=obj.pk)
    theirs.slug = "theirs"
    theirs.save()
    mine.slug = "mine"
    with pytest.raises(StaleEdit):
        mine.save()
    stored = model.objects.get(pk=obj.pk)
    assert stored.slug == "theirs" and stored.version == theirs.version == mine.version + 1


@pytest.mark.django_db
def test_every_save_is_a_new_version(event):
    versions = [event.version]
    for headline in ("one", "two", "three"):
        event.headline = headline
        event.save()
        versions.append(Event.objects.get(pk=event.pk).version)
    assert versions == [versions[0], versions[0] + 1, versions[0] + 2, versions[0] + 3]


@pytest.mark.django_db
def test_two_editors_on_one_change_form_the_second_is_told_what_changed_and_keeps_their_input(two_editors, event):
    ann, bob = two_editors
    url = reverse("admin:tracker_event_change", args=[event.pk])
    ann_page, bob_page = ann.get(url), bob.get(url)
    assert ann.post(url, form_data(ann_page, headline="Ann's headline")).status_code == 302
    response = bob.post(url, form_data(bob_page, headline="Bob's headline", description="Bob's notes"))
    assert response.status_code == 200
    html = response.content.decode()
    assert CONFLICT in html and "ann" in html
    assert "Headline: “Headline event” → “Ann&#x27;s headline”" in html
    assert "Bob&#x27;s notes" in html  # Bob's typing is still in the form
    event.refresh_from_db()
    assert event.headline == "Ann's headline" and event.description == ""


@pytest.mark.django_db
def test_a_stale_inline_row_is_refused_and_nothing_in_the_form_is_saved(two_editors, event):
    ann, bob = two_editors
    other = make_event(event.story, "other", sources=event.sources.all())
    url = reverse("admin:tracker_story_change", args=[event.story.pk])
    ann_page, bob_page = ann.get(url), bob.get(url)
    rows = {form.instance.pk: i for i, form in enumerate(bob_page.context["inline_admin_formsets"][0].formset.forms)}
    ann_data = form_data(ann_page, **{f"events-{rows[event.pk]}-headline": "Ann's event"})
    assert ann.post(url, ann_data).status_code == 302
    bob_data = form_data(
        bob_page,
        summary="Bob's summary",
        **{f"events-{rows[event.pk]}-headline": "Bob's event", f"events-{rows[other.pk]}-is_key": "on"},
    )
    response = bob.post(url, bob_data)
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    event.refresh_from_db()
    other.refresh_from_db()
    assert event.headline == "Ann's event" and not other.is_key
    assert Story.objects.get().summary == "Summary story"


@pytest.mark.django_db
def test_a_stale_editable_list_row_is_refused_and_the_list_saves_nothing(two_editors, event):
    ann, bob = two_editors
    other = make_event(event.story, "other", sources=event.sources.all())
    url = reverse("admin:tracker_event_changelist")
    bob_page = bob.get(url)
    rows = {form.instance.pk: i for i, form in enumerate(bob_page.context["cl"].formset.forms)}
    change = reverse("admin:tracker_event_change", args=[event.pk])
    assert ann.post(change, form_data(ann.get(change), submit="_withdraw")).status_code == 302
    data = changelist_data(bob_page, **{f"form-{rows[event.pk]}-is_key": "on", f"form-{rows[other.pk]}-is_key": "on"})
    response = bob.post(url, data)
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    event.refresh_from_db()
    other.refresh_from_db()
    assert event.status == Status.UNPUBLISHED and not event.is_key and not other.is_key


@pytest.mark.django_db
def test_an_editable_list_row_changed_elsewhere_but_not_in_the_list_does_not_block_the_list(two_editors, event):
    ann, bob = two_editors
    other = make_event(event.story, "other", sources=event.sources.all())
    url = reverse("admin:tracker_event_changelist")
    bob_page = bob.get(url)
    rows = {form.instance.pk: i for i, form in enumerate(bob_page.context["cl"].formset.forms)}
    change = reverse("admin:tracker_event_change", args=[event.pk])
    assert ann.post(change, form_data(ann.get(change), headline="Ann's headline")).status_code == 302
    response = bob.post(url, changelist_data(bob_page, **{f"form-{rows[other.pk]}-is_key": "on"}))
    assert response.status_code == 302
    event.refresh_from_db()
    other.refresh_from_db()
    assert event.headline == "Ann's headline" and other.is_key


@pytest.mark.django_db
def test_an_action_applies_to_each_object_as_it_stands_and_keeps_edits_made_since_the_list_was_shown(two_editors):
    ann, bob = two_editors
    story = make_story(status=Status.DRAFT)
    bob.get(reverse("admin:tracker_story_changelist"))
    change = reverse("admin:tracker_story_change", args=[story.pk])
    assert ann.post(change, form_data(ann.get(change), summary="Ann's summary")).status_code == 302
    response = bob.post(
        reverse("admin:tracker_story_changelist"), {"action": "publish", "_selected_action": [story.pk]}
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.summary == "Ann's summary" and story.status == Status.PUBLISHED and story.version == 3


@pytest.mark.django_db
def test_a_revert_based_on_a_stale_copy_is_refused(two_editors, event):
    ann, bob = two_editors
    event.headline = "Second headline"
    event.save()
    revert = reverse("admin:tracker_event_simple_history", args=[event.pk, event.history.all()[1].history_id])
    bob_page = bob.get(revert)
    change = reverse("admin:tracker_event_change", args=[event.pk])
    assert ann.post(change, form_data(ann.get(change), headline="Ann's headline")).status_code == 302
    response = bob.post(revert, form_data(bob_page))
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    event.refresh_from_db()
    assert event.headline == "Ann's headline"


@pytest.mark.django_db
def test_a_save_that_loses_a_race_after_validation_is_validated_again_not_a_server_error(editor_client, event):
    # Under real concurrency (below) the database refuses the losing save after
    # its form was validated; here it is made to refuse once.
    url = reverse("admin:tracker_event_change", args=[event.pk])
    original, refused = EventAdmin.save_model, []

    def refuse_once(self, request, obj, form, change):
        if not refused:
            refused.append(obj.version)
            raise StaleEdit(obj, obj.version)
        return original(self, request, obj, form, change)

    data = form_data(editor_client.get(url), headline="Saved on the second attempt")
    with mock.patch.object(EventAdmin, "save_model", refuse_once):
        response = editor_client.post(url, data)
    assert response.status_code == 302 and refused
    event.refresh_from_db()
    assert event.headline == "Saved on the second attempt"
    assert event.history.filter(headline="Saved on the second attempt").count() == 1


def _race(*workers):
    """Run each worker in its own thread (so its own database connection), all at once."""
    start = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(i, worker):
        try:
            start.wait()
            results[i] = worker()
        except Exception as error:  # recorded and asserted on by the caller
            results[i] = error
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_connections_saving_the_same_stale_version_at_once_exactly_one_wins():
    event = make_event(make_story(), sources=[make_source()])
    for round_ in range(5):
        copies = [Event.objects.get(pk=event.pk) for _ in range(2)]
        based_on = copies[0].version

        def save(copy, headline):
            copy.headline = headline
            copy.save()
            time.sleep(0.05)  # hold the transaction's lock a moment, as a slow request would
            return headline

        headlines = [f"round {round_} by {i}" for i in range(2)]
        results = _race(*(lambda c=c, h=h: save(c, h) for c, h in zip(copies, headlines, strict=True)))
        winners = [r for r in results if isinstance(r, str)]
        assert len(winners) == 1, results
        assert [type(r) for r in results if not isinstance(r, str)] == [StaleEdit]
        event.refresh_from_db()
        assert event.headline == winners[0] and event.version == based_on + 1
        assert event.history.filter(version=based_on + 1).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_editors_browsers_posting_the_same_form_at_once_exactly_one_is_saved():
    restore_groups()
    event = make_event(make_story(), sources=[make_source()])
    browsers = []
    for name in ("ann", "bob"):
        browser = Client()
        browser.force_login(member_of("Editors", name))
        browsers.append(browser)
    url = reverse("admin:tracker_event_change", args=[event.pk])
    posts = [form_data(b.get(url), headline=f"Headline by {n}") for b, n in zip(browsers, ("ann", "bob"), strict=True)]
    original = EventAdmin.save_model

    def slow_save(self, request, obj, form, change):
        original(self, request, obj, form, change)
        time.sleep(0.2)  # both requests are inside their transactions at once

    with mock.patch.object(EventAdmin, "save_model", slow_save):
        responses = _race(*(lambda b=b, d=d: b.post(url, d) for b, d in zip(browsers, posts, strict=True)))
    assert sorted(r.status_code for r in responses) == [200, 302], responses
    loser = next(r for r in responses if r.status_code == 200)
    assert CONFLICT in loser.content.decode()
    event.refresh_from_db()
    winner = "ann" if responses[0].status_code == 302 else "bob"
    assert event.headline == f"Headline by {winner}"
    assert event.history.filter(headline__startswith="Headline by").count() == 1


@pytest.mark.django_db
def test_a_refused_change_form_shows_the_current_version_with_the_editor_s_own_values_to_reapply(two_editors, event):
    ann, bob = two_editors
    url = reverse("admin:tracker_event_change", args=[event.pk])
    ann_page, bob_page = ann.get(url), bob.get(url)
    ann_saves = form_data(ann_page, headline="Ann's headline", disagreement="Ann's note", submit="_publish")
    assert ann.post(url, ann_saves).status_code == 302
    bobs = form_data(bob_page, headline="Bob's headline", description="Bob's notes", submit="_publish")
    response = bob.post(url, bobs)
    assert response.status_code == 200 and CONFLICT in response.content.decode()
    form = response.context["adminform"].form
    # Only Bob changed the description: his words stay. Only Ann changed the
    # note on disagreement: hers shows. Both changed the headline: hers shows,
    # with his beside it and a button to put his back.
    assert form["description"].value() == "Bob's notes"
    assert form["disagreement"].value() == "Ann's note"
    assert form["headline"].value() == "Ann's headline"
    html = response.content.decode()
    assert 'class="yours">Bob&#x27;s headline</q>' in html
    assert 'data-field="headline" data-value="Bob&#x27;s headline"' in html
    assert "Ann&#x27;s note" in html and form["version"].value() == str(Event.objects.get(pk=event.pk).version)
    event.refresh_from_db()
    assert event.headline == "Ann's headline" and event.description == ""

    # Saving the form as it is now shown keeps both editors' work.
    again = form_data(response, submit="_publish")
    assert bob.post(url, again).status_code == 302
    event.refresh_from_db()
    assert (event.headline, event.description, event.disagreement) == ("Ann's headline", "Bob's notes", "Ann's note")
