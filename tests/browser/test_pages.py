"""Every public page at phone and desktop widths: no WCAG 2.1 AA violations
reported by axe-core, nothing wider than the screen, and a screenshot to look at."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from ..quality import public_pages, story_with_history
from .conftest import screenshot

pytestmark = pytest.mark.browser

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.fixture
def addresses(site):
    return public_pages(story_with_history())


@pytest.mark.parametrize("name", ["index", "story", "story-part", "source", "changes"])
def test_page_is_accessible_and_fits_the_screen(page, site, addresses, name):
    response = page.goto(site + addresses[name])
    assert response.status == 200
    screenshot(page, name)
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the {name} page is {overflow}px wider than a {page.viewport_size['width']}px screen"
