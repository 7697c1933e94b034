"""Leave-one-out on the seed story: each of the five seed articles is taken
out of the story (with its quotes and citations) and ingested again from its
archived text, and what ingest suggests is scored against what the editors
recorded in the fixture.

The table this prints is the measurement docs/ingest.md reports; the
thresholds are the issue's (13).
"""

import json

import pytest

from tests.conftest import FIXTURES
from tracker import ingest
from tracker.ingest import speakers
from tracker.models import Account, Quote, Source, Story
from tracker.provenance import normalise_text

FIXTURE = next(path for path in FIXTURES if path.endswith("pakistan-x-block.json"))
pytestmark = pytest.mark.django_db  # so the test database is set up for the scores fixture

THRESHOLDS = {"direct recall": 0.9, "direct precision": 0.8, "reported recall": 0.6, "speaker": 0.9, "variant_of": 0.9}
COPY, ORIGINAL = "jakarta-machine-translation-ministry-confirms-block", "reuters-wire-ministry-confirms-block"


def fixture_records():
    with open(FIXTURE, encoding="utf-8") as stream:
        records = json.load(stream)
    seeds = [record["fields"] for record in records if record["model"] == "tracker.source"]
    quotes = [record["fields"] for record in records if record["model"] == "tracker.quote"]
    return seeds, quotes


def key(fields):
    return "/".join([*fields["event"], fields["slug"]])


def statement_of(fields):
    return "/".join(fields["variant_of"]) if fields["variant_of"] else key(fields)


def leave_out(slug):
    """Remove the source `slug`, its quotes and its citations, as if it had
    never been ingested. A statement first worded by it is then first worded
    by its earliest remaining wording, which the others point at instead."""
    source = Source.objects.get(slug=slug)
    for first in Quote.objects.filter(source=source, variants__isnull=False).distinct().order_by("pk"):
        others = list(first.variants.exclude(source=source).order_by("pk"))
        if others:
            Quote.objects.filter(pk=others[0].pk).update(variant_of=None)
            Quote.objects.filter(pk__in=[other.pk for other in others[1:]]).update(variant_of=others[0])
    Quote.objects.filter(variant_of__source=source).exclude(source=source).update(variant_of=None)
    Quote.objects.filter(source=source).update(variant_of=None)
    Quote.objects.filter(source=source).delete()
    Source.objects.filter(derived_from=source).update(derived_from=None, derivation="confirmed", derivation_reason="")
    source.events.clear()
    for account in Account.objects.filter(sources=source):
        account.sources.remove(source)
    source.delete()


def covers(suggestion, fields):
    return normalise_text(fields["text"]) in normalise_text(suggestion.text)


def ratio(right, total):
    return right / total if total else None


def score_seed(story, seed, fixture_quotes):
    """Ingest `seed` into the story without it, and compare with the fixture."""
    mine = [fields for fields in fixture_quotes if fields["source"] == [seed["slug"]]]
    # The statement each of its wordings should be matched with, as the story stands without it.
    groups = {}
    for fields in fixture_quotes:
        groups.setdefault(statement_of(fields), []).append(fields)
    leave_out(seed["slug"])
    expected = {}
    for fields in mine:
        remaining = [other for other in groups[statement_of(fields)] if other["source"] != fields["source"]]
        if remaining:
            quote = Quote.objects.get_by_natural_key(*remaining[0]["event"], remaining[0]["slug"])
            expected[key(fields)] = "/".join(quote.statement.natural_key())
    found = ingest.suggest(story, text=seed["text"])
    assert found.existing is None
    direct = [s for s in found.quotes if s.speech == "direct"]
    matched = {key(fields): next((s for s in found.quotes if covers(s, fields)), None) for fields in mine}
    fixture_direct = [fields for fields in mine if fields["speech"] == "direct"]
    fixture_reported = [fields for fields in mine if fields["speech"] == "reported"]
    speaker_right = [
        speakers.fold(matched[key(fields)].speaker) == speakers.fold(fields["speaker"])
        for fields in mine
        if matched[key(fields)] is not None
    ]
    variants_right = [
        matched[k] is not None and ingest.natural_key(matched[k].variant_of) == expected[k] for k in expected
    ]
    wrong_variants = [
        s
        for s in found.quotes
        if s.variant_of is not None and not any(covers(s, fields) and key(fields) in expected for fields in mine)
    ]
    # The evidence for the variant threshold: the best candidate's score, and whether it is the right statement.
    tops = []
    for s in found.quotes:
        if not s.candidates:
            continue
        wanted = next((expected[key(f)] for f in mine if covers(s, f) and key(f) in expected), None)
        statement = "/".join(s.candidates[0].statement.natural_key())
        tops.append((s.candidates[0].score, wanted is not None and statement == wanted))
    return {
        "seed": seed["slug"],
        "tops": tops,
        "derived scores": [(item.source.slug, item.score) for item in found.derived_from],
        "found": len(found.quotes),
        "direct recall": ratio(
            sum(any(covers(s, fields) for s in direct) for fields in fixture_direct), len(fixture_direct)
        ),
        "direct precision": ratio(sum(any(covers(s, fields) for fields in mine) for s in direct), len(direct)),
        "reported recall": ratio(
            sum(matched[key(fields)] is not None for fields in fixture_reported), len(fixture_reported)
        ),
        "speaker": ratio(sum(speaker_right), len(speaker_right)),
        "variant_of": ratio(sum(variants_right), len(variants_right)),
        "counts": {
            "direct": (sum(any(covers(s, f) for s in direct) for f in fixture_direct), len(fixture_direct)),
            "reported": (sum(matched[key(f)] is not None for f in fixture_reported), len(fixture_reported)),
            "speaker": (sum(speaker_right), len(speaker_right)),
            "variant_of": (sum(variants_right), len(variants_right)),
            "extra variant_of": len(wrong_variants),
        },
        "derived_from": [(item.source.slug, item.score) for item in found.derived_from[:2]],
        "misses": [fields["text"][:60] for fields in mine if matched[key(fields)] is None],
        "wrong speakers": [
            (matched[key(f)].speaker, f["speaker"])
            for f in mine
            if matched[key(f)] is not None and speakers.fold(matched[key(f)].speaker) != speakers.fold(f["speaker"])
        ],
        "wrong variants": [
            (k, ingest.natural_key(matched[k].variant_of) if matched[k] else "not found", expected[k])
            for k, right in zip(expected, variants_right, strict=True)
            if not right
        ],
    }


