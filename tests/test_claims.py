"""Where a claim stands: an editor records that an event or a statement is
unverified, confirmed, disputed, denied or retracted, on whose word and since
when. Readers see it beside the corroboration mark, the changelog lists each
change, and the JSON export and the JSON-LD (a schema.org Claim) carry it."""

import datetime
import json
import re

import pytest
from django.urls import reverse

from tracker import changes
from tracker.history import editing
from tracker.models import ClaimStatus, Event, Quote, Status

from .admin_forms import form_data
from .conftest import make_event, make_quote, make_source, make_story

pytestmark = pytest.mark.django_db

CONFIRMED = {
    "claim_status": ClaimStatus.CONFIRMED,
    "claim_basis": "by the Interior Ministry in court",
    "claim_since": "2024-04-17",
}


@pytest.fixture
def event(db):
    wire = make_source("wire", headline="Wire", text="The ministry said “it was necessary” on Wednesday.")
    made = make_event(make_story(), "block", [wire], headline="X is blocked")
    make_quote(made, wire, slug="necessary")
    return made


def page(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def section(html, anchor):
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</li>", start)]


def words(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def json_ld(html):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def event_form(client, event):
    return client.get(reverse("admin:tracker_event_change", args=[event.pk]))


def post_event(client, event, **typed):
    data = form_data(event_form(client, event), submit="_publish", **typed)
    return client.post(reverse("admin:tracker_event_change", args=[event.pk]), data)


# --- the editor records it -----------------------------------------------------


def test_an_editor_confirms_an_event_on_its_form_and_readers_see_it_beside_the_corroboration_mark(
    client, editor_client, event
):
    response = post_event(editor_client, event, **CONFIRMED)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert (event.claim_status, event.claim_since) == ("confirmed", datetime.date(2024, 4, 17))
    assert event.claim_recorded_at is not None
    assert event.history.first().claim_status == "confirmed"  # the status is part of the event's record

    citations = section(page(client, event.story), event.anchor)
    line = words(citations[citations.index('<p class="citations">') :])
    assert line.startswith("Single source Confirmed by the Interior Ministry in court, since 17 April 2024")
    assert 'class="claim claim-confirmed"' in citations


def test_a_status_without_a_date_says_when_it_was_recorded_here(client, event):
    with editing():
        event.claim_status, event.claim_basis = ClaimStatus.DENIED, "by the ministry"
        event.save()
    shown = words(section(page(client, event.story), event.anchor))
    recorded = event.claim_recorded_at
    assert f"Denied by the ministry (recorded here {recorded.day} {recorded:%B %Y})" in shown


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"claim_status": "confirmed", "claim_basis": ""}, "claim_basis", "Say who confirmed it"),
        ({"claim_status": "", "claim_basis": "by the ministry"}, "claim_basis", "Choose a status first"),
        ({"claim_status": "", "claim_since": "2024-04-17"}, "claim_since", "choose the status too"),
        ({"claim_status": "doubted"}, "claim_status", "Select a valid choice"),
    ],
)
def test_an_inconsistent_status_is_refused_on_the_form_and_nothing_is_saved(
    editor_client, event, typed, field, message
):
    version = event.version
    response = post_event(editor_client, event, **typed)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    event.refresh_from_db()
    assert (event.version, event.claim_status) == (version, "")


def test_unverified_needs_no_basis(editor_client, event):
    response = post_event(editor_client, event, claim_status="unverified")
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.claim_line == "Unverified"


def test_a_statements_status_goes_on_its_first_wording_not_on_a_variant(event):
    first = event.quotes.get()
    variant = make_quote(event, first.source, slug="again", variant_of=first)
    variant.claim_status, variant.claim_basis = ClaimStatus.CONFIRMED, "by the court"
    with pytest.raises(Exception, match="first wording"):
        variant.full_clean()


def test_the_recorded_time_moves_only_when_the_status_changes(event):
    with editing():
        event.claim_status = ClaimStatus.UNVERIFIED
        event.save()
    stamped = event.claim_recorded_at
    with editing():
        event.headline = "X is blocked nationwide"
        event.save()
    assert Event.objects.get(pk=event.pk).claim_recorded_at == stamped
    with editing():
        event.claim_status, event.claim_basis = ClaimStatus.CONFIRMED, "by the ministry"
        event.save()
    assert Event.objects.get(pk=event.pk).claim_recorded_at > stamped
    with editing():
        event.claim_status = ""
        event.save()
    cleared = Event.objects.get(pk=event.pk)
    assert (cleared.claim_basis, cleared.claim_since, cleared.claim_recorded_at) == ("", None, None)


def test_the_database_refuses_a_status_outside_the_list(event):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(claim_status="rumoured")


# --- the changelog -------------------------------------------------------------------


def test_the_changelog_lists_each_change_of_status_with_the_old_and_new_words(client, event):
    with editing():
        event.claim_status = ClaimStatus.UNVERIFIED
        event.save()
    with editing():
        event.claim_status, event.claim_basis = ClaimStatus.CONFIRMED, "by the Interior Ministry in court"
        event.claim_since = datetime.date(2024, 4, 17)
        event.save()
    changes.catch_up(event.story)
    response = client.get(reverse("tracker:story_changes", kwargs={"slug": event.story.slug}))
    shown = words(response.content.decode())
    assert "Unverified" in shown
    assert "Confirmed by the Interior Ministry in court, since 17 April 2024" in shown
    recorded = [
        difference
        for change in event.story.changes.all()
        for difference in change.differences
        if "Status" in str(difference)
    ]
    assert len(recorded) == 2, recorded  # from nothing to unverified, then to confirmed


