"""A source's page: its facts and archived text, with the quotes published
from it highlighted and linked back to the story."""

import pytest

from tracker.models import Quote, Status

from .conftest import make_event, make_quote, make_source, make_story

pytestmark = pytest.mark.django_db


def source_page(client, source):
    response = client.get(source.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def archived(html):
    start = html.index('<div class="archived-text"')
    return html[start : html.index("</div>", start)]


def test_quotes_used_in_the_story_are_highlighted_and_link_to_their_permalink(client, seed):
    quote = Quote.objects.get(slug="x-continue-to-engage")
    text = archived(source_page(client, quote.source))
    permalink = f"{seed.get_absolute_url()}events/{quote.event.slug}/quotes/{quote.slug}/"
    assert f'<mark><a href="{permalink}"' in text
    assert "We continue to engage with the Pakistani Government" in text.split("<mark>")[1]


def test_every_published_quote_from_a_seed_source_is_highlighted(client, seed):
    for source in {quote.source for quote in Quote.objects.published()}:
        text = archived(source_page(client, source))
        for quote in source.quotes.published():
            assert f'href="{quote.get_absolute_url()}"' in text, quote


def test_a_quote_is_found_despite_typographic_quotes_and_line_breaks(client):
    source = make_source(text="Intro.\n\nHe said:  “we  will\nact ‘now’” today.")
    quote = make_quote(make_event(make_story(), sources=[source]), source, "we will act 'now'")
    text = archived(source_page(client, source))
    assert f'<a href="{quote.get_absolute_url()}" title="Quoted: Interior Ministry">we  will<br>act ‘now’</a>' in text
    assert text.count("<p>") == 2


def test_a_quote_spanning_paragraphs_is_marked_in_each(client):
    source = make_source(text="First part ends.\n\nSecond part begins. Unrelated.")
    quote = make_quote(make_event(make_story(), sources=[source]), source, "ends. Second part")
    text = archived(source_page(client, source))
    assert text.count(f'href="{quote.get_absolute_url()}"') == 2 and "Unrelated." in text


def test_overlapping_quotes_are_both_reachable(client):
    source = make_source(text="one two three four five")
    event = make_event(make_story(), sources=[source])
    first = make_quote(event, source, "one two three", speaker="A")
    second = make_quote(event, source, "three four five", speaker="B")
    text = archived(source_page(client, source))
    assert f'href="{first.get_absolute_url()}"' in text and f'href="{second.get_absolute_url()}"' in text
    assert text.count("<mark>") == 2


def test_hostile_archived_text_stays_inert_inside_and_outside_marks(client):
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    source = make_source(text=f"Before {hostile} “{hostile}” after")
    make_quote(make_event(make_story(), sources=[source]), source, hostile)
    html = source_page(client, source)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert archived(html).count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert "<mark>" in archived(html)


def test_draft_quotes_are_not_highlighted(client):
    source = make_source(text="Said “open words” and “SECRET words”.")
    event = make_event(make_story(), sources=[source])
    make_quote(event, source, "open words")
    hidden = make_quote(event, source, "SECRET words", status=Status.DRAFT)
    text = archived(source_page(client, source))
    assert text.count("<mark>") == 1 and f"/quotes/{hidden.slug}/" not in text


def test_quotes_under_a_draft_event_are_not_highlighted(client):
    source = make_source(text="Said “open words” and “hidden words”.")
    story = make_story()
    make_quote(make_event(story, "open", sources=[source]), source, "open words")
    draft = make_event(story, "draft", sources=[source], status=Status.DRAFT)
    make_quote(draft, source, "hidden words")
    text = archived(source_page(client, source))
    assert text.count("<mark>") == 1 and "/events/draft/" not in text


@pytest.mark.parametrize("where", ["draft quote", "draft event", "draft story"])
def test_a_source_cited_only_by_drafts_is_404(client, where):
    cited = make_source("cited")
    source = make_source("only-drafts")
    story = make_story(status=Status.DRAFT if where == "draft story" else Status.PUBLISHED)
    if where == "draft quote":
        make_quote(make_event(story, sources=[cited]), source, status=Status.DRAFT)
    else:
        make_event(story, sources=[source], status=Status.DRAFT if where == "draft event" else Status.PUBLISHED)
    assert client.get(source.get_absolute_url()).status_code == 404


def test_a_source_names_its_parent_only_when_the_parent_is_public(client):
    public_parent = make_source("public-parent", headline="PUBLIC-PARENT")
    private_parent = make_source("private-parent", headline="PRIVATE-PARENT")
    story = make_story()
    parents = [public_parent, private_parent]
    children = [make_source(f"child-{n}", derived_from=parent) for n, parent in enumerate(parents)]
    make_event(story, sources=[public_parent, *children])
    assert "PUBLIC-PARENT" in source_page(client, children[0])
    html = source_page(client, children[1])
    assert "PRIVATE-PARENT" not in html and "a source not published here" in html


def test_source_facts_say_what_the_source_does_not_give(client, seed):
    source = seed.events.get(slug="x-first-statement").sources.get()
    html = source_page(client, source)
    assert "Untitled news report, 18 April 2024" in html
    assert "<dt>Outlet</dt><dd>Not named by the source</dd>" in html
    assert '<div class="archived-text" lang="en" dir="auto">' in html


def test_an_unusable_language_code_is_not_put_in_a_lang_attribute(client):
    source = make_source(language="not a code!")
    make_event(make_story(), sources=[source])
    html = source_page(client, source)
    assert 'lang="not a code!"' not in html and "<dt>Language</dt><dd>not a code!</dd>" in html
