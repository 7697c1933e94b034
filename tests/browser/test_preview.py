"""An editor previews a draft event from its change form, in a real browser:
the story page with the draft in place and marked, under the strict CSP."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from tracker.models import DatePrecision, Event, Status

from ..people import member_of, restore_groups
from ..quality import story_with_history
from .conftest import log_in, screenshot
from .test_pages import WCAG_21_AA

pytestmark = pytest.mark.browser

HEADLINE = "Ministry drafts a second order"


@pytest.fixture
def draft_event(site):
    restore_groups()
    member_of("Editors", "ed")
    story = story_with_history()
    published = story.events.live().chronological().first()
    event = Event.objects.create(
        story=story,
        slug="second-order",
        headline=HEADLINE,
        description="Not yet confirmed by a second source.",
        date=published.date,
        date_precision=DatePrecision.DAY,
        status=Status.DRAFT,
    )
    event.sources.set(published.sources.all())
    return event


def test_an_editor_previews_a_draft_event_from_its_change_form(page, site, draft_event):
    story = draft_event.story
    log_in(page, site)
    page.goto(site + reverse("admin:tracker_event_change", args=[draft_event.pk]))
    page.locator(".object-tools").get_by_role("link", name="Preview", exact=True).click()

    preview = reverse("admin:tracker_story_preview", args=[story.pk])
    expect(page).to_have_url(re.compile(rf"{re.escape(preview)}#{draft_event.anchor}$"))
    expect(page.locator(".preview-banner")).to_contain_text("Preview — not public. Drafts are marked.")
    expect(page.locator(".preview-banner")).to_contain_text("Story status: Published")
    draft = page.locator(f'li[id="{draft_event.anchor}"]')
    expect(draft).to_have_class(re.compile(r"\bis-draft\b"))
    expect(draft.locator(".draft-label")).to_have_text("Draft — not yet public")
    expect(draft.locator(".draft-label")).to_be_visible()
    expect(draft).to_contain_text(HEADLINE)
    # The published events are there, unmarked.
    published = page.locator("li.event:not(.is-draft)")
    expect(published).to_have_count(story.events.live().count())
    expect(published.locator(".draft-label")).to_have_count(0)
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex"
    page.wait_for_load_state("load")
    screenshot(page, "story-preview")
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()

    # Readers see none of it.
    response = page.goto(site + story.get_absolute_url())
    assert response.status == 200
    expect(page.locator("h1")).to_contain_text(story.title)
    expect(page.get_by_text(HEADLINE)).to_have_count(0)
    expect(page.locator(".draft-label, .preview-banner")).to_have_count(0)
