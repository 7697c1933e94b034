"""Ingest: finding quotes and speakers, the command's three modes, hostile
input, and fetching pages from a local server (the scoring on the seeds is
tests/test_ingest_scoring.py)."""

import contextlib
import http.server
import json
import threading
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import make_event, make_quote, make_source, make_story
from tracker import ingest
from tracker.ingest import archive, quotes, speakers
from tracker.models import Event, Quote, Source, Status

ARTICLE = """Ministry defends the block

ISLAMABAD: Pakistan’s interior ministry said on Wednesday that the block was lawful and would stay in place.
“We will not allow the platform to be used to spread chaos in the country,” the ministry said in a statement.
Abdul Moiz Jaaferi, a petitioner and advocate, said: “The court will hear our appeal next week, and we expect to win.”
According to Jaaferi, the hearing was set for April 25.
"""


def texts(found, text):
    return [text[item.start : item.end] for item in found]


# --- Finding quotes -----------------------------------------------------------------


def test_direct_quotes_in_straight_and_typographic_marks():
    text = 'He said: "The ban will end soon, we are sure of it." She added: “Nobody will be punished for posting.”'
    found = texts(quotes.find(text), text)
    assert "The ban will end soon, we are sure of it." in found
    assert "Nobody will be punished for posting." in found


def test_the_span_is_verbatim_by_construction():
    for item in quotes.find(ARTICLE):
        assert ARTICLE[item.start : item.end].strip() == ARTICLE[item.start : item.end]
        assert item.end > item.start


def test_a_nested_quotation_stays_inside_its_quote():
    text = "“The ministry called it ‘a temporary measure’ but it has lasted months,” said Usama Khilji."
    (found,) = quotes.find(text)
    assert text[found.start : found.end] == "The ministry called it ‘a temporary measure’ but it has lasted months"
    assert found.speaker.name == "Usama Khilji"


def test_a_quotation_over_several_paragraphs():
    text = (
        "The minister said:\n\n“We have no quarrel with the platform itself.\n\n"
        "“We ask only that it obeys the law of the land,” he told reporters.\n"
    )
    (found,) = quotes.find(text)
    quoted = text[found.start : found.end]
    assert quoted.startswith("We have no quarrel") and quoted.endswith("law of the land")


def test_a_quotation_whose_closing_mark_is_missing_ends_with_its_paragraph():
    text = "Saif Ali said: “It has become nearly impossible to sell advertising on the platform.\n\nOther news."
    (found,) = quotes.find(text)
    assert found.unclosed
    assert text[found.start : found.end] == "It has become nearly impossible to sell advertising on the platform."


def test_scare_quotes_and_single_terms_are_not_statements():
    text = "The so-called “firewall” was installed. Officials called it a ‘national security measure’ today."
    assert quotes.find(text) == []


def test_apostrophes_are_not_quotation_marks():
    text = "Pakistan’s ministry said the platform's owners had not replied. It's unclear why."
    assert all(item.speech == quotes.REPORTED for item in quotes.find(text))


@pytest.mark.parametrize(
    ("sentence", "words", "speaker"),
    [
        ("Abdul Moiz Jafri said that the hearing was adjourned.", "the hearing was adjourned", "Abdul Moiz Jafri"),
        (
            "According to Usama Khilji, the block hurts small businesses.",
            "the block hurts small businesses",
            "Usama Khilji",
        ),
        (
            "The court was told to act within a week, said Abdul Moiz Jafri, a lawyer.",
            "The court was told",
            "Abdul Moiz Jafri",
        ),
        ("Atta Tarar told reporters that the ban would be reviewed.", "the ban would be reviewed", "Atta Tarar"),
        (
            "The Interior Ministry said: the restriction is temporary.",
            "the restriction is temporary",
            "Interior Ministry",
        ),
    ],
)
def test_reported_speech(sentence, words, speaker):
    (found,) = quotes.find(sentence)
    assert found.speech == quotes.REPORTED
    assert sentence[found.start : found.end].startswith(words)
    assert found.speaker.name == speaker


def test_a_role_comes_from_the_attribution():
    (found,) = quotes.find("The hearing was postponed, said Abdul Moiz Jafri, a petitioner and advocate.")
    assert (found.speaker.name, found.speaker.role) == ("Abdul Moiz Jafri", "petitioner and advocate")


