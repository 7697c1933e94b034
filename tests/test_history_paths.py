"""Every change on the record: each write path leaves exactly one history
record per object it changes, attributed to whoever made it; versions can be
compared and a story seen as it stood."""

import ast
import datetime
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tracker.models import Event, Quote, Source, Status, Story

from .admin_forms import add_row, confirm_delete, form_data
from .conftest import FIXTURES, ROOT, make_event, make_quote, make_source, make_story
from .people import changelist_data

TRACKED = (Story, Event, Source, Quote)


def history_rows():
    return {model.__name__: model.history.count() for model in TRACKED}


class Counter:
    """History rows written since it was made, per model (only those that changed)."""

    def __init__(self):
        self.before = history_rows()

    def written(self):
        after = history_rows()
        return {name: after[name] - self.before[name] for name in after if after[name] != self.before[name]}


@pytest.fixture
def world(db):
    source, other = make_source("wire"), make_source("report")
    story = make_story()
    event = make_event(story, sources=[source])
    quote = make_quote(event, source)
    return {"story": story, "event": event, "quote": quote, "source": source, "other": other}


def latest(obj):
    return type(obj).history.filter(id=obj.pk).first()


@pytest.mark.django_db
def test_admin_add_change_and_delete_each_write_one_attributed_record(editor_client, editor, world):
    counter = Counter()
    url = reverse("admin:tracker_story_add")
    data = form_data(editor_client.get(url), title="New", slug="new", summary="S")
    assert editor_client.post(url, data).status_code == 302
    assert counter.written() == {"Story": 1}
    story = Story.objects.get(slug="new")
    assert latest(story).history_user == editor and latest(story).history_type == "+"

    counter = Counter()
    change = reverse("admin:tracker_event_change", args=[world["event"].pk])
    data = form_data(editor_client.get(change), headline="Changed", sources=[world["source"].pk, world["other"].pk])
    assert editor_client.post(change, data).status_code == 302
    assert counter.written() == {"Event": 1}
    record = latest(world["event"])
    assert record.history_user == editor and {r.source_id for r in record.sources.all()} == {
        world["source"].pk,
        world["other"].pk,
    }

    counter = Counter()
    assert (
        confirm_delete(editor_client, reverse("admin:tracker_quote_delete", args=[world["quote"].pk])).status_code
        == 302
    )
    assert counter.written() == {"Quote": 1}
    assert latest(world["quote"]).history_type == "-" and latest(world["quote"]).history_user == editor


