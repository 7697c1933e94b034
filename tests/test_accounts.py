"""Accounts of a disagreement: each source's version of a disputed detail,
with its citation, under the event. Readers see them as a table under the
event, the JSON export and the feeds carry them, and every change to one is a
change of its event: in its history, on its version and in the changelog."""

import json
import re

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tracker import changes
from tracker.history import editing
from tracker.locking import StaleEdit
from tracker.models import Account, Event, Source, Status
from tracker.provenance import normalise_text

from .admin_forms import add_row, confirm_delete, form_data
from .conftest import FIXTURES, make_event, make_source, make_story
from .people import member_of

pytestmark = pytest.mark.django_db

WIRE = "reuters-wire-ministry-confirms-block"
TRANSLATION = "jakarta-machine-translation-ministry-confirms-block"
TARAR = "tarar-voa-interview-security-concerns"
BAN_REPORT = "x-ban-national-security-report-2024-04-18"
X_REPORT = "x-first-statement-report-2024-04-18"
SINCE_17_FEBRUARY = "When the block began: Since 17 February (Report)"  # as the event records it


def account(event, says, sources, detail="When the block began", **fields):
    """An account made as one edit, as the event's form makes it."""
    with editing():
        made = Account.objects.create(event=event, detail=detail, says=says, **fields)
        made.sources.set(sources)
    return made


