"""The admin's "Add article" on a story (tracker/editorial/ingest_admin.py):
the article pasted, uploaded or fetched, the review of every suggestion, one
Save. Every POST here is what a browser sends from the page before it
(tests/admin_forms.py), the file of an upload added as a browser adds it."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.admin_forms import form_data
from tests.conftest import make_event, make_quote, make_source, make_story
from tests.people import member_of
from tests.test_ingest import ARTICLE, server  # noqa: F401 - the local web server fixture
from tracker import ingest
from tracker.editorial import ingest_admin
from tracker.models import Event, Quote, Source, Status

SAVE = ingest_admin.SAVE


@pytest.fixture
def story(db):
    story = make_story("x-block")
    original = make_source(
        "wire", text="The ministry said “it is necessary for the security of the country” on Wednesday."
    )
    event = make_event(story, "ministry-defends-block", sources=[original], headline="The ministry defends the block")
    make_quote(event, original, text="it is necessary for the security of the country", speaker="Interior Ministry")
    make_quote(event, original, text="it is necessary for the security", speaker="Abdul Moiz Jafri", speech="reported")
    make_event(story, "hearing", status=Status.DRAFT, headline="The court hears the appeal")
    return story


@pytest.fixture
def reporter_client(client, db):
    client.force_login(member_of("Reporters", "rita"))
    return client


def url(story):
    return reverse("admin:tracker_story_add_article", args=[story.pk])


def counts():
    return (Source.objects.count(), Quote.objects.count(), Event.objects.count(), Source.history.count())


def review_of(client, story, **changes):
    """Page 1 as the editor fills it in, posted: the review page."""
    page = client.get(url(story))
    assert page.status_code == 200
    files = {name: changes.pop(name) for name in list(changes) if name == "file"}
    data = form_data(page, **changes)
    return client.post(url(story), {**data, **files})


def quote_rows(review):
    """{index: the quote's words} of the review's quotes, as the page shows them."""
    html = review.content.decode()
    return {int(n): words for n, words in re.findall(r'name="quote-(\d+)-text"[^>]*>\n?([^<]*)</textarea>', html)}


def index_of(review, words):
    return next(n for n, text in quote_rows(review).items() if words in text)


# --- The door ---------------------------------------------------------------------


def test_a_storys_change_form_offers_add_article(editor_client, story):
    page = editor_client.get(reverse("admin:tracker_story_change", args=[story.pk]))
    assert f'href="{url(story)}"' in page.content.decode()
    assert "Add article" in page.content.decode()


def test_add_article_needs_the_permissions_to_add_sources_and_quotes(client, story, django_user_model):
    viewer = django_user_model.objects.create_user("vic", password="x", is_staff=True)
    client.force_login(viewer)
    assert client.get(url(story)).status_code == 403
    client.logout()
    anonymous = client.get(url(story))
    assert anonymous.status_code == 302 and reverse("admin:login") in anonymous["Location"]


def test_an_unknown_story_is_not_found(editor_client, story):
    assert editor_client.get(reverse("admin:tracker_story_add_article", args=[10**6])).status_code == 404
    assert editor_client.get(reverse("admin:tracker_story_add_article", args=["abc"])).status_code == 404


def test_the_form_is_protected_against_cross_site_posts(story, editor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(url(story), {"text": ARTICLE}).status_code == 403


# --- Paste, review, save ------------------------------------------------------------


def test_pasting_an_article_shows_every_suggestion_with_its_evidence_and_writes_nothing(editor_client, story):
    before = counts()
    review = review_of(editor_client, story, text=ARTICLE)
    assert review.status_code == 200
    html = review.content.decode()
    assert counts() == before
    assert "<mark>We will not allow the platform to be used to spread chaos in the country</mark>" in html
    assert "Abdul Moiz Jafri" in html and "spelling" in html  # the story's spelling, and why
    assert 'name="headline"' in html and 'value="Ministry defends the block"' in html
    assert 'name="published_on"' in html and re.search(r'name="published_on"(?![^>]*value=)[^>]*>', html)
    assert f'name="{SAVE}"' in html
    assert "The ministry defends the block" in html  # the event it reports, with the evidence
    data = form_data(review, submit=SAVE)
    assert data["derived_from"] == ""  # nothing above its threshold


def test_save_creates_the_source_quotes_and_citations_as_drafts_with_history(editor_client, story, editor):
    review = review_of(editor_client, story, text=ARTICLE)
    data = form_data(review, submit=SAVE)
    accepted = [n for n in quote_rows(review) if data.get(f"quote-{n}-accept")]
    assert accepted
    saved = editor_client.post(url(story), data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert saved["Location"] == reverse("admin:tracker_story_change", args=[story.pk])
    source = Source.objects.get(text=ARTICLE)
    made = list(source.quotes.order_by("pk"))
    assert len(made) == len(accepted)
    assert all(quote.status == Status.DRAFT for quote in made)
    assert all(ARTICLE.find(quote.text) >= 0 for quote in made)
    assert {quote.speaker for quote in made} >= {"Abdul Moiz Jafri"}  # the story's spelling
    records = [source.history.get(), *(quote.history.get() for quote in made)]
    assert {record.history_user for record in records} == {editor}
    assert len({record.edit_id for record in records}) == 1  # one editorial act
    assert ingest.archive.Archived(ARTICLE).sha256 in source.notes
    assert story.events.get(slug="ministry-defends-block").sources.filter(pk=source.pk).exists()
    shown = editor_client.get(saved["Location"]).content.decode()
    assert "Added the source" in shown and f"{len(made)} quote(s), as drafts" in shown


def test_the_editors_corrections_and_rejections_are_what_is_saved(editor_client, story):
    review = review_of(editor_client, story, text=ARTICLE)
    chaos = index_of(review, "spread chaos")
    court = index_of(review, "The court will hear our appeal")
    hearing = Event.objects.get(slug="hearing")
    data = form_data(
        review,
        submit=SAVE,
        headline="Ministry defends the X block",
        outlet="The Daily Example",
        published_on="2024-04-18",
        **{
            f"quote-{chaos}-accept": None,
            f"quote-{court}-accept": True,
            f"quote-{court}-text": "The court will hear our appeal next week",
            f"quote-{court}-speaker": "Abdul Moiz Jafri",
            f"quote-{court}-speaker_role": "petitioner",
            f"quote-{court}-event": hearing.pk,
        },
    )
    assert editor_client.post(url(story), data).status_code == 302
    source = Source.objects.get(text=ARTICLE)
    assert (source.headline, source.outlet, str(source.published_on)) == (
        "Ministry defends the X block",
        "The Daily Example",
        "2024-04-18",
    )
    assert not source.quotes.filter(text__contains="spread chaos").exists()
    quote = source.quotes.get(text="The court will hear our appeal next week")
    assert (quote.speaker, quote.speaker_role, quote.event) == ("Abdul Moiz Jafri", "petitioner", hearing)
    assert hearing.sources.filter(pk=source.pk).exists()


def test_words_no_longer_verbatim_are_refused_beside_the_quote_and_nothing_is_written(editor_client, story):
    review = review_of(editor_client, story, text=ARTICLE)
    court = index_of(review, "The court will hear our appeal")
    before = counts()
    typed = "The court will hear our appeal tomorrow"
    refused = editor_client.post(
        url(story),
        form_data(review, submit=SAVE, **{f"quote-{court}-accept": True, f"quote-{court}-text": typed}),
    )
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Nothing was saved" in html and "do not occur in the source" in html
    assert typed in html  # the editor's typing is kept
    assert counts() == before


def test_an_accepted_quote_needs_a_speaker_and_an_event(editor_client, story):
    review = review_of(editor_client, story, text=ARTICLE)
    chaos = index_of(review, "spread chaos")
    refused = editor_client.post(
        url(story),
        form_data(
            review,
            submit=SAVE,
            **{f"quote-{chaos}-accept": True, f"quote-{chaos}-speaker": "", f"quote-{chaos}-event": ""},
        ),
    )
    html = refused.content.decode()
    assert "Name who said it" in html and "Choose the event it belongs to, or untick" in html
    assert not Source.objects.filter(text=ARTICLE).exists()


def test_a_text_changed_in_the_browser_is_refused(editor_client, story):
    review = review_of(editor_client, story, text=ARTICLE)
    before = counts()
    changed = form_data(review, submit=SAVE, text=ARTICLE.replace("lawful", "unlawful"))
    refused = editor_client.post(url(story), changed)
    assert refused.status_code == 200 and "SHA-256 differs" in refused.content.decode()
    forged = form_data(review, submit=SAVE, archive="x" + form_data(review)["archive"])
    assert "altered" in editor_client.post(url(story), forged).content.decode()
    assert counts() == before


def test_line_endings_posted_as_crlf_are_the_archived_text(editor_client, story):
    review = review_of(editor_client, story, text=ARTICLE)
    data = form_data(review, submit=SAVE)
    data["text"] = data["text"].replace("\n", "\r\n")  # what a browser posts
    assert editor_client.post(url(story), data).status_code == 302
    assert Source.objects.filter(text=ARTICLE).exists()


def test_reingesting_the_same_text_offers_the_archived_source(editor_client, story):
    editor_client.post(url(story), form_data(review_of(editor_client, story, text=ARTICLE), submit=SAVE))
    source = Source.objects.get(text=ARTICLE)
    before = counts()
    again = review_of(editor_client, story, text=ARTICLE)
    html = again.content.decode()
    assert "already archived" in html
    assert reverse("admin:tracker_source_change", args=[source.pk]) in html
    assert f'name="{SAVE}"' not in html
    assert counts() == before


# --- Upload and address ---------------------------------------------------------------


def test_an_uploaded_text_file(editor_client, story):
    upload = SimpleUploadedFile("article.txt", ARTICLE.encode(), content_type="text/plain")
    review = review_of(editor_client, story, file=upload)
    assert "<mark>We will not allow" in review.content.decode()
    assert editor_client.post(url(story), form_data(review, submit=SAVE)).status_code == 302
    assert Source.objects.filter(text=ARTICLE).exists()


def test_an_uploaded_html_file_is_archived_as_its_article_text(editor_client, story):
    from tests.test_ingest import PAGE

    upload = SimpleUploadedFile("page.html", PAGE.encode(), content_type="text/html")
    review = review_of(editor_client, story, file=upload)
    html = review.content.decode()
    assert 'value="Court upholds the X block"' in html and 'value="The Daily Example"' in html
    assert 'value="2024-04-20"' in html and 'value="Jane Reporter"' in html
    assert editor_client.post(url(story), form_data(review, submit=SAVE)).status_code == 302
    source = Source.objects.get(headline="Court upholds the X block")
    assert "<p>" not in source.text and "Copyright" not in source.text
    assert (source.outlet, str(source.published_on), source.language) == ("The Daily Example", "2024-04-20", "en")


def test_an_address_is_fetched_and_its_final_address_kept(editor_client, story, server):  # noqa: F811
    review = review_of(editor_client, story, url=f"{server}/moved")
    assert review.status_code == 200
    assert f"{server}/article" in review.content.decode()
    assert editor_client.post(url(story), form_data(review, submit=SAVE)).status_code == 302
    source = Source.objects.get(headline="Court upholds the X block")
    assert source.url == f"{server}/article"
    assert f"Requested as {server}/moved" in source.notes


# --- Bad input: a message on the form, what was typed kept, nothing written ------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "The submitted file is empty"),
        ("blank.txt", b"  \n\n ", "The input is empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        ("latin1.txt", b"\xff\xfe\xfa caf\xe9", "not UTF-8"),
        ("broken.html", b"<html><body><div><script>var x = '<p>';</script></div></bo", "No article text"),
        ("program.exe", b"MZ\x90\x00", "File extension"),
    ],
)
def test_bad_files_are_refused_on_the_form(editor_client, story, name, content, message):
    before = counts()
    refused = review_of(editor_client, story, file=SimpleUploadedFile(name, content), slug="my-slug")
    assert refused.status_code == 200
    html = refused.content.decode()
    assert message in html and "Nothing was saved" in html
    assert 'value="my-slug"' in html  # what was typed is kept
    assert counts() == before


def test_a_50_mb_upload_is_refused_without_being_read(editor_client, story, monkeypatch):
    before = counts()
    read = []
    monkeypatch.setattr(ingest, "suggest", lambda *a, **k: read.append(a) or pytest.fail("read"))
    refused = review_of(editor_client, story, file=SimpleUploadedFile("huge.txt", b"a" * (50 * 1024 * 1024)))
    assert refused.status_code == 200
    assert "50.0\xa0MB" in refused.content.decode() and "at most" in refused.content.decode()
    assert read == [] and counts() == before


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/to-private", "private, loopback or link-local"),
        ("/to-metadata", "private, loopback or link-local"),
        ("/slow", "seconds"),
        ("/binary", "binary"),
        ("/nowhere", "404"),
    ],
)
def test_bad_addresses_are_refused_on_the_form_and_kept(editor_client, story, server, path, message):  # noqa: F811
    before = counts()
    refused = review_of(editor_client, story, url=f"{server}{path}")
    html = refused.content.decode()
    assert refused.status_code == 200 and message in html
    assert f'value="{server}{path}"' in html
    assert counts() == before


@pytest.mark.parametrize("address", ["file:///etc/passwd", "javascript:alert(1)", "http://10.1.2.3/"])
def test_addresses_that_are_never_fetched(editor_client, story, address):
    refused = review_of(editor_client, story, url=address)
    assert "Only http and https" in refused.content.decode() or "private" in refused.content.decode()


def test_nothing_given_or_two_things_given(editor_client, story):
    assert "Paste the article" in review_of(editor_client, story).content.decode()
    both = review_of(editor_client, story, text=ARTICLE, url="https://example.com/a")
    html = both.content.decode()
    assert "one way only" in html
    assert "spread chaos in the country" in html  # the pasted text is kept
    assert 'value="https://example.com/a"' in html
    assert not Source.objects.filter(text=ARTICLE).exists()


def test_hostile_text_is_shown_escaped(editor_client, story):
    text = "“<script>alert(1)</script> is what the ministry said,” said Atta Tarar.\n"
    review = review_of(editor_client, story, text=text)
    html = review.content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- Reporters and editors ------------------------------------------------------------


def test_a_reporter_saves_drafts_and_is_not_offered_publishing(reporter_client, story):
    review = review_of(reporter_client, story, text=ARTICLE)
    html = review.content.decode()
    assert 'name="publish"' not in html
    hearing = Event.objects.get(slug="hearing")  # a draft event
    data = form_data(review, submit=SAVE)
    data.update({f"quote-{n}-event": str(hearing.pk) for n in quote_rows(review)})
    data["publish"] = "on"  # crafted: not on the page
    saved = reporter_client.post(url(story), data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    source = Source.objects.get(text=ARTICLE)
    assert source.quotes.exists() and not source.quotes.exclude(status=Status.DRAFT).exists()
    assert {record.history_user.username for record in Quote.history.filter(source_id=source.pk)} == {"rita"}


def test_a_reporter_cannot_cite_the_article_in_a_published_event(reporter_client, story):
    review = review_of(reporter_client, story, text=ARTICLE)
    html = review.content.decode()
    assert "Only an editor can change" in html  # beside the published event's citation
    before = counts()
    refused = reporter_client.post(url(story), form_data(review, submit=SAVE))  # quotes in the published event
    assert refused.status_code == 200
    assert "Adding this quote would cite the article in it" in refused.content.decode()
    assert counts() == before


def test_an_editor_may_publish(editor_client, story):
    review = review_of(editor_client, story, text=ARTICLE)
    saved = editor_client.post(url(story), form_data(review, submit=SAVE, publish=True))
    assert saved.status_code == 302
    source = Source.objects.get(text=ARTICLE)
    assert source.quotes.exists() and not source.quotes.exclude(status=Status.PUBLISHED).exists()


def test_new_events_are_created_only_when_ticked(editor_client, story):
    review = review_of(editor_client, story, text=ARTICLE)
    assert 'name="new-0-create"' in review.content.decode()
    events = Event.objects.count()
    data = form_data(review, submit=SAVE, **{"new-0-create": True})
    assert editor_client.post(url(story), data).status_code == 302
    assert Event.objects.count() == events + 1
    created = Event.objects.order_by("-pk").first()
    assert created.status == Status.DRAFT and created.sources.filter(text=ARTICLE).exists()
