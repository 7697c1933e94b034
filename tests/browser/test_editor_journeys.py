"""The editor's desk in a real browser: what editors and reporters do in the
admin, from a new article to the public story page, checked in the database
and in the history. Every admin page a journey shows is audited by axe-core
(WCAG 2.1 AA) and for width at 1280px; the findings are asserted last, after
the journey's own checks, so that one kind of failure does not hide the other."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from playwright.sync_api import expect

from tracker.models import Event, Quote, Source, Status

from ..people import member_of
from .admin_steps import (
    another_desk,
    assert_accessible,
    assert_clean,
    choose,
    has_quote_picker,
    log_in,
    messages,
    pick_words,
    press,
)

pytestmark = pytest.mark.browser

STEP_LIMIT = 7  # page loads and form submissions for a new article, its event and quotes; the goal is 5

ARTICLE = {
    "headline": "Court hears petition against the X block",
    "outlet": "Dawn",
    "published_on": "2026-12-01",
    "url": "https://www.dawn.com/news/x-block-petition-hearing",
    "text": (
        "The Islamabad High Court heard a petition against the block on Monday. "
        "A lawyer for the petitioners said the block had no legal basis and harmed businesses. "
        "The deputy attorney general told the court that the ministry would file a fresh report within two weeks."
    ),
}
EVENT = {
    "headline": "Islamabad High Court hears the petition against the block",
    "description": "The ministry is to report to the court again within two weeks.",
    "date": "2026-11-30",
}
QUOTES = [
    {"speaker": "Petitioners' lawyer", "text": "the block had no legal basis and harmed businesses"},
    {
        "speaker": "Deputy attorney general",
        "speaker_role": "for the government",
        "text": "the ministry would file a fresh report within two weeks",
    },
]


def article_name():
    return f"{ARTICLE['outlet']}: {ARTICLE['headline']}"


def fill_source(page, desk):
    """The new article's form, each value typed once; the slug fills itself in."""
    for field in ("headline", "outlet", "published_on", "url", "text"):
        desk.type(page.locator(f"#id_{field}"), ARTICLE[field])
    expect(page.locator("#id_slug")).to_have_value(slugify(ARTICLE["headline"]))


def fill_event(page, desk, story, values):
    choose(page, "id_story", story.title)
    for field, value in values.items():
        desk.type(page.locator(f"#id_{field}"), value)
    expect(page.locator("#id_slug")).to_have_value(slugify(values["headline"]))


def add_quote(page, desk, n, source_name, quote):
    """Fill the `n`th new quote row: its source picked from the list (not
    searched for), its words picked from the source's archived text where the
    form offers it, else typed; the slug left blank."""
    page.locator("#quotes-group .add-row a", has_text="Add another Quote").click()
    row = page.locator(f"#quotes-{n}")
    expect(row).to_be_visible()
    choose(page, f"id_quotes-{n}-source", source_name)
    for field, value in quote.items():
        if field == "text" and has_quote_picker(page):
            pick_words(row, value)
            expect(row.locator(f"#id_quotes-{n}-text")).to_have_value(value)
        elif field == "speech":
            row.locator(f"#id_quotes-{n}-speech").select_option(value)
        else:
            desk.type(row.locator(f"#id_quotes-{n}-{field}"), value)
    expect(row.locator(f"#id_quotes-{n}-slug")).to_have_value("")
    return row


def words_in(row, tag):
    """The words a word diff marks with `tag` (del or ins) in `row`, in order."""
    return " ".join(" ".join(row.locator(f".word-diff {tag}").all_text_contents()).split())


def history_of(obj):
    """(username, change reason) of each history record of `obj`, oldest first."""
    records = obj.history.order_by("history_date", "history_id").select_related("history_user")
    return [(r.history_user.username if r.history_user else None, r.history_change_reason) for r in records]


# --- 1. A new article arrives --------------------------------------------------