# --- Speakers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "story_name"),
    [
        ("Abdul Moiz Jaaferi", "Abdul Moiz Jafri"),
        ("Attaullah Tarar", "Atta Tarar"),
        ("Ministry of Home Affairs", "Interior Ministry"),
        ("the Pakistan military", "Pakistan’s military"),
    ],
)
def test_a_speaker_resolves_to_the_storys_spelling(written, story_name):
    story = speakers.StorySpeakers([story_name, "Saif Ali", "Usama Khilji"])
    match = story.match(speakers.parse(written))
    assert match is not None and match.name == story_name
    assert match.reason


def test_the_ministry_resolves_to_the_ministry_named_before():
    text = "Pakistan’s interior ministry confirmed the block. The ministry said it had no choice."
    article = speakers.Article(text)
    resolved, reason = article.resolve(speakers.parse("The ministry"), text.index("The ministry"))
    assert resolved.name == "Interior Ministry"
    assert "named earlier" in reason


def test_different_people_do_not_resolve():
    story = speakers.StorySpeakers(["Imran Khan", "Interior Ministry"])
    assert story.match(speakers.parse("Saif Ali")) is None
    assert story.match(speakers.parse("Foreign Ministry")) is None


# --- Suggest and apply ----------------------------------------------------------------


@pytest.fixture
def story(db):
    story = make_story("x-block")
    original = make_source(
        "wire", text="The ministry said “it is necessary for the security of the country” on Wednesday."
    )
    event = make_event(story, "ministry-defends-block", sources=[original], headline="The ministry defends the block")
    make_quote(event, original, text="it is necessary for the security of the country", speaker="Interior Ministry")
    make_quote(event, original, text="it is necessary for the security", speaker="Abdul Moiz Jafri", speech="reported")
    return story


def test_suggest_writes_nothing(story):
    before = (Source.objects.count(), Quote.objects.count(), Event.objects.count())
    suggestions = ingest.suggest(story, text=ARTICLE)
    assert (Source.objects.count(), Quote.objects.count(), Event.objects.count()) == before
    spoken = {q.speaker: q for q in suggestions.quotes}
    assert spoken["Interior Ministry"].speaker_match == "Interior Ministry"
    jaaferi = next(q for q in suggestions.quotes if q.speaker.startswith("Abdul Moiz"))
    assert jaaferi.speaker_match == "Abdul Moiz Jafri" and "spelling" in jaaferi.speaker_reason


def test_the_json_shape(story):
    data = ingest.suggest(story, text=ARTICLE).as_json()
    assert set(data) == {"source", "derived_from", "quotes", "events", "new_events"}
    assert set(data["source"]) == {"headline", "published_on", "outlet", "byline", "language", "text", "sha256"}
    assert data["source"]["headline"] == "Ministry defends the block"
    assert data["source"]["published_on"] is None  # not stated: blank, not guessed
    for quote in data["quotes"]:
        assert set(quote) == {
            "text", "start", "end", "speech", "speaker", "speaker_role", "speaker_match",
            "variant_of", "variant_candidates", "event", "score",
        }  # fmt: skip
        assert ARTICLE[quote["start"] : quote["end"]] == quote["text"]
        assert 0 <= quote["score"] <= 1
        scores = [candidate["score"] for candidate in quote["variant_candidates"]]
        assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert data["new_events"] and data["new_events"][0]["date_precision"] == "day"


