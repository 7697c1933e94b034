"""A source's archived text uploaded as a file: the way in for an article
longer than a form may post (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB)."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker.editorial.forms import TEXT_FILE_MAX_BYTES
from tracker.models import Source

from .admin_forms import form_data
from .conftest import make_event, make_quote, make_source, make_story
from .people import member_of

pytestmark = pytest.mark.django_db

ADD = "/admin/tracker/source/add/"
LINE = "Le ministère a déclaré « c’est nécessaire » — “it was necessary”, said the ministry. ✓\n"


def long_text(size=3 * 1024 * 1024):
    """A UTF-8 text of about `size` bytes, with characters of every width."""
    return LINE * (size // len(LINE.encode()) + 1)


@pytest.fixture
def editor_in(client):
    client.force_login(member_of("Editors", "ed"))
    return client


def counts():
    return Source.objects.count(), Source.history.count()


def add_form(client, upload=None, **fields):
    data = form_data(client.get(ADD), headline="A long report", slug="long-report", **fields)
    if upload is not None:
        data["text_file"] = upload
    return data


def test_a_text_longer_than_a_form_may_post_is_refused_when_pasted(editor_in):
    text = long_text()
    assert len(text.encode()) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert editor_in.post(ADD, add_form(editor_in, text=text)).status_code == 400
    assert counts() == (0, 0)


def test_a_3_mb_utf8_file_is_stored_verbatim_with_a_history_record(editor_in):
    text = long_text()
    upload = SimpleUploadedFile("report.txt", text.encode(), content_type="text/plain")
    response = editor_in.post(ADD, add_form(editor_in, upload, text=""))
    assert response.status_code == 302, response.context["adminform"].form.errors
    source = Source.objects.get(slug="long-report")
    assert source.text == text
    (record,) = source.history.all()
    assert record.text == text and record.history_user.username == "ed"


def test_an_html_file_is_stored_as_the_file_has_it(editor_in):
    html = "<html><body><p>The ministry said &ldquo;it was necessary&rdquo;.</p></body></html>\n"
    upload = SimpleUploadedFile("report.html", html.encode(), content_type="text/html")
    response = editor_in.post(ADD, add_form(editor_in, upload, text=""))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Source.objects.get(slug="long-report").text == html


def test_a_byte_order_mark_is_not_part_of_the_text(editor_in):
    upload = SimpleUploadedFile("report.txt", "\ufeffThe text.".encode(), content_type="text/plain")
    assert editor_in.post(ADD, add_form(editor_in, upload, text="")).status_code == 302
    assert Source.objects.get(slug="long-report").text == "The text."


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("report.txt", "Le ministère a déclaré".encode("latin-1"), "This file is not UTF-8 text"),
        ("report.txt", b"x" * (TEXT_FILE_MAX_BYTES + 1), "a source's text may be 10.0\xa0MB at most"),
        ("report.pdf", b"%PDF-1.4 text", "File extension “pdf” is not allowed"),
        ("report.txt", b"a\x00b", "NUL characters"),
        ("report.txt", b" \n ", "This file holds no text"),
    ],
    ids=["latin-1", "over-the-limit", "pdf", "nul", "blank"],
)
def test_a_file_that_is_not_utf8_text_within_the_limit_is_refused_and_nothing_saved(editor_in, name, content, error):
    response = editor_in.post(ADD, add_form(editor_in, SimpleUploadedFile(name, content), text=""))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert error in " ".join(errors["text_file"]), errors
    assert counts() == (0, 0)


def test_a_source_needs_its_text_pasted_or_uploaded(editor_in):
    response = editor_in.post(ADD, add_form(editor_in, text=""))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["text"] == ["Paste the archived text here, or upload it as a file below."]
    assert counts() == (0, 0)


def test_a_long_text_cannot_be_pasted_back_but_the_rest_of_its_source_can_be_changed(editor_in):
    text = long_text()
    source = make_source("long", text=text)
    change = reverse("admin:tracker_source_change", args=[source.pk])
    page = editor_in.get(change)
    assert "longer than a form can send back" in page.content.decode()
    response = editor_in.post(change, form_data(page, headline="A longer headline"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    source.refresh_from_db()
    assert source.headline == "A longer headline" and source.text == text
    corrected = text + "A correction.\n"
    data = form_data(editor_in.get(change))
    data["text_file"] = SimpleUploadedFile("corrected.txt", corrected.encode())
    assert editor_in.post(change, data).status_code == 302
    source.refresh_from_db()
    assert source.text == corrected
    assert [record.text == corrected for record in source.history.all()] == [True, False, False]


def test_an_uploaded_text_must_keep_the_quotes_taken_from_the_source_verbatim(editor_in):
    source = make_source("wire")
    make_quote(make_event(make_story(), sources=[source]), source)
    change = reverse("admin:tracker_source_change", args=[source.pk])
    before = source.history.count()
    data = form_data(editor_in.get(change))
    data["text_file"] = SimpleUploadedFile("other.txt", b"An unrelated text.")
    response = editor_in.post(change, data)
    assert response.status_code == 200
    assert "text" in response.context["adminform"].form.errors
    source.refresh_from_db()
    assert source.text.startswith("The ministry said") and source.history.count() == before
