"""An editor follows a story's History button to its whole history, in a real browser."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ..people import PASSWORD, member_of, restore_groups
from ..quality import story_with_history
from .conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def story(site):
    restore_groups()  # the flush between transactional tests empties the groups
    member_of("Editors", "ed")
    return story_with_history()


def test_an_editor_reads_the_whole_history_of_a_story_from_its_history_button(page, site, story):
    event = story.events.live().chronological().first()
    page.goto(site + reverse("admin:login") + "?next=" + reverse("admin:tracker_story_change", args=[story.pk]))
    page.get_by_label("Username").fill("ed")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(rf"/admin/tracker/story/{story.pk}/change/$"))
    page.get_by_role("link", name="History", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/admin/tracker/story/{story.pk}/history/$"))
    page.get_by_role("link", name="The whole story's history: story, events, quotes and sources").click()
    expect(page).to_have_url(re.compile(rf"/admin/tracker/story/{story.pk}/whole-history/$"))
    expect(page.locator("h1")).to_contain_text(story.title)
    corrected = page.locator("tr.history-entry", has_text=event.headline).first
    expect(corrected).to_contain_text("changed")
    expect(corrected.locator("ins", has_text="(corrected)")).to_be_visible()
    expect(page.locator("tr.history-entry", has=page.locator("ins", has_text="(corrected)"))).to_have_count(2)
    screenshot(page, "story-whole-history")