def test_a_draft_quotes_status_reaches_no_reader(client, event):
    draft = make_quote(event, event.quotes.get().source, slug="draft", status=Status.DRAFT, text="on Wednesday")
    with editing():
        draft.claim_status, draft.claim_basis = ClaimStatus.RETRACTED, "by the secret speaker"
        draft.save()
    changes.catch_up(event.story)
    story = event.story
    for address in (
        story.get_absolute_url(),
        reverse("tracker:story_changes", kwargs={"slug": story.slug}),
        reverse("tracker:story_json", kwargs={"slug": story.slug}),
        reverse("tracker:story_feed", kwargs={"slug": story.slug}),
    ):
        body = client.get(address).content.decode()
        assert "secret speaker" not in body and "Retracted" not in body, address


# --- the seed story, the export and the JSON-LD ----------------------------------------


def test_the_seed_story_shows_the_statuses_its_sources_establish(client, seed):
    html = page(client, seed)
    users = words(section(html, "event-users-report-x-access-problems"))
    assert (
        "Confirmed by the Interior Ministry in a written submission to the Islamabad High Court, since 17 April 2024"
        in users
    )
    directives = words(section(html, "event-interior-ministry-orders-x-closure"))
    assert "Single source Unverified: only one source reports the directives" in directives
    khan = html[html.index('id="quote-general-election-khan-military-behind-ouster"') :]
    khan = words(khan[: khan.index("</figure>")])
    assert "Denied by Pakistan’s military" in khan


def test_the_json_export_gives_each_event_and_statement_its_status(client, seed):
    data = client.get(reverse("tracker:story_json", kwargs={"slug": seed.slug})).json()
    events = {event["id"]: event for event in data["events"]}
    assert events["event-users-report-x-access-problems"]["claim"] == {
        "status": "confirmed",
        "on_whose_word": "by the Interior Ministry in a written submission to the Islamabad High Court",
        "since": "2024-04-17",
        "recorded_at": "2026-11-23T09:00:00+00:00",
        "summary": "Confirmed by the Interior Ministry in a written submission to the Islamabad High Court, "
        "since 17 April 2024",
    }
    assert events["event-general-election"]["claim"] is None
    statements = {statement["id"]: statement for statement in data["statements"]}
    assert statements["quote-general-election-khan-military-behind-ouster"]["claim"]["status"] == "denied"
    stated = [s["id"] for s in data["statements"] if s["claim"]]
    assert stated == ["quote-general-election-khan-military-behind-ouster"]


def test_the_json_ld_makes_each_event_a_claim_with_its_appearances_and_first_appearance(client, seed):
    data = json_ld(page(client, seed))
    works = {work["@id"]: work for work in data["citation"]}
    updates = {update["url"].rsplit("#", 1)[1]: update for update in data["liveBlogUpdate"]}
    users = updates["event-users-report-x-access-problems"]
    claim = users["about"]
    event = seed.events.get(slug="users-report-x-access-problems")
    assert claim["@type"] == "Claim" and claim["@id"] == f"{data['url']}#claim-e{event.pk}"
    assert [ref["@id"] for ref in claim["appearance"]] == users["citation"]
    dates = [works[ref["@id"]].get("datePublished") for ref in claim["appearance"]]
    first = works[claim["firstAppearance"]["@id"]]
    assert first["datePublished"] == min(date for date in dates if date)
    assert (claim["creativeWorkStatus"], claim["description"]) == (
        "Confirmed",
        "Confirmed by the Interior Ministry in a written submission to the Islamabad High Court, since 17 April 2024",
    )
    assert "creativeWorkStatus" not in updates["event-general-election"]["about"]


def test_the_wordings_of_one_statement_are_about_the_same_claim(client, seed):
    data = json_ld(page(client, seed))
    quotations = [part for update in data["liveBlogUpdate"] for part in update["hasPart"]]
    hostile = [
        q for q in quotations if q["@id"].split("#")[1].startswith("quote-ministry-confirms-block-in-court-hostile")
    ]
    assert len(hostile) == 2
    first, translation = hostile
    assert first["about"]["@type"] == "Claim"
    assert translation["about"] == {"@id": first["about"]["@id"]}
    assert {ref["@id"] for ref in first["about"]["appearance"]} == {q["isBasedOn"] for q in hostile}
    statuses = {q["about"].get("creativeWorkStatus") for q in quotations if "about" in q and "@type" in q["about"]}
    assert "Denied" in statuses
    # Every Claim a quotation names by @id is given whole on an earlier wording.
    given = {q["about"]["@id"] for q in quotations if "about" in q and "@type" in q["about"]}
    assert {q["about"]["@id"] for q in quotations if "about" in q} == given


def test_a_quotes_status_is_on_its_history_record(event):
    quote = event.quotes.get()
    with editing():
        quote.claim_status, quote.claim_basis = ClaimStatus.DISPUTED, "by the company"
        quote.save()
    assert Quote.history.filter(id=quote.pk).first().claim_status == "disputed"
