"""A reader leaves a developing story open while an editor publishes: a notice
says what is new without moving the page, the tab's title counts it, and
"Show" brings the story back with the new event marked."""

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tracker.history import editing
from tracker.models import Event, Status

from ..quality import story_with_history

pytestmark = pytest.mark.browser

POLL_SECONDS = 1  # the page polls every 30 s in production; the journey need not wait that long


@pytest.fixture
def story(site):
    return story_with_history()


def test_an_open_page_announces_a_published_event_and_shows_it_marked(page, site, story):
    with override_settings(LIVE_POLL_SECONDS=POLL_SECONDS):
        page.goto(site + story.get_absolute_url())
        page.wait_for_load_state("load")
        title = page.title()
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(300)
        scrolled = page.evaluate("window.scrollY")
        polled = []
        page.on("request", lambda request: "updates.json" in request.url and polled.append(request.url))
        page.wait_for_timeout(2500)
        assert polled, "the open page did not poll"
        expect(page.locator(".live-notice")).to_have_count(0)  # nothing new: nothing said

        last = story.events.live().chronological().last()
        with editing():
            added = Event.objects.create(
                story=story,
                slug="court-hears-petition",
                headline="Court hears the petition against the block",
                date=last.date,
                date_precision=last.date_precision,
                date_label=last.date_label,
                status=Status.PUBLISHED,
            )
            added.sources.set(last.sources.all())
        notice = page.locator(".live-notice")
        expect(notice).to_have_text("1 new update · Show", timeout=10_000)
        expect(notice).to_have_attribute("role", "status")
        assert page.title() == f"(1) {title}"
        assert page.evaluate("window.scrollY") == scrolled  # nothing moved under the reader's thumb
        expect(notice.get_by_role("link", name="Show")).to_be_in_viewport()

        notice.get_by_role("link", name="Show").click()
        page.wait_for_load_state("load")
        assert "since=" in page.url
        marked = page.locator(f'li[id="{added.anchor}"]')
        expect(marked).to_have_class(re.compile(r"\bis-new\b"))
        expect(marked.locator(".new-label")).to_contain_text("New since")
        expect(page.locator("li.event.is-new")).to_have_count(1)
