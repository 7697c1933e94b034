"""A reader follows a story by email on a phone, in a real browser."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from tracker.alert_models import Subscription

from ..quality import story_with_history
from .conftest import screenshot

pytestmark = pytest.mark.browser

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def story(site):
    return story_with_history()


def subscribe(page, address):
    form = page.locator("form.follow-form")
    form.get_by_label("Your email address").fill(address)
    form.get_by_label("Key events at once; other new and corrected events").select_option("daily")
    form.get_by_role("button", name="Follow by email").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    return page.locator("main").inner_text()


def fits(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than the screen"


@pytest.mark.parametrize("width", [360])
@pytest.mark.parametrize("where", ["story page", "follow page"])
def test_a_reader_subscribes_and_sees_the_same_neutral_answer(page, site, story, where):
    if where == "story page":
        address = site + story.get_absolute_url()
    else:
        address = site + reverse("alerts:follow", kwargs={"slug": story.slug})
    page.goto(address)
    form = page.locator("form.follow-form")
    form.scroll_into_view_if_needed()
    expect(form).to_be_visible()
    fits(page)
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()
    first = subscribe(page, "reader@example.org")
    screenshot(page, f"follow-answer-{where.replace(' ', '-')}")
    fits(page)
    assert "reader@example.org" not in page.content()

    # The same address again, and one that already follows: the very same answer.
    Subscription.objects.filter(email="reader@example.org").update(confirmed_at=story.published_at)
    page.goto(address)
    again = subscribe(page, "reader@example.org")
    page.goto(address)
    other = subscribe(page, "someone.new@example.org")
    assert first == again == other
    assert Subscription.objects.filter(story=story).count() == 2
