"""Reader search (tracker/public/search.py): events, quotes and speakers of
published stories, on SQLite (LIKE, every word) and PostgreSQL (full text)."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracker.models import Event, Quote, Status, Story
from tracker.public import search

from .conftest import make_event, make_quote, make_source, make_story
from .quality import check_html, require_vnu

URL = reverse("tracker:search")
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")
HREF = re.compile(r'href="([^"]+)"')


def found(response, group):
    """The addresses a group of results links to, in order."""
    body = response.content.decode()
    start = body.find(f'id="results-{group}"')
    if start == -1:
        return []
    end = body.find("</section>", start)
    return [href.replace("&amp;", "&") for href in HREF.findall(body[start:end])]


def permalinks(response, group):
    return [href for href in found(response, group) if not href.startswith(URL)]


def get(client, **params):
    return client.get(URL, params)


# --- Finding things ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_quote_s_words_find_the_quote_and_its_permalink_lands_on_it(client, seed):
    quote = Quote.objects.published().get(text__startswith="It's almost impossible to convince")
    response = get(client, q="convince Pakistani advertisers")
    assert response.status_code == 200
    links = permalinks(response, "quotes")
    assert quote.get_absolute_url() in links
    assert all("/quotes/" in link for link in links) and len(links) == 2  # both wordings, nothing else
    landing = client.get(quote.get_absolute_url())
    assert landing.status_code == 302 and landing["Location"].endswith(f"#{quote.anchor}")
    assert f'id="{quote.anchor}"' in client.get(landing["Location"]).content.decode()


@pytest.mark.django_db
def test_a_speaker_is_found_once_with_the_count_of_their_quotes(client, seed):
    response = get(client, q="Usama Khilji")
    body = response.content.decode()
    first = Quote.objects.published().filter(speaker="Usama Khilji").order_by("pk").first()
    links = found(response, "speakers")
    assert links[0] == first.get_absolute_url()
    assert links[1].startswith(URL) and "kind=quotes" in links[1]
    assert len(links) == 2  # one speaker: the quote and a search of their quotes
    assert "2 published quotes" in body
    assert len(permalinks(response, "quotes")) == 2  # the quotes are found by their speaker too


@pytest.mark.django_db
def test_a_speaker_s_role_finds_them(client, seed):
    response = get(client, q="marketing consultant")
    links = permalinks(response, "speakers")
    assert links == [Quote.objects.published().filter(speaker="Saif Ali").order_by("pk").first().get_absolute_url()]


@pytest.mark.django_db
def test_an_event_s_headline_and_description_find_it(client, seed):
    event = seed.events.live().get(slug="general-election")
    response = get(client, q="general election")
    assert event.get_absolute_url() in permalinks(response, "events")
    landing = client.get(event.get_absolute_url())
    assert landing.status_code == 302 and landing["Location"].endswith(f"#{event.anchor}")


@pytest.mark.django_db
def test_every_word_must_occur_and_a_minus_leaves_one_out(client):
    story, source = make_story(), make_source()
    both = make_event(story, "both", headline="Court adjourns the hearing")
    one = make_event(story, "one", headline="Court rules")
    assert permalinks(get(client, q="court hearing"), "events") == [both.get_absolute_url()]
    assert permalinks(get(client, q="court -hearing"), "events") == [one.get_absolute_url()]
    assert permalinks(get(client, q="COURT"), "events") != []  # whatever the case
    make_quote(one, source)
    assert permalinks(get(client, q="necessary -ministry"), "quotes") == []


@pytest.mark.django_db
def test_within_a_story_only_that_story_is_searched(client):
    here, elsewhere = make_story("here"), make_story("elsewhere")
    source = make_source()
    mine = make_event(here, "mine", headline="Minister resigns")
    make_event(elsewhere, "theirs", headline="Minister resigns")
    quote = make_quote(mine, source, speaker="Minister of State")
    make_quote(elsewhere.events.get(), source, speaker="Minister of State")
    everywhere = get(client, q="minister")
    assert len(permalinks(everywhere, "events")) == 2 and len(permalinks(everywhere, "quotes")) == 2
    assert "2 published quotes" in everywhere.content.decode()
    response = get(client, q="minister", story="here")
    assert permalinks(response, "events") == [mine.get_absolute_url()]
    assert permalinks(response, "quotes") == [quote.get_absolute_url()]
    assert permalinks(response, "speakers") == [quote.get_absolute_url()]
    body = response.content.decode()
    assert "1 published quote in this story" in body
    assert 'name="story" value="here"' in body  # the form keeps searching the story
    assert "story=here" in found(response, "speakers")[1]


@pytest.mark.django_db
@on_postgresql
def test_postgresql_finds_other_forms_of_a_word_and_ranks_headlines_first(client):
    story = make_story()
    in_description = make_event(story, "described", headline="A hearing", description="The court blocked the site")
    in_headline = make_event(story, "headline", headline="Site blocked by the court")
    assert permalinks(get(client, q="blocking"), "events") == [
        in_headline.get_absolute_url(),
        in_description.get_absolute_url(),
    ]
    assert permalinks(get(client, q='"court blocked"'), "events") == [in_description.get_absolute_url()]  # a phrase
    assert permalinks(get(client, q="hearing -court"), "events") == []
    assert len(permalinks(get(client, q="hearing or site"), "events")) == 2
    assert "<mark>blocked</mark>" in get(client, q="blocking").content.decode()


# --- Drafts are never found -------------------------------------------------------

SECRET = "zanzibarite"


@pytest.fixture
def hidden_everywhere(db):
    """One public event and quote, and the secret word everywhere readers may not see."""
    source = make_source(text=f"{SECRET} said it was necessary")
    public = make_story("public")
    shown = make_event(public, "shown", headline="Nothing secret")
    make_quote(shown, source, speaker="Public speaker")
    make_event(public, "draft-event", headline=f"Draft {SECRET}", status=Status.DRAFT)
    make_quote(shown, source, text=f"draft {SECRET}", speaker=f"Draft {SECRET}", status=Status.DRAFT)
    draft_event = make_event(public, "hidden-event", headline="A draft", status=Status.DRAFT)
    make_quote(draft_event, source, text=f"under a draft {SECRET}", speaker=f"Under {SECRET}")
    hour = datetime.timedelta(hours=1)
    stories = [
        make_story("draft-story", status=Status.DRAFT),
        make_story("withdrawn-story", status=Status.UNPUBLISHED, published_at=timezone.now() - hour),
        make_story("scheduled-story", status=Status.PUBLISHED, published_at=timezone.now() + hour),
    ]
    for story in stories:
        event = make_event(story, f"{story.slug}-event", headline=f"{story.slug} {SECRET}", description=SECRET)
        make_quote(event, source, text=f"{story.slug} {SECRET}", speaker=f"{SECRET} {story.slug}")
    return shown


@pytest.mark.django_db
def test_drafts_withdrawn_and_scheduled_stories_are_never_found(client, hidden_everywhere):
    for params in ({"q": SECRET}, {"q": SECRET, "story": "public"}, {"q": f"{SECRET} draft"}):
        for kind in ("", *search.KINDS):
            response = get(client, **params, kind=kind)
            assert response.status_code == 200
            for group in search.KINDS:
                assert found(response, group) == [], (params, kind, group)
            assert "Nothing published matches" in response.content.decode()
    assert permalinks(get(client, q="Public speaker"), "speakers") != []  # the search does find the public one


@pytest.mark.django_db
def test_a_search_within_a_story_readers_may_not_see_is_not_found(client, hidden_everywhere):
    for slug in ("draft-story", "withdrawn-story", "scheduled-story", "no-such-story", "bad slug", "é", "a" * 300):
        assert get(client, q=SECRET, story=slug).status_code == 404, slug
    assert get(client, q=SECRET, story="x\x00y").status_code == 400  # tracker.security refuses any NUL


@pytest.mark.django_db
def test_a_speaker_s_count_leaves_out_their_hidden_quotes(client, hidden_everywhere):
    source = make_source("other", text="Public speaker said so")
    make_quote(hidden_everywhere, source, text="said so", speaker="Public speaker", status=Status.DRAFT)
    draft = hidden_everywhere.story.events.get(slug="hidden-event")
    make_quote(draft, source, text="said so", speaker="Public speaker")
    assert "1 published quote" in get(client, q="public speaker").content.decode()


# --- Hostile input -----------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "' OR 1=1 --",
    "'; DROP TABLE tracker_event; --",
    '" OR ""="',
    "a & b | !c <-> d:*",
    "%",
    "_",
    "\\",
    "((((",
    "-",
    "or",
    "the",
    '"',
    "-necessary",
    "<script>alert(1)</script>",
    "\x00",
    "necessary\x00",
    "\x7f\x1b[31m",
    "\ufeff\u200b",
    "𝕏 🚫 مسدود",
    "a" * 200,
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_get_a_clear_page(client, seed, query):
    response = get(client, q=query)
    body = response.content.decode()
    assert "<script>alert" not in body
    if "\x00" in query:  # tracker.security answers any NUL with its 400 page, before the search
        assert response.status_code == 400 and "<h1>" in body
    else:
        assert response.status_code == 200 and "<h1>Search</h1>" in body


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["q=%ED%A0%80", "q=%ED%B0%80x", "q=%FF%FE", "q=%F0%9F", "q=a&q=b&page=x&kind=y", "q"])
def test_undecodable_bytes_and_lone_surrogates_get_a_clear_page(seed, raw):
    response = Client().generic("GET", URL, QUERY_STRING=raw)
    assert response.status_code == 200
    assert "<h1>Search</h1>" in response.content.decode()


@pytest.mark.django_db
def test_lone_surrogates_and_control_characters_are_dropped_from_the_query():
    assert search.clean("\ud800court\udfff \x1b[0m hearing\u0007") == "court [0m hearing"


@pytest.mark.django_db
@pytest.mark.parametrize("length", [201, 10 * 1024])
def test_a_query_too_long_is_refused_with_a_message(client, seed, length):
    response = get(client, q="a " * (length // 2) + "b" * (length % 2))
    assert response.status_code == 400
    assert f"use at most {search.MAX_LENGTH} characters" in response.content.decode()


@pytest.mark.django_db
def test_whatever_a_search_finds_is_escaped_and_only_the_marks_are_markup(client):
    story, source = make_story(), make_source(text="<script>alert(1)</script> & <b>bold</b>")
    event = make_event(story, "x", headline="<img src=x onerror=alert(1)> alert", description="<b>alert</b>")
    make_quote(event, source, text="<script>alert(1)</script>", speaker="<i>alert</i>")
    response = get(client, q="alert")
    body = response.content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body and "<b>" not in body and "<i>" not in body
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=<mark>alert</mark>(1)&gt; <mark>alert</mark>" in body
    assert "&lt;i&gt;<mark>alert</mark>&lt;/i&gt;" in body


@pytest.mark.django_db
def test_the_query_is_echoed_escaped(client, seed):
    body = get(client, q='"><script>x</script>').content.decode()
    assert "<script>x" not in body and "&#34;&gt;&lt;script&gt;x&lt;/script&gt;" in body.replace("&quot;", "&#34;")


def test_highlighting_cuts_long_text_around_the_first_match():
    pattern = search.marker(search.Terms.of("needle"))
    text = "hay " * 200 + "a needle here " + "hay " * 200
    shown = str(search.highlight(text, pattern, 100))
    assert shown.startswith("…") and shown.endswith("…") and "<mark>needle</mark>" in shown
    assert len(shown) < 150
    assert str(search.highlight("<needles>", pattern)) == "&lt;<mark>needles</mark>&gt;"
    assert str(search.highlight("x", None)) == "x"
    words = search.marker(search.Terms.of("national security"))
    assert str(search.highlight("National  security, and security", words)) == (
        "<mark>National  security</mark>, and <mark>security</mark>"
    )


# --- Cost, paging and caching --------------------------------------------------------


@pytest.mark.django_db
def test_a_search_costs_a_bounded_number_of_queries_however_large_the_story(django_assert_max_num_queries):
    counts = []
    for events in (5, 120):
        call_command("synthesize_story", "--events", events, "--slug", f"s{events}", verbosity=0)
        slug = f"synthetic-s{events}"
        for params in (
            {"q": "security"},
            {"q": "security", "story": slug},
            {"q": "Attorney General"},
            {"q": "security", "kind": "quotes", "page": "2"},
            {"q": "security", "story": slug, "kind": "speakers"},
        ):
            with django_assert_max_num_queries(5), CaptureQueriesContext(connection) as queries:
                assert Client().get(URL, params).status_code == 200
            counts.append((events, str(params), len(queries)))
    small = [count for events, _, count in counts if events == 5]
    large = [count for events, _, count in counts if events == 120]
    assert small == large, counts


@pytest.mark.django_db
def test_an_empty_search_costs_no_query(django_assert_num_queries, seed):
    with django_assert_num_queries(0):
        assert Client().get(URL).status_code == 200


@pytest.mark.django_db
def test_a_group_shows_fifty_and_pages_through_the_rest(client):
    story = make_story()
    for n in range(search.PAGE_SIZE + 5):
        make_event(
            story, f"e{n}", headline=f"Protest number {n}", date=datetime.date(2024, 1, 1) + datetime.timedelta(n)
        )
    response = get(client, q="protest")
    assert len(permalinks(response, "events")) == search.PAGE_SIZE
    more = [link for link in found(response, "events") if link.startswith(URL)]
    assert len(more) == 1 and "kind=events" in more[0] and "page=2" in more[0]
    second = client.get(more[0])
    assert len(permalinks(second, "events")) == 5
    assert found(second, "quotes") == []  # only the group asked for
    assert 'rel="prev"' in second.content.decode()
    newest_first = permalinks(response, "events")[0]
    assert newest_first.endswith(f"/e{search.PAGE_SIZE + 4}/")
    assert get(client, q="protest", kind="events", page="999").status_code == 200  # past the end: an empty page
    assert get(client, q="protest", kind="events", page="-1").status_code == 200


@pytest.mark.django_db
def test_search_pages_are_not_indexed_nor_stored_in_the_page_cache(client, seed, settings):
    settings.PAGE_CACHE_SECONDS = 600
    response = get(client, q="national security")
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Cache-Control"] == "public, max-age=30, stale-while-revalidate=30"
    with CaptureQueriesContext(connection) as queries:
        assert get(client, q="national security").status_code == 200
    assert len(queries) > 0  # rendered again, not served from the page cache


@pytest.mark.django_db
def test_every_page_has_the_search_form_in_its_header_but_the_search_page(client, seed):
    for address in (reverse("tracker:story_list"), seed.get_absolute_url()):
        body = client.get(address).content.decode()
        assert f'<form class="site-search" role="search" aria-label="Search the site" action="{URL}"' in body
        assert '<label for="site-q">Search</label>' in body
    body = get(client, q="x").content.decode()
    assert 'class="site-search"' not in body and '<label for="search-q">' in body


@pytest.mark.django_db
def test_a_story_s_quotes_are_no_longer_found_once_it_is_withdrawn(client, seed):
    assert permalinks(get(client, q="convince advertisers"), "quotes")
    Story.objects.filter(pk=seed.pk).update(status=Status.UNPUBLISHED)
    assert permalinks(get(client, q="convince advertisers"), "quotes") == []


# --- The index on PostgreSQL ----------------------------------------------------------


@pytest.mark.django_db
@on_postgresql
def test_postgresql_searches_through_the_gin_indexes(seed):
    """The expressions the search queries are the indexed ones: with sequential
    scans off, the planner reaches for the indexes (bench/search.py shows it
    choosing them unprompted at 10,000 events)."""
    terms = search.Terms.of("national security")
    queries = {
        "event_search": search.matching(Event.objects.all(), search.event_vector(), (), "national security", terms),
        "quote_search": search.matching(Quote.objects.all(), search.quote_vector(), (), "national security", terms),
        "quote_speaker_search": search.matching(Quote.objects.all(), search.speaker_vector(), (), "interior", terms),
    }
    with connection.cursor() as cursor:
        # Left only bitmap scans, which need an index on the condition: GIN's.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        for index, (rows, _order) in queries.items():
            plan = rows.explain()
            assert index in plan, plan


# --- Valid HTML --------------------------------------------------------------------


@pytest.mark.vnu
@pytest.mark.django_db
def test_search_pages_are_valid_html(client, seed, tmp_path):
    require_vnu()
    pages = {
        "empty": get(client),
        "results": get(client, q="national security"),
        "story": get(client, q="Atta Tarar", story=seed.slug),
        "more": get(client, q="ministry", kind="quotes"),
        "nothing": get(client, q="zebra"),
        "too-long": get(client, q="a" * 300),
        "index": client.get(reverse("tracker:story_list")),  # the header's form
    }
    errors = check_html({name: response.content.decode() for name, response in pages.items()}, tmp_path)
    assert errors == {name: [] for name in pages}