@pytest.mark.parametrize("width", [1280])
@pytest.mark.parametrize("way", ["popup", "first"], ids=["source-through-the-plus-popup", "source-added-first"])
def test_an_editor_publishes_a_new_article_an_event_and_two_quotes(page, site, browser, story, desk, way):
    editor = member_of("Editors", "edna")
    add_event = reverse("admin:tracker_event_add")
    if way == "first":
        log_in(page, desk, "edna", next_url=reverse("admin:tracker_source_add"))
        desk.audit(page, "source add form")
        fill_source(page, desk)
        press(page, "Save")
        assert_clean(desk, page)
        desk.audit(page, "source list")
        page.goto(site + add_event)
        desk.audit(page, "event add form")
        fill_event(page, desk, story, EVENT)
        choose(page, "id_sources", article_name())
    else:
        log_in(page, desk, "edna", next_url=add_event)
        desk.audit(page, "event add form")
        fill_event(page, desk, story, EVENT)
        with page.expect_popup() as opened:
            page.locator("#add_id_sources").click()
        popup = opened.value
        popup.wait_for_load_state()
        desk.audit(popup, "source add form (popup)")
        fill_source(popup, desk)
        with popup.expect_event("close"):
            popup.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator("#id_sources + .select2")).to_contain_text(ARTICLE["headline"])
    for n, quote in enumerate(QUOTES):
        row = add_quote(page, desk, n, article_name(), quote)
        expect(row.locator(f"#id_quotes-{n}-publish")).to_be_checked()  # "publish with it", ticked by default
    desk.audit(page, "event add form, filled in")
    words = "picked from the source's text" if has_quote_picker(page) else "typed"
    press(page, "Publish")
    steps = len(desk.loads)
    print(f"journey steps: {steps} (source {way}; quote words {words})")
    print("\n".join(f"  {n}. {url.removeprefix(site)}" for n, url in enumerate(desk.loads, 1)))
    assert_clean(desk, page)
    assert page.url == site + reverse("admin:tracker_event_changelist"), page.url
    assert "Published." in messages(page)
    desk.audit(page, "event list")

    source = Source.objects.get(slug=slugify(ARTICLE["headline"]))
    assert [getattr(source, field) for field in ("headline", "outlet", "url", "text")] == [
        ARTICLE[field] for field in ("headline", "outlet", "url", "text")
    ]
    assert str(source.published_on) == ARTICLE["published_on"]
    event = Event.objects.get(story=story, headline=EVENT["headline"])
    assert (event.status, event.slug, str(event.date)) == (Status.PUBLISHED, slugify(EVENT["headline"]), EVENT["date"])
    assert list(event.sources.all()) == [source]
    quotes = list(event.quotes.order_by("created_at", "pk"))
    assert [(q.speaker, q.text, q.source, q.status) for q in quotes] == [
        (q["speaker"], q["text"], source, Status.PUBLISHED) for q in QUOTES
    ]
    assert all(q.slug for q in quotes) and len({q.slug for q in quotes}) == 2, [q.slug for q in quotes]
    assert [q.slug for q in quotes] == [slugify(q["speaker"]) for q in QUOTES]  # made from the speaker
    assert history_of(source) == [("edna", None)]
    assert history_of(event) == [("edna", "Published")]
    for quote in quotes:
        assert [user for user, _ in history_of(quote)] == ["edna"]
    assert event.history.get().history_user == editor

    with another_desk(browser, site, "reader") as reader:
        public = reader.page()
        public.goto(site + story.get_absolute_url())
        shown = public.locator(f'li[id="{event.anchor}"]')
        expect(shown).to_contain_text(EVENT["headline"])
        for quote in quotes:
            expect(shown.locator(f'figure[id="{quote.anchor}"]')).to_contain_text(quote.text)
            expect(shown.locator(f'figure[id="{quote.anchor}"]')).to_contain_text(quote.speaker)

    assert desk.repeated_values() == [], f"typed more than once: {desk.repeated_values()}"
    assert desk.searched == []  # every choice made from the list the autocomplete offers
    assert steps <= STEP_LIMIT, f"{steps} page loads and form submissions: {desk.loads}"
    assert_accessible(desk)


# --- 2. Correcting a published event, and its history ---------------------------

CORRECTED = "X responds publicly to the block"
CORRECTION_NOTE = "An earlier version of this headline said X had issued a statement; it had replied on its handle."


