"""The seed story as staff load it, and what a load does with bad input."""

import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tracker.models import Account, Event, Quote, Source, Speech, Story, normalise_text

from .conftest import DATA, FIXTURES

TRACKED = (Story, Event, Source, Quote, Account)
SEEDS = sorted((DATA / "seeds").glob("*.txt"))


def counts():
    return {model: (model.objects.count(), model.history.count()) for model in TRACKED}


def test_fixtures_dir_holds_only_loadable_json():
    assert FIXTURES, "fixtures/*.json is empty"
    for path in FIXTURES:
        assert isinstance(json.loads(Path(path).read_text(encoding="utf-8")), list)


@pytest.mark.django_db
def test_every_seed_article_is_archived_verbatim(seed):
    archived = set(Source.objects.values_list("text", flat=True))
    assert len(SEEDS) == 5
    for path in SEEDS:
        assert path.read_text(encoding="utf-8") in archived, path.name


@pytest.mark.django_db
def test_every_quote_occurs_in_its_sources_archived_text(seed):
    quotes = Quote.objects.select_related("source")
    assert quotes.count() >= 20
    for quote in quotes:
        assert normalise_text(quote.text) in normalise_text(quote.source.text), quote.slug


@pytest.mark.django_db
def test_every_event_cites_a_source_and_every_quote_cites_one_of_its_events_sources(seed):
    for event in Event.objects.prefetch_related("sources", "quotes"):
        cited = set(event.sources.all())
        assert cited, event.slug
        for quote in event.quotes.all():
            assert quote.source in cited, quote.slug


@pytest.mark.django_db
def test_seed_dates_are_no_more_precise_than_the_articles(seed):
    events = {e.slug: e for e in seed.events.all()}
    assert events["general-election"].date_display == "8 February 2024"
    assert events["users-report-x-access-problems"].date_display == "Mid-February 2024"
    undated = events["tarar-voa-interview"]
    assert undated.date is None and "Friday" in undated.date_display


@pytest.mark.django_db
def test_sources_disagreements_are_recorded_as_accounts(seed):
    def versions(slug):
        return list(seed.events.get(slug=slug).accounts.values_list("says", flat=True))

    assert any("Sindh High Court" in version for version in versions("court-orders-reconsideration"))
    assert "Since 17 February" in versions("users-report-x-access-problems")


@pytest.mark.django_db
def test_the_ministry_submission_is_one_statement_in_four_wordings_from_four_sources_two_independent(seed):
    first = Quote.objects.get(slug="failure-to-adhere", variant_of=None)
    wordings = [first, *first.variants.all()]
    assert len(wordings) == 4
    assert len({q.source_id for q in wordings}) == 4
    # The translation is the wire's, and the "Pakistan Implements Social Media Ban" report appears to copy it.
    assert len({q.source.derived_from_id or q.source_id for q in wordings}) == 2
    assert all(q.speech == Speech.DIRECT for q in wordings)


@pytest.mark.django_db
def test_only_the_report_that_gives_the_closure_directive_and_its_date_is_cited_for_it(seed):
    event = seed.events.get(slug="interior-ministry-orders-x-closure")
    (source,) = event.sources.all()
    assert source.slug == "x-first-statement-report-2024-04-18"
    assert "directives for the closure of X on February 17, 2024" in source.text
    for other in Source.objects.exclude(pk=source.pk):
        assert "February 17" not in other.text and "directives for the closure" not in other.text, other.slug


@pytest.mark.django_db
def test_what_the_seeds_do_not_say_stays_blank(seed):
    assert not Source.objects.exclude(url="").exists()
    assert not Source.objects.exclude(outlet="").exists()
    assert not Source.objects.exclude(byline="").exists()
    translation = Source.objects.get(kind="machine-translation")
    assert translation.derived_from.kind == "wire"


@pytest.mark.django_db
def test_loading_leaves_one_history_baseline_per_object(seed):
    for model in TRACKED:
        assert model.objects.count() > 0
        for obj in model.objects.all():
            records = list(obj.history.all())
            assert len(records) == 1, obj
            assert records[0].history_type == "+"
            assert records[0].history_change_reason.startswith("Loaded from fixture")
    for event in Event.objects.all():
        baseline = event.history.get()
        assert {r.source_id for r in baseline.sources.all()} == set(event.sources.values_list("pk", flat=True))


@pytest.mark.django_db
def test_loading_again_changes_nothing(seed):
    before = counts()
    snapshot = list(Event.objects.values())
    call_command("loaddata", *FIXTURES, verbosity=0)
    assert counts() == before
    assert list(Event.objects.values()) == snapshot


@pytest.mark.django_db
def test_reloading_over_an_editors_change_is_refused_and_changes_nothing(seed, editor):
    event = Event.objects.get(slug="general-election")
    event._history_user = editor
    event.headline = "Edited by an editor"
    event.save()
    before, version = counts(), event.version
    with pytest.raises(CommandError, match=r"overwrite editorial changes.*general-election.*headline.*edna"):
        call_command("loaddata", *FIXTURES, verbosity=0)
    event.refresh_from_db()
    assert event.headline == "Edited by an editor" and event.version == version
    assert counts() == before


@pytest.mark.django_db
def test_reloading_with_overwrite_replaces_an_editors_change_says_so_and_records_it(seed, capsys):
    event = Event.objects.get(slug="general-election")
    event.headline = "Edited by an editor"
    event.save()
    edited_version = event.version
    call_command("loaddata", *FIXTURES, "--overwrite", verbosity=1)
    err = capsys.readouterr().err
    assert "Overwrote event" in err and "headline" in err
    event.refresh_from_db()
    latest = event.history.first()
    assert latest.headline == event.headline != "Edited by an editor"
    assert latest.history_change_reason.startswith("Loaded from fixture")
    assert event.history.count() == 3
    assert event.version == latest.version == edited_version + 1


@pytest.mark.django_db
def test_first_edit_after_a_load_has_a_baseline_to_diff_against(seed):
    event = Event.objects.get(slug="general-election")
    event.headline = "Pakistan votes"
    event.save()
    new, old = event.history.all()[:2]
    assert [change.field for change in new.diff_against(old).changes] == ["headline"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad-reference", "no-such-source"),
        ("impossible-date", "invalid date"),
        ("quote-not-in-source", "do not occur in the source"),
        ("event-without-source", "must cite at least one source"),
        ("invalid-choice", "not a valid choice"),
    ],
)
def test_a_broken_fixture_fails_clearly_and_writes_nothing(db, name, message):
    before = counts()
    # Django raises its own error types for bad references and values; the
    # project's validation raises CommandError. All must name the problem.
    with pytest.raises(Exception, match=re.escape(message)):
        call_command("loaddata", str(DATA / "broken" / f"{name}.json"), verbosity=0)
    assert counts() == before
