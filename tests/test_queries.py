"""Every public page costs the same number of queries however big the story is."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from tracker.models import Quote, Source, Speaker, Story

STORY_PAGE_BUDGET = 10


def public_routes():
    """Every route of the public app, found rather than listed, so that pages
    added later are held to the same rule."""
    resolver = get_resolver()
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) == "tracker":
            for route in pattern.url_patterns:
                yield f"tracker:{route.name}", sorted(route.pattern.converters)


def story_of(events):
    slug = f"q{events}"
    call_command("synthesize_story", "--events", events, "--slug", slug, "--sources", events // 2, verbosity=0)
    return Story.objects.get(slug=f"synthetic-{slug}")


def address(name, params, story):
    values = {
        "slug": story.slug,
        "pk": Source.objects.filter(events__story=story).order_by("pk").first().pk,
        "event_slug": story.events.chronological().first().slug,  # on the last part of a long story
        "quote_slug": story.events.chronological().first().quotes.order_by("pk").first().slug,
    }
    if name == "tracker:speaker_detail":  # a speaker of every quote of the story
        speaker = Speaker.objects.create(name=f"Speaker of {story.slug}", slug=f"speaker-{story.slug}", kind="person")
        Quote.objects.filter(event__story=story).update(spoken_by=speaker)
        values["slug"] = speaker.slug
    missing = set(params) - set(values)
    assert not missing, f"Teach tests/test_queries.py which object {name} takes for {missing}"
    # The live-updates poll is always asked what changed since a moment: here, since anything was made.
    query = "?since=2000-01-01" if name == "tracker:story_updates" else ""
    return reverse(name, kwargs={param: values[param] for param in params}) + query


# Routes that answer with a redirect to a page rather than with a page.
REDIRECTS = {"tracker:event_permalink", "tracker:quote_permalink"}


def queries_for(url, status=200):
    """The queries a reader's request costs when the page is not cached yet."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url)
    assert response.status_code == status, url
    return [query["sql"] for query in queries]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), list(public_routes()), ids=lambda value: str(value))
def test_a_page_costs_the_same_queries_for_a_story_ten_times_larger(name, params):
    """Both stories fit one part of the story page (a story told in several
    costs a few queries more, the same for every part of any length: below)."""
    status = 302 if name in REDIRECTS else 200
    small = story_of(5)
    few = queries_for(address(name, params, small), status)
    large = story_of(50)
    many = queries_for(address(name, params, large), status)
    assert len(few) == len(many), "\n".join(["Queries grew with the story:", *many])


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?page=2"])
def test_each_part_of_a_long_story_costs_the_same_queries_however_long_the_story(query):
    counts = []
    for events in (60, 130):
        queries = queries_for(story_of(events).get_absolute_url() + query)
        assert len(queries) <= STORY_PAGE_BUDGET, "\n".join(queries)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db
def test_the_story_page_stays_within_its_query_budget():
    story = story_of(40)
    queries = queries_for(story.get_absolute_url())
    assert len(queries) <= STORY_PAGE_BUDGET, "\n".join(queries)
