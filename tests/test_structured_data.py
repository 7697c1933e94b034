"""What search engines and link previews read from the story page."""

import datetime
import json
import re

import pytest
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.test import override_settings
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tracker.models import Quote, Source, Status
from tracker.public.structured_data import json_ld_script
from tracker.public.templating import iso

from .conftest import make_event, make_quote, make_source, make_story

pytestmark = pytest.mark.django_db


def json_ld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def meta(html, name):
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)">', html)
    return found and found.group(1)


def get(client, story, **headers):
    response = client.get(story.get_absolute_url(), **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_story_is_a_live_blog_with_one_update_per_published_event(client, seed):
    data = json_ld(get(client, seed))
    assert data["@context"] == "https://schema.org" and data["@type"] == "LiveBlogPosting"
    assert data["headline"] == seed.title and data["description"] == seed.summary
    assert data["coverageStartTime"] == data["datePublished"] == iso(seed.published_at)
    updates = data["liveBlogUpdate"]
    # In the order the page reads: a developing story's newest first.
    assert [u["url"].split("#")[1] for u in updates] == [e.anchor for e in seed.events.chronological()][::-1]
    assert all(u["@type"] == "BlogPosting" and u["headline"] and u["datePublished"] for u in updates)


def test_json_ld_dates_are_the_ones_printed_on_the_page(client, seed):
    html = get(client, seed)
    data = json_ld(html)
    assert f'Published <time datetime="{data["datePublished"]}">' in html
    assert f'Last updated <time datetime="{data["dateModified"]}">' in html
    assert meta(html, "article:modified_time") == data["dateModified"]


def test_quotes_are_quotations_with_their_speaker(client, seed):
    data = json_ld(get(client, seed))
    quotations = [part for update in data["liveBlogUpdate"] for part in update["hasPart"]]
    assert len(quotations) == Quote.objects.published().filter(event__story=seed).count()
    by_text = {q["text"]: q for q in quotations}
    jafri = by_text[Quote.objects.get(slug="jafri-another-court").text]
    assert jafri["@type"] == "Quotation"
    assert jafri["spokenByCharacter"] == {
        "@type": "Person",
        "name": "Abdul Moiz Jafri",
        "description": "petitioner and advocate",
    }
    ministry = by_text[Quote.objects.get(slug="failure-to-adhere").text]
    assert ministry["spokenByCharacter"]["@type"] == "Organization"


@override_settings(SITE_URL="https://news.example")
def test_addresses_come_from_site_url_not_the_host_header(client, seed):
    html = get(client, seed, HTTP_HOST="testserver")
    url = "https://news.example/stories/pakistan-x-block/"
    data = json_ld(html)
    assert f'<link rel="canonical" href="{url}">' in html
    assert data["url"] == url and meta(html, "og:url") == url
    assert data["image"]["url"] == meta(html, "og:image") == url + "share.png"
    assert "testserver" not in html
    logo = data["publisher"]["logo"]
    assert data["publisher"]["@type"] == "Organization" and logo["url"].startswith("https://news.example/static/")
    assert client.get(logo["url"].removeprefix("https://news.example")).status_code == 200


def test_link_previews_have_title_description_and_an_image_with_alt_text(client, seed):
    html = get(client, seed)
    assert meta(html, "og:type") == "article" and meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "og:title") == meta(html, "twitter:title") == seed.title
    assert meta(html, "og:image:width") == "1200" and meta(html, "og:image:height") == "630"
    alt = meta(html, "og:image:alt")
    assert alt == meta(html, "twitter:image:alt") and seed.title in alt and "8 events" in alt
    # The last dated event is dated only "Reported 18 April 2024": a label, not a date to run "to".
    assert alt == (
        "Pakistan blocks X: a developing story. A timeline of its 8 events, "
        "the first dated 8 February 2024 and the last “Reported 18 April 2024”."
    )


def test_each_update_cites_only_the_sources_that_report_its_event(client, seed):
    data = json_ld(get(client, seed))
    citations = {update["url"].split("#")[1]: update["citation"] for update in data["liveBlogUpdate"]}
    report = Source.objects.get(slug="x-first-statement-report-2024-04-18")
    assert citations["event-interior-ministry-orders-x-closure"] == [f"{settings.SITE_URL}{report.get_absolute_url()}"]


def test_each_quotation_describes_its_speaker_as_its_own_source_printed(client, seed):
    data = json_ld(get(client, seed))
    speakers = {q["@id"].split("#")[1]: q["spokenByCharacter"] for u in data["liveBlogUpdate"] for q in u["hasPart"]}
    assert speakers[Quote.objects.get(slug="jafri-another-court").anchor]["description"] == "petitioner and advocate"
    assert speakers[Quote.objects.get(slug="jafri-another-court-004").anchor]["description"] == "plaintiff and lawyer"
    # The "Pakistan Implements Social Media Ban" report names no court.
    ban_report = Quote.objects.get(slug="failure-to-adhere-002")
    assert speakers[ban_report.anchor]["description"] == "in a written court submission"


def test_text_that_could_close_the_script_element_is_escaped(client):
    story = make_story()
    story.title = "</script><script>alert(1)</script>"
    story.save()
    make_event(story, sources=[make_source()], headline="<!-- & </script>")
    html = get(client, story)
    assert "<script>alert(1)" not in html
    data = json_ld(html)
    assert data["headline"] == story.title and data["liveBlogUpdate"][0]["headline"] == "<!-- & </script>"


def test_drafts_are_not_in_the_structured_data(client):
    story, source = make_story(), make_source(text="“open” and “SECRET”")
    event = make_event(story, sources=[source])
    make_quote(event, source, "open")
    make_quote(event, source, "SECRET", status=Status.DRAFT)
    make_event(story, "hidden", sources=[source], headline="SECRET", status=Status.DRAFT)
    data = json_ld(get(client, story))
    assert "SECRET" not in json.dumps(data) and len(data["liveBlogUpdate"]) == 1


def test_a_concluded_story_is_a_news_article_not_a_live_blog(client, seed):
    seed.is_developing = False
    seed.save()
    html = client.get(seed.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "NewsArticle"
    assert "liveBlogUpdate" not in data and "coverageStartTime" not in data
    assert len(data["hasPart"]) == seed.events.live().count()
    assert "Concluded story" in html and "Developing story" not in html
    assert "a concluded story" in html  # the share image's alt text


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_the_script_holds_the_data_exactly_and_nothing_can_close_it(data):
    """The script holds json.dumps of the data with only the escapes that keep it inside the element."""
    script = str(json_ld_script(data))
    payload = script.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    reference = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    assert payload == reference.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    assert json.loads(payload) == data
    assert not {"<", ">", "&"} & set(payload)


def test_values_json_has_no_word_for_are_written_as_djangos_encoder_writes_them():
    moment = datetime.datetime(2024, 2, 17, 12, 34, 56, 789012, tzinfo=datetime.UTC)
    data = {"when": moment, "day": moment.date(), "label": gettext_lazy("Key event")}
    payload = str(json_ld_script(data)).removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert json.loads(payload) == json.loads(json.dumps(data, cls=DjangoJSONEncoder))
