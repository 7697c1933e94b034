"""The seed story held to its five articles: every citation reports its
event, every speaker and role is the one its own source printed, the
statements an editor must record are there, and the page counts
independent sources, not copies of one.

The articles are 000 Tarar's Voice of America interview, 001 the Reuters
wire copy, 002 the "Pakistan Implements Social Media Ban" report, 003 the
report on X's first statement and 004 a machine translation of 001."""

import re

import pytest

from tracker.models import Quote, Source, Speech
from tracker.provenance import normalise_text

pytestmark = pytest.mark.django_db

TARAR, WIRE, BAN_REPORT, X_REPORT, TRANSLATION = (
    "tarar-voa-interview-security-concerns",
    "reuters-wire-ministry-confirms-block",
    "x-ban-national-security-report-2024-04-18",
    "x-first-statement-report-2024-04-18",
    "jakarta-machine-translation-ministry-confirms-block",
)

# What a source must say to report each event: the fact itself, not context
# around it. The event cites exactly the sources that say it.
KEY_FACTS = {
    "general-election": r"(February|Feb\.) 8\b",
    "users-report-x-access-problems": r"(?i)\busers\b.{0,40}\b(problems|difficulties)\b",
    "interior-ministry-orders-x-closure": r"directives for the closure of X on February 17",
    "ministry-confirms-block-in-court": r"written (court )?(submission|filing)|report submitted to the Islamabad High",
    "court-orders-reconsideration": r"within (a|one) week",
    "rights-groups-advertisers-raise-concerns": r"\b(raised|raising) concerns\b",
    "x-first-statement": r"We continue to engage with the Pakistani Government",
    "tarar-voa-interview": r"interview with Voice of America",
}


def page(client, story):
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def event_html(html, slug):
    start = html.index(f'id="event-{slug}"')
    return html[start : html.index("</li>", start)]


def citations(event_section):
    """The source ids an event's "Reported by" line links to."""
    line = event_section[event_section.index('<p class="citations">') :]
    return {int(pk) for pk in re.findall(r'href="#source-(\d+)"', line)}


def source(slug):
    return Source.objects.get(slug=slug)


def reporting(fact):
    return {s.slug for s in Source.objects.all() if re.search(fact, normalise_text(s.text))}


# --- citations ---------------------------------------------------------------------


def test_every_seed_event_has_its_key_fact_audited(seed):
    assert set(seed.events.values_list("slug", flat=True)) == set(KEY_FACTS)


def test_an_event_cites_exactly_the_sources_that_report_its_key_fact(seed):
    wrong = {}
    for event in seed.events.prefetch_related("sources"):
        cited, reported = {s.slug for s in event.sources.all()}, reporting(KEY_FACTS[event.slug])
        if cited != reported:
            wrong[event.slug] = {"cited, not reporting": cited - reported, "reporting, not cited": reported - cited}
    assert wrong == {}


def test_the_closure_directive_is_cited_only_to_the_report_that_gives_it_and_its_date(client, seed):
    event = seed.events.get(slug="interior-ministry-orders-x-closure")
    assert list(event.sources.values_list("slug", flat=True)) == [X_REPORT]
    section = event_html(page(client, seed), event.slug)
    assert citations(section) == {source(X_REPORT).pk}
    assert "Single source" in section
    # What the wire and its translation say instead is told as context, not cited.
    assert "confidential" in section and "Reuters wire copy" in section


def test_the_page_cites_for_each_event_only_the_sources_that_report_it(client, seed):
    html = page(client, seed)
    for slug, fact in KEY_FACTS.items():
        assert citations(event_html(html, slug)) == {source(s).pk for s in reporting(fact)}, slug


def test_every_passage_an_editors_note_quotes_is_printed_by_a_source(seed):
    printed = [normalise_text(text).casefold() for text in Source.objects.values_list("text", flat=True)]
    for event in seed.events.all():
        for passage in re.findall(r"“([^”]+)”", f"{event.description} {event.disagreement}"):
            assert any(normalise_text(passage).casefold() in text for text in printed), (event.slug, passage)


# --- speakers and roles as printed ---------------------------------------------------

FUNCTION_WORDS = {"a", "an", "the", "in", "of", "and", "to", "on", "its", "their"}


def stem(word):
    word = word.removesuffix("'s")
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)]
    return word


def words(text):
    return {stem(word) for word in re.findall(r"[\w']+", normalise_text(text).casefold())} - FUNCTION_WORDS


def test_every_quotes_speaker_and_role_are_in_words_its_own_source_printed(seed):
    for quote in Quote.objects.select_related("source"):
        printed = words(quote.source.text)
        for said in (quote.speaker, quote.speaker_role):
            assert words(said) <= printed, (quote.slug, said, words(said) - printed)


def test_the_translation_calls_jafri_a_plaintiff_and_names_no_petitioner(client, seed):
    wire, translated = Quote.objects.get(slug="jafri-another-court"), Quote.objects.get(slug="jafri-another-court-004")
    assert (wire.speaker_role, translated.speaker_role) == ("petitioner and advocate", "plaintiff and lawyer")
    html = page(client, seed)
    assert "Abdul Moiz Jafri</span>, plaintiff and lawyer" in html
    assert "petitioner and lawyer" not in html


def test_quotes_from_a_report_that_names_no_court_name_none(client, seed):
    quotes = Quote.objects.filter(source__slug=BAN_REPORT)
    assert quotes.count() >= 3
    assert not quotes.filter(speaker_role__icontains="High Court").exists()
    html = page(client, seed)
    for quote in quotes:
        start = html.index(f'id="{quote.anchor}"')
        caption = html[html.index("<figcaption>", start) : html.index("</figcaption>", start)]
        assert "in a written court submission" in caption and "High Court" not in caption, quote.slug


