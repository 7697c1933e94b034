"""An editor records where claims stand, in a real browser: an event confirmed
and a statement disputed on the event's form, one slip (no "on whose word")
refused with the typing kept, then what readers see on the story page and in
its changelog. Every page shown is audited by axe-core (WCAG 2.1 AA) and for
width; the findings are asserted last."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tracker.models import Quote

from ..people import member_of
from .admin_steps import another_desk, assert_accessible, assert_clean, form_errors, log_in, messages, press

pytestmark = pytest.mark.browser

BASIS = "by the Interior Ministry in a written submission to the Islamabad High Court"
DISPUTED = "by X, which says it continues to engage with the government"


def test_an_editor_confirms_an_event_and_disputes_a_statement_and_readers_see_both(page, site, browser, story, desk):
    member_of("Editors", "edna")
    event = story.events.get(slug="ministry-confirms-block-in-court")
    reluctant = Quote.objects.get(event=event, slug="x-reluctant")
    records = event.history.count()

    log_in(page, desk, "edna", next_url=reverse("admin:tracker_event_change", args=[event.pk]))
    page.select_option("#id_claim_status", "confirmed")
    desk.type(page.locator("#id_claim_since"), "2024-04-17")
    row = page.eval_on_selector_all(
        "textarea[id^='id_quotes-'][id$='-text']",
        "(fields, words) => fields.find(field => field.value === words).id.split('-')[1]",
        reluctant.text,
    )
    page.select_option(f"#id_quotes-{row}-claim_status", "disputed")
    desk.type(page.locator(f"#id_quotes-{row}-claim_basis"), DISPUTED)
    press(page, "Publish changes")

    # The event's "on whose word" was left empty: refused, and nothing typed is lost.
    assert desk.server_errors == []
    assert any("Say who confirmed it" in error for error in form_errors(page)), form_errors(page)
    expect(page.locator("#id_claim_status")).to_have_value("confirmed")
    expect(page.locator("#id_claim_since")).to_have_value("2024-04-17")
    expect(page.locator(f"#id_quotes-{row}-claim_basis")).to_have_value(DISPUTED)
    event.refresh_from_db()
    assert event.claim_status == "" and event.history.count() == records
    desk.audit(page, "event form, a status refused")

    desk.type(page.locator("#id_claim_basis"), BASIS)
    press(page, "Publish changes")
    assert_clean(desk, page)
    assert "Published." in messages(page)
    event.refresh_from_db()
    reluctant.refresh_from_db()
    assert (event.claim_status, event.claim_basis, event.claim_since) == (
        "confirmed",
        BASIS,
        datetime.date(2024, 4, 17),
    )
    assert (reluctant.claim_status, reluctant.claim_basis) == ("disputed", DISPUTED)
    assert event.history.first().history_user.username == "edna"

    with another_desk(browser, site, "reader") as reader:
        public = reader.page()
        public.goto(site + story.get_absolute_url())
        item = public.locator(f'li[id="{event.anchor}"]')
        expect(item.locator(".citations .claim")).to_have_text(f"Confirmed {BASIS}, since 17 April 2024")
        quote = public.locator(f'figure[id="{reluctant.anchor}"] .claim')
        expect(quote).to_contain_text(f"Disputed {DISPUTED}")
        reader.audit(public, "story page with statuses")

        public.goto(site + reverse("tracker:story_changes", kwargs={"slug": story.slug}))
        latest = public.locator("main").first
        expect(latest).to_contain_text(f"Confirmed {BASIS}, since 17 April 2024")
        expect(latest).to_contain_text(f"Disputed {DISPUTED}")
        reader.audit(public, "changelog with the statuses")

    assert_accessible(desk, reader)
