"""An editor adds a new article with two quotes to the seed story through
"Add article" and its review screen (tracker/editorial/ingest_admin.py), in
Chromium: counted in page loads and form submissions, audited by axe-core
(WCAG 2.1 AA) and for width like the other journeys."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tracker.models import Event, Source, Status

from ..people import member_of
from .admin_steps import assert_accessible, assert_clean, log_in, messages, press
from .conftest import screenshot

pytestmark = pytest.mark.browser

# The bar: page loads and form submissions from the story's page to the saved article.
STEP_LIMIT = 3

NEW_ARTICLE = (
    "Court hears the petition against the X block again\n\n"
    "ISLAMABAD: The Islamabad High Court heard the petitions against the block of the social media platform X "
    "on Monday.\n"
    "“We will keep pressing the court until the platform is restored for everyone in Pakistan,” said "
    "Abdul Moiz Jafri, a petitioner and advocate.\n"
    "Information minister Atta Tarar told reporters: “The block will stay in place until X answers every one of "
    "the ministry’s concerns.”\n"
)
JAFRI = "We will keep pressing the court until the platform is restored for everyone in Pakistan"
TARAR = "The block will stay in place until X answers every one of the ministry’s concerns."


def quote_on_review(page, words):
    """The review's fieldset of the quote whose highlighted passage is `words`, and its form prefix."""
    quotes = page.locator("fieldset.ingest-quote")
    for n in range(quotes.count()):
        if quotes.nth(n).locator("mark").inner_text().strip() == words:
            prefix = quotes.nth(n).locator("input[name$='-accept']").get_attribute("name").removesuffix("-accept")
            return quotes.nth(n), prefix
    raise AssertionError(f"no quote “{words}” on the review")


@pytest.mark.parametrize("width", [1280])
def test_an_editor_adds_an_article_with_two_quotes_through_the_review(page, site, story, desk):
    editor = member_of("Editors", "edna")
    court = story.events.get(slug="court-orders-reconsideration")
    interview = story.events.get(slug="tarar-voa-interview")
    story_page = reverse("admin:tracker_story_change", args=[story.pk])
    log_in(page, desk, "edna", next_url=story_page)
    start = len(desk.loads)  # counted from the story's page, where the editor is

    page.locator("#content-main .object-tools").get_by_role("link", name="Add article").click()
    page.wait_for_load_state()
    desk.audit(page, "add article form")
    desk.type(page.locator("#id_text"), NEW_ARTICLE)
    press(page, "Find quotes and suggestions")
    assert_clean(desk, page)
    desk.audit(page, "add article review")

    expect(page.locator("#id_headline")).to_have_value("Court hears the petition against the X block again")
    expect(page.locator("#id_published_on")).to_have_value("")  # not stated: blank
    jafri, jafri_prefix = quote_on_review(page, JAFRI)
    expect(jafri.locator(f"#id_{jafri_prefix}-accept")).to_be_checked()
    expect(jafri.locator(f"#id_{jafri_prefix}-speaker")).to_have_value("Abdul Moiz Jafri")
    expect(jafri.locator(f"#id_{jafri_prefix}-speaker_role")).to_have_value("petitioner and advocate")
    tarar, tarar_prefix = quote_on_review(page, TARAR)
    # "Atta Tarar told reporters: “…”": named before the quotation, so ticked with its speaker.
    expect(tarar.locator(f"#id_{tarar_prefix}-accept")).to_be_checked()
    expect(tarar.locator(f"#id_{tarar_prefix}-speaker")).to_have_value("Atta Tarar")
    jafri.locator(f"#id_{jafri_prefix}-event").select_option(str(court.pk))
    desk.type(tarar.locator(f"#id_{tarar_prefix}-speaker_role"), "information minister")
    tarar.locator(f"#id_{tarar_prefix}-event").select_option(str(interview.pk))
    expect(page.locator("#id_publish")).not_to_be_checked()  # drafts unless the editor chooses otherwise
    screenshot(page, "ingest-review")
    press(page, "Save")
    steps = len(desk.loads) - start
    print(f"journey steps: {steps}")
    print("\n".join(f"  {n}. {url.removeprefix(site)}" for n, url in enumerate(desk.loads[start:], 1)))
    assert_clean(desk, page)
    assert page.url == site + story_page, page.url
    assert any(m.startswith("Added the source") and "2 quote(s), as drafts" in m for m in messages(page)), messages(
        page
    )
    desk.audit(page, "story change form, after the article")

    source = Source.objects.get(text=NEW_ARTICLE)
    assert source.headline == "Court hears the petition against the X block again"
    quotes = list(source.quotes.order_by("pk"))
    assert [(q.text, q.speaker, q.speaker_role, q.event, q.status) for q in quotes] == [
        (JAFRI, "Abdul Moiz Jafri", "petitioner and advocate", court, Status.DRAFT),
        (TARAR, "Atta Tarar", "information minister", interview, Status.DRAFT),
    ]
    assert all(q.event.story == story for q in quotes)
    for event in (court, interview):
        assert Event.objects.get(pk=event.pk).sources.filter(pk=source.pk).exists()
    records = [source.history.get(), *(q.history.get() for q in quotes)]
    assert {r.history_user for r in records} == {editor}
    assert len({r.edit_id for r in records}) == 1

    assert desk.repeated_values() == [], f"typed more than once: {desk.repeated_values()}"
    assert steps <= STEP_LIMIT, f"{steps} page loads and form submissions: {desk.loads[start:]}"
    assert_accessible(desk)
