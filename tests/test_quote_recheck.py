"""Quotes re-checked: every quote must stay verbatim in its source's archived
text. A save that would orphan one is refused whatever path makes it, and
`manage.py check_quotes` audits what no save sees (an UPDATE in SQL, a restored
backup) and exits non-zero, naming each quote and the closest passage."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from tracker.history import editing
from tracker.models import Quote, Source

from .conftest import make_event, make_quote, make_source, make_story

pytestmark = pytest.mark.django_db


def check_quotes(*args):
    out = io.StringIO()
    call_command("check_quotes", *args, stdout=out)
    return out.getvalue()


def test_every_seed_quote_occurs_verbatim(seed):
    count = Quote.objects.filter(event__story=seed).count()
    assert count > 40
    assert check_quotes() == f"All {count} quotes occur verbatim in their sources' archived texts.\n"
    assert check_quotes("--story", seed.slug).startswith(f"All {count} quotes")


def test_a_text_changed_behind_the_models_back_is_reported_with_the_closest_passage(seed):
    quote = Quote.objects.get(slug="x-reluctant")
    source = quote.source
    Source.objects.filter(pk=source.pk).update(text=source.text.replace("reluctant", "unwilling"))
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^1 of \d+ quotes no longer occur verbatim"):
        call_command("check_quotes", stdout=out)
    report = out.getvalue()
    assert (
        f"pakistan-x-block/{quote.event.slug}/x-reluctant: not in the archived text of source {source.slug!r}" in report
    )
    assert "  quote:   X had been reluctant to resolve the issue" in report
    assert "  closest: X had been unwilling to resolve the issue" in report


def test_a_draft_quote_is_checked_too():
    source = make_source("wire", text="The ministry said “it was necessary” on Wednesday.")
    make_quote(make_event(make_story(), "e", [source]), source, status="draft", slug="draft")
    Source.objects.filter(pk=source.pk).update(text="Nothing was said.")
    with pytest.raises(CommandError, match="1 of 1 quotes"):
        check_quotes()


def test_a_save_that_would_orphan_a_quote_is_refused_on_every_path_and_writes_nothing():
    source = make_source("wire", text="The ministry said “it was necessary” on Wednesday.")
    make_quote(make_event(make_story(), "e", [source]), source)
    records = source.history.count()
    source.text = "The ministry said nothing on Wednesday."
    with pytest.raises(ValidationError, match="would no longer occur in the archived text"), editing():
        source.save()  # a shell, a script, a data migration: not through a form
    assert Source.objects.get(pk=source.pk).text.startswith("The ministry said “it was necessary”")
    assert source.history.count() == records
    source.text = "On Wednesday the ministry said “it was necessary”, again."
    with editing():
        source.save()  # the quote's words are still there: allowed
    assert check_quotes().startswith("All 1 quotes")


def test_an_unknown_story_is_a_clear_error(seed):
    with pytest.raises(CommandError, match="No story has the address 'no-such-story'"):
        check_quotes("--story", "no-such-story")
