"""Quotes without retyping, in a real browser: the source's archived text
appears beside a new quote row, and the words selected in it become the
quote's text, character for character."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tracker.models import Quote, Status

from ..conftest import make_event, make_source, make_story
from ..people import member_of, restore_groups
from .admin_steps import choose, press
from .conftest import log_in

pytestmark = pytest.mark.browser

ARCHIVED = (
    "ISLAMABAD — The minister said on Wednesday: “It was necessary, and it was lawful,” before leaving.\n\n"
    "Police  closed the\u00a0road to the airport."
)
# Typographic quotes, a double space, a line break and a no-break space: all
# kept as printed, which retyping would lose.
WORDS = "“It was necessary, and it was lawful,” before leaving.\n\nPolice  closed the\u00a0road"

SELECT = """(panel, words) => {
    const node = panel.firstChild;
    const start = node.data.indexOf(words);
    if (start < 0) throw new Error("the words are not in the panel");
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, start + words.length);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    panel.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


@pytest.fixture
def event(site):
    restore_groups()
    member_of("Editors", "ed")
    source = make_source("wire", headline="Ministry defends the road closure", outlet="Dawn", text=ARCHIVED)
    return make_event(make_story(), sources=[source], status=Status.DRAFT)


def test_an_editor_fills_a_new_quote_row_from_the_sources_text(page, site, event):
    log_in(page, site)
    page.goto(site + reverse("admin:tracker_event_change", args=[event.pk]))
    page.locator("#quotes-group .add-row a").click()
    row = page.locator("#quotes-0")
    expect(row.locator(".quote-picker")).to_have_count(0)  # no source chosen yet
    row.locator("#id_quotes-0-speaker").fill("Interior minister")
    choose(page, "id_quotes-0-source", "Dawn: Ministry defends the road closure", search="road closure")

    panel = row.locator(".quote-picker")
    expect(panel).to_be_visible()
    expect(panel.locator(".quote-picker-title")).to_have_text("Dawn: Ministry defends the road closure")
    text = panel.locator(".quote-picker-text")
    expect(text).to_contain_text("before leaving.")
    assert text.evaluate("element => element.textContent") == ARCHIVED
    use = panel.get_by_role("button", name="Use selected words")
    expect(use).to_be_disabled()

    text.evaluate(SELECT, WORDS)
    expect(use).to_be_enabled()
    inputs = row.locator("#id_quotes-0-text").evaluate_handle(
        """field => { const seen = []; field.addEventListener("input", () => seen.push(field.value)); return seen; }"""
    )
    use.click()
    assert row.locator("#id_quotes-0-text").input_value() == WORDS
    assert inputs.json_value() == [WORDS]  # the form hears of the change as of typing
    expect(panel.locator(".quote-picker-status")).to_have_text("The quote's text is now the 13 words selected.")

    press(page, "Save draft")
    expect(page.locator(".errornote")).to_have_count(0)
    quote = Quote.objects.get(event=event)
    assert quote.text.replace("\r\n", "\n") == WORDS  # a form sends a textarea's line breaks as CRLF
    assert quote.speaker == "Interior minister" and quote.source.slug == "wire"


def test_the_quote_form_shows_the_text_of_the_source_chosen_and_follows_a_change(page, site, event):
    other = make_source("report", headline="Airport road shut", text="The road was shut at dawn, officials said.")
    log_in(page, site)
    page.goto(site + reverse("admin:tracker_quote_add"))
    expect(page.locator(".quote-picker")).to_have_count(0)
    choose(page, "id_source", "Dawn: Ministry defends the road closure", search="closure")
    text = page.locator(".field-text .quote-picker-text")
    expect(text).to_contain_text("before leaving.")
    choose(page, "id_source", str(other), search="Airport")
    expect(text).to_have_text(other.text)
    text.evaluate(SELECT, "shut at dawn")
    page.get_by_role("button", name="Use selected words").click()
    assert page.locator("#id_text").input_value() == "shut at dawn"
