"""The story as data: /stories/<slug>.json and the TimelineJS timeline."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from tracker.models import DatePrecision, Status

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
    assert slides["event-approx"]["start_date"] == {"year": 2024, "month": 2, "day": 15}
    assert slides["event-approx"]["display_date"] == "Mid-February 2024"
    assert slides["event-day"]["text"] == {
        "headline": "Court &lt;hears&gt; case",
        "text": "<p>Reported by: Dawn &amp; co</p>",
    }


# --- who may see it, and at what cost ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["story_json", "story_timeline"])
def test_data_costs_the_same_queries_for_one_event_or_many(client, name):
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
    assert counts[0] == counts[1] <= 4
