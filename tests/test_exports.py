"""The story as data: /stories/<slug>.json and the TimelineJS timeline."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.html import escape

from tracker.models import DatePrecision, Quote, Status

from .conftest import make_event, make_quote, make_source, make_story


def get_json(client, name, story):
    response = client.get(reverse(f"tracker:{name}", kwargs={"slug": story.slug}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"  # embeddable from other sites
    return response.json()


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/stories/pakistan-x-block.json", "story_json"),
        ("/stories/pakistan-x-block/", "story_detail"),
        ("/stories/pakistan-x-block/timeline.json", "story_timeline"),
    ],
)
def test_the_json_address_is_not_taken_for_the_story_page(path, name):
    assert resolve(path).url_name == name


# --- /stories/<slug>.json --------------------------------------------------------------


@pytest.mark.django_db
def test_the_story_json_holds_every_published_event_quote_and_source(client, seed):
    data = get_json(client, "story_json", seed)
    events = list(seed.events.live().chronological())
    assert (data["id"], data["title"], data["summary"]) == (seed.slug, seed.title, seed.summary)
    assert data["url"] == f"{settings.SITE_URL}{seed.get_absolute_url()}"
    assert [e["id"] for e in data["events"]] == [e.anchor for e in events]
    assert sum(len(e["quotes"]) for e in data["events"]) == sum(e.quotes.live().count() for e in events)
    cited = {s for e in data["events"] for s in e["sources"]}
    quoted = {q["source"] for e in data["events"] for q in e["quotes"]}
    assert {s["id"] for s in data["sources"]} == cited | quoted
    for source in data["sources"]:
        assert client.get(source["url"].removeprefix(settings.SITE_URL)).status_code == 200


@pytest.mark.django_db
def test_event_dates_keep_their_precision(client):
    source = make_source()
    story = make_story()
    make_event(story, "day", [source], date=datetime.date(2024, 4, 17))
    make_event(story, "month", [source], date=datetime.date(2024, 2, 9), date_precision=DatePrecision.MONTH)
    make_event(story, "vague", [source], date=None, date_precision=DatePrecision.APPROXIMATE, date_label="Spring 2024")
    events = {e["id"]: e for e in get_json(client, "story_json", story)["events"]}
    assert [(e["date"], e["date_precision"], e["date_label"]) for e in events.values()] == [
        ("2024-02-01", "month", "February 2024"),
        ("2024-04-17", "day", "17 April 2024"),
        (None, "approximate", "Spring 2024"),
    ]


@pytest.mark.django_db
def test_wordings_of_one_statement_point_at_the_first_published_wording(client):
    text = "He said “it was necessary” and “it was needed” and “it was required”."
    source = make_source(text=text)
    story = make_story()
    event = make_event(story, sources=[source])
    first = make_quote(event, source, "it was necessary", status=Status.DRAFT)
    second = make_quote(event, source, "it was needed", variant_of=first)
    third = make_quote(event, source, "it was required", variant_of=first)
    (data_event,) = get_json(client, "story_json", story)["events"]
    statements = {q["id"]: q["statement"] for q in data_event["quotes"]}
    assert statements == {second.anchor: second.anchor, third.anchor: second.anchor}


@pytest.mark.django_db
def test_an_original_known_only_to_drafts_is_not_named(client):
    secret = make_source("secret-original", headline="SECRET", text="SECRET original")
    copy = make_source("copy", derived_from=secret)
    story = make_story()
    make_event(story, "public", [copy])
    make_event(story, "draft", [secret], status=Status.DRAFT)
    data = get_json(client, "story_json", story)
    assert [(s["id"], s["independent"], s["derived_from"]) for s in data["sources"]] == [("copy", False, None)]
    assert "secret" not in str(data).lower()


@pytest.mark.django_db
def test_a_copy_names_its_listed_original(client):
    original = make_source("original")
    copy = make_source("copy", derived_from=original)
    story = make_story()
    make_event(story, "public", [copy, original])
    sources = {s["id"]: s for s in get_json(client, "story_json", story)["sources"]}
    assert (sources["copy"]["derived_from"], sources["original"]["independent"]) == ("original", True)


CITING_THE_ORIGINAL = {
    "a published event of another story": lambda story, event, original: make_event(
        make_story("other"), "other", [original]
    ),
    "a published quote of another story": lambda story, event, original: make_quote(
        make_event(make_story("other"), "other", [make_source("other-source")]), original
    ),
    "a draft event of this story": lambda story, event, original: make_event(
        story, "draft", [original], status=Status.DRAFT
    ),
    "a draft quote of this story": lambda story, event, original: make_quote(event, original, status=Status.DRAFT),
    "a published event of a draft story": lambda story, event, original: make_event(
        make_story("other", status=Status.DRAFT), "other", [original]
    ),
    "a published event of a scheduled story": lambda story, event, original: make_event(
        make_story("other", published_at=timezone.now() + datetime.timedelta(days=1)), "other", [original]
    ),
    "nothing": lambda story, event, original: None,
}
PUBLIC_CITATIONS = {"a published event of another story", "a published quote of another story"}


@pytest.mark.django_db
@pytest.mark.parametrize("cited_by", CITING_THE_ORIGINAL)
def test_a_copy_names_its_original_only_when_the_public_may_see_the_original(client, cited_by):
    original = make_source("original", headline="ORIGINAL-HEADLINE", text="ORIGINAL-TEXT: “it was necessary”")
    copy = make_source("copy", derived_from=original)
    story = make_story()
    event = make_event(story, "public", [copy])
    CITING_THE_ORIGINAL[cited_by](story, event, original)
    data = get_json(client, "story_json", story)
    named = "original" if cited_by in PUBLIC_CITATIONS else None
    assert [(s["id"], s["independent"], s["derived_from"]) for s in data["sources"]] == [("copy", False, named)]
    assert "ORIGINAL-" not in str(data)  # named, at most: this story does not cite it


# --- independent sources and statements --------------------------------------------------


def roots_in(data):
    """Each listed source's original, by following `derived_from` through the listed sources."""
    parent = {s["id"]: s["derived_from"] for s in data["sources"]}
    roots = {}
    for source in parent:
        root = source
        while parent.get(root):
            root = parent[root]
        roots[source] = root
    return roots


