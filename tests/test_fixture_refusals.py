"""What the fixture loader refuses, and how it says so: always "Nothing was
loaded: …" in plain words, never a bare database error, and never an object
that is not the tracker's content unless asked."""

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from tracker.models import Source, Story

from .conftest import DATA
from .test_loading import TRACKED, counts, seed_objects, write_fixture

BROKEN = DATA / "broken"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.json")), ids=lambda p: p.stem)
def test_loaddata_refuses_every_broken_fixture_in_words_and_loads_nothing(path):
    before = (counts(), User.objects.count())
    with pytest.raises(CommandError, match="^Nothing was loaded: "):
        call_command("loaddata", str(path), verbosity=0)
    assert (counts(), User.objects.count()) == before


def test_a_source_derived_from_one_later_in_the_fixture_loads(tmp_path):
    objects = seed_objects()
    derived = next(o for o in objects if o["model"] == "tracker.source" and o["fields"]["derived_from"])
    original = derived["fields"]["derived_from"][0]
    objects.remove(derived)
    objects.insert(0, derived)  # before its original, and before everything else
    path = write_fixture(tmp_path, objects)
    call_command("check_fixture", path)
    call_command("loaddata", path, verbosity=0)
    source = Source.objects.get(slug=derived["fields"]["slug"])
    assert source.derived_from.slug == original
    assert source.history.count() == 1 and source.history.get().derived_from_id == source.derived_from_id
    assert Source.objects.count() == Source.history.count() == sum(o["model"] == "tracker.source" for o in objects)


def test_an_invalid_choice_is_named_as_an_editor_would_be_told():
    with pytest.raises(CommandError) as refused:
        call_command("loaddata", str(BROKEN / "invalid-choice.json"), verbosity=0)
    message = str(refused.value)
    assert message.startswith("Nothing was loaded: ")
    named = "tracker.Event ('broken-story', 'e') is invalid: date_precision: Value 'fortnight' is not a valid choice"
    assert named in message
    assert "IntegrityError" not in message and "CHECK constraint" not in message
    assert counts() == {model: (0, 0) for model in TRACKED}


def test_an_account_in_a_fixture_is_refused_unless_allowed():
    path = str(BROKEN / "superuser.json")
    for command in ("check_fixture", "loaddata"):
        with pytest.raises(CommandError, match=r"auth\.User “fixture-admin”.*not the tracker's content"):
            call_command(command, path, verbosity=0)
    assert not User.objects.filter(username="fixture-admin").exists() and Story.objects.count() == 0
    call_command("loaddata", path, "--exclude", "auth", verbosity=0)
    assert Story.objects.filter(slug="story-with-an-account").exists() and not User.objects.filter(is_superuser=True)
    call_command("loaddata", path, "--allow-other-models", verbosity=0)
    assert User.objects.get(username="fixture-admin").is_superuser


def test_history_records_in_a_fixture_are_refused(seed, tmp_path):
    story = Story.objects.get()
    record = {
        "model": "tracker.historicalstory",
        "pk": 999,
        "fields": {
            "id": story.pk,
            "title": "A forged past",
            "slug": story.slug,
            "summary": "s",
            "status": "draft",
            "history_date": "2020-01-01T00:00:00Z",
            "history_type": "~",
        },
    }
    before = counts()
    with pytest.raises(CommandError, match=r"tracker\.HistoricalStory .*not the tracker's content"):
        call_command("loaddata", write_fixture(tmp_path, [record]), verbosity=0)
    assert counts() == before


def test_a_quote_not_in_its_source_is_explained_in_plain_text(seed):
    before = counts()
    for command, prefix in (("loaddata", "Nothing was loaded: "), ("check_fixture", "Not loadable: ")):
        with pytest.raises(CommandError) as refused:
            call_command(command, str(BROKEN / "quote-not-verbatim.json"), verbosity=0)
        message = str(refused.value)
        assert message.startswith(prefix)
        assert "These words do not occur in the source's archived text." in message
        # The admin's <q>, <del> and <ins>, as text, with the escaping undone.
        assert "“the failure of Twitter[-&-]{+/+}X to [-follow-]{+adhere to+} the lawful directives" in message
        assert "[-…-]: in the quote but not the source; {+…+}: in the source but not the quote" in message
        assert "<" not in message and "&amp;" not in message and "&#" not in message
    assert counts() == before
