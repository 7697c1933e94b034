"""A story's whole history in the admin: the changes to the story, its events,
their quotes and the sources they cite, who made them, when and why, with
word differences, newest first and a page at a time."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tracker.editorial import admin_views
from tracker.history import conflict_message
from tracker.models import Event, Quote, Source, Status, Story

from .people import member_of

YESTERDAY = timezone.now() - datetime.timedelta(days=1)
QUOTED_TEXT = "The ministry said “it was necessary” on Wednesday. Officials said “nothing more”."


def at(minutes):
    return YESTERDAY + datetime.timedelta(minutes=minutes)


def save_at(obj, minutes, user, reason=None, **fields):
    """Save `obj` with `fields` changed, as `user`, recorded `minutes` after the start."""
    for name, value in fields.items():
        setattr(obj, name, value)
    obj._history_date, obj._history_user, obj._change_reason = at(minutes), user, reason
    obj.save()
    return obj


def new_source(slug, minutes, user, text=QUOTED_TEXT, **fields):
    return save_at(Source(slug=slug, text=text, headline=f"Headline {slug}"), minutes, user, **fields)


def new_story(slug, minutes, user):
    story = Story(slug=slug, title=f"Title {slug}", summary="X is blocked across the country.")
    return save_at(story, minutes, user, status=Status.PUBLISHED, published_at=YESTERDAY)


def new_event(story, slug, minutes, user, sources, **fields):
    fields = {"date": datetime.date(2024, 2, 17), "headline": f"Headline {slug}", **fields}
    event = save_at(Event(story=story, slug=slug), minutes, user, **fields)
    event.sources.set(sources)  # recorded on the event, dated as its save
    return event


def new_quote(event, source, minutes, user, text="it was necessary"):
    return save_at(Quote(event=event, source=source, text=text), minutes, user, speaker="Interior Ministry")


@pytest.fixture
def ed(db):
    return member_of("Editors", "ed")


@pytest.fixture
def ann(db):
    return member_of("Editors", "ann")


@pytest.fixture
def world(ed, ann):
    """A story edited by two editors, with an event deleted; another story besides."""
    cited = new_source("cited", -10, ed)
    quoted = new_source("quoted", -10, ed)
    uncited = new_source("uncited", -10, ed, headline="Never cited by the story")
    story = new_story("story", 0, ed)
    event = new_event(story, "block", 1, ed, [cited], headline="Ministry blocks X")
    quote = new_quote(event, quoted, 2, ed)
    doomed = new_event(story, "doomed", 3, ann, [cited], headline="Rumour of a curfew")
    other = new_story("other", 4, ann)
    elsewhere = new_event(other, "elsewhere", 5, ann, [uncited], headline="Elsewhere entirely")
    save_at(event, 10, ann, "Confirmed by the ministry", headline="Ministry blocks X nationwide")
    save_at(story, 11, ed, summary="X is blocked across the whole country.")
    save_at(quote, 12, ann, text="it was necessary", speaker_role="Spokesman")
    save_at(cited, 13, ed, headline="Ministry statement on X")
    doomed._history_date, doomed._history_user = at(14), ann
    doomed.delete()
    save_at(elsewhere, 15, ed, headline="Elsewhere, corrected")
    save_at(uncited, 16, ed, byline="Nobody")
    return {"story": story, "event": event, "quote": quote, "cited": cited, "uncited": uncited}


def url(story, query=""):
    return reverse("admin:tracker_story_whole_history", args=[story.pk]) + query


def shown(client, story, query=""):
    response = client.get(url(story, query))
    assert response.status_code == 200
    return response


def summary(page):
    return [(e.model_name, e.kind, str(e.subject), e.record.history_user.username) for e in page.context["page_obj"]]


@pytest.mark.django_db
def test_every_change_to_the_story_its_events_quotes_and_sources_is_shown_newest_first(client, world, ed):
    client.force_login(ed)
    page = shown(client, world["story"])
    assert summary(page) == [
        ("event", "deleted", "17 February 2024: Rumour of a curfew", "ann"),
        ("source", "changed", "Ministry statement on X", "ed"),
        ("quote", "changed", "Interior Ministry: “it was necessary”", "ann"),
        ("story", "changed", "Title story", "ed"),
        ("event", "changed", "17 February 2024: Ministry blocks X nationwide", "ann"),
        ("event", "changed", "17 February 2024: Rumour of a curfew", "ann"),  # its sources
        ("event", "added", "17 February 2024: Rumour of a curfew", "ann"),
        ("quote", "added", "Interior Ministry: “it was necessary”", "ed"),
        ("event", "changed", "17 February 2024: Ministry blocks X", "ed"),
        ("event", "added", "17 February 2024: Ministry blocks X", "ed"),
        ("story", "added", "Title story", "ed"),
        ("source", "added", "Headline quoted", "ed"),
        ("source", "added", "Headline cited", "ed"),
    ]
    dates = [(e.record.history_date, e.record.history_id) for e in page.context["page_obj"]]
    assert [d for d, _ in dates] == sorted((d for d, _ in dates), reverse=True)


@pytest.mark.django_db
def test_each_change_says_who_when_why_and_what_changed_word_by_word(client, world, ed):
    client.force_login(ed)
    page = shown(client, world["story"])
    entries = {(e.model_name, e.kind, e.record.history_date): e for e in page.context["page_obj"]}
    corrected = entries["event", "changed", at(10)]
    assert corrected.record.history_user.username == "ann"
    assert corrected.record.history_change_reason == "Confirmed by the ministry"
    assert [(c.label, c.old, c.new) for c in corrected.changes] == [
        ("Headline", "Ministry blocks X", "Ministry blocks X nationwide")
    ]
    story = entries["story", "changed", at(11)]
    assert [(c.label, c.old, c.new) for c in story.changes] == [
        ("Summary", "X is blocked across the country.", "X is blocked across the whole country.")
    ]
    linked = entries["event", "changed", at(3)]
    assert [(c.label, c.old, c.new) for c in linked.changes] == [("Sources", "", "Ministry statement on X")]
    quote = entries["quote", "changed", at(12)]
    assert [(c.label, c.new) for c in quote.changes] == [("Speaker role", "Spokesman")]
    html = page.content.decode()
    assert re.search(r"Ministry blocks X<ins>\s?nationwide</ins>", html)
    assert re.search(r"X is blocked across the <ins>\s?whole\s?</ins>\s?country\.", html)
    assert "Confirmed by the ministry" in html
    when = timezone.localtime(at(10))
    assert f'<time datetime="{when.isoformat()}">{when:%-d %b %Y, %H:%M:%S} {when.tzname()}</time>' in html
    assert ">ann<" in html and ">ed<" in html


@pytest.mark.django_db
def test_objects_link_to_their_admin_pages_while_they_exist(client, world, ed):
    client.force_login(ed)
    html = shown(client, world["story"]).content.decode()
    assert reverse("admin:tracker_event_change", args=[world["event"].pk]) in html
    assert reverse("admin:tracker_quote_change", args=[world["quote"].pk]) in html
    assert reverse("admin:tracker_source_change", args=[world["cited"].pk]) in html
    deleted = [e for e in shown(client, world["story"]).context["page_obj"] if "curfew" in str(e.subject)]
    assert deleted and all(not e.exists and e.url == "" for e in deleted)
    assert "(no longer exists)" in html


@pytest.mark.django_db
def test_other_stories_and_sources_the_story_never_cited_are_left_out(client, world, ed):
    client.force_login(ed)
    html = shown(client, world["story"]).content.decode()
    assert "Elsewhere" not in html and "Never cited by the story" not in html and "Nobody" not in html
    other = Story.objects.get(slug="other")
    assert [(e.model_name, str(e.subject)) for e in shown(client, other).context["page_obj"]] == [
        ("source", "Never cited by the story"),
        ("event", "17 February 2024: Elsewhere, corrected"),
        ("event", "17 February 2024: Elsewhere entirely"),
        ("event", "17 February 2024: Elsewhere entirely"),
        ("story", "Title other"),
        ("source", "Never cited by the story"),
    ]


@pytest.mark.django_db
def test_the_history_is_paginated_older_changes_on_later_pages(client, world, ed, monkeypatch):
    monkeypatch.setattr(admin_views, "HISTORY_PER_PAGE", 5)
    client.force_login(ed)
    everything = [e.record for e in shown(client, world["story"]).context["page_obj"]]
    assert len(everything) == 5
    pages = [shown(client, world["story"], f"?p={n}").context["page_obj"] for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [5, 5, 3]
    assert pages[0].paginator.count == 13 and pages[0].has_next() and not pages[2].has_next()
    seen = [(e.record.history_date, type(e.record).__name__, e.record.history_id) for p in pages for e in p]
    assert len(set(seen)) == 13  # each record once
    assert [d for d, *_ in seen] == sorted((d for d, *_ in seen), reverse=True)
    assert [e.record for e in pages[0]] == everything
    html = shown(client, world["story"], "?p=2").content.decode()
    assert '<span class="this-page">2</span>' in html and 'href="?p=3"' in html
    for bad in ("abc", "0", "-1", "99999999999999999999"):
        response = client.get(url(world["story"], f"?p={bad}"))
        assert response.status_code == 200, bad
        assert response.context["page_obj"].number in (1, 3), bad


def grow(story, user, rounds, start):
    """`rounds` edits of the story, each adding an event citing a new source,
    with a quote, and correcting that source: newer than everything before."""
    for n in range(rounds):
        minutes = start + n
        source = new_source(f"grown-{start}-{n}", minutes, user)
        event = new_event(story, f"grown-{start}-{n}", minutes, user, [source])
        new_quote(event, source, minutes, user)
        save_at(source, minutes, user, headline=f"Corrected {n}")
        save_at(event, minutes, user, description=f"More on {n}")
        save_at(story, minutes, user, summary=f"Now {n}.")


def queries_for_a_page(client, story, query=""):
    with CaptureQueriesContext(connection) as queries:
        shown(client, story, query)
    return len(queries)


@pytest.mark.django_db
def test_a_page_costs_the_same_queries_however_long_the_history(client, world, ed, django_assert_max_num_queries):
    client.force_login(ed)
    story = world["story"]
    shown(client, story)  # sessions, permissions and content types are read once
    grow(story, ed, 10, start=100)
    assert Event.history.filter(story_id=story.pk).count() < 50
    with django_assert_max_num_queries(25):
        small = queries_for_a_page(client, story)
    grow(story, ed, 150, start=1000)
    assert Event.history.filter(story_id=story.pk).count() > 450
    with django_assert_max_num_queries(25):
        large = queries_for_a_page(client, story)
    assert large == small
    assert queries_for_a_page(client, story, "?p=10") == small


@pytest.mark.django_db
def test_the_story_s_history_button_leads_to_its_whole_history(client, world, ed):
    client.force_login(ed)
    story, event = world["story"], world["event"]
    html = client.get(reverse("admin:tracker_story_history", args=[story.pk])).content.decode()
    link = f'<a href="{url(story)}">The whole story\'s history: story, events, quotes and sources</a>'
    assert link in html
    assert "whole-history" not in client.get(reverse("admin:tracker_event_history", args=[event.pk])).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("object_id", ["abc", "999999", "99999999999999999999999", "1/2"])
def test_the_whole_history_of_no_story_is_404(client, ed, object_id):
    client.force_login(ed)
    assert client.get(f"/admin/tracker/story/{object_id}/whole-history/").status_code == 404


@pytest.mark.django_db
def test_only_staff_who_may_view_stories_see_their_history(client, world):
    assert client.get(url(world["story"])).status_code == 302  # to the login page
    client.force_login(User.objects.create_user("stranger", is_staff=True))
    assert client.get(url(world["story"])).status_code == 403


@pytest.mark.django_db
def test_a_deleted_source_s_name_in_a_change_reason_is_not_cut_mid_word(client, world, ed):
    long_name = "Ministry of Information and Broadcasting statement on the nationwide suspension of the platform X"
    source = new_source("long", 20, ed, outlet="Official Gazette", headline=long_name)
    event = world["event"]
    event._history_date = at(20)
    event.sources.add(source)
    source.delete()
    reason = event.history.first().history_change_reason
    full = f"Source deleted: Official Gazette: {long_name}"
    assert len(full) > 100 and len(reason) <= 100 and reason.endswith("…")
    kept = reason.removesuffix("…")
    assert full.startswith(kept) and full[len(kept)] == " ", reason
    client.force_login(ed)
    assert reason in shown(client, world["story"]).content.decode()


@pytest.mark.django_db
def test_a_conflict_message_shortens_long_texts_at_word_boundaries(world, ann):
    event = world["event"]
    before = "The ministry said on Wednesday that the block would last until the unrest in the capital had ended"
    after = "The ministry said on Thursday that the block would last until further notice from the interior ministry"
    save_at(event, 30, ann, description=before)
    based_on = event.version
    save_at(event, 31, ann, description=after)
    message = conflict_message(event, based_on)
    texts = re.findall(r"“(.*?)”", message)
    assert len(texts) == 2
    for text, full in zip(texts, (before, after), strict=True):
        assert text.endswith("…") and len(text) <= 80
        kept = text.removesuffix("…")
        assert full.startswith(kept) and full[len(kept)] == " ", text


@pytest.mark.django_db
def test_hostile_text_in_the_history_is_shown_inert(client, world, ed):
    save_at(world["event"], 40, ed, "<b>why</b>", headline="<script>alert(1)</script> blocks X")
    client.force_login(ed)
    html = shown(client, world["story"]).content.decode()
    assert "<script>alert" not in html and "<b>why" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;why&lt;/b&gt;" in html
    assert "<style" not in html and " style=" not in html