@pytest.mark.django_db
def test_a_machine_translation_and_the_wire_it_translates_count_as_one_independent_source(client, seed):
    wire = "reuters-wire-ministry-confirms-block"
    translation = "jakarta-machine-translation-ministry-confirms-block"
    data = get_json(client, "story_json", seed)
    assert {s["id"]: s["derived_from"] for s in data["sources"]}[translation] == wire
    events = {e["id"]: e for e in data["events"]}
    election = events["event-general-election"]
    assert {wire, translation} <= set(election["sources"])
    assert election["independent_sources"] == len(election["sources"]) - 1
    assert events["event-x-first-statement"]["independent_sources"] == 1

    statements = {s["id"]: s for s in data["statements"]}
    hostile = "quote-ministry-confirms-block-in-court-hostile-elements"
    assert statements[hostile] == {
        "id": hostile,
        "wordings": [hostile, f"{hostile}-004"],
        "sources": [wire, translation],
        "independent_sources": 1,
        "claim": None,
    }
    failure = statements["quote-ministry-confirms-block-in-court-failure-to-adhere"]
    # The "Pakistan Implements Social Media Ban" report appears to copy the wire: not independent either.
    assert (len(failure["wordings"]), len(failure["sources"]), failure["independent_sources"]) == (4, 4, 2)


@pytest.mark.django_db
def test_every_event_and_statement_counts_the_originals_behind_its_sources(client, seed):
    data = get_json(client, "story_json", seed)
    roots = roots_in(data)
    for event in data["events"]:
        assert event["independent_sources"] == len({roots[s] for s in event["sources"]}), event["id"]
    quotes = {q["id"]: q for e in data["events"] for q in e["quotes"]}
    wordings = [wording for statement in data["statements"] for wording in statement["wordings"]]
    assert sorted(wordings) == sorted(quotes)  # each quote words one statement
    for statement in data["statements"]:
        assert statement["id"] == statement["wordings"][0]
        assert {quotes[w]["statement"] for w in statement["wordings"]} == {statement["id"]}
        assert statement["sources"] == list(dict.fromkeys(quotes[w]["source"] for w in statement["wordings"]))
        assert statement["independent_sources"] == len({roots[s] for s in statement["sources"]})
    assert any(s["independent_sources"] < len(s["sources"]) for s in data["statements"])  # the check bites


@pytest.mark.django_db
def test_copies_of_copies_lead_back_to_their_original_even_one_the_public_cannot_see(client):
    text = "He said “it was necessary” on Wednesday."
    original = make_source("original", headline="ORIGINAL-HEADLINE", text=text)
    wire = make_source("wire-copy", derived_from=original, text=text)
    translation = make_source("translation", derived_from=wire, text=text)
    other = make_source("other", text=text)
    story = make_story()
    make_event(story, "secret", [original], status=Status.DRAFT)
    both = make_event(story, "both", [translation, other])
    copies = make_event(story, "copies", [wire, translation])
    first = make_quote(both, translation)
    make_quote(both, other, variant_of=first, slug="second")
    make_quote(copies, wire, slug="third")
    make_quote(copies, translation, slug="fourth", variant_of=Quote.objects.get(slug="third"))
    data = get_json(client, "story_json", story)
    events = {e["id"]: e["independent_sources"] for e in data["events"]}
    assert events == {"event-both": 2, "event-copies": 1}
    assert [(s["wordings"], s["independent_sources"]) for s in data["statements"]] == [
        (["quote-both-interior-ministry", "quote-both-second"], 2),
        (["quote-copies-third", "quote-copies-fourth"], 1),
    ]
    derived = {s["id"]: s["derived_from"] for s in data["sources"]}
    assert derived == {"other": None, "translation": "wire-copy", "wire-copy": None}
    assert "ORIGINAL" not in str(data)