def story_page(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def event_html(html, event):
    start = html.index(f'id="{event.anchor}"')
    return html[start : html.index("</li>", start)]


def table_of(section):
    """The accounts table of an event's section: its caption and its rows' cells, as text."""
    table = section[section.index('<table class="accounts">') : section.index("</table>")]
    caption = re.search(r"<caption>(.*?)</caption>", table).group(1)
    body = table[table.index("<tbody>") :]
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    return caption, rows


def source_numbers(html):
    """{source pk: its number on the page}, from the sources list."""
    return {int(pk): int(n) for pk, n in re.findall(r'href="#source-(\d+)">\[(\d+)\]', html)}


@pytest.fixture
def disputed(db):
    """A published event citing two sources that disagree about when the block began."""
    wire = make_source("wire", headline="Wire", text="It was blocked “since mid-February”.")
    report = make_source("report", headline="Report", text="It was suspended “since February 17”.")
    event = make_event(make_story(), "block", [wire, report], disagreement="The wire dates only the problems.")
    return event, wire, report


def changelog(client, story):
    response = client.get(reverse("tracker:story_changes", kwargs={"slug": story.slug}))
    assert response.status_code == 200
    return response.content.decode()


def story_changes(story):
    changes.catch_up(story)
    return list(story.changes.all())


# --- the model ---------------------------------------------------------------------


def test_an_accounts_slug_is_made_from_its_version_and_kept_unique_within_its_event(disputed):
    event, wire, report = disputed
    first = account(event, "Since mid-February", [wire])
    second = account(event, "Since mid-February", [report])
    assert (first.slug, second.slug) == ("since-mid-february", "since-mid-february-2")
    assert first.natural_key() == (event.story.slug, event.slug, "since-mid-february")
    assert Account.objects.get_by_natural_key(*first.natural_key()) == first


def test_an_account_needs_a_detail_and_a_version_in_the_database(disputed):
    event, wire, _ = disputed
    for fields in ({"detail": "", "says": "Since 17 February"}, {"detail": "When it began", "says": ""}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Account.objects.create(event=event, slug="x", **fields)


def test_accounts_are_listed_by_position_then_in_the_order_added(client, disputed):
    event, wire, report = disputed
    account(event, "Added first, placed last", [wire], position=2)
    account(event, "Added second, placed first", [report], position=1)
    account(event, "Added third, placed first too", [wire], position=1)
    _, rows = table_of(event_html(story_page(client, event.story), event))
    assert [row[1] for row in rows] == [
        "Added second, placed first",
        "Added third, placed first too",
        "Added first, placed last",
    ]


# --- what readers see ------------------------------------------------------------------


def test_readers_see_a_table_of_the_accounts_under_the_event_with_each_ones_citations(client, disputed):
    event, wire, report = disputed
    account(event, "Since mid-February", [wire], position=1)
    account(event, "Since 17 February", [report, wire], position=2)
    html = story_page(client, event.story)
    section = event_html(html, event)
    caption, rows = table_of(section)
    assert caption == "Sources disagree — 2 accounts"
    numbers = source_numbers(html)
    citation = {s: f'<a href="#source-{s.pk}">[{numbers[s.pk]}] {s.headline}</a>' for s in (wire, report)}
    in_order = "; ".join(citation[s] for s in sorted(citation, key=lambda s: numbers[s.pk]))
    assert rows == [
        ["When the block began", "Since mid-February", citation[wire]],
        ["When the block began", "Since 17 February", in_order],
    ]
    # The editor's note stays, as commentary under the table.
    assert section.index("</table>") < section.index("The wire dates only the problems.")
    assert "<strong>Sources disagree.</strong>" not in section


def test_one_account_is_captioned_in_the_singular(client, disputed):
    event, wire, _ = disputed
    account(event, "Since mid-February", [wire])
    caption, _ = table_of(event_html(story_page(client, event.story), event))
    assert caption == "Sources disagree — 1 account"


def test_an_event_with_a_note_and_no_accounts_shows_the_note_alone(client, disputed):
    event, _, _ = disputed
    section = event_html(story_page(client, event.story), event)
    assert '<table class="accounts">' not in section
    assert "<strong>Sources disagree.</strong> The wire dates only the problems." in section


def test_an_account_citing_no_source_is_not_shown(client, disputed):
    event, wire, _ = disputed
    account(event, "UNSOURCED version", [])
    section = event_html(story_page(client, event.story), event)
    assert "UNSOURCED" not in section and '<table class="accounts">' not in section
    assert "UNSOURCED" not in json.dumps(export(client, event.story))


def test_a_source_only_an_account_cites_is_listed_numbered_and_public(client, disputed):
    event, wire, _ = disputed
    interview = make_source("interview", headline="Minister's interview", text="During the election period.")
    assert not Source.objects.published().filter(pk=interview.pk).exists()
    account(event, "During the election period", [interview])
    assert Source.objects.published().filter(pk=interview.pk).exists()
    html = story_page(client, event.story)
    number = source_numbers(html)[interview.pk]
    assert f'<a href="#source-{interview.pk}">[{number}] Minister&#39;s interview</a>' in event_html(html, event)
    assert f'<li id="source-{interview.pk}">' in html
    # Not cited by the event itself: the independent count and "Reported by" are the event's.
    citations = event_html(html, event).split('<p class="citations">')[1]
    assert f"#source-{interview.pk}" not in citations and "2 independent sources" in citations
    source_page = client.get(interview.get_absolute_url())
    assert source_page.status_code == 200
    assert event.headline in source_page.content.decode()  # "Cited for"


def test_a_draft_events_accounts_are_not_shown_nor_their_sources_published(client, disputed):
    event, wire, _ = disputed
    secret = make_source("secret", headline="SECRET source", text="Known only to a draft.")
    draft = make_event(event.story, "draft", [wire], status=Status.DRAFT, headline="SECRET draft")
    account(draft, "SECRET version", [secret])
    html = story_page(client, event.story)
    assert "SECRET" not in html
    assert not Source.objects.published().filter(pk=secret.pk).exists()
    assert client.get(secret.get_absolute_url()).status_code == 404
    assert "SECRET" not in json.dumps(export(client, event.story))


def test_the_story_page_loads_every_events_accounts_in_one_query(client, disputed):
    """The same queries for one event with accounts as for twenty, and as for none."""
    event, wire, report = disputed
    counts = []
    for many in (0, 1, 20):
        story = make_story(f"s{many}")
        for n in range(max(many, 1)):
            shown = make_event(story, f"e{n}", [wire, report])
            if many:
                account(shown, f"Version {n}", [wire])
                account(shown, f"Other version {n}", [report, wire])
        cache.clear()  # rendered, not served from the page cache
        with CaptureQueriesContext(connection) as queries:
            html = Client().get(story.get_absolute_url()).content.decode()
        counts.append(len(queries))
        assert html.count('<table class="accounts">') == many
    assert 0 < counts[0] == counts[1] == counts[2], counts


# --- the export and the feeds --------------------------------------------------------


def export(client, story):
    response = client.get(reverse("tracker:story_json", kwargs={"slug": story.slug}))
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_json_export_gives_each_event_its_accounts_with_their_sources_by_slug(client, disputed):
    event, wire, report = disputed
    interview = make_source("interview", text="During the election period.")
    account(event, "Since mid-February", [wire], position=1)
    account(event, "Since 17 February", [report, interview], position=2)
    quiet = make_event(event.story, "quiet", [wire])
    data = export(client, event.story)
    events = {e["id"]: e for e in data["events"]}
    assert events[event.anchor]["accounts"] == [
        {"detail": "When the block began", "version": "Since mid-February", "sources": ["wire"]},
        {"detail": "When the block began", "version": "Since 17 February", "sources": ["interview", "report"]},
    ]
    assert events[quiet.anchor]["accounts"] == []
    assert events[event.anchor]["disagreement"] == "The wire dates only the problems."
    assert "interview" in {source["id"] for source in data["sources"]}  # every source the page cites
    assert events[event.anchor]["sources"] == ["report", "wire"]  # the event's own are unchanged


def test_the_feed_and_the_timeline_carry_the_accounts(client, disputed):
    event, wire, report = disputed
    account(event, "Since 17 February", [report])
    feed = client.get(reverse("tracker:story_feed", kwargs={"slug": event.story.slug})).content.decode()
    assert "When the block began: Since 17 February (Report)" in feed
    timeline = client.get(reverse("tracker:story_timeline", kwargs={"slug": event.story.slug}))
    (slide,) = json.loads(timeline.content)["events"]
    assert "<li>When the block began: Since 17 February (Report)</li>" in slide["text"]["text"]
    assert "<p>Note: The wire dates only the problems.</p>" in slide["text"]["text"]


# --- history: a change of an account is a change of its event -----------------------------


def event_page(client, event):
    return client.get(reverse("admin:tracker_event_change", args=[event.pk]))


def test_an_account_added_on_the_events_form_completes_the_events_one_record(editor_client, editor, disputed):
    event, wire, report = disputed
    records, version = event.history.count(), event.version
    data = form_data(event_page(editor_client, event), submit="_publish")
    add_row(data, "accounts", detail="When the block began", says="Since 17 February", sources=[report.pk])
    response = editor_client.post(reverse("admin:tracker_event_change", args=[event.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert event.history.count() == records + 1 and event.version == version + 1
    latest = event.history.first()
    assert latest.accounts_text == event.accounts_text == "When the block began: Since 17 February (Report)"
    (added,) = event.accounts.all()
    assert (added.says, list(added.sources.all()), added.slug) == ("Since 17 February", [report], "since-17-february")
    assert added.history.get().history_user == editor
    assert [row.source_id for row in added.history.get().sources.all()] == [report.pk]


def test_changing_only_an_account_on_the_events_form_is_one_new_version_of_the_event(editor_client, disputed):
    event, wire, report = disputed
    made = account(event, "Since mid-February", [wire])
    event.refresh_from_db()
    records, version, own = event.history.count(), event.version, made.version
    page = event_page(editor_client, event)
    data = form_data(page, submit="_publish", **{"accounts-0-says": "Since 15 February"})
    response = editor_client.post(reverse("admin:tracker_event_change", args=[event.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert (event.history.count(), event.version) == (records + 1, version + 1)
    new, old = event.history.all()[:2]
    assert [change.field for change in new.diff_against(old).changes] == ["accounts_text"]
    made.refresh_from_db()
    assert made.says == "Since 15 February" and made.version == own + 1
    assert made.history.count() == 3  # created, given its source, corrected: one record each


def test_the_events_sources_and_an_accounts_saved_on_one_form_each_complete_their_own_record(editor_client, disputed):
    """Both are links kept in history; each save's links belong to that object's record alone."""
    event, wire, report = disputed
    made = account(event, "Since mid-February", [wire])
    interview = make_source("interview", headline="Interview", text="During the election period.")
    event.refresh_from_db()
    records, own = event.history.count(), made.history.count()
    typed = {"sources": [wire.pk, report.pk, interview.pk], "accounts-0-sources": [wire.pk, interview.pk]}
    data = form_data(event_page(editor_client, event), submit="_publish", **typed)
    response = editor_client.post(reverse("admin:tracker_event_change", args=[event.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert (event.history.count(), made.history.count()) == (records + 1, own + 1)
    record, kept = event.history.first(), made.history.first()
    assert {row.source_id for row in record.sources.all()} == {wire.pk, report.pk, interview.pk}
    assert {row.source_id for row in kept.sources.all()} == {wire.pk, interview.pk}
    assert record.accounts_text == "When the block began: Since mid-February (Interview; Wire)"


def test_an_account_deleted_on_the_events_form_is_gone_from_the_event_and_its_record(editor_client, disputed):
    event, wire, report = disputed
    account(event, "Since mid-February", [wire])
    kept = account(event, "Since 17 February", [report])
    event.refresh_from_db()
    records = event.history.count()
    data = form_data(event_page(editor_client, event), submit="_publish", **{"accounts-0-DELETE": True})
    response = editor_client.post(reverse("admin:tracker_event_change", args=[event.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(event.accounts.all()) == [kept]
    event.refresh_from_db()
    assert event.history.count() == records + 1
    assert event.accounts_text == event.history.first().accounts_text == SINCE_17_FEBRUARY


def test_an_account_changed_on_its_own_makes_a_new_version_and_record_of_its_event(disputed):
    event, wire, report = disputed
    made = account(event, "Since mid-February", [wire])
    event.refresh_from_db()
    records, version = event.history.count(), event.version
    made.says = "Since 17 February"
    made.save()
    assert made.event.version == version + 1  # the caller's copy of the event follows
    event.refresh_from_db()
    assert (event.history.count(), event.version) == (records + 1, version + 1)
    assert event.history.first().accounts_text == "When the block began: Since 17 February (Wire)"
    with editing():  # sources changed from the source's side, in one edit
        report.accounts.add(made)
        made.sources.remove(wire)
    event.refresh_from_db()
    assert (event.history.count(), event.version) == (records + 2, version + 2)
    assert event.accounts_text == event.history.first().accounts_text == SINCE_17_FEBRUARY


def test_a_save_of_a_stale_copy_of_the_event_after_an_account_change_is_refused(disputed):
    event, wire, _ = disputed
    stale = Event.objects.get(pk=event.pk)
    account(event, "Since mid-February", [wire])
    stale.headline = "An edit based on the version before the account"
    with pytest.raises(StaleEdit):
        stale.save()


def test_deleting_an_account_is_recorded_on_its_event_and_deleting_the_event_records_nothing_more(disputed):
    event, wire, report = disputed
    first = account(event, "Since mid-February", [wire])
    account(event, "Since 17 February", [report])
    records = event.history.count()
    first.delete()
    assert event.history.count() == records + 1
    assert event.history.first().accounts_text == "When the block began: Since 17 February (Report)"
    Event.objects.get(pk=event.pk).delete()
    assert [r.history_type for r in event.history.all()[:2]] == ["-", "~"]
    assert event.history.count() == records + 2


def test_deleting_a_source_an_account_cites_is_recorded_on_the_account_and_its_event(disputed):
    event, wire, report = disputed
    interview = make_source("interview", headline="Interview", text="During the election period.")
    made = account(event, "During the election period", [interview, report])
    records = event.history.count()
    interview.delete()
    made.refresh_from_db()
    assert list(made.sources.all()) == [report]
    assert made.history.first().history_change_reason == "Source deleted: Interview"
    assert [row.source_id for row in made.history.first().sources.all()] == [report.pk]
    event.refresh_from_db()
    assert event.history.count() == records + 1
    assert event.accounts_text == "When the block began: During the election period (Report)"


def test_a_revert_keeps_the_accounts_as_they_stand(editor_client, disputed):
    event, wire, report = disputed
    old = event.history.first()
    account(event, "Since 17 February", [report])
    revert = reverse("admin:tracker_event_simple_history", args=[event.pk, old.history_id])
    response = editor_client.post(revert, form_data(editor_client.get(revert)))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.accounts_text == event.history.first().accounts_text == SINCE_17_FEBRUARY


# --- the changelog ---------------------------------------------------------------------


def test_an_account_added_to_a_published_event_is_a_correction_in_the_changelog(client, editor_client, disputed):
    event, wire, report = disputed
    data = form_data(event_page(editor_client, event), submit="_publish")
    add_row(data, "accounts", detail="When the block began", says="Since 17 February", sources=[report.pk])
    assert editor_client.post(reverse("admin:tracker_event_change", args=[event.pk]), data).status_code == 302
    found = story_changes(event.story)
    assert [(c.action, c.subject) for c in found[:1]] == [("corrected", "event")]
    (difference,) = found[0].differences
    assert difference["label"] == "Sources' accounts"
    assert difference["segments"] == [{"op": "insert", "text": "When the block began: Since 17 February (Report)"}]
    assert "<dt>Sources&#39; accounts</dt>" in changelog(client, event.story)


def test_an_account_corrected_on_its_own_shows_the_changed_words_in_the_changelog(client, disputed):
    event, wire, report = disputed
    made = account(event, "Since mid-February", [wire])
    story_changes(event.story)  # what came before, recorded
    made.says = "Since mid-January"
    made.save()
    correction = story_changes(event.story)[0]
    assert (correction.action, correction.subject, correction.object_id) == ("corrected", "event", event.pk)
    (difference,) = correction.differences
    assert difference["label"] == "Sources' accounts"
    assert {"op": "delete", "text": "mid-February"} in difference["segments"]
    assert {"op": "insert", "text": "mid-January"} in difference["segments"]
    html = changelog(client, event.story)
    assert "<del>mid-February</del><ins>mid-January</ins>" in html


def test_accounts_of_a_draft_event_never_reach_the_changelog(client, disputed):
    event, wire, _ = disputed
    draft = make_event(event.story, "draft", [wire], status=Status.DRAFT)
    made = account(draft, "SECRET version", [wire])
    made.says = "SECRET second version"
    made.save()
    assert "SECRET" not in changelog(client, event.story)


# --- the page cache -----------------------------------------------------------------


def test_an_account_changed_on_its_own_is_on_the_next_page_served(disputed, django_capture_on_commit_callbacks):
    event, wire, _ = disputed
    made = account(event, "Since mid-February", [wire])
    url = event.story.get_absolute_url()
    assert "Since mid-February" in Client().get(url).content.decode()
    with CaptureQueriesContext(connection) as queries:
        Client().get(url)
    assert len(queries) == 0  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):  # the change commits
        made.says = "Since mid-January"
        made.save()
    assert "Since mid-January" in Client().get(url).content.decode()


# --- the admin: who may change accounts, and deleting their sources --------------------------------


def test_a_reporter_may_add_accounts_to_a_draft_event_but_not_change_a_published_ones(client, disputed):
    event, wire, report = disputed
    made = account(event, "Since mid-February", [wire])
    client.force_login(member_of("Reporters", "rory"))
    url = reverse("admin:tracker_event_change", args=[event.pk])
    page = client.get(url)
    assert 'name="accounts-0-says"' not in page.content.decode()  # read-only, as the event is
    data = form_data(page, submit=None)
    data.update({"accounts-TOTAL_FORMS": "1", "accounts-INITIAL_FORMS": "1", "accounts-0-id": str(made.pk)})
    data.update({"accounts-0-says": "CHANGED", "accounts-0-detail": made.detail, "accounts-0-sources": str(wire.pk)})
    assert client.post(url, data).status_code == 403
    made.refresh_from_db()
    assert made.says == "Since mid-February"

    draft = make_event(event.story, "draft", [wire], status=Status.DRAFT)
    url = reverse("admin:tracker_event_change", args=[draft.pk])
    data = form_data(client.get(url), submit="_save_draft")
    add_row(data, "accounts", detail="When the block began", says="Since 17 February", sources=[report.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(draft.accounts.values_list("says", flat=True)) == ["Since 17 February"]


def test_an_account_row_saved_from_a_stale_copy_is_refused(editor_client, disputed):
    event, wire, _ = disputed
    made = account(event, "Since mid-February", [wire])
    url = reverse("admin:tracker_event_change", args=[event.pk])
    data = form_data(event_page(editor_client, event), submit="_publish", **{"accounts-0-says": "Mine"})
    made.says = "Theirs, saved meanwhile"
    made.save()
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "was changed" in response.content.decode() and "while you were editing it" in response.content.decode()
    made.refresh_from_db()
    assert made.says == "Theirs, saved meanwhile"


def test_a_reporter_may_not_change_a_source_that_only_an_account_of_a_published_event_cites(client, disputed):
    event, wire, _ = disputed
    interview = make_source("interview", headline="Interview", text="During the election period.")
    client.force_login(member_of("Reporters", "rory"))
    url = reverse("admin:tracker_source_change", args=[interview.pk])
    assert 'name="headline"' in client.get(url).content.decode()  # cited by nothing public yet
    account(event, "During the election period", [interview])
    assert 'name="headline"' not in client.get(url).content.decode()
    assert client.post(url, {"headline": "Changed", "slug": "interview", "text": "Changed."}).status_code == 403
    interview.refresh_from_db()
    assert interview.headline == "Interview"


def test_a_source_cannot_be_deleted_while_an_account_cites_no_other(editor_client, disputed):
    event, wire, _ = disputed
    interview = make_source("interview", headline="Interview", text="During the election period.")
    account(event, "During the election period", [interview])
    other = account(event, "Around the election", [interview, wire])
    url = reverse("admin:tracker_source_delete", args=[interview.pk])
    page = editor_client.get(url).content.decode()
    assert "cannot be deleted" in page and "During the election period" in page and "cites no other source" in page
    assert "Around the election" not in page
    assert editor_client.post(url, {"post": "yes", "version": interview.version}).status_code == 200
    assert Source.objects.filter(pk=interview.pk).exists()

    Account.objects.get(says="During the election period").sources.add(wire)  # attributed elsewhere, it may go
    assert confirm_delete(editor_client, url).status_code == 302
    assert not Source.objects.filter(pk=interview.pk).exists()
    assert list(other.sources.all()) == [wire]


# --- the seed story ------------------------------------------------------------------------


def versions_of(seed, slug):
    event = seed.events.get(slug=slug)
    return [
        (a.detail, a.says, sorted(s.slug for s in a.sources.all())) for a in event.accounts.prefetch_related("sources")
    ]


def test_the_seed_tells_when_the_block_began_in_three_accounts(seed):
    assert versions_of(seed, "users-report-x-access-problems") == [
        ("When the block began", "Around or since the 8 February election", sorted([TARAR, WIRE, TRANSLATION])),
        (
            "When the block began",
            "Since mid-February, when users began reporting problems",
            sorted([WIRE, BAN_REPORT, TRANSLATION]),
        ),
        ("When the block began", "Since 17 February", [X_REPORT]),
    ]


def test_the_seed_tells_which_court_ordered_reconsideration_in_three_accounts(seed):
    (wire, translation, report) = versions_of(seed, "court-orders-reconsideration")
    assert ("Another court" in wire[1], wire[2]) == (True, [WIRE])
    assert ("Another trial" in translation[1], translation[2]) == (True, [TRANSLATION])
    assert ("Sindh High Court" in report[1] and "revoke its letter" in report[1], report[2]) == (True, [X_REPORT])
    assert {detail for detail, _, _ in (wire, translation, report)} == {"Which court, and what it ordered"}


def test_every_passage_an_account_quotes_is_printed_by_each_source_it_cites(seed):
    quoted = 0
    for made in Account.objects.prefetch_related("sources"):
        for passage in re.findall(r"“([^”]+)”", made.says):
            quoted += 1
            for source in made.sources.all():
                printed = normalise_text(source.text).casefold()
                assert normalise_text(passage).casefold() in printed, (made.slug, source.slug)
    assert quoted >= 5


def test_each_account_of_when_the_block_began_is_what_its_sources_say(seed):
    says = {
        "around-the-8-february-election": r"(?i)election",
        "since-mid-february": r"since mid-February",
        "since-17-february": r"since February 17",
    }
    for made in seed.events.get(slug="users-report-x-access-problems").accounts.prefetch_related("sources"):
        for source in made.sources.all():
            assert re.search(says[made.slug], normalise_text(source.text)), (made.slug, source.slug)


def test_the_seeds_notes_keep_only_commentary_beside_the_accounts(client, seed):
    for slug in ("users-report-x-access-problems", "court-orders-reconsideration"):
        event = seed.events.get(slug=slug)
        assert event.accounts.count() == 3
        assert "Sindh High Court" not in event.disagreement and "17 February" not in event.disagreement, slug
    html = story_page(client, seed)
    for slug in ("users-report-x-access-problems", "court-orders-reconsideration"):
        caption, rows = table_of(event_html(html, seed.events.get(slug=slug)))
        assert caption == "Sources disagree — 3 accounts" and len(rows) == 3


def test_the_seeds_events_record_their_accounts_when_loaded(seed):
    event = seed.events.get(slug="court-orders-reconsideration")
    assert event.history.get().accounts_text == event.accounts_text
    assert event.accounts_text.splitlines()[2].startswith("Which court, and what it ordered: The Sindh High Court")


def test_reloading_the_seed_over_an_editors_change_to_an_account_is_refused(seed, editor):
    made = Account.objects.get(slug="since-17-february")
    made._history_user = editor
    made.says = "Since 18 February"
    made.save()
    with pytest.raises(CommandError, match=r"overwrite editorial changes.*since-17-february.*says.*edna"):
        call_command("loaddata", *FIXTURES, verbosity=0)
    made.refresh_from_db()
    assert made.says == "Since 18 February"
    call_command("loaddata", *FIXTURES, "--overwrite", verbosity=0)
    made.refresh_from_db()
    event = made.event
    assert made.says == "Since 17 February"
    assert event.accounts_text == event.history.first().accounts_text
    assert "Since 17 February (Untitled news report, 18 April 2024)" in event.accounts_text
