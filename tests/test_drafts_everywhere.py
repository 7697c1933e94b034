"""Drafts stay private: nothing readers may not see appears at any public address.

The addresses are not listed by hand: every route outside the admin is probed,
with every story and source as its arguments, and every link found on a public
response is followed. A new public route is probed the day it is added; a
route taking an argument the probe does not know fails here until it does.
"""

import datetime
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tracker.models import DatePrecision, Event, Quote, Source, Speaker, SpeakerKind, Status, Story

# Every marker contains SECRET, so one case-insensitive search finds any of them.
SECRET = "zqxsecret"
VISIBLE = "Visible headline of the published event"


def secret_source(name):
    tag = f"{SECRET}-{name}"
    return Source.objects.create(
        slug=tag,
        headline=f"{tag}-headline",
        outlet=f"{tag}-outlet",
        byline=f"{tag}-byline",
        text=f"{tag}-text said “{tag}-quote” today.",
        url=f"https://example.org/{tag}-url",
        notes=f"{tag}-notes",
        published_on=datetime.date(2024, 2, 1),
    )


def secret_event(story, name, sources, **fields):
    tag = f"{SECRET}-{name}"
    event = Event.objects.create(
        story=story,
        slug=tag,
        headline=f"{tag}-headline",
        description=f"{tag}-description",
        disagreement=f"{tag}-disagreement",
        date=datetime.date(2024, 2, 15),
        date_precision=DatePrecision.APPROXIMATE,
        date_label=f"{tag}-date-label",
        is_key=True,
        **fields,
    )
    event.sources.set(sources)
    return event


def secret_quote(event, source, name, **fields):
    tag = f"{SECRET}-{name}"
    source_tag = source.slug
    return Quote.objects.create(
        event=event,
        source=source,
        slug=tag,
        text=f"{source_tag}-quote",
        speaker=f"{tag}-speaker",
        speaker_role=f"{tag}-role",
        spoken_by=fields.pop("spoken_by", None)
        or Speaker.objects.create(name=f"{tag}-speaker", slug=tag, kind=SpeakerKind.PERSON, aliases=f"{tag}-alias"),
        **fields,
    )


def secret_story(name, **fields):
    tag = f"{SECRET}-{name}"
    story = Story.objects.create(slug=tag, title=f"{tag}-title", summary=f"{tag}-summary", **fields)
    source = secret_source(f"{name}-source")
    event = secret_event(story, f"{name}-event", [source], status=Status.PUBLISHED)
    secret_quote(event, source, f"{name}-quote")
    return story


@pytest.fixture
def newsroom(db):
    """A published story holding drafts of every kind, next to stories readers may not see."""
    hour = datetime.timedelta(hours=1)
    public_source = Source.objects.create(slug="wire", headline="Wire report", text="Officials said “it was needed”.")
    story = Story.objects.create(
        slug="open", title="Open story", summary="Open summary", status=Status.PUBLISHED, published_at=timezone.now()
    )
    shown = Event.objects.create(
        story=story, slug="shown", headline=VISIBLE, date=datetime.date(2024, 2, 1), status=Status.PUBLISHED
    )
    shown.sources.set([public_source])
    official = Speaker.objects.create(name="Official", slug="official", kind=SpeakerKind.PERSON)
    Quote.objects.create(
        event=shown,
        source=public_source,
        text="it was needed",
        speaker="Official",
        status=Status.PUBLISHED,
        spoken_by=official,
    )

    only_drafts = secret_source("drafts-only-source")
    # The public speaker's draft quote: their page shows only the published one.
    secret_quote(shown, only_drafts, "draft-quote", status=Status.DRAFT, spoken_by=official)
    for status in (Status.DRAFT, Status.UNPUBLISHED):
        event = secret_event(story, f"{status}-event", [only_drafts, public_source], status=status)
        secret_quote(event, only_drafts, f"live-quote-under-{status}-event")  # published, under a hidden event
    hidden = [
        secret_story("draft-story", status=Status.DRAFT),
        secret_story("unpublished-story", status=Status.UNPUBLISHED, published_at=timezone.now() - hour),
        secret_story("scheduled-story", status=Status.PUBLISHED, published_at=timezone.now() + hour),
    ]
    return {
        "public_story": story,
        "public_event": shown,
        "hidden_events": list(Event.objects.filter(slug__startswith=SECRET)),
        "public_quote": shown.quotes.get(status=Status.PUBLISHED),
        # Drafts, and published quotes under hidden events or stories.
        "hidden_quotes": list(Quote.objects.filter(slug__startswith=SECRET) | Quote.objects.exclude(event=shown)),
        "hidden_stories": hidden,
        "public_source": public_source,
        "hidden_sources": list(Source.objects.filter(slug__startswith=SECRET)),
        "public_speaker": official,
        "hidden_speakers": list(Speaker.objects.filter(slug__startswith=SECRET)),  # with no published quote
    }


