"""Quotes without retyping: the closest passage of the source shown when a
quote's words are not verbatim, and the source's text the quote forms fetch."""

import json
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tracker.editorial.admin_views import QUOTE_PICKER_SCRIPT
from tracker.models import Quote, normalise_text
from tracker.passages import MAX_ARCHIVED, MAX_WORDS, NOT_VERBATIM, closest_passage, not_verbatim_message

from .admin_forms import add_row, form_data
from .conftest import make_event, make_source, make_story

ARCHIVED = (
    "\n  The minister said: “It was necessary, and it was lawful,” on Wednesday.\n\n"
    "Police  closed the\u00a0road to the airport & the ‘old’ bridge."
)


def passage(words, archived=ARCHIVED):
    span = closest_passage(words, archived)
    return None if span is None else archived[span[0] : span[1]]


def test_a_missing_comma_is_found_and_marked():
    assert passage("It was necessary and it was lawful") == "It was necessary, and it was lawful"
    message = not_verbatim_message("It was necessary and it was lawful", ARCHIVED)
    assert message.startswith("These words do not occur in the source&#x27;s archived text.")
    assert "The closest passage in the source: " in message
    assert "It was necessary<ins>,</ins> and it was lawful" in message
    assert "<del>" not in message


def test_a_changed_word_is_struck_out_and_the_printed_one_marked_in():
    assert passage("Police closed the street to the airport") == "Police  closed the\u00a0road to the airport"
    message = not_verbatim_message("Police closed the street to the airport", ARCHIVED)
    assert "<del>street</del><ins>road</ins> to the airport" in message


def test_a_misspelt_word_at_the_start_stays_in_the_passage():
    assert passage("Thhe minister said") == "The minister said"
    assert "<del>Thhe</del><ins>The</ins> minister said" in not_verbatim_message("Thhe minister said", ARCHIVED)


def test_typographic_quotes_and_spacing_are_not_differences():
    words = '"It   was necesary, and it was lawful,"'
    assert passage(words) == "“It was necessary, and it was lawful,”"
    message = not_verbatim_message(words, ARCHIVED)
    # The passage as printed, typographic quotes and all; only the misspelling marked.
    assert "“It was <del>necesary</del><ins>necessary</ins>, and it was lawful,”" in message
    assert message.count("<del>") == message.count("<ins>") == 1


@pytest.mark.parametrize(
    ("words", "marked"),
    [
        (
            "It was necessary & it was <b>lawful</b>",
            "<del>&amp;</del><ins>, and</ins> it was <del>&lt;b&gt;</del> lawful<del>&lt;/b&gt;</del>",
        ),
        (
            'It was necessary, and it was lawful,” on Wednesday. Police closed the <img src=x onerror="alert(1)"> road',
            "the <del>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</del>\u00a0road",
        ),
    ],
)
def test_typed_html_is_shown_escaped_never_as_markup(words, marked):
    message = not_verbatim_message(words, ARCHIVED)
    assert "The closest passage in the source" in message
    assert marked in message
    assert "<b>" not in message and "<img" not in message


def test_archived_html_is_escaped_too():
    archived = "The note read <script>alert('x')</script>, then it was necessary to leave."
    message = not_verbatim_message("<script>alert('y')</script>, then it was necessary", archived)
    assert "<script" not in message
    assert "&lt;script&gt;alert(&#x27;<del>y</del><ins>x</ins>&#x27;)&lt;/script&gt;" in message


def test_words_like_nothing_in_the_source_get_the_plain_message():
    assert closest_passage("Football results from the weekend", ARCHIVED) is None
    assert not_verbatim_message("Football results from the weekend", ARCHIVED) == NOT_VERBATIM
    assert closest_passage("", ARCHIVED) is None
    assert closest_passage("It was necessary", "") is None


def test_a_megabyte_of_archived_text_is_searched():
    filler = "Officials met in the capital on Tuesday and discussed the budget for the coming year. "
    archived = filler * 6000 + "The minister said it was necessary, and lawful, to close the road. " + filler * 6000
    assert len(archived) > 1_000_000
    span = closest_passage("The minister said it was necessary and lawful to close the road", archived)
    assert archived[span[0] : span[1]] == "The minister said it was necessary, and lawful, to close the road"
    message = not_verbatim_message("The minister said it was necessary and lawful to close the road", archived)
    assert message.count("<ins>,</ins>") == 2


