"""A copy that does not say so: a source suspected of being based on another
is not independent confirmation, as a confirmed copy is not, and readers are
told it "appears to be based on" the other, with the editor's reason."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from tracker import changes, provenance
from tracker.models import Derivation, Quote, Source
from tracker.provenance import normalise_text
from tracker.public.story_page import cited_sources

from .admin_forms import form_data
from .conftest import make_event, make_quote, make_source, make_story

pytestmark = pytest.mark.django_db

TEXT = "The ministry said “it was necessary” on Wednesday."
REASON = "Follows the wire paragraph by paragraph and repeats its wording, without attribution."
WIRE = "reuters-wire-ministry-confirms-block"
BAN_REPORT = "x-ban-national-security-report-2024-04-18"


@pytest.fixture
def copies(db):
    """An original, a confirmed copy and a suspected one, and an independent report."""
    original = make_source("original", headline="Original wire", text=TEXT)
    confirmed = make_source("confirmed", headline="Credited copy", derived_from=original, text=TEXT)
    suspected = make_source(
        "suspected",
        headline="Uncredited copy",
        derived_from=original,
        derivation=Derivation.SUSPECTED,
        derivation_reason=REASON,
        text=TEXT,
    )
    other = make_source("other", headline="Own reporting", text=TEXT)
    return original, confirmed, suspected, other


def story_page(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def source_entry(html, source):
    start = html.index(f'<li id="source-{source.pk}">')
    return html[start : html.index("</li>", start)]


def event_html(html, event):
    start = html.index(f'id="{event.anchor}"')
    return html[start : html.index("</li>", start)]


# --- the rule ----------------------------------------------------------------------


def test_a_suspected_derivation_names_the_source_it_appears_to_be_based_on_and_why(copies):
    original = copies[0]
    cases = [
        ({"derivation": Derivation.SUSPECTED, "derivation_reason": REASON}, "derived_from"),
        ({"derivation": Derivation.SUSPECTED, "derived_from": original}, "derivation_reason"),
        ({"derivation": Derivation.SUSPECTED, "derived_from": original, "derivation_reason": " "}, "derivation_reason"),
        ({"derivation": Derivation.CONFIRMED, "derivation_reason": REASON}, "derivation_reason"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as refused:
            Source(slug="new", text=TEXT, **fields).full_clean()
        assert list(refused.value.message_dict) == [field], fields
    for fields in (
        {"derivation": Derivation.SUSPECTED, "derived_from": original, "derivation_reason": REASON},
        {"derivation": Derivation.CONFIRMED, "derived_from": original, "derivation_reason": REASON},
        {"derivation": Derivation.CONFIRMED, "derived_from": original},
        {},
    ):
        Source(slug="new", text=TEXT, **fields).full_clean()


def test_the_database_refuses_a_suspected_derivation_without_a_reason_or_an_unknown_kind(copies):
    original = copies[0]
    for fields in ({"derivation": Derivation.SUSPECTED}, {"derivation": "rumoured", "derivation_reason": REASON}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Source.objects.create(slug="new", text=TEXT, derived_from=original, **fields)


def test_confirmed_and_suspected_copies_alike_lead_back_to_their_original(copies):
    original, confirmed, suspected, other = copies
    roots = provenance.roots(cited_sources([s.pk for s in copies]))
    assert roots == {original.pk: original.pk, confirmed.pk: original.pk, suspected.pk: original.pk, other.pk: other.pk}
    assert provenance.independent_count(cited_sources([original.pk, suspected.pk])) == 1
    assert provenance.independent_count(cited_sources([confirmed.pk, suspected.pk])) == 1
    assert provenance.independent_count(cited_sources([suspected.pk, other.pk])) == 2


def test_an_event_reported_by_a_source_and_one_suspected_of_copying_it_rests_on_a_single_source(client, copies):
    original, confirmed, suspected, other = copies
    story = make_story()
    both = make_event(story, "both", [original, suspected])
    three = make_event(story, "three", [suspected, confirmed, other])
    first = make_quote(both, original, slug="first")
    make_quote(both, suspected, slug="second", variant_of=first)
    html = story_page(client, story)
    assert "Single source" in event_html(html, both)
    assert "Reported in 2 wordings by 2 sources (1 independent): compare them" in event_html(html, both)
    assert "2 independent sources" in event_html(html, three)


# --- what readers see ---------------------------------------------------------------


def test_readers_see_a_suspected_copy_as_appearing_to_be_based_on_its_original_with_the_reason(client, copies):
    original, confirmed, suspected, _ = copies
    story = make_story()
    event = make_event(story, "e", [original, confirmed, suspected])
    html = story_page(client, story)
    entry = source_entry(html, suspected)
    citation = re.search(rf'<a href="#source-{original.pk}">\[\d+\] Original wire</a>', html).group()
    assert f"appears to be based on {citation}" in entry and "derived from" not in entry
    assert f'<span class="derivation-reason">{REASON}</span>' in entry
    confirmed_entry = source_entry(html, confirmed)
    assert f"derived from {citation}" in confirmed_entry and "appears" not in confirmed_entry
    assert "derivation-reason" not in confirmed_entry
    reported_by = event_html(html, event).split('<p class="citations">')[1]
    assert "Uncredited copy</a> (appears to be based on another source)" in reported_by
    assert "Credited copy</a> (news report)" in reported_by


def test_a_suspected_copys_original_known_only_to_drafts_is_not_named(client, copies):
    original, _, suspected, _ = copies
    story = make_story()
    make_event(story, "e", [suspected])
    entry = source_entry(story_page(client, story), suspected)
    assert "appears to be based on a source not published here" in entry and "Original wire" not in entry
    assert REASON in entry
    page = client.get(suspected.get_absolute_url()).content.decode()
    assert "<dt>Appears to be based on</dt><dd>a source not published here" in page


def test_the_source_page_says_what_a_copy_appears_to_be_based_on_and_why(client, copies):
    original, confirmed, suspected, _ = copies
    make_event(make_story(), "e", [original, confirmed, suspected])
    page = client.get(suspected.get_absolute_url()).content.decode()
    link = f'<a href="{original.get_absolute_url()}">Original wire</a>'
    assert f"<dt>Appears to be based on</dt><dd>{link} (so not counted as independent of it). {REASON}</dd>" in page
    page = client.get(confirmed.get_absolute_url()).content.decode()
    assert f"<dt>Derived from</dt><dd>{link} (so not independent of it)</dd>" in page
    assert REASON not in page


def test_the_json_export_gives_how_each_copy_derives_and_why(client, copies):
    original, confirmed, suspected, other = copies
    story = make_story()
    make_event(story, "e", list(copies))
    data = json.loads(client.get(reverse("tracker:story_json", kwargs={"slug": story.slug})).content)
    fields = ("independent", "derived_from", "derivation", "derivation_reason")
    shown = {s["id"]: tuple(s[field] for field in fields) for s in data["sources"]}
    assert shown == {
        "original": (True, None, None, ""),
        "other": (True, None, None, ""),
        "confirmed": (False, "original", "confirmed", ""),
        "suspected": (False, "original", "suspected", REASON),
    }
    assert data["events"][0]["independent_sources"] == 2


# --- editors ---------------------------------------------------------------------------


def test_an_editor_marks_a_source_as_a_suspected_copy_in_the_admin_and_must_say_why(editor_client, copies):
    original, _, _, other = copies
    url = reverse("admin:tracker_source_change", args=[other.pk])
    data = form_data(editor_client.get(url), derived_from=original.pk, derivation="suspected", submit="_save")
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "Say why you suspect it is based on the other source" in response.content.decode()
    other.refresh_from_db()
    assert other.derived_from is None
    typed = {"derived_from": original.pk, "derivation": "suspected", "derivation_reason": REASON}
    data = form_data(editor_client.get(url), submit="_save", **typed)
    assert editor_client.post(url, data).status_code == 302
    other.refresh_from_db()
    assert (other.derived_from, other.derivation, other.derivation_reason) == (original, "suspected", REASON)
    latest = other.history.first()
    assert (latest.derivation, latest.derivation_reason) == ("suspected", REASON)


def test_a_cited_source_found_to_be_a_suspected_copy_is_a_correction_in_the_changelog(client, copies):
    original, _, _, other = copies
    story = make_story()
    make_event(story, "e", [original, other])
    changes.catch_up(story)
    other.derived_from, other.derivation, other.derivation_reason = original, Derivation.SUSPECTED, REASON
    other.save()
    changes.catch_up(story)
    correction = story.changes.first()
    assert (correction.action, correction.subject, correction.object_id) == ("corrected", "source", other.pk)
    (difference,) = correction.differences
    assert difference["label"] == "Derivation"
    assert difference["segments"] == [{"op": "insert", "text": f"Appears to be based on another source: {REASON}"}]
    html = client.get(reverse("tracker:story_changes", kwargs={"slug": story.slug})).content.decode()
    assert "<dt>Derivation</dt>" in html


# --- the seed ------------------------------------------------------------------------


def test_the_seeds_uncredited_report_is_suspected_of_copying_the_wire_on_the_evidence_of_its_text(seed):
    report = Source.objects.get(slug=BAN_REPORT)
    assert (report.derived_from.slug, report.derivation) == (WIRE, Derivation.SUSPECTED)
    assert "paragraph by paragraph" in report.derivation_reason and "without attribution" in report.derivation_reason
    assert "Reuters" not in report.text  # it says nothing of the wire itself
    passages = re.findall(r"“([^”]+)”", report.derivation_reason)
    assert passages
    for passage in passages:  # each passage the reason quotes is printed by both
        for source in (report, report.derived_from):
            assert normalise_text(passage) in normalise_text(source.text), (passage, source.slug)


def test_the_seeds_ministry_statement_rests_on_two_independent_sources_not_three(client, seed):
    first = Quote.objects.get(slug="failure-to-adhere")
    html = story_page(client, seed)
    section = event_html(html, first.event)
    assert "Reported in 4 wordings by 4 sources (2 independent): compare them" in section
    assert "2 independent sources" in section.split('<p class="citations">')[1]
    # Raised by the wire, its translation and the report that appears to copy it: one original.
    concerns = seed.events.get(slug="rights-groups-advertisers-raise-concerns")
    assert concerns.sources.count() == 3
    assert "Single source" in event_html(html, concerns)