@pytest.mark.parametrize("width", [1280])
def test_an_editor_corrects_an_event_compares_versions_sees_the_story_as_it_stood_and_reverts(page, site, story, desk):
    member_of("Editors", "edna")
    event = story.events.get(slug="x-first-statement")
    original, before = event.headline, history_of(event)
    assert "first statement on" in original
    first_version = event.history.first().version

    log_in(page, desk, "edna", next_url=reverse("admin:tracker_event_change", args=[event.pk]))
    desk.audit(page, "event change form")
    expect(page.get_by_role("button", name="Publish changes")).to_be_visible()
    expect(page.get_by_role("button", name="Withdraw")).to_be_visible()
    desk.type(page.locator("#id_headline"), CORRECTED)
    desk.type(page.locator("#id_correction"), CORRECTION_NOTE)
    press(page, "Publish changes")
    assert_clean(desk, page)
    desk.audit(page, "event list")
    event.refresh_from_db()
    assert (event.headline, event.correction, event.status) == (CORRECTED, CORRECTION_NOTE, Status.PUBLISHED)
    assert event.slug == "x-first-statement"  # a published event's address stays
    assert history_of(event) == [*before, ("edna", "Published")]
    corrected_version = event.history.first().version

    # The list leads to the event, the event to its history.
    page.get_by_role("link", name=CORRECTED, exact=True).click()
    page.wait_for_load_state()
    page.locator("#content-main .object-tools a.historylink").click()
    page.wait_for_load_state()
    desk.audit(page, "event history")
    rows = page.locator("#change-history tbody tr")
    expect(rows).to_have_count(len(before) + 1)
    expect(rows.first).to_contain_text("edna")
    expect(rows.first).to_contain_text("Published")
    expect(rows.first.locator("input[name=new]")).to_be_checked()
    expect(rows.nth(1).locator("input[name=old]")).to_be_checked()

    press(page, "Compare the chosen versions")
    assert_clean(desk, page)
    desk.audit(page, "event compare")
    headline = page.locator("#version-comparison tbody tr", has=page.locator("th", has_text="Headline"))
    expect(headline.locator(".word-diff")).to_be_visible()
    assert words_in(headline, "del") == "issues its first statement on"
    assert words_in(headline, "ins") == "responds publicly to"
    expect(page.locator("#version-comparison thead")).to_contain_text(f"Version {first_version}")
    expect(page.locator("#version-comparison thead")).to_contain_text(f"Version {corrected_version}")

    # The story's history leads to its whole history (where there is one) and
    # to the whole story as it stood an hour ago, before the correction, and as it stands now.
    story_history = site + reverse("admin:tracker_story_history", args=[story.pk])
    page.goto(story_history)
    desk.audit(page, "story history")
    whole = page.get_by_role("link", name=re.compile("whole story's history"))
    if whole.count():
        whole.click()
        page.wait_for_load_state()
        desk.audit(page, "story whole history")
        entry = page.locator("#story-history tr.history-entry", has_text=CORRECTED).first
        expect(entry.locator(".history-user")).to_have_text("edna")
        expect(entry.locator(".history-reason")).to_have_text("Published")
        expect(entry.locator(".history-changes del")).not_to_have_count(0)
        page.goto(story_history)
    page.get_by_role("link", name=re.compile("as it stood at a chosen moment")).click()
    page.wait_for_load_state()
    desk.audit(page, "story as of, form")
    an_hour_ago = timezone.localtime() - datetime.timedelta(hours=1)
    desk.type(page.locator("#id_when"), an_hour_ago.strftime("%Y-%m-%dT%H:%M"))
    press(page, "Show")
    assert_clean(desk, page)
    desk.audit(page, "story as of")
    then = page.locator(".story-as-of")
    expect(then.locator("h3", has_text=original)).to_have_count(1)
    expect(then).not_to_contain_text(CORRECTED)
    page.locator("#id_when").fill((timezone.localtime() + datetime.timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M"))
    press(page, "Show")
    expect(then.locator("h3", has_text=CORRECTED)).to_have_count(1)
    expect(then.locator("h3", has_text=original)).to_have_count(0)

    # Back to the event's history: a click on the version before the correction opens it to revert to.
    page.goto(site + reverse("admin:tracker_event_history", args=[event.pk]))
    old_row = page.locator("#change-history tbody tr").filter(
        has=page.locator("td:nth-child(2)", has_text=re.compile(rf"^{first_version}$"))
    )
    old_row.locator("td:nth-child(3) a").click()
    page.wait_for_load_state()
    desk.audit(page, "event revert form")
    expect(page.locator("#id_headline")).to_have_value(original)
    press(page, "Revert")
    assert_clean(desk, page)
    event.refresh_from_db()
    assert (event.headline, event.correction, event.status) == (original, "", Status.PUBLISHED)
    assert history_of(event) == [*before, ("edna", "Published"), ("edna", f"Reverted to version {first_version}")]

    assert desk.repeated_values() == []
    assert_accessible(desk)


# --- 3. Two editors, one event --------------------------------------------------

ANNS_HEADLINE = "A second court gives the government a week to reconsider the block"
BOBS_DESCRIPTION = "Bob's addition: the order was reported by a petitioner, Abdul Moiz Jafri."


@pytest.mark.parametrize("width", [1280])
def test_the_second_of_two_editors_saving_the_same_event_is_refused_and_keeps_their_typing(
    page, site, browser, story, desk
):
    member_of("Editors", "ann")
    member_of("Editors", "bob")
    event = story.events.get(slug="court-orders-reconsideration")
    headline, description, before = event.headline, event.description, history_of(event)
    change = reverse("admin:tracker_event_change", args=[event.pk])

    with another_desk(browser, site, "bob") as bob:
        bobs = bob.page()
        log_in(page, desk, "ann", next_url=change)
        log_in(bobs, bob, "bob", next_url=change)
        desk.audit(page, "event change form")

        desk.type(page.locator("#id_headline"), ANNS_HEADLINE)
        press(page, "Publish changes")
        assert_clean(desk, page)

        bob.type(bobs.locator("#id_description"), BOBS_DESCRIPTION)
        press(bobs, "Publish changes")
        assert bob.server_errors == []
        assert bobs.url == site + change, "the refused form stays where it was"
        refusal = bobs.locator(".errornote, .errorlist").filter(has_text="was changed by ann while you were editing it")
        expect(refusal.first).to_be_visible()
        expect(bobs.locator("#id_description")).to_have_value(BOBS_DESCRIPTION)
        bob.audit(bobs, "event change form, refused save")

    event.refresh_from_db()
    assert (event.headline, event.description) == (ANNS_HEADLINE, description)
    assert headline != ANNS_HEADLINE
    assert history_of(event) == [*before, ("ann", "Published")]
    assert not event.history.filter(description=BOBS_DESCRIPTION).exists()
    assert_accessible(desk, bob)


# --- 4. A reporter drafts, an editor publishes ----------------------------------

DRAFT = {
    "headline": "Petitioner says a second court set a one-week deadline",
    "date": "2024-04-17",
}
WIRE = "Social media platform X blocked in Pakistan over national security, ministry says"
DRAFT_QUOTE = {
    "speaker": "Abdul Moiz Jafri",
    "speaker_role": "petitioner and advocate",
    "speech": "reported",
    "text": "Another court has told the government to reconsider the ban within a week",
}


@pytest.mark.parametrize("width", [1280])
def test_a_reporter_submits_a_draft_and_an_editor_publishes_it(page, site, browser, story, desk):
    member_of("Reporters", "rita")
    member_of("Editors", "ed")
    log_in(page, desk, "rita", next_url=reverse("admin:tracker_event_add"))
    desk.audit(page, "event add form (reporter)")
    expect(page.get_by_role("button", name="Save draft")).to_be_visible()
    expect(page.get_by_role("button", name="Submit for review")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Publish"))).to_have_count(0)
    fill_event(page, desk, story, DRAFT)
    choose(page, "id_sources", WIRE)
    row = add_quote(page, desk, 0, WIRE, DRAFT_QUOTE)
    expect(row.locator("#id_quotes-0-publish")).to_have_count(0)  # nothing of theirs is published with it
    press(page, "Submit for review")
    assert_clean(desk, page)
    assert re.search(r"/admin/tracker/event/\d+/change/$", page.url), page.url  # still on the form
    assert any(m.startswith("Submitted for review") for m in messages(page)), messages(page)
    expect(page.get_by_role("button", name=re.compile("^Publish"))).to_have_count(0)

    event = Event.objects.get(story=story, headline=DRAFT["headline"])
    quote = event.quotes.get()
    assert (event.status, quote.status) == (Status.DRAFT, Status.DRAFT)
    assert event.is_awaiting_review()
    assert history_of(event) == [("rita", "Submitted for review")]
    assert [user for user, _ in history_of(quote)] == ["rita"]

    def public_page_shows(reader):
        public = reader.page()
        public.goto(site + story.get_absolute_url())
        expect(public.locator("h1")).to_contain_text(story.title)
        return public.locator(f'li[id="{event.anchor}"]')

    with another_desk(browser, site, "reader") as reader:
        expect(public_page_shows(reader)).to_have_count(0)
        expect(reader.page().locator("main")).not_to_contain_text(DRAFT["headline"])

    with another_desk(browser, site, "ed") as ed:
        desk_page = ed.page()
        log_in(desk_page, ed, "ed")
        ed.audit(desk_page, "admin index")
        waiting = desk_page.locator(".awaiting-review")
        expect(waiting.get_by_role("link", name="1 event", exact=True)).to_be_visible()
        waiting.get_by_role("link", name="1 event", exact=True).click()
        desk_page.wait_for_load_state()
        assert "publication=review" in desk_page.url
        ed.audit(desk_page, "event list, awaiting review")
        results = desk_page.locator("#result_list tbody tr")
        expect(results).to_have_count(1)
        results.get_by_role("link", name=DRAFT["headline"]).click()
        desk_page.wait_for_load_state()
        ed.audit(desk_page, "event change form (draft)")
        expect(desk_page.get_by_role("button", name="Save draft")).to_be_visible()
        expect(desk_page.locator("#id_quotes-0-publish")).to_be_checked()
        preview = desk_page.locator("#content-main .object-tools a.previewlink")
        if preview.count():  # the story as it will read, drafts marked, where the admin offers it
            preview.click()
            desk_page.wait_for_load_state()
            drafted = desk_page.locator(f'li[id="{event.anchor}"]')
            expect(drafted).to_have_class(re.compile(r"\bis-draft\b"))
            expect(drafted.locator(f'figure[id="{quote.anchor}"]')).to_have_class(re.compile(r"\bis-draft\b"))
            desk_page.go_back()
            desk_page.wait_for_load_state()
        press(desk_page, "Publish")
        assert_clean(ed, desk_page)
        assert desk_page.url.startswith(site + reverse("admin:tracker_event_changelist")), desk_page.url

    event.refresh_from_db()
    quote.refresh_from_db()
    assert (event.status, quote.status) == (Status.PUBLISHED, Status.PUBLISHED)
    assert not event.is_awaiting_review()
    assert history_of(event) == [("rita", "Submitted for review"), ("ed", "Published")]
    assert [user for user, _ in history_of(quote)] == ["rita", "ed"]

    with another_desk(browser, site, "reader") as reader:
        shown = public_page_shows(reader)
        expect(shown).to_contain_text(DRAFT["headline"])
        expect(shown.locator(f'figure[id="{quote.anchor}"]')).to_contain_text(DRAFT_QUOTE["text"])
    assert desk.repeated_values() == []
    assert_accessible(desk, ed)


# --- 5. A reporter and a published event ----------------------------------------


@pytest.mark.parametrize("width", [1280])
def test_a_reporter_opening_a_published_event_reads_why_they_cannot_change_it(page, site, story, desk):
    member_of("Reporters", "rita")
    member_of("Editors", "edna")
    event = story.events.get(slug="x-first-statement")
    version, before = event.version, history_of(event)
    log_in(page, desk, "rita", next_url=reverse("admin:tracker_event_change", args=[event.pk]))
    assert_clean(desk, page)
    desk.audit(page, "event change form (reporter, published)")
    reason = page.locator(".read-only-reason")
    expect(reason).to_be_visible()
    expect(reason).to_contain_text("only an editor can change")
    expect(reason).to_contain_text("edna")  # who to ask
    expect(page.locator("#content-main form input[type=submit]")).to_have_count(0)
    expect(page.locator("#content-main form button[type=submit]")).to_have_count(0)
    expect(page.locator("#id_headline")).to_have_count(0)  # shown, not editable
    expect(page.locator("#content-main")).to_contain_text(event.headline)
    expect(page.get_by_role("link", name="Add another Quote")).to_be_hidden()
    event.refresh_from_db()
    assert (event.version, history_of(event)) == (version, before)
    assert Quote.objects.filter(event=event).exclude(status=Status.PUBLISHED).count() == 0
    assert_accessible(desk)