def in_quotation_marks(quote):
    """Whether every place its source prints the quote's words is inside
    quotation marks (an odd number of them open before it on its line)."""
    words = normalise_text(quote.text)
    found = []
    for line in quote.source.text.splitlines():
        line = normalise_text(line)
        found += [line[: at.start()].count('"') % 2 == 1 for at in re.finditer(re.escape(words), line)]
    assert found, quote.slug
    return all(found)


def test_a_quote_is_direct_exactly_when_its_source_prints_it_in_quotation_marks(seed):
    for quote in Quote.objects.select_related("source"):
        assert (quote.speech == Speech.DIRECT) == in_quotation_marks(quote), quote.slug


def test_every_wording_points_at_the_first_wording_of_its_statement_under_the_same_event(seed):
    for quote in Quote.objects.filter(variant_of__isnull=False).select_related("variant_of"):
        assert quote.variant_of.variant_of_id is None, quote.slug
        assert quote.variant_of.event_id == quote.event_id, quote.slug
        assert quote.variant_of.source_id != quote.source_id, quote.slug


# --- the statements an editor records --------------------------------------------------

# (event, words of its first wording, the sources that print the statement)
STATEMENTS = [
    (
        "ministry-confirms-block-in-court",
        "blocked access to social media platform X around the time of February’s election",
        {WIRE, TRANSLATION, BAN_REPORT, X_REPORT},
    ),
    ("ministry-confirms-block-in-court", "for spreading extremist ideologies", {X_REPORT}),
    ("ministry-confirms-block-in-court", "promote responsible usage of social media platforms", {X_REPORT}),
    ("ministry-confirms-block-in-court", "similar actions taken by various countries", {X_REPORT}),
    ("ministry-confirms-block-in-court", "Islamabad engaged in discussions with X", {BAN_REPORT}),
    ("tarar-voa-interview", "Balochistan Liberation Army (BLA) have exploited X to give live updates", {TARAR}),
    ("general-election", "military was behind his ouster as prime minister", {WIRE, TRANSLATION}),
    ("general-election", "The military denies this charge", {WIRE, TRANSLATION}),
]


@pytest.mark.parametrize(("event", "words", "sources"), STATEMENTS)
def test_the_statements_the_articles_print_are_recorded_in_every_wording(seed, event, words, sources):
    first = Quote.objects.get(event__story=seed, event__slug=event, variant_of=None, text__contains=words)
    wordings = [first, *first.variants.all()]
    assert {quote.source.slug for quote in wordings} == sources
    assert all(quote.speech == Speech.REPORTED for quote in wordings)


def test_the_ministrys_confirmation_is_on_the_page_in_four_wordings_from_two_independent_sources(client, seed):
    section = event_html(page(client, seed), "ministry-confirms-block-in-court")
    first = Quote.objects.get(slug="blocked-around-election")
    start = section.index(f'id="{first.anchor}"')
    assert "around the time of February’s election on national security concerns" in section[start:]
    # The wire's translation and the report that appears to copy it are not independent of it.
    assert section[start:].index("Reported in 4 wordings by 4 sources (2 independent): compare them") < (
        section[start:].index("around the February election time")
    )


# --- counting independent sources ------------------------------------------------------


def root(source):
    while source.derived_from is not None:
        source = source.derived_from
    return source.pk


def wordings_summaries(section):
    return re.findall(r"<summary>(Reported in [^<]*)</summary>", section)


def test_every_statement_on_the_seed_page_counts_the_wire_and_its_translation_once(client, seed):
    html = page(client, seed)
    expected = []
    for first in Quote.objects.filter(event__story=seed, variant_of=None).order_by("event__date", "pk"):
        wordings = [first, *first.variants.all()]
        if len(wordings) == 1:
            continue
        sources = {quote.source for quote in wordings}
        roots = {root(s) for s in sources}
        expected.append((first, len(wordings), len(sources), len(roots)))
    assert expected
    for first, count, sources, independent in expected:
        section = event_html(html, first.event.slug)
        after = section[section.index(f'id="{first.anchor}"') :]
        summary = wordings_summaries(after)[0]
        independence = f" ({independent} independent)" if independent < sources else ""
        assert summary == f"Reported in {count} wordings by {sources} sources{independence}: compare them", first.slug


def test_a_statement_printed_by_the_wire_and_its_translation_has_one_independent_source(client, seed):
    html = page(client, seed)
    for slug in (
        "hostile-elements",
        "confidential-agency-reports",
        "jafri-another-court",
        "khilji-democratic-accountability",
        "saif-ali-advertisers",
    ):
        first = Quote.objects.get(slug=slug)
        section = event_html(html, first.event.slug)
        after = section[section.index(f'id="{first.anchor}"') :]
        assert wordings_summaries(after)[0] == "Reported in 2 wordings by 2 sources (1 independent): compare them", slug


# --- the summary --------------------------------------------------------------------


def test_the_summary_gives_each_start_of_the_block_the_sources_give(client, seed):
    summary = seed.summary
    assert "8 February election" in summary and "mid-February" in summary and "17 February" in summary
    assert "The sources differ on when the block began" in summary
    assert "election period" not in summary  # the merged claim no source makes
    html = page(client, seed)
    start = html.index('<header class="story-header">')
    header = html[start : html.index("</header>", start)]
    assert summary in header