def test_the_command_prints_json_and_writes_nothing(story, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    out = StringIO()
    call_command("ingest_source", str(path), "--story", story.slug, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["source"]["sha256"] == ingest.archive.Archived(ARTICLE).sha256
    assert not Source.objects.filter(text=ARTICLE).exists()


def test_the_command_prints_a_summary_with_evidence(story, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    out = StringIO()
    call_command("ingest_source", str(path), "--story", story.slug, stdout=out)
    summary = out.getvalue()
    assert "Quotes (" in summary and "Nothing was written" in summary
    assert "Abdul Moiz Jafri" in summary  # the story's spelling, with the reason


def test_apply_creates_drafts_with_history_in_one_edit(story, tmp_path, editor):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    out = StringIO()
    call_command("ingest_source", str(path), "--story", story.slug, "--apply", "--user", editor.username, stdout=out)
    source = Source.objects.get(text=ARTICLE)
    made = list(source.quotes.all())
    assert made and all(quote.status == Status.DRAFT for quote in made)
    assert all(quote.history.count() == 1 for quote in made)
    assert all(quote.history.first().history_user == editor for quote in made)
    edits = {quote.history.first().edit_id for quote in made} | {source.history.first().edit_id}
    assert len(edits) == 1  # one editorial act
    assert "SHA-256" in source.notes
    event = Event.objects.get(story=story, slug="ministry-defends-block")
    assert source in event.sources.all()
    assert all(ARTICLE.find(quote.text) >= 0 for quote in made)


def test_reingesting_the_same_text_names_the_archived_source(story, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    call_command("ingest_source", str(path), "--story", story.slug, "--apply", stdout=StringIO())
    slug = Source.objects.get(text=ARTICLE).slug
    with pytest.raises(CommandError, match=f"already archived as the source “{slug}”"):
        call_command("ingest_source", str(path), "--story", story.slug, "--json", stdout=StringIO())


# --- Hostile input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(1, 32)) * 20, "binary"),
        (b"\xff\xfe\xfa caf\xe9", "not UTF-8"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(story, tmp_path, content, message):
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    before = Source.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("ingest_source", str(path), "--story", story.slug, "--apply", stdout=StringIO())
    assert Source.objects.count() == before


def test_broken_html_is_refused(story, tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><body><div><script>var x = '<p>';</script></div></bo", encoding="utf-8")
    with pytest.raises(CommandError, match="No article text"):
        call_command("ingest_source", str(path), "--story", story.slug, "--json", stdout=StringIO())


def test_a_50_mb_file_is_refused_before_it_is_read(story, tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)  # sparse: 50 MB without writing them
    opened = []
    monkeypatch.setattr(archive.Path, "open", lambda *a, **k: opened.append(a) or pytest.fail("read"))
    with pytest.raises(CommandError, match="50,000,000|52,428,800"):
        call_command("ingest_source", str(path), "--story", story.slug, "--json", stdout=StringIO())
    assert opened == []


def test_an_unknown_story_and_a_missing_file(story, tmp_path):
    with pytest.raises(CommandError, match="No story “nope”"):
        call_command("ingest_source", str(tmp_path / "a.txt"), "--story", "nope", stdout=StringIO())
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("ingest_source", str(tmp_path / "missing.txt"), "--story", story.slug, stdout=StringIO())


def test_hostile_text_is_archived_verbatim(story):
    text = "“<script>alert(1)</script> is what the ministry said,” said Atta Tarar.\n\u202e\u200b“Unclosed"
    suggestions = ingest.suggest(story, text=text)
    assert suggestions.source.text == text
    for quote in suggestions.quotes:
        assert text[quote.start : quote.end] == quote.text


# --- Fetching -----------------------------------------------------------------------


PAGE = """<!doctype html><html lang="en"><head><title>Site | X block upheld</title>
<meta property="og:title" content="Court upholds the X block">
<meta property="og:site_name" content="The Daily Example">
<meta name="author" content="Jane Reporter">
<meta property="article:published_time" content="2024-04-20T08:00:00+05:00">
</head><body><nav>Home | World | Sport</nav><article><h1>Court upholds the X block</h1>
<p>ISLAMABAD: The Islamabad High Court on Saturday upheld the block of the social media platform X.</p>
<p>“The government has acted within the law and the petition is dismissed,” the court said in its order.</p>
<p>Abdul Moiz Jafri, a petitioner and advocate, said that he would appeal to the Supreme Court.</p>
<p>The block has been in place since February, and users have turned to virtual private networks.</p>
</article><footer>Copyright</footer></body></html>"""


class _Pages(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        routes = {
            "/article": (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE.encode()),
            "/moved": (302, {"Location": "/article"}, b""),
            "/to-private": (302, {"Location": "http://10.0.0.1/secret"}, b""),
            "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
            "/huge": (200, {"Content-Type": "text/html", "Content-Length": str(10**9)}, b"<p>x</p>"),
            "/binary": (200, {"Content-Type": "application/octet-stream"}, b"\x00\x01\x02" * 100),
        }
        if self.path == "/slow":
            time.sleep(2)
        status, headers, body = routes.get(self.path, (404, {}, b"missing"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (the slow page)
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(settings):
    settings.INGEST_ALLOW_PRIVATE_ADDRESSES = ["127.0.0.1/32"]  # this local server only
    settings.INGEST_TIMEOUT = 0.5
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_page_is_fetched_and_its_stated_details_kept(story, server):
    suggestions = ingest.suggest(story, url=f"{server}/moved")
    source = suggestions.source
    assert source.url == f"{server}/article"  # the address after the redirect
    assert source.requested_url == f"{server}/moved"
    assert source.headline == "Court upholds the X block"
    assert (source.outlet, source.byline, source.language) == ("The Daily Example", "Jane Reporter", "en")
    assert source.published_on.isoformat() == "2024-04-20"
    assert "Home | World" not in source.text and "Copyright" not in source.text
    assert any(q.text.startswith("The government has acted within the law") for q in suggestions.quotes)
    assert source.accessed_at is not None and len(source.sha256) == 64


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/to-private", "private, loopback or link-local"),
        ("/to-metadata", "private, loopback or link-local"),
        ("/huge", "limit"),
        ("/slow", "seconds"),
        ("/binary", "binary"),
        ("/nowhere", "404"),
    ],
)
def test_fetch_refusals(story, server, path, message):
    with pytest.raises(CommandError, match=message):
        call_command("ingest_source", f"{server}{path}", "--story", story.slug, "--apply", stdout=StringIO())
    assert not Source.objects.exclude(slug="wire").exists()


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/", "http://localhost:8000/", "http://10.1.2.3/", "http://[::1]/", "http://169.254.169.254/"],
)
def test_private_addresses_are_refused_without_the_setting(url):
    with pytest.raises(archive.Refused, match="private, loopback or link-local"):
        archive.check_address(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/a", "gopher://x/", "javascript:alert(1)"])
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(archive.Refused, match="Only http and https"):
        archive.check_address(url)


def test_a_seed_applied_back_into_the_story_without_it(seed):
    from tests.test_ingest_scoring import COPY, ORIGINAL, leave_out

    text = Source.objects.get(slug=COPY).text
    leave_out(COPY)
    applied = ingest.apply(ingest.suggest(seed, text=text), slug="jakarta-again")
    source = applied.source
    assert source.derived_from.slug == ORIGINAL and source.derivation == "suspected"
    assert source.derivation_reason.startswith("Suggested by ingest")
    assert len(applied.quotes) >= 10
    for quote in applied.quotes:
        quote.full_clean()  # still verbatim, and a valid variant
        assert quote.status == Status.DRAFT and quote.history.count() == 1
    assert source.events.filter(slug="ministry-confirms-block-in-court").exists()
    variants = [quote for quote in applied.quotes if quote.variant_of is not None]
    assert len(variants) >= 9 and all(quote.variant_of.variant_of_id is None for quote in variants)


def test_applied_quotes_keep_the_articles_name_and_link_the_storys_speaker(seed):
    from tracker.models import Speaker

    # A wording of a statement the story has, so ingest knows the event it belongs to.
    text = "Information minister Attaullah Tarar said “the move was motivated by national security concerns”."
    applied = ingest.apply(ingest.suggest(seed, text=text))
    (quote,) = applied.quotes
    assert quote.speaker == "Attaullah Tarar"  # as this article prints it
    assert quote.spoken_by == Speaker.objects.get(slug="atta-tarar")


@pytest.mark.parametrize(
    ("sentence", "words", "speaker"),
    [
        (
            'Information minister Attaullah Tarar said on Monday that "the move was motivated by security concerns".',
            "the move was motivated by security concerns",
            "Attaullah Tarar",
        ),
        (
            "Rights activist Usama Khilji said the block “seemed designed to hinder democratic accountability”.",
            "seemed designed to hinder democratic accountability",
            "Usama Khilji",
        ),
    ],
)
def test_a_quotation_after_a_few_words_of_its_speakers_clause_is_theirs(sentence, words, speaker):
    (found,) = quotes.find(sentence)
    assert found.speech == quotes.DIRECT
    assert sentence[found.start : found.end] == words
    assert found.speaker.name == speaker