def table(rows):
    def cell(value):
        return "  n/a" if value is None else f"{value:5.2f}"

    columns = list(THRESHOLDS)
    lines = ["seed  " + "  ".join(f"{name:>16}" for name in columns) + "  first derived_from"]
    for number, row in enumerate(rows):
        derived = row["derived_from"][0] if row["derived_from"] else ("-", 0)
        lines.append(
            f"{number:03d}   "
            + "  ".join(f"{cell(row[name]):>16}" for name in columns)
            + f"  {derived[0][:40]} ({derived[1]:.2f})"
        )
    pooled = {}
    for name in ["direct", "reported", "speaker", "variant_of"]:
        right = sum(row["counts"][name][0] for row in rows)
        total = sum(row["counts"][name][1] for row in rows)
        pooled[name] = (right, total)
    lines.append("all   " + "  ".join(f"{name} {right}/{total}" for name, (right, total) in pooled.items()))
    right = sorted(score for row in rows for score, ok in row["tops"] if ok)
    wrong = sorted(score for row in rows for score, ok in row["tops"] if not ok)
    lines.append(
        f"best candidate scores: right statement {len(right)}, lowest {right[:3]}; "
        f"wrong {len(wrong)}, highest {wrong[-3:]}"
    )
    for number, row in enumerate(rows):
        counts = ", ".join(f"{name} {right}/{total}" for name, (right, total) in list(row["counts"].items())[:4])
        lines.append(f"  {number:03d} {counts}; wrong variant_of suggested: {row['counts']['extra variant_of']}")
        lines.append(f"  {number:03d} derived_from scores: {row['derived scores']}")
    for number, row in enumerate(rows):
        for label in ("misses", "wrong speakers", "wrong variants"):
            if row[label]:
                lines.append(f"  {number:03d} {label}: {row[label]}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def scores(django_db_setup, django_db_blocker):
    """Each seed scored in a story of the other four (the database rolled back between seeds)."""
    from django.core.management import call_command
    from django.db import transaction

    seeds, fixture_quotes = fixture_records()
    rows = []
    with django_db_blocker.unblock():
        for seed in seeds:
            with transaction.atomic():
                call_command("loaddata", FIXTURE, verbosity=0)
                story = Story.objects.get(slug="pakistan-x-block")
                rows.append(score_seed(story, seed, fixture_quotes))
                transaction.set_rollback(True)
    print("\n" + table(rows))
    return rows


@pytest.mark.parametrize("measure", list(THRESHOLDS))
def test_leave_one_out_meets_the_thresholds(scores, measure):
    report = table(scores)
    for number, row in enumerate(scores):
        if row[measure] is not None:
            assert row[measure] >= THRESHOLDS[measure], f"seed {number:03d} {measure}\n{report}"


def test_the_translation_derives_first_from_the_wire(scores):
    row = next(row for row in scores if row["seed"] == COPY)
    assert row["derived_from"] and row["derived_from"][0][0] == ORIGINAL, table(scores)
