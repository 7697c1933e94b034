"""What a reader does with a developing story, in a real browser."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tracker.models import Source

from ..quality import ROOT, require, story_with_history

pytestmark = pytest.mark.browser


@pytest.fixture
def story(site):
    return story_with_history()


def test_a_reader_follows_a_citation_to_the_archived_source(page, site, story):
    event = story.events.live().chronological().first()
    page.goto(site + story.get_absolute_url())
    expect(page.locator("h1")).to_contain_text(story.title)
    page.locator(f'li[id="{event.anchor}"] a[href*="source"]').first.click()
    if "/sources/" not in page.url:  # the citation leads to the story's list of sources first
        listed = page.url.split("#", 1)[1]
        page.locator(f'[id="{listed}"] a[href*="/sources/"]').first.click()
    expect(page).to_have_url(re.compile(r"/sources/\d+/$"))
    source = Source.objects.get(pk=page.url.rstrip("/").rsplit("/", 1)[1])
    assert source in event.sources.all() or event.quotes.filter(source=source).exists()
    opening = " ".join(source.text.split()[:8])
    expect(page.locator("main")).to_contain_text(opening)


def test_a_reader_reads_the_changelog_and_goes_to_what_changed(page, site, story):
    event = story.events.live().chronological().first()
    page.goto(site + reverse("tracker:story_changes", kwargs={"slug": story.slug}))
    expect(page.get_by_role("heading", name="Event corrected")).to_be_visible()
    expect(page.locator("ins", has_text="(corrected)").first).to_be_visible()
    page.get_by_role("link", name=re.compile(re.escape(event.headline))).click()
    expect(page).to_have_url(re.compile(rf"{re.escape(story.get_absolute_url())}#{event.anchor}$"))
    expect(page.locator(f'li[id="{event.anchor}"]')).to_be_in_viewport()


@pytest.mark.parametrize("width", [1280])
def test_a_returning_reader_sees_what_changed_since_the_last_visit(page, site, story):
    page.goto(site + story.get_absolute_url())
    page.wait_for_load_state("load")
    event = story.events.live().chronological().last()
    event.headline = f"{event.headline}, updated"
    event.save()
    page.reload()
    changed = page.locator(f'li[id="{event.anchor}"]')
    expect(changed).to_have_class(re.compile(r"\bis-new\b"), timeout=2000)
    expect(changed).to_contain_text(re.compile("(New|Updated) since your last visit"), timeout=1000)
    expect(page.locator("li.is-new")).to_have_count(1, timeout=1000)
    summary = page.locator(".story-header .since-note")
    expect(summary).to_contain_text(re.compile(r"^1 (new|corrected) event since you were here on "))
    summary.get_by_role("link", name=event.headline).click()
    expect(changed).to_be_in_viewport()


TIMELINEJS = ROOT / "node_modules" / "@knight-lab" / "timelinejs" / "dist"
EMBEDDING_SITE = "http://localhost"  # another origin than the site at 127.0.0.1
EMBED_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Embed</title>
<link rel="stylesheet" href="/css/timeline.css"><script src="/js/timeline.js"></script></head>
<body><div id="timeline"></div></body></html>"""


def _serve_timelinejs(route):
    """Another newsroom's site embedding the timeline, with TimelineJS from node_modules."""
    path = route.request.url.removeprefix(EMBEDDING_SITE).split("?")[0]
    if path == "/":
        route.fulfill(body=EMBED_PAGE, content_type="text/html")
    elif (TIMELINEJS / path.lstrip("/")).is_file():
        route.fulfill(path=TIMELINEJS / path.lstrip("/"))
    else:
        route.fulfill(status=404)


@pytest.mark.parametrize("width", [1280])
def test_another_site_embeds_the_timeline_with_timelinejs(page, site, story):
    """TimelineJS itself builds a slide per dated event from our timeline.json.

    The file is fetched here rather than by the embedding page: Chromium keeps
    pages from other addresses out of 127.0.0.1 whatever the CORS headers say
    (which test_exports checks)."""
    require((TIMELINEJS / "js" / "timeline.js").exists(), "TimelineJS missing: run `npm ci --ignore-scripts`")
    page.route(f"{EMBEDDING_SITE}/**", _serve_timelinejs)
    page.goto(EMBEDDING_SITE + "/")
    data = page.request.get(site + reverse("tracker:story_timeline", kwargs={"slug": story.slug})).json()
    page.evaluate(
        """([data, scripts]) => new Promise((resolve, reject) => {
            const timeline = new TL.Timeline("timeline", data, {script_path: scripts});
            timeline.on("loaded", resolve);
            setTimeout(() => reject(new Error("TimelineJS did not finish loading")), 10000);
        })""",
        [data, f"{EMBEDDING_SITE}/js/"],
    )
    dated = story.events.live().exclude(date=None).count()
    assert dated > 0
    expect(page.locator(".tl-slide")).to_have_count(dated + 1)  # and the title slide
    expect(page.locator(".tl-slide .tl-headline").first).to_contain_text(story.title)


def test_a_reader_switches_a_developing_story_to_oldest_first_and_back(page, site, story):
    page.goto(site + story.get_absolute_url())
    events = [event.anchor for event in story.events.live().chronological()]
    shown = page.locator("ol.timeline > li.event")
    assert shown.evaluate_all("items => items.map(item => item.id)") == events[::-1]
    page.get_by_role("link", name="show oldest first").click()
    expect(page).to_have_url(re.compile(r"\?order=oldest$"))
    assert shown.evaluate_all("items => items.map(item => item.id)") == events
    expect(page.locator("p.order")).to_contain_text("Oldest first")
    page.get_by_role("link", name="show newest first").click()
    expect(page).to_have_url(re.compile(r"\?order=newest$"))
    assert shown.evaluate_all("items => items.map(item => item.id)") == events[::-1]
