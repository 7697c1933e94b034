"""The admin pages editors use, at phone and desktop widths: no page wider than
the screen (a wide table may scroll inside its own box), no WCAG 2.1 AA
violations reported by axe-core, and a screenshot to look at."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from tracker.models import Quote, Source

from ..people import member_of, restore_groups
from ..quality import story_with_history
from .conftest import log_in, screenshot
from .test_pages import WCAG_21_AA

# axe-core re-inserts each @import-ed stylesheet as an inline <style> to read it
# (its CSSOM preload), which the Content-Security-Policy refuses: Django's
# forms.css imports widgets.css. The one rule that reads the CSSOM,
# css-orientation-lock, is checked by no_orientation_lock() instead.
AXE_OPTIONS = {**WCAG_21_AA, "preload": {"assets": ["media"]}}

ORIENTATION_QUERIES = """() => {
    const found = [];
    const walk = sheet => {
        for (const rule of sheet.cssRules) {
            if (rule.styleSheet) walk(rule.styleSheet);
            if (rule.media && /orientation/i.test(rule.media.mediaText)) found.push(rule.media.mediaText);
        }
    };
    for (const sheet of document.styleSheets) walk(sheet);
    return found;
}"""

pytestmark = pytest.mark.browser

PAGES = [
    "index",
    "story-list",
    "event-list",
    "source-list",
    "quote-list",
    "story-form",
    "event-form",
    "source-form",
    "quote-form",
    "event-history",
]


@pytest.fixture
def addresses(site):
    restore_groups()
    member_of("Editors", "ed")
    story = story_with_history()
    event = story.events.live().chronological().first()
    source = Source.objects.filter(events__story=story).order_by("pk").first()
    quote = Quote.objects.filter(event__story=story).order_by("pk").first()
    return {
        "index": reverse("admin:index"),
        **{
            f"{model}-list": reverse(f"admin:tracker_{model}_changelist")
            for model in ("story", "event", "source", "quote")
        },
        "story-form": reverse("admin:tracker_story_change", args=[story.pk]),
        "event-form": reverse("admin:tracker_event_change", args=[event.pk]),
        "source-form": reverse("admin:tracker_source_change", args=[source.pk]),
        "quote-form": reverse("admin:tracker_quote_change", args=[quote.pk]),
        "event-history": reverse("admin:tracker_event_history", args=[event.pk]),
    }


@pytest.mark.parametrize("name", PAGES)
def test_admin_page_is_accessible_and_fits_the_screen(page, site, addresses, name):
    log_in(page, site)
    response = page.goto(site + addresses[name])
    assert response.status == 200
    page.wait_for_load_state("load")
    screenshot(page, f"admin-{name}")
    results = Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, results.generate_report()
    assert page.evaluate(ORIENTATION_QUERIES) == [], "a stylesheet locks the screen's orientation"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the admin {name} page is {overflow}px wider than a {page.viewport_size['width']}px screen"


def test_wide_inline_tables_scroll_inside_their_own_box_on_a_phone(browser, site, addresses):
    """At 360px the story's table of events is wider than the screen; it scrolls
    within its box and the page itself does not."""
    context = browser.new_context(viewport={"width": 360, "height": 900})
    page = context.new_page()
    try:
        log_in(page, site)
        page.goto(site + addresses["story-form"])
        box = page.locator(".inline-group .tabular").first
        widths = box.evaluate("element => [element.scrollWidth, element.clientWidth]")
        assert widths[0] > widths[1], "the events table fits a phone screen: this test checks nothing"
        assert box.evaluate("element => getComputedStyle(element).overflowX") == "auto"
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    finally:
        context.close()
