import datetime
import fcntl
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from tracker.models import DatePrecision, Event, Quote, Source, Status, Story
from tracker.public import caching

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(str(p) for p in (ROOT / "fixtures").glob("*.json"))
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session", autouse=True)
def static_files():
    """Pages are tested as production serves them: hashed, compressed static files.

    Parallel runs (bin/test's workers, or two runs at once) collect into the
    same folder one after another, so that none reads a half-written manifest;
    the workers of one run collect once, the first of them, so that none
    rewrites the files while another's tests read them."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    done = ROOT / ".collectstatic.lock"
    with open(done, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        if run and lock.read() == run:
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        lock.seek(0)
        lock.truncate()
        lock.write(run or "")


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache, as with an empty database: a
    rolled-back test sends no signal to invalidate the pages it cached, and
    this process forgets the page tokens it read."""
    cache.clear()
    caching.TOKENS.forget()


@pytest.fixture
def seed(db):
    """The seed story, loaded the way staff load it."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    return Story.objects.get(slug="pakistan-x-block")


@pytest.fixture
def editor(db):
    user = User.objects.create_user("edna", password="correct horse battery staple", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def make_source(slug="wire", text="The ministry said “it was necessary” on Wednesday.", **fields):
    fields.setdefault("headline", f"Headline {slug}")
    return Source.objects.create(slug=slug, text=text, **fields)


def make_story(slug="story", status=Status.PUBLISHED, published_at=None, **fields):
    if status == Status.PUBLISHED and published_at is None:
        published_at = timezone.now() - datetime.timedelta(hours=1)
    return Story.objects.create(
        slug=slug, title=f"Title {slug}", summary=f"Summary {slug}", status=status, published_at=published_at, **fields
    )


def make_event(story, slug="event", sources=(), **fields):
    fields.setdefault("date", datetime.date(2024, 4, 17))
    fields.setdefault("date_precision", DatePrecision.DAY)
    fields.setdefault("headline", f"Headline {slug}")
    fields.setdefault("status", Status.PUBLISHED)
    event = Event.objects.create(story=story, slug=slug, **fields)
    event.sources.set(sources)
    return event


def make_quote(event, source, text="it was necessary", **fields):
    fields.setdefault("speaker", "Interior Ministry")
    fields.setdefault("status", Status.PUBLISHED)
    return Quote.objects.create(event=event, source=source, text=text, **fields)
