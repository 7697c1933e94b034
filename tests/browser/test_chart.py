"""The story's chart as a reader sees it on a phone and on a desktop."""

import re

import pytest
from playwright.sync_api import expect

from ..quality import story_with_history

pytestmark = pytest.mark.browser

MEASURE = """() => {
    const svg = document.querySelector("svg.timeline-chart");
    const scale = svg.getScreenCTM().a;
    return [...svg.querySelectorAll("a.chart-event")].map((link) => ({
        href: link.getAttribute("href"),
        texts: [...link.querySelectorAll("text")].map((text) => {
            const box = text.getBoundingClientRect();
            return {px: parseFloat(getComputedStyle(text).fontSize) * scale, top: box.top, bottom: box.bottom,
                    left: box.left, right: box.right};
        }),
    }));
}"""


def test_the_chart_s_labels_are_legible_apart_and_each_leads_to_its_event(page, site, width):
    story = story_with_history()
    page.goto(site + story.get_absolute_url())
    events = page.evaluate(MEASURE)
    assert len(events) == story.events.live().filter(date__isnull=False).count()
    boxes = [(event["href"], text) for event in events for text in event["texts"]]
    assert min(text["px"] for _, text in boxes) >= 12, width
    for i, (href, one) in enumerate(boxes):
        for other_href, other in boxes[i + 1 :]:
            if other_href != href:  # lines of different events never overlap
                apart = one["bottom"] <= other["top"] + 0.5 or other["bottom"] <= one["top"] + 0.5
                assert apart, (href, other_href)
    viewport = page.viewport_size["width"]
    assert max(text["right"] for _, text in boxes) <= viewport, "a label runs off the screen"

    # Keyboard: the chart's links are reached with Tab, and one leads to its event.
    first = page.locator("a.chart-event").first
    first.focus()
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    anchor = events[0]["href"]
    expect(page).to_have_url(re.compile(re.escape(anchor) + "$"))
    expect(page.locator(f'[id="{anchor[1:]}"]')).to_be_in_viewport()