def test_texts_past_the_limits_are_not_searched():
    assert closest_passage("it was necessary", "it was necessary. " * (MAX_ARCHIVED // 18 + 1)) is None
    assert closest_passage("word " * (MAX_WORDS // 5 + 1), "word " * 1000) is None


WORD = st.sampled_from(["minister", "said", "it", "was", "necessary,", "“lawful”", "road", "don’t", "42"])
SPACE = st.sampled_from([" ", "  ", "\n", "\n\n", "\t", "\u00a0", " \u2003 "])


@given(
    words=st.lists(st.tuples(WORD, SPACE), min_size=3, max_size=40),
    lead=st.sampled_from(["", " ", "\n\n "]),
    bounds=st.tuples(st.integers(0, 40), st.integers(1, 40)),
)
def test_the_passage_of_verbatim_words_is_those_words(words, lead, bounds):
    """The offsets found in the folded text lead back to the same words in
    the archived text, whatever its spacing and quote marks."""
    archived = lead + "".join(word + space for word, space in words)
    first = min(bounds[0], len(words) - 1)
    last = min(len(words), first + bounds[1])
    typed = " ".join(word for word, _space in words[first:last]).translate({ord("“"): '"', ord("”"): '"'})
    span = closest_passage(typed, archived)
    assert span is not None
    assert normalise_text(typed) in normalise_text(archived[span[0] : span[1]])


# --- In the admin -------------------------------------------------------------


@pytest.mark.django_db
def test_the_quote_form_shows_the_closest_passage_and_saves_nothing(editor_client):
    source = make_source(text=ARCHIVED)
    event = make_event(make_story(), sources=[source])
    url = reverse("admin:tracker_quote_add")
    data = form_data(
        editor_client.get(url), event=event.pk, speaker="Minister", text="It was necessary and it was lawful"
    )
    data["source"] = str(source.pk)  # chosen in the autocomplete, which lists no option until then
    response = editor_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "The closest passage in the source: "
        '<q class="closest-passage">It was necessary<ins>,</ins> and it was lawful</q>' in html
    )
    assert not Quote.objects.exists()


@pytest.mark.django_db
def test_an_event_forms_quote_row_shows_the_closest_passage_escaped(editor_client):
    source = make_source(text=ARCHIVED)
    event = make_event(make_story(), sources=[source])
    url = reverse("admin:tracker_event_change", args=[event.pk])
    data = form_data(editor_client.get(url))
    typed = "Police closed the <i>street</i> to the airport"
    add_row(data, "quotes", speaker="Police", text=typed, source=source.pk)
    response = editor_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    errors = html[html.index('<ul class="errorlist') : html.index("</ul>", html.index('<ul class="errorlist'))]
    assert "Police  closed the\u00a0<del>&lt;i&gt;street&lt;/i&gt;</del><ins>road</ins> to the airport" in errors
    assert "<i>street" not in html
    assert not Quote.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["admin:tracker_quote_add", "admin:tracker_event_add"])
def test_the_quote_forms_load_the_picker_after_djangos_jquery(editor_client, page):
    html = editor_client.get(reverse(page)).content.decode()
    text_url = reverse("admin:tracker_source_text", args=["__id__"])
    head = html.split("</head>")[0]
    script = f'<script src="{QUOTE_PICKER_SCRIPT.path}" data-source-text-url="{text_url}"></script>'
    assert script in head
    assert head.index("admin/js/jquery.init") < head.index(script)
    assert re.search(r'<link href="[^"]*/tracker/admin/quote-picker\.[0-9a-f]+\.css"', head)


@pytest.mark.django_db
def test_staff_get_a_sources_text_as_json_never_cached(editor_client):
    source = make_source(text=ARCHIVED, outlet="Dawn")
    response = editor_client.get(reverse("admin:tracker_source_text", args=[source.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"id": source.pk, "title": str(source), "text": ARCHIVED}
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


@pytest.mark.django_db
@pytest.mark.parametrize("object_id", ["999999", "not-a-number"])
def test_an_unknown_source_is_not_found(editor_client, object_id):
    make_source()
    assert editor_client.get(reverse("admin:tracker_source_text", args=[object_id])).status_code == 404


@pytest.mark.django_db
def test_a_sources_text_is_for_staff_with_permission_only(client):
    source = make_source()
    url = reverse("admin:tracker_source_text", args=[source.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    client.force_login(User.objects.create_user("visitor", password="x", is_staff=True))  # staff, in no group
    assert client.get(url).status_code == 403
