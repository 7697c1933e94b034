"""A reader searches, in a real browser at phone and desktop widths: a quote's
words typed into the header's search, a speaker, and each result followed to
its permalink."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tracker.models import Quote

from ..quality import story_with_history
from .conftest import screenshot
from .test_pages import WCAG_21_AA

pytestmark = pytest.mark.browser


@pytest.fixture
def story(site):
    return story_with_history()


def fits_the_screen(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a {page.viewport_size['width']}px screen"


def test_a_reader_finds_a_quote_by_its_words_and_lands_on_it(page, site, story):
    quote = Quote.objects.published().filter(text__startswith="It's almost impossible to convince").get()
    page.goto(site + "/")
    fits_the_screen(page)
    screenshot(page, "search-in-the-header")
    header = page.get_by_role("search", name="Search the site")
    header.get_by_role("searchbox", name="Search").fill("convince Pakistani advertisers")
    header.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=convince\+Pakistani\+advertisers$"))
    expect(page.get_by_role("heading", level=2, name="Quotes")).to_be_visible()
    result = page.get_by_role("region", name="Quotes").locator(f'a[href="{quote.get_absolute_url()}"]')
    expect(result).to_be_visible()
    expect(result.locator("mark")).to_have_text(["convince Pakistani advertisers"])
    screenshot(page, "search-results")
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()
    fits_the_screen(page)
    result.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(story.get_absolute_url())}#{quote.anchor}$"))
    landed = page.locator(f'[id="{quote.anchor}"]')
    expect(landed).to_contain_text("almost impossible to convince")
    expect(landed).to_be_in_viewport()


def test_a_reader_finds_a_speaker_and_goes_to_their_first_quote(page, site, story):
    first = Quote.objects.published().filter(speaker="Atta Tarar").order_by("pk").first()
    page.goto(site + "/search/")
    form = page.get_by_role("search", name="Search all stories")
    form.get_by_label("Words, a phrase").fill("Atta Tarar")
    form.get_by_label("Words, a phrase").press("Enter")
    speakers = page.get_by_role("region", name="Speakers")
    expect(speakers.get_by_text("4 published quotes")).to_be_visible()
    fits_the_screen(page)
    speakers.get_by_role("link", name="Atta Tarar", exact=True).click()
    expect(page).to_have_url(re.compile(rf"#{first.anchor}$"))
    expect(page.locator(f'[id="{first.anchor}"]')).to_be_in_viewport()
