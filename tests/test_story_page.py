"""The story page as readers see it: header, visual timeline, events with their
sourcing, quotes in all their wordings, and what changed since a visit."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracker.history import editing
from tracker.models import DatePrecision, Event, Quote, SourceKind, Speech, Status
from tracker.public.templating import iso

from .conftest import make_event, make_quote, make_source, make_story

pytestmark = pytest.mark.django_db


def page(client, story, query=""):
    response = client.get(story.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def event_html(html, event):
    """The <li> of one event on the page."""
    start = html.index(f'id="{event.anchor}"')
    return html[start : html.index("</li>", start)]


def chart(html):
    return html[html.index("<svg") : html.index("</svg>")]


def test_header_shows_developing_status_and_published_and_last_updated_times(client, seed):
    html = page(client, seed)
    start = html.index('<header class="story-header">')
    header = html[start : html.index("</header>", start)]
    assert "Developing story" in header and seed.title in header and seed.summary in header
    assert f'Published <time datetime="{iso(seed.published_at)}">' in header
    assert "Last updated <time datetime=" in header


def test_last_updated_is_the_latest_change_to_the_story_or_its_published_events_and_quotes(client, seed):
    event = seed.events.get(slug="x-first-statement")
    quote = event.quotes.get()
    later = timezone.now().replace(microsecond=123456) + datetime.timedelta(days=1)
    Quote.objects.filter(pk=quote.pk).update(updated_at=later)
    html = page(client, seed)
    assert f'Last updated <time datetime="{iso(later)}">' in html
    # HTML allows at most three digits of a second in a datetime attribute.
    assert not re.search(r'datetime="[^"]*\.\d{4,}', html)

    draft = make_event(seed, "draft", [quote.source], status=Status.DRAFT)
    Event.objects.filter(pk=draft.pk).update(updated_at=later + datetime.timedelta(days=1))
    assert f'Last updated <time datetime="{iso(later)}">' in page(client, seed)


def test_index_lists_stories_by_their_latest_published_change(client):
    source = make_source()
    edited_event = make_story("older-story")
    make_story("newer-story")
    event = make_event(edited_event, sources=[source])
    Event.objects.filter(pk=event.pk).update(updated_at=timezone.now() + datetime.timedelta(hours=1))
    html = client.get("/").content.decode()
    assert html.index("Title older-story") < html.index("Title newer-story")
    assert "1 event" in html and "Developing" in html


def test_the_index_and_the_story_page_agree_on_last_updated(client, seed):
    quote = Quote.objects.filter(event__story=seed).first()
    Quote.objects.filter(pk=quote.pk).update(updated_at=timezone.now().replace(microsecond=654321))
    index = client.get("/").content.decode()
    shown = re.search(r'Last updated <time datetime="([^"]+)"', index).group(1)
    assert f'Last updated <time datetime="{shown}">' in page(client, seed)
    assert shown == iso(Quote.objects.get(pk=quote.pk).updated_at)


def test_key_events_are_listed_at_the_top_linking_to_their_anchors(client, seed):
    html = page(client, seed)
    key_list = html[html.index('id="key-events"') : html.index("</nav>")]
    for event in seed.events.filter(is_key=True):
        assert f'href="#{event.anchor}"' in key_list
    for event in seed.events.filter(is_key=False):
        assert f'href="#{event.anchor}"' not in key_list


def test_event_dates_are_as_precise_as_the_sources_allow(client):
    story, source = make_story(), make_source()
    day = make_event(story, "day", [source], date=datetime.date(2024, 2, 8))
    month = make_event(story, "month", [source], date=datetime.date(2024, 3, 19), date_precision=DatePrecision.MONTH)
    approx = make_event(
        story, "approx", [source], date=datetime.date(2024, 2, 15), date_precision="approximate", date_label="Mid-Feb"
    )
    html = page(client, story)
    assert '<time datetime="2024-02-08">8 February 2024</time>' in event_html(html, day)
    assert '<time datetime="2024-03">March 2024</time>' in event_html(html, month)
    assert 'Mid-Feb <span class="approx">(approximate)</span>' in event_html(html, approx)
    # No machine-readable day for an approximate date (the time it was posted here is another matter).
    assert "<time" not in event_html(html, approx).split("<h3>")[0].split('<span class="posted">')[0]


def test_a_translation_of_a_cited_source_is_not_an_independent_source(client):
    story = make_story()
    wire = make_source("wire")
    translation = make_source("translation", kind=SourceKind.MACHINE_TRANSLATION, derived_from=wire)
    copy_of_translation = make_source("copy", derived_from=translation)
    other = make_source("other")
    single = make_event(story, "single", [wire, translation, copy_of_translation])
    two = make_event(story, "two", [translation, other])
    html = page(client, story)
    assert "Single source" in event_html(html, single)
    assert "2 independent sources" in event_html(html, two) and "Single source" not in event_html(html, two)


def test_two_copies_of_an_uncited_original_count_as_one_source(client):
    story, original = make_story(), make_source("original")
    copies = [make_source(f"copy-{n}", derived_from=original) for n in range(2)]
    event = make_event(story, "event", copies)
    assert "Single source" in event_html(page(client, story), event)


def test_seed_corroboration_counts_the_wire_and_its_translation_once(client, seed):
    html = page(client, seed)
    # Reuters wire, its Jakarta machine translation, and the independent report on X's statement.
    assert "2 independent sources" in event_html(html, seed.events.get(slug="general-election"))
    assert "Single source" in event_html(html, seed.events.get(slug="x-first-statement"))


def test_the_editors_disagreement_note_is_shown_with_its_event(client, seed):
    event = seed.events.get(slug="interior-ministry-orders-x-closure")  # a note, and no accounts
    html = event_html(page(client, seed), event)
    assert '<div class="disagreement"><p><strong>Sources disagree.</strong>' in html
    assert "The Reuters wire copy and the Jakarta machine translation do not report these directives" in html


def test_a_statement_printed_in_several_wordings_says_so_and_lets_readers_compare(client, seed):
    html = page(client, seed)
    event = event_html(html, seed.events.get(slug="ministry-confirms-block-in-court"))
    # The Jakarta machine translation's wording is the Reuters wire's, translated, and the
    # "Pakistan Implements Social Media Ban" report appears to copy the wire's.
    assert "Reported in 4 wordings by 4 sources (2 independent): compare them" in event
    details = event[event.index('<details class="wordings">') : event.index("</details>")]
    for quote in Quote.objects.filter(variant_of__slug="failure-to-adhere"):
        assert f'id="{quote.anchor}"' in details
    original = Quote.objects.get(slug="failure-to-adhere")
    assert f'id="{original.anchor}"' in event and f'id="{original.anchor}"' not in details


def test_a_statement_printed_by_an_original_and_its_translation_has_one_independent_source(client):
    story, wire = make_story(), make_source("wire")
    translation = make_source("translation", kind=SourceKind.MACHINE_TRANSLATION, derived_from=wire)
    copy_of_translation = make_source("copy", derived_from=translation)
    other = make_source("other")
    derived = make_event(story, "derived", [wire, translation, copy_of_translation])
    first = make_quote(derived, wire, speaker="Minister")
    make_quote(derived, translation, speaker="Minister", variant_of=first)
    make_quote(derived, copy_of_translation, speaker="Minister", variant_of=first)
    mixed = make_event(story, "mixed", [translation, other])
    second = make_quote(mixed, translation, speaker="Minister")
    make_quote(mixed, other, speaker="Minister", variant_of=second)
    html = page(client, story)
    assert "Reported in 3 wordings by 3 sources (1 independent): compare them" in event_html(html, derived)
    assert "Reported in 2 wordings by 2 sources: compare them" in event_html(html, mixed)


def test_two_translations_of_an_uncited_original_are_one_independent_source_of_a_statement(client):
    story, original = make_story(), make_source("original")
    copies = [make_source(f"copy-{n}", derived_from=original) for n in range(2)]
    event = make_event(story, "event", copies)
    first = make_quote(event, copies[0], speaker="Minister")
    make_quote(event, copies[1], speaker="Minister", variant_of=first)
    assert "Reported in 2 wordings by 2 sources (1 independent): compare them" in event_html(page(client, story), event)


def test_only_published_wordings_are_counted(client):
    story, sources = make_story(), [make_source(f"s{n}") for n in range(3)]
    event = make_event(story, sources=sources)
    first = make_quote(event, sources[0], speaker="Minister")
    make_quote(event, sources[1], speaker="Minister", variant_of=first)
    make_quote(event, sources[2], speaker="Minister", variant_of=first, status=Status.DRAFT)
    assert "Reported in 2 wordings by 2 sources" in page(client, story)


def test_direct_quotes_and_reported_speech_are_told_apart(client):
    story, source = make_story(), make_source(text="He said “we will” and that they might not.")
    event = make_event(story, sources=[source])
    direct = make_quote(event, source, "we will", speaker="Ana", speaker_role="minister")
    reported = make_quote(event, source, "they might not", speaker="Ben", speech=Speech.REPORTED)
    html = page(client, story)
    direct_html = html[html.index(f'id="{direct.anchor}"') :]
    reported_html = html[html.index(f'id="{reported.anchor}"') :]
    assert direct_html.index("“we will”") < direct_html.index("Direct quote")
    assert "Ana</span>, minister" in direct_html
    assert "“they might not”" not in html
    assert reported_html.index("they might not") < reported_html.index("Reported speech")


def test_citations_link_to_the_sources_list_which_describes_each_source(client):
    story = make_story()
    wire = make_source(
        "wire",
        headline="Wire story",
        outlet="Wire Agency",
        kind=SourceKind.WIRE,
        published_on=datetime.date(2024, 4, 17),
    )
    translation = make_source(
        "translation", headline="", kind=SourceKind.MACHINE_TRANSLATION, language="ur", derived_from=wire
    )
    event = make_event(story, sources=[wire, translation])
    html = page(client, story)
    for source in (wire, translation):
        assert f'href="#source-{source.pk}"' in event_html(html, event)
    sources = html[html.index('<ol class="sources">') :]
    assert "Wire story" in sources and "Wire Agency · 17 April 2024 · Wire copy · English" in sources
    assert "Untitled machine translation" in sources
    assert "Outlet not named · Undated · Machine translation · Urdu" in sources
    assert f'derived from <a href="#source-{wire.pk}">[1] Wire story</a>' in sources


def test_a_parent_source_nothing_public_cites_is_not_named(client):
    story = make_story()
    hidden = make_source("hidden", headline="UNCITED-PARENT")
    event = make_event(story, sources=[make_source("copy", derived_from=hidden)])
    make_event(story, "draft", sources=[hidden], status=Status.DRAFT)  # a draft citing it makes it no more public
    html = page(client, story)
    assert "UNCITED-PARENT" not in html and "derived from a source not published here" in html
    assert "Single source" in event_html(html, event)


def test_every_event_and_quote_has_a_stable_permalink_anchor(client, seed):
    html = page(client, seed)
    for event in seed.events.all():
        assert f'id="event-{event.slug}"' in html
    for quote in Quote.objects.filter(event__story=seed):
        assert f'id="{quote.anchor}"' in html


def test_the_chart_draws_each_date_as_precisely_as_it_is_known(client):
    story, source = make_story(), make_source()
    make_event(story, "day", [source], headline="Day event", date=datetime.date(2024, 2, 8))
    make_event(story, "month", [source], headline="Month event", date=datetime.date(2024, 3, 1), date_precision="month")
    make_event(
        story, "approx", [source], headline="Approx event", date=datetime.date(2024, 4, 15),
        date_precision="approximate", date_label="Mid-April 2024",
    )  # fmt: skip
    undated = make_event(
        story, "undated", [source], headline="Undated event", date=None, date_precision="approximate",
        date_label="A Friday",
    )  # fmt: skip
    html = page(client, story)
    svg = chart(html)
    assert '<title id="chart-title">' in svg and '<desc id="chart-desc">' in svg
    assert svg.count('class="mark day"') == 1
    assert svg.count('<rect class="mark month"') == 1
    assert svg.count('<line class="mark approximate"') == 1 and "Mid-April 2024" in svg
    assert "Day event" in svg and "Undated event" not in svg
    glance = html[html.index('id="at-a-glance"') : html.index('id="timeline"')]
    assert f'<a href="#{undated.anchor}">Undated event</a> (A Friday)' in glance


def test_a_month_only_bar_spans_its_whole_month(client):
    story, source = make_story(), make_source()
    make_event(story, "feb", [source], date=datetime.date(2024, 2, 1), date_precision="month")
    make_event(story, "apr", [source], date=datetime.date(2024, 4, 30))
    svg = chart(page(client, story))
    bar = re.search(r'<rect class="mark month" x="[\d.-]+" y="([\d.]+)" width="8" height="([\d.]+)"', svg)
    ticks = [float(y) for y in re.findall(r'<line class="tick" x1="[\d.]+" y1="([\d.]+)"', svg)]
    feb, mar = ticks[0], ticks[1]
    assert float(bar.group(1)) == pytest.approx(feb, abs=0.2)
    assert float(bar.group(1)) + float(bar.group(2)) == pytest.approx(mar, abs=0.2)


def test_a_story_without_dated_events_has_no_chart_but_lists_them(client):
    story = make_story()
    event = make_event(story, sources=[make_source()], date=None, date_precision="approximate", date_label="Someday")
    html = page(client, story)
    assert "<svg" not in html and f'href="#{event.anchor}"' in html


def test_since_marks_events_added_or_changed_after_it(client):
    story, source = make_story(), make_source()
    old = make_event(story, "old", [source])
    changed = make_event(story, "changed", [source])
    added = make_event(story, "added", [source])
    quoted = make_event(story, "quoted", [source])
    long_ago = timezone.now() - datetime.timedelta(days=10)
    Event.objects.filter(pk__in=[old.pk, changed.pk, quoted.pk]).update(created_at=long_ago, updated_at=long_ago)
    Event.objects.filter(pk=changed.pk).update(updated_at=timezone.now())
    make_quote(quoted, source)
    html = page(client, story, f"?since={(timezone.now() - datetime.timedelta(days=1)).date().isoformat()}")
    assert "is-new" not in event_html(html, old).split(">")[0]
    assert "Updated since" in event_html(html, changed) and "is-new" in event_html(html, changed)
    assert "New since" in event_html(html, added) and "is-new" in event_html(html, added)
    assert "Updated since" in event_html(html, quoted)


@pytest.mark.parametrize(
    "since", ["yesterday", "2024-02-30", "2024-13-01", "2024-04-17T25:00", "9" * 500, "2024-04-17T10:00+99:00", "%00"]
)
def test_a_malformed_since_is_ignored(client, seed, since):
    response = client.get(seed.get_absolute_url(), {"since": since})
    assert response.status_code == 200
    assert "is-new" not in response.content.decode()


def test_since_accepts_a_datetime_with_a_zone(client, seed):
    html = page(client, seed, "?since=2000-01-01T00:00:00%2B05:00")
    assert html.count('class="new-label"') == seed.events.count()


def test_events_say_when_they_were_posted_and_updated_here_the_times_the_new_since_script_compares(
    client, seed, django_capture_on_commit_callbacks
):
    html = page(client, seed)
    updated = re.search(r'data-story-updated="([^"]+)"', html).group(1)
    assert f'Last updated <time datetime="{updated}">' in html
    for event in seed.events.all():
        posted = f'<span class="posted">Posted here <time datetime="{iso(event.created_at)}">'
        assert posted in event_html(html, event)
        assert ", updated <time" not in event_html(html, event)  # the seed's events were never changed
    event = seed.events.first()
    with django_capture_on_commit_callbacks(execute=True), editing():
        event.headline = "A corrected headline"
        event.save()
    event.refresh_from_db()
    shown = event_html(page(client, seed), event)
    assert f', updated <time datetime="{iso(event.updated_at)}">' in shown


def test_the_page_has_one_deferred_external_script_and_no_inline_scripts_or_styles(client, seed):
    html = page(client, seed)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert [s for s in scripts if "src=" in s] == [s for s in scripts if "defer" in s]
    assert len([s for s in scripts if "src=" in s]) == 1
    assert all("src=" in s or 'type="application/ld+json"' in s for s in scripts)
    assert "style=" not in html and "<style" not in html
    assert not re.search(r"<[^>]+\son\w+=", html)


def test_the_seed_page_with_its_css_and_script_is_under_100_kb(client, seed):
    html = page(client, seed)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    assert len(assets) == 2
    total = len(html.encode()) + sum(len(b"".join(client.get(url).streaming_content)) for url in assets)
    assert total < 100_000


def build_story(events):
    story = make_story(f"story-{events}")
    original = make_source(f"original-{events}")
    translation = make_source(f"translation-{events}", derived_from=original, kind=SourceKind.TRANSLATION)
    for n in range(events):
        event = make_event(story, f"e{n}", [original, translation], is_key=n % 2 == 0)
        first = make_quote(event, original)
        make_quote(event, translation, variant_of=first)
        make_quote(event, translation, status=Status.DRAFT)
    return story


def test_the_story_page_costs_the_same_queries_for_3_events_as_for_30(client):
    counts = []
    for events in (3, 30):
        story = build_story(events)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(story.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 10


def test_draft_events_and_quotes_appear_nowhere_on_the_page(client):
    story, source = make_story(), make_source(text="Said “open words” and “SECRET words”.")
    secret = make_source("secret", headline="SECRET-SOURCE", text="SECRET")
    visible = make_event(story, "visible", [source])
    make_quote(visible, source, "open words")
    make_quote(visible, source, "SECRET words", speaker="SECRET-SPEAKER", status=Status.DRAFT)
    make_event(story, "hidden", [secret], headline="SECRET-EVENT", status=Status.DRAFT, is_key=True)
    make_event(story, "withdrawn", [secret], headline="SECRET-WITHDRAWN", status=Status.UNPUBLISHED)
    html = page(client, story)
    assert "SECRET" not in html
    assert "SECRET" not in chart(html)


def test_hostile_event_text_is_inert_in_the_chart_the_page_and_the_structured_data(client):
    hostile = '</title><script>alert(1)</script><img src=x onerror="alert(2)">'
    story = make_story()
    make_event(story, "dated", [make_source()], headline=hostile)
    make_event(story, "undated", [make_source("other")], date=None, date_precision="approximate", date_label=hostile)
    html = page(client, story)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in chart(html)


def test_story_page_links_to_its_changelog_feed_and_data(client, seed):
    html = client.get(seed.get_absolute_url()).content.decode()
    for name in ("story_changes", "story_feed", "story_json", "story_timeline"):
        assert f'href="{reverse(f"tracker:{name}", kwargs={"slug": seed.slug})}"' in html, name
    assert 'rel="alternate" type="application/atom+xml"' in html