@pytest.mark.django_db
def test_delete_selected_writes_one_record_per_object_including_cascades(editor_client, editor, world):
    second = make_quote(world["event"], world["source"])
    counter = Counter()
    response = editor_client.post(
        reverse("admin:tracker_story_changelist"),
        {"action": "delete_selected", "_selected_action": [world["story"].pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert counter.written() == {"Story": 1, "Event": 1, "Quote": 2}
    for obj in (world["story"], world["event"], world["quote"], second):
        assert latest(obj).history_type == "-" and latest(obj).history_user == editor


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["story", "event", "quote"])
def test_each_action_writes_one_record_per_selected_object(editor_client, editor, world, model):
    objects = [world[model]]
    objects[0].unpublish()
    objects[0].save()
    counter = Counter()
    response = editor_client.post(
        reverse(f"admin:tracker_{model}_changelist"), {"action": "publish", "_selected_action": [o.pk for o in objects]}
    )
    assert response.status_code == 302
    assert counter.written() == {model.capitalize(): 1}
    assert latest(objects[0]).history_user == editor and latest(objects[0]).status == Status.PUBLISHED


@pytest.mark.django_db
def test_inline_add_change_and_delete_write_one_record_each(editor_client, editor, world):
    url = reverse("admin:tracker_event_change", args=[world["event"].pk])
    counter = Counter()
    data = form_data(editor_client.get(url), submit="_publish", **{"quotes-0-speaker_role": "Spokesperson"})
    add_row(data, "quotes", speaker="Minister", text="it was necessary", source=world["source"].pk)
    assert editor_client.post(url, data).status_code == 302
    # The event's own form is saved too (Django always saves it): one record.
    assert counter.written() == {"Event": 1, "Quote": 2}
    assert {r.history_user for r in Quote.history.order_by("-history_id")[:2]} == {editor}
    counter = Counter()
    data = form_data(editor_client.get(url), **{"quotes-0-DELETE": "on"})
    assert editor_client.post(url, data).status_code == 302
    assert counter.written() == {"Event": 1, "Quote": 1}


@pytest.mark.django_db
def test_an_editable_list_save_writes_one_record_for_the_changed_row_only(editor_client, world):
    make_event(world["story"], "second", sources=[world["source"]])
    url = reverse("admin:tracker_event_changelist")
    page = editor_client.get(url)
    row = next(i for i, f in enumerate(page.context["cl"].formset.forms) if f.instance.pk == world["event"].pk)
    counter = Counter()
    assert editor_client.post(url, changelist_data(page, **{f"form-{row}-is_key": "on"})).status_code == 302
    assert counter.written() == {"Event": 1}


@pytest.mark.django_db
def test_a_revert_writes_one_record_and_restores_links(editor_client, editor, world):
    event = world["event"]
    first = latest(event)
    event.sources.set([world["other"]])
    counter = Counter()
    url = reverse("admin:tracker_event_simple_history", args=[event.pk, first.history_id])
    assert editor_client.post(url, form_data(editor_client.get(url))).status_code == 302
    assert counter.written() == {"Event": 1}
    assert list(event.sources.all()) == [world["source"]]
    assert latest(event).history_user == editor


@pytest.mark.django_db
def test_link_changes_from_either_side_are_recorded_once_on_the_event(world):
    event, source, other = world["event"], world["source"], world["other"]
    steps = [
        lambda: event.sources.add(other),
        lambda: event.sources.remove(other),
        lambda: other.events.add(event),
        lambda: other.events.remove(event),
        lambda: other.events.add(event),
        lambda: other.events.clear(),
        lambda: Event.objects.get(pk=event.pk).sources.clear(),
    ]
    for step in steps:
        version = Event.objects.get(pk=event.pk).version
        counter = Counter()
        step()
        assert counter.written() == {"Event": 1}
        record = latest(event)
        assert record.version == version + 1 == Event.objects.get(pk=event.pk).version
        assert {r.source_id for r in record.sources.all()} == set(event.sources.values_list("pk", flat=True))
    assert not Event.history.filter(id=source.pk, headline=source.headline).exists()


@pytest.mark.django_db
def test_deleting_a_source_records_the_events_that_lose_it(world):
    unused_quote_source = world["other"]
    world["event"].sources.add(unused_quote_source)
    counter = Counter()
    unused_quote_source.delete()
    assert counter.written() == {"Source": 1, "Event": 1}
    assert [r.source_id for r in latest(world["event"]).sources.all()] == [world["source"].pk]


@pytest.mark.django_db
def test_fixture_loads_write_one_record_per_object_and_reloads_and_checks_none(db):
    counter = Counter()
    call_command("loaddata", *FIXTURES, verbosity=0)
    assert counter.written() == {model.__name__: model.objects.count() for model in TRACKED}
    counter = Counter()
    call_command("loaddata", *FIXTURES, verbosity=0)
    call_command("check_fixture", *FIXTURES, verbosity=0)
    assert counter.written() == {}


# --- No writes that bypass history ------------------------------------------------

APPLICATION = [ROOT / "tracker", ROOT / "newsroom"]
# (file, function) allowed to write without per-object signals: the version
# claim, which is part of a save or is followed by a record; and the synthetic
# stories' bulk writers, which write every object's history record themselves
# in the same transaction (tests/test_synthesize.py counts them); and what is
# derived from history, not content: a deleted event's links in its
# deletion record, an edit's claim, the changelog's entries, and the
# migration that grouped records into edits.
ALLOWED = {
    ("tracker/locking.py", "advance_version"),
    ("tracker/synthetic.py", "synthesize"),
    ("tracker/synthetic.py", "_create_with_history"),
    ("tracker/synthetic.py", "_record_links"),
    ("tracker/history.py", "create_historical_record_m2ms"),
    # An account's change completes its event's record in the same edit; a fixture load records after.
    ("tracker/models.py", "show_accounts"),
    ("tracker/changes.py", "record_pending"),
    ("tracker/changes.py", "save"),
    ("tracker/migrations/0012_edits_and_changes.py", "group_into_edits"),
}
QUERYSET_HINTS = {"objects", "_base_manager", "_default_manager", "events", "quotes", "sources", "derivatives"}
QUERYSET_HINTS |= {"variants", "queryset", "qs", "filter", "exclude", "all", "select_for_update", "using", "stored"}
QUERYSET_HINTS |= {"Story", "Event", "Source", "Quote", "claimed", "rows", "get_queryset"}


def _names(node):
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            yield child.id
        elif isinstance(child, ast.Attribute):
            yield child.attr


def writes_without_history(source, filename):
    """(filename, function, line) of calls that would write tracked rows without history."""
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                method = child.func.attr
                if method in ("bulk_create", "bulk_update") or (
                    method == "update" and QUERYSET_HINTS & set(_names(child.func.value))
                ):
                    found.append((filename, name, child.lineno))
            visit(child, name)

    visit(ast.parse(source), None)
    return found


def test_the_history_bypass_check_catches_bypasses():
    planted = (
        "def publish_all():\n"
        "    Story.objects.filter(status='draft').update(status='published')\n"
        "def link(qs):\n"
        "    qs.update(is_key=True)\n"
        "def many(rows):\n"
        "    Event.objects.bulk_create(rows)\n"
        "def fine(context):\n"
        "    context.update({'a': 1})\n"
    )
    assert [f[1] for f in writes_without_history(planted, "x.py")] == ["publish_all", "link", "many"]


# Readers' email subscriptions are not editorial content and deliberately keep
# no history: a deleted address must be gone, not kept in an old record.
NOT_EDITORIAL = ("tracker/alerts/", "tracker/alert_models.py")


def test_application_code_never_writes_tracked_rows_without_history():
    found = []
    for folder in APPLICATION:
        for path in sorted(folder.rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if relative.startswith(NOT_EDITORIAL):
                continue
            found += writes_without_history(Path(path).read_text(encoding="utf-8"), relative)
    assert [f for f in found if f[:2] not in ALLOWED] == []
    assert {f[:2] for f in found} == ALLOWED  # the allow-list holds nothing stale


# --- Comparing versions and looking back --------------------------------------------


@pytest.mark.django_db
def test_editors_compare_any_two_versions_word_by_word(editor_client, world):
    event = world["event"]
    event.headline = "Ministry confirms the block of X"
    event.save()
    event.headline = "Ministry confirms the nationwide block of X"
    event.save()
    event.sources.add(world["other"])
    linked, nationwide, plain = event.history.all()[:3]
    url = reverse("admin:tracker_event_compare", args=[event.pk])
    page = editor_client.get(url, {"old": plain.history_id, "new": nationwide.history_id})
    assert page.status_code == 200
    assert [(c.label, c.old, c.new) for c in page.context["changes"]] == [
        ("Headline", "Ministry confirms the block of X", "Ministry confirms the nationwide block of X")
    ]
    assert re.search(r"Ministry confirms the <ins>\s?nationwide\s?</ins>\s?block of X", page.content.decode())
    default = editor_client.get(url)  # the latest change: a source linked
    assert [(c.label, c.old, c.new) for c in default.context["changes"]] == [
        ("Sources", "Headline wire", "Headline report; Headline wire")
    ]
    assert "nationwide" in editor_client.get(reverse("admin:tracker_event_history", args=[event.pk])).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"old": "abc", "new": "1"}, {"old": "999999999"}, {"new": "<script>"}])
