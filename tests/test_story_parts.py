"""A long story is read in parts of 50 events, the latest part first, and
every event keeps an address that finds it whichever part holds it now."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tracker.models import Event, Source, Status
from tracker.parts import PAGE_SIZE

from .conftest import make_event, make_quote, make_source, make_story

pytestmark = pytest.mark.django_db

START = datetime.date(2024, 1, 1)


def long_story(events, slug="long", undated=0, key=(), sources_every=10, per_day=1):
    """A story of `events` dated events, `per_day` on each day (created in a
    shuffled order, so creation order is not the timeline's), then `undated`
    undated ones; every `sources_every` consecutive events share a source."""
    story = make_story(slug)
    sources = {}
    order = sorted(range(events), key=lambda n: (n * 37) % events)
    for n in order:
        group = n // sources_every
        if group not in sources:
            sources[group] = make_source(f"{slug}-source-{group:03d}", headline=f"Source {group}")
        date = START + datetime.timedelta(days=n // per_day)
        make_event(story, f"e{n:03d}", [sources[group]], date=date, is_key=n in key)
    for n in range(undated):
        make_event(
            story, f"undated{n}", [sources[0]], date=None, date_precision="approximate", date_label="Some day",
            is_key=f"undated{n}" in key,
        )  # fmt: skip
    return story


def chronological(story):
    return list(Event.objects.live().filter(story=story).chronological())


def get(client, story, query=""):
    response = client.get(story.get_absolute_url() + query)
    assert response.status_code == 200, query
    return response.content.decode()


def timeline_anchors(html):
    """The events on a page, in the order shown."""
    timeline = html[html.index('<ol class="timeline">') : html.index("</ol>", html.index('<ol class="timeline">'))]
    return re.findall(r'<li id="(event-[^"]+)" class="event', timeline)


def parts_navs(html):
    """The contents of the parts navigations, each landmark with a name of its own."""
    navs = re.findall(r'<nav class="story-parts" aria-label="(Story parts[^"]*)">(.*?)</nav>', html, re.S)
    labels = [label for label, _ in navs]
    assert len(set(labels)) == len(labels), labels
    return [contents for _, contents in navs]


def test_the_story_s_address_holds_its_latest_50_events_newest_first_while_it_develops(
    client, django_capture_on_commit_callbacks
):
    story = long_story(120)
    latest = [event.anchor for event in chronological(story)[-PAGE_SIZE:]]
    assert timeline_anchors(get(client, story)) == latest[::-1]
    assert timeline_anchors(get(client, story, "?order=oldest")) == latest
    with django_capture_on_commit_callbacks(execute=True):
        story.is_developing = False
        story.save()
    assert timeline_anchors(get(client, story)) == latest  # a concluded story reads oldest first
    assert timeline_anchors(get(client, story, "?order=newest")) == latest[::-1]


def test_each_later_page_holds_the_50_events_before_the_previous_one(client):
    story = long_story(120)
    anchors = [event.anchor for event in chronological(story)]
    assert timeline_anchors(get(client, story, "?page=2&order=oldest")) == anchors[20:70]
    assert timeline_anchors(get(client, story, "?page=3&order=oldest")) == anchors[:20]


def test_undated_events_stay_last_so_the_latest_part_holds_them(client):
    story = long_story(60, undated=2)
    anchors = timeline_anchors(get(client, story, "?order=oldest"))
    assert anchors[-2:] == ["event-undated0", "event-undated1"]
    assert anchors[0] == "event-e012" and len(anchors) == PAGE_SIZE
    assert timeline_anchors(get(client, story, "?page=2&order=oldest")) == [f"event-e{n:03d}" for n in range(12)]
    assert timeline_anchors(get(client, story))[:2] == ["event-undated1", "event-undated0"]  # newest first


def test_parts_link_to_their_neighbours_above_and_below_the_timeline(client):
    story = long_story(120)
    url = story.get_absolute_url()

    first = parts_navs(get(client, story))
    assert len(first) == 2 and first[0] == first[1]
    assert "Part 1 of 3 · events 71–120 of 120" in first[0]
    assert f'<a href="{url}?page=2">Earlier events</a>' in first[0] and "Later events" not in first[0]

    middle = parts_navs(get(client, story, "?page=2"))[0]
    assert "Part 2 of 3 · events 21–70 of 120" in middle
    assert f'<a href="{url}?page=3">Earlier events</a>' in middle
    assert f'<a href="{url}">Later events</a>' in middle  # the first part is the story's own address

    last = parts_navs(get(client, story, "?page=3"))[0]
    assert "Part 3 of 3 · events 1–20 of 120" in last
    assert f'<a href="{url}?page=2">Later events</a>' in last and "Earlier events" not in last


def test_a_story_of_50_events_is_one_page_without_parts(client):
    story = long_story(PAGE_SIZE)
    html = get(client, story)
    assert len(timeline_anchors(html)) == PAGE_SIZE
    assert 'class="story-parts"' not in html and "?page=" not in html
    assert client.get(story.get_absolute_url(), {"page": "2"}).status_code == 404


def test_the_51st_event_starts_a_second_part(client):
    story = long_story(PAGE_SIZE + 1)
    assert "Part 1 of 2 · events 2–51 of 51" in get(client, story)
    assert timeline_anchors(get(client, story, "?page=2")) == ["event-e000"]


@pytest.mark.parametrize("value", ["1", "0", "-1", "4", "99999999999999", "", "two", "2.0", "02", "+2", " 2", "２"])
def test_anything_but_another_part_s_number_is_not_found(client, value):
    story = long_story(120)
    assert client.get(story.get_absolute_url(), {"page": value}).status_code == 404


def test_draft_events_count_towards_neither_the_parts_nor_the_key_events(client):
    story = long_story(PAGE_SIZE, key={3})
    source = make_source("draft-source", headline="DRAFT-SOURCE")
    for status in (Status.DRAFT, Status.UNPUBLISHED):
        make_event(story, f"hidden-{status}", [source], headline="HIDDEN-EVENT", is_key=True, status=status)
    html = get(client, story)
    assert 'class="story-parts"' not in html and "HIDDEN" not in html and "DRAFT" not in html
    key_list = html[html.index('id="key-events"') : html.index("</nav>")]
    assert re.findall(r'href="([^"]+)"', key_list) == ["#event-e003"]


def test_key_events_cover_the_whole_story_and_link_to_the_part_holding_each(client):
    """A key event on the page links to its place; one on another part, to its
    permalink, which sends the reader to the part that holds it now."""
    story = long_story(120, key={5, 40, 110})
    url = story.get_absolute_url()

    def permalink(slug):
        return f"{url}events/{slug}/"

    for query, links in [
        ("", [permalink("e005"), permalink("e040"), "#event-e110"]),
        ("?page=2", [permalink("e005"), "#event-e040", permalink("e110")]),
    ]:
        html = get(client, story, query)
        key_list = html[html.index('id="key-events"') : html.index("</nav>")]
        assert re.findall(r'href="([^"]+)"', key_list) == links, query
    holding = {"e005": f"{url}?page=3#event-e005", "e040": f"{url}?page=2#event-e040", "e110": f"{url}#event-e110"}
    for slug, address in holding.items():
        response = client.get(permalink(slug))
        assert response.status_code == 302 and response["Location"] == address
        page, anchor = address.split("#")
        assert f'id="{anchor}"' in client.get(page).content.decode()


def test_a_part_s_chart_structured_data_and_sources_are_its_own(client, settings):
    story = long_story(120, sources_every=10)
    html = get(client, story, "?page=3")  # events 0–19, citing sources 0 and 1
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert [update["url"].split("#")[1] for update in data["liveBlogUpdate"]] == timeline_anchors(html)
    page_url = f"{settings.SITE_URL}{story.get_absolute_url()}?page=3"
    assert data["url"] == page_url and f'<link rel="canonical" href="{page_url}">' in html
    sources = html[html.index('<ol class="sources">') :]
    assert re.findall(r">Source (\d+)</a>", sources) == ["0", "1"]
    assert "[1] Source 0" in html and "[3]" not in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('class="mark day"') == 20 and "January 2024" in svg and "March 2024" not in svg
    # The share image still pictures the whole story.
    alt = "Title long: a developing story. A timeline of its 120 events, from 1 January 2024 to 29 April 2024."
    assert f'<meta property="og:image:alt" content="{alt}">' in html


def test_since_marks_changes_on_every_part_and_its_links_keep_it(client):
    story = long_story(120)
    long_ago = timezone.now() - datetime.timedelta(days=10)
    Event.objects.filter(story=story).update(created_at=long_ago, updated_at=long_ago)
    Event.objects.filter(story=story, slug="e030").update(updated_at=timezone.now())
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()
    html = get(client, story, f"?page=2&since={since}")
    assert html.count('class="new-label"') == 1 and "Updated since" in html
    url = story.get_absolute_url()
    assert f'<a href="{url}?page=3&amp;since={since}">Earlier events</a>' in html
    assert f'<a href="{url}?since={since}">Later events</a>' in html
    assert f'<a href="{url}?page=2">Show the story without marks</a>' in html


def test_key_events_link_to_their_part_when_days_are_shared_and_dates_unknown(client):
    story = long_story(100, per_day=3, undated=3, key={0, 49, 50, 52, 53, "undated0"})
    parts = {}
    for query in ("", "?page=2", "?page=3"):
        parts[query] = timeline_anchors(get(client, story, query))
    html = get(client, story, "?page=2")
    key_list = html[html.index('id="key-events"') : html.index("</nav>")]
    links = re.findall(r'href="([^"]+)"', key_list)
    assert len(links) == 6
    for link in links:
        if "#" not in link:  # on another part: its permalink leads there
            response = client.get(link)
            assert response.status_code == 302, link
            link = response["Location"]
        address, anchor = link.split("#")
        query = "?page=2" if not address else address.removeprefix(story.get_absolute_url())
        assert anchor in parts[query], link


@pytest.mark.parametrize("per_day", [1, 3])
def test_an_event_s_permalink_leads_to_the_part_holding_it_whatever_its_date(client, per_day):
    story = long_story(100, per_day=per_day, undated=3)
    pages = {}
    for event in chronological(story):
        response = client.get(event.get_absolute_url())
        assert response.status_code == 302
        address, anchor = response["Location"].split("#")
        pages.setdefault(address, client.get(address).content.decode())
        assert anchor == event.anchor and f'id="{anchor}"' in pages[address]
    assert len(pages) == 3


def test_an_event_s_permalink_leads_to_the_part_holding_it(client):
    story = long_story(120)
    url = story.get_absolute_url()
    redirects = {}
    for event in chronological(story):
        response = client.get(event.get_absolute_url())
        assert response.status_code == 302
        redirects[event.anchor] = response["Location"]
    assert redirects["event-e119"] == f"{url}#event-e119"
    assert redirects["event-e070"] == f"{url}#event-e070"
    assert redirects["event-e069"] == f"{url}?page=2#event-e069"
    assert redirects["event-e000"] == f"{url}?page=3#event-e000"
    pages = {}
    for anchor, location in redirects.items():
        address = location.split("#")[0]
        pages.setdefault(address, client.get(address).content.decode())
        assert f'id="{anchor}"' in pages[address]


def test_a_quote_s_permalink_leads_to_the_quote_on_the_part_holding_its_event(client):
    story = long_story(60)
    source = make_source("speaker", text="The minister said “we will restore it” later.")
    old, new = (Event.objects.get(story=story, slug=slug) for slug in ("e000", "e059"))
    for event in (old, new):
        event.sources.add(source)
    quotes = [make_quote(event, source, "we will restore it") for event in (old, new)]
    url = story.get_absolute_url()
    for quote, part in zip(quotes, (f"{url}?page=2", url), strict=True):
        location = client.get(quote.get_absolute_url())["Location"]
        assert location == f"{part}#{quote.anchor}"
        assert f'id="{quote.anchor}"' in client.get(part).content.decode()
    draft = make_quote(new, source, "we will restore it", slug="draft", status=Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_the_permalink_of_a_draft_or_unknown_event_or_of_a_hidden_story_is_not_found(client):
    story = long_story(3)
    draft = make_event(story, "draft", [make_source("other")], status=Status.DRAFT)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("tracker:event_permalink", args=[story.slug, "nothing"])).status_code == 404
    hidden = make_story("hidden", status=Status.DRAFT)
    event = make_event(hidden, "e000", [make_source("third")])
    assert client.get(event.get_absolute_url()).status_code == 404
    assert client.get(reverse("tracker:event_permalink", args=[hidden.slug, "e001"])).status_code == 404


def test_a_copy_whose_original_is_cited_on_another_part_names_it_by_its_page(client):
    """The rule of the source page and the export: an original readers may see is named."""
    story = long_story(60)  # "Source 0" is cited by the oldest events, on the second part
    original = Source.objects.get(headline="Source 0")
    Event.objects.get(story=story, slug="e059").sources.add(make_source("copy", headline="Copy", derived_from=original))
    latest = get(client, story)
    assert "Copy" in latest and f'href="#source-{original.pk}"' not in latest
    assert f'derived from <a href="{original.get_absolute_url()}">Source 0</a>' in latest


def test_the_other_order_is_one_link_away_and_keeps_the_part_and_since(client):
    story = long_story(120)
    html = get(client, story, "?page=2&since=2024-01-01")
    url = story.get_absolute_url()
    assert f'Newest first · <a href="{url}?page=2&amp;since=2024-01-01&amp;order=oldest">show oldest first</a>' in html
    oldest = get(client, story, "?page=2&order=oldest")
    assert f'Oldest first · <a href="{url}?page=2&amp;order=newest">show newest first</a>' in oldest
    # The parts' own links keep the order asked for.
    assert f'<a href="{url}?page=3&amp;order=oldest">Earlier events</a>' in oldest


@pytest.mark.parametrize("value", ["", "latest", "NEWEST", "oldest "])
def test_any_other_order_is_not_found(client, value):
    story = long_story(3)
    assert client.get(story.get_absolute_url(), {"order": value}).status_code == 404
