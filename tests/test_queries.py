"""Every public page costs the same number of queries however big the story is."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from tracker.models import Source, Story

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
    values = {"slug": story.slug, "pk": Source.objects.filter(events__story=story).order_by("pk").first().pk}
    missing = set(params) - set(values)
    assert not missing, f"Teach tests/test_queries.py which object {name} takes for {missing}"
    return reverse(name, kwargs={param: values[param] for param in params})


def queries_for(url):
    """The queries a reader's request costs when the page is not cached yet."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in queries]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), list(public_routes()), ids=lambda value: str(value))
def test_a_page_costs_the_same_queries_for_a_story_ten_times_larger(name, params):
    small = story_of(6)
    few = queries_for(address(name, params, small))
    large = story_of(60)
    many = queries_for(address(name, params, large))
    assert len(few) == len(many), "\n".join(["Queries grew with the story:", *many])


@pytest.mark.django_db
def test_the_story_page_stays_within_its_query_budget():
    story = story_of(40)
    queries = queries_for(story.get_absolute_url())
    assert len(queries) <= STORY_PAGE_BUDGET, "\n".join(queries)