def test_comparing_with_bad_version_numbers_explains_instead_of_failing(editor_client, world, query):
    page = editor_client.get(reverse("admin:tracker_event_compare", args=[world["event"].pk]), query)
    assert page.status_code == 200 and page.context["form"].errors
    assert "<script>" not in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("object_id", ["999999", "abc", "99999999999999999999999"])
def test_comparing_versions_of_nothing_is_404(editor_client, object_id):
    assert editor_client.get(f"/admin/tracker/event/{object_id}/compare/").status_code == 404


@pytest.mark.django_db
def test_a_story_can_be_seen_as_it_stood_at_a_moment(editor_client, world):
    story, event = world["story"], world["event"]
    Story.history.filter(id=story.pk).update(history_date=timezone.now() - datetime.timedelta(days=2))
    Event.history.filter(id=event.pk).update(history_date=timezone.now() - datetime.timedelta(days=2))
    Quote.history.update(history_date=timezone.now() - datetime.timedelta(days=2))
    moment = timezone.now() - datetime.timedelta(days=1)
    story.title = "Retitled later"
    story.save()
    make_event(story, "later", sources=[world["source"]], headline="Added later")
    event.delete()
    url = reverse("admin:tracker_story_as_of", args=[story.pk])

    def snapshot(when):
        html = editor_client.get(url, {"when": when}).content.decode()
        return html.split('<div id="content-main">')[1]

    then = snapshot(moment.strftime("%Y-%m-%dT%H:%M"))
    assert "Title story" in then and "Headline event" in then and "it was necessary" in then
    assert "Retitled later" not in then and "Added later" not in then
    now = snapshot((timezone.now() + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"))
    assert "Retitled later" in now and "Added later" in now and "Headline event" not in now
    assert "did not exist yet" in snapshot("2001-01-01T00:00")
    assert "Enter a valid date/time" in snapshot("not a date")