def public_routes(patterns=None, namespace=""):
    """(name, route) of every named route outside the admin."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                prefix = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from public_routes(entry.url_patterns, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


# The query a route's callers always send: the live-updates poll asks what
# changed since a moment, here one before anything was made, so every draft
# would be counted and named if it leaked.
QUERIES = {"tracker:story_updates": "?since=2000-01-01"}


def addresses(newsroom):
    """Every public address to probe, with the status readers must get there."""
    stories = [(newsroom["public_story"], 200)] + [(story, 404) for story in newsroom["hidden_stories"]]
    sources = [(newsroom["public_source"], 200)] + [(source, 404) for source in newsroom["hidden_sources"]]
    # A public event's permalink redirects to the story page; any other event's is 404.
    events = [(newsroom["public_event"], 302)] + [(event, 404) for event in newsroom["hidden_events"]]
    quotes = [(newsroom["public_quote"], 302)] + [(quote, 404) for quote in newsroom["hidden_quotes"]]
    probes = []
    for name, route in public_routes():
        arguments = set(route.pattern.converters)
        if not arguments:
            probes.append((name, reverse(name), 301 if name == "favicon" else 200))  # the icon is a static file
        elif name == "tracker:speaker_detail":
            speakers = [(newsroom["public_speaker"], 200)] + [(s, 404) for s in newsroom["hidden_speakers"]]
            probes += [(name, reverse(name, kwargs={"slug": s.slug}), status) for s, status in speakers]
        elif arguments == {"slug"}:
            query = QUERIES.get(name, "")
            probes += [(name, reverse(name, kwargs={"slug": s.slug}) + query, status) for s, status in stories]
        elif arguments == {"token"}:
            # Follow-by-email links: a token nobody signed is a 400 page (tests/test_alerts.py follows real ones).
            probes.append((name, reverse(name, kwargs={"token": "not-a-signed-token"}), 400))
        elif arguments == {"pk"}:
            probes += [(name, reverse(name, kwargs={"pk": s.pk}), status) for s, status in sources]
        elif arguments == {"slug", "event_slug"}:
            probes += [
                (name, reverse(name, kwargs={"slug": e.story.slug, "event_slug": e.slug}), status)
                for e, status in events
            ]
        elif arguments == {"slug", "event_slug", "quote_slug"}:
            probes += [(name, q.get_absolute_url(), status) for q, status in quotes]
        else:
            pytest.fail(f"No probe for route {name} with arguments {sorted(arguments)}: add one here.")
    return probes


LINK = re.compile(r"""(?:href|src)=["']([^"'#]+)|<loc>([^<]+)</loc>|"url": "([^"#]+)""")


def links(body):
    """Same-site addresses a response points at (pages, feeds, sitemap entries, JSON urls)."""
    for match in LINK.finditer(body):
        address = next(group for group in match.groups() if group)
        address = address.replace("&amp;", "&").removeprefix("http://testserver")
        if address.startswith("/") and not address.startswith(("//", "/admin/", "/static/")):
            yield address


def assert_no_secret(response, address):
    body = response.content.decode("utf-8", "replace")
    headers = str(response.headers)
    assert SECRET not in (body + headers).lower(), f"{address} shows something readers may not see"
    return body


def test_every_route_outside_the_admin_is_probed(newsroom):
    names = {name for name, _, _ in addresses(newsroom)}
    assert names == {name for name, _ in public_routes()}
    assert {"tracker:story_detail", "tracker:source_detail", "tracker:story_changes", "tracker:story_feed"} <= names
    assert {"tracker:story_json", "tracker:story_timeline", "sitemap", "robots_txt"} <= names
    assert "tracker:event_permalink" in names


def test_no_public_address_shows_a_draft_and_hidden_stories_are_404(client, newsroom):
    probe_site(client, newsroom)


def test_an_original_cited_only_by_drafts_is_not_named_by_its_public_copy(client, newsroom):
    copy = newsroom["public_source"]
    copy.derived_from = Source.objects.get(slug=f"{SECRET}-drafts-only-source")
    copy.save()
    probe_site(client, newsroom)


def probe_site(client, newsroom):
    """Request every public address and every link found on them, looking for secrets."""
    seen, queue = set(), []
    for name, address, status in addresses(newsroom):
        response = client.get(address)
        assert response.status_code == status, f"{name}: {address}"
        body = assert_no_secret(response, address)
        seen.add(address)
        if status == 302:
            queue.append(response["Location"].split("#")[0])
        if status != 200:
            continue
        queue += links(body)
        if "slug" in response.resolver_match.kwargs and not response["Content-Type"].startswith("image/"):
            # The live-updates poll names the events that changed; it does not print them.
            shown = {
                "tracker:story_updates": newsroom["public_event"].anchor,
                "alerts:follow": newsroom["public_story"].title,
            }.get(name, VISIBLE)
            assert shown in body, f"{address} does not show the published event: the probe proves nothing"
    while queue:
        address = queue.pop()
        if address in seen:
            continue
        seen.add(address)
        response = client.get(address)
        if response.status_code == 302:  # an event's permalink: where it leads is followed too
            assert_no_secret(response, address)
            queue.append(response["Location"].split("#")[0])
            continue
        assert response.status_code == 200, f"broken link to {address}"
        queue += links(assert_no_secret(response, address))
    assert len(seen) > 20  # the probe really went round the site
