"""Checking and loading fixtures: all or nothing, never a silent overwrite."""

import json
import re

import pytest
from django.core.management import CommandError, call_command

from tracker.models import Account, Event, Quote, Source, Speaker, Story

from .conftest import DATA, FIXTURES

TRACKED = (Story, Event, Source, Quote, Account, Speaker)
BROKEN = sorted((DATA / "broken").glob("*.json"))


def counts():
    return {model: (model.objects.count(), model.history.count()) for model in TRACKED}


def seed_objects():
    with open(FIXTURES[0], encoding="utf-8") as fixture:
        return json.load(fixture)


def write_fixture(tmp_path, objects, name="fixture.json"):
    path = tmp_path / name
    path.write_text(json.dumps(objects), encoding="utf-8")
    return str(path)


@pytest.mark.django_db
def test_check_fixture_accepts_the_seed_and_writes_nothing(capsys):
    call_command("check_fixture", *FIXTURES)
    out = capsys.readouterr().out
    assert "loadable" in out and "would create 70" in out and "nothing was written" in out
    assert counts() == {model: (0, 0) for model in TRACKED}


@pytest.mark.django_db
@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_check_fixture_refuses_every_broken_fixture_and_writes_nothing(path):
    with pytest.raises(CommandError, match="Not loadable"):
        call_command("check_fixture", str(path))
    assert counts() == {model: (0, 0) for model in TRACKED}


@pytest.mark.django_db
def test_an_object_held_twice_is_refused_by_check_and_load(tmp_path):
    objects = seed_objects()
    twice = next(o for o in objects if o["model"] == "tracker.event")
    changed = json.loads(json.dumps(twice))
    changed["fields"]["headline"] = "A second, different headline"
    path = write_fixture(tmp_path, [*objects, changed])
    for command in ("check_fixture", "loaddata"):
        with pytest.raises(CommandError, match="more than once.*" + re.escape(twice["fields"]["slug"])):
            call_command(command, path, verbosity=0)
        assert counts() == {model: (0, 0) for model in TRACKED}


@pytest.mark.django_db
def test_a_valid_fixture_loaded_with_a_broken_one_is_not_loaded_either():
    with pytest.raises(Exception, match="do not occur in the source"):
        call_command("loaddata", *FIXTURES, str(DATA / "broken" / "quote-not-in-source.json"), verbosity=0)
    assert counts() == {model: (0, 0) for model in TRACKED}


@pytest.mark.django_db
def test_a_corrected_fixture_updates_what_only_a_load_wrote_and_records_it(seed, tmp_path):
    objects = seed_objects()
    event = next(o for o in objects if o["model"] == "tracker.event" and o["fields"]["slug"] == "general-election")
    event["fields"]["headline"] = "Pakistan holds a general election (corrected)"
    call_command("loaddata", write_fixture(tmp_path, objects), verbosity=0)
    stored = Event.objects.get(slug="general-election")
    assert stored.headline.endswith("(corrected)")
    assert stored.version == 2 and stored.history.count() == 2
    assert stored.history.first().history_change_reason.startswith("Loaded from fixture")


@pytest.mark.django_db
def test_check_fixture_reports_an_overwrite_of_editorial_work_as_a_failure(seed, editor):
    event = Event.objects.get(slug="general-election")
    event._history_user = editor
    event.description = "Added by an editor"
    event.save()
    before = counts()
    with pytest.raises(CommandError, match=r"overwrite editorial changes.*description"):
        call_command("check_fixture", *FIXTURES)
    call_command("check_fixture", *FIXTURES, "--overwrite")
    assert counts() == before
    event.refresh_from_db()
    assert event.description == "Added by an editor"


@pytest.mark.django_db
def test_reloading_keeps_the_versions_editors_reached(seed):
    event = Event.objects.get(slug="general-election")
    event.is_key = not event.is_key
    event.save()
    event.is_key = not event.is_key  # back to what the fixture says
    event.save()
    call_command("loaddata", *FIXTURES, verbosity=0)
    event.refresh_from_db()
    assert event.version == 3 and event.history.count() == 3