# --- TimelineJS ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_timeline_follows_timelinejs_format(client):
    source = make_source(headline="Dawn & co")
    story = make_story()
    story.title = "Pakistan <blocks> X"
    story.save()
    make_event(story, "day", [source], date=datetime.date(2024, 4, 17), headline="Court <hears> case")
    make_event(story, "month", [source], date=datetime.date(2024, 2, 1), date_precision=DatePrecision.MONTH)
    make_event(
        story,
        "approx",
        [source],
        date=datetime.date(2024, 2, 15),
        date_precision=DatePrecision.APPROXIMATE,
        date_label="Mid-February 2024",
    )
    make_event(story, "undated", [source], date=None, date_precision=DatePrecision.APPROXIMATE, date_label="Later")
    make_event(story, "draft", [source], headline="DRAFT", status=Status.DRAFT)
    data = get_json(client, "story_timeline", story)
    assert data["title"]["text"] == {"headline": "Pakistan &lt;blocks&gt; X", "text": "<p>Summary story</p>"}
    slides = {slide["unique_id"]: slide for slide in data["events"]}
    assert list(slides) == ["event-month", "event-approx", "event-day"]  # undated and draft left out
    assert slides["event-month"]["start_date"] == {"year": 2024, "month": 2}
    assert "display_date" not in slides["event-month"]
    assert slides["event-approx"]["start_date"] == {"year": 2024, "month": 2}  # no day the sources do not give
    assert slides["event-approx"]["display_date"] == "Mid-February 2024"
    assert slides["event-day"]["text"] == {
        "headline": "Court &lt;hears&gt; case",
        "text": "<p>Reported by: Dawn &amp; co</p>",
    }


@pytest.mark.django_db
def test_the_timeline_gives_a_day_only_to_events_the_sources_date_to_the_day(client, seed):
    slides = {slide["unique_id"]: slide for slide in get_json(client, "story_timeline", seed)["events"]}
    events = {event.anchor: event for event in seed.events.live() if event.date}
    assert list(slides) == [event.anchor for event in seed.events.live().chronological() if event.date]
    for anchor, event in events.items():
        start = {"year": event.date.year, "month": event.date.month}
        if event.date_precision == DatePrecision.DAY:
            start["day"] = event.date.day
        assert slides[anchor]["start_date"] == start, anchor
        if event.date_precision == DatePrecision.APPROXIMATE:
            assert slides[anchor]["display_date"] == escape(event.date_label), anchor
        else:
            assert "display_date" not in slides[anchor], anchor
    mid_february = slides["event-users-report-x-access-problems"]
    assert mid_february["start_date"] == {"year": 2024, "month": 2}
    assert mid_february["display_date"] == "Mid-February 2024"
    order_date = slides["event-court-orders-reconsideration"]
    assert order_date["start_date"] == {"year": 2024, "month": 4}
    assert order_date["display_date"] == "Order date not given; reported by 18 April 2024"
    assert slides["event-ministry-confirms-block-in-court"]["start_date"] == {"year": 2024, "month": 4, "day": 17}


# --- who may see it, and at what cost ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "most"),
    # The JSON's six: the story (with its length), the page's events, their
    # quotes, what they cite, their accounts with what those cite, and those
    # sources' rows, each archived text once.
    [("story_json", 6), ("story_timeline", 3)],
)
def test_data_costs_the_same_queries_for_one_event_or_many(client, name, most):
    text = "He said “it was necessary” on Wednesday."
    sources = [make_source(f"s{n}", text=text) for n in range(3)]
    sources[1].derived_from = sources[0]
    sources[1].save()
    counts = []
    for slug, size in (("small", 1), ("large", 20)):
        story = make_story(slug)
        for n in range(size):
            event = make_event(story, f"e{n}", sources)
            make_quote(event, sources[n % 3], slug=f"q{n}")
        with CaptureQueriesContext(connection) as queries:
            get_json(client, name, story)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= most


@pytest.mark.django_db
def test_a_long_story_s_timeline_shows_its_latest_dated_events_in_order(client):
    from tracker.public.exports import TIMELINE_SLIDES

    story = make_story("long")
    source = make_source("long-wire")
    first = datetime.date(2024, 1, 1)
    for n in range(TIMELINE_SLIDES + 5):
        make_event(story, f"e{n:03}", [source], date=first + datetime.timedelta(days=n))
    slides = client.get("/stories/long/timeline.json").json()["events"]
    assert [slide["unique_id"] for slide in slides] == [f"event-e{n:03}" for n in range(5, TIMELINE_SLIDES + 5)]
