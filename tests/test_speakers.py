"""Speakers: one person or body however the sources spell it. Each quote keeps
the name and role its source printed; its Speaker says who that is, types it
as a Person or an Organization in the structured data, and gathers everything
they said on their page, /people/<slug>/."""

import json
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from tracker.history import editing
from tracker.models import Quote, Speaker, SpeakerKind, Status

from .admin_forms import form_data
from .conftest import make_event, make_quote, make_source, make_story

pytestmark = pytest.mark.django_db


def page(client, speaker):
    response = client.get(reverse("tracker:speaker_detail", kwargs={"slug": speaker.slug}))
    assert response.status_code == 200
    return response.content.decode()


def words(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_seed_quote_has_its_speaker_and_the_ministry_is_one_body_under_its_names(seed):
    assert not Quote.objects.filter(event__story=seed, spoken_by__isnull=True).exists()
    ministry = Speaker.objects.get(slug="interior-ministry")
    assert ministry.kind == SpeakerKind.ORGANISATION
    printed = set(ministry.quotes.values_list("speaker", flat=True))
    assert {"Interior Ministry", "Ministry of Home Affairs"} <= printed  # the translation's name, as printed
    assert ministry.names == ["Interior Ministry", "Ministry of Home Affairs"]


def test_a_speakers_page_gathers_their_statements_with_every_wording_as_printed(client, seed):
    ministry = Speaker.objects.get(slug="interior-ministry")
    html = page(client, ministry)
    shown = words(html)
    published = Quote.objects.published().filter(spoken_by=ministry)
    assert f"{published.count()} published quotes" in shown
    for quote in published:
        assert quote.get_absolute_url() in html
    failure = Quote.objects.get(slug="failure-to-adhere")
    assert "One statement, 4 wordings" in shown  # the court submission, in four sources' words
    assert "Ministry of Home Affairs" in shown and failure.text in html
    assert f'<a href="{seed.get_absolute_url()}">{seed.title}</a>' in html


def test_a_speaker_with_no_published_quote_has_no_page(client):
    source = make_source()
    hidden = Speaker.objects.create(name="Whistleblower", slug="whistleblower", kind=SpeakerKind.PERSON)
    event = make_event(make_story(), "e", [source])
    make_quote(event, source, spoken_by=hidden, status=Status.DRAFT)
    make_quote(make_event(make_story("draft", status=Status.DRAFT), "e", [source]), source, spoken_by=hidden)
    assert client.get(reverse("tracker:speaker_detail", kwargs={"slug": "whistleblower"})).status_code == 404
    assert client.get(reverse("tracker:speaker_detail", kwargs={"slug": "nobody"})).status_code == 404


def test_the_page_costs_the_same_queries_for_one_quote_or_many(client, django_assert_max_num_queries):
    source = make_source()
    speaker = Speaker.objects.create(name="Minister", slug="minister", kind=SpeakerKind.PERSON)
    story = make_story()
    make_quote(make_event(story, "first", [source]), source, spoken_by=speaker)
    with django_assert_max_num_queries(3) as few:
        page(client, speaker)
    for n in range(20):
        make_quote(make_event(story, f"e{n}", [source]), source, spoken_by=speaker, slug=f"q{n}")
    with django_assert_max_num_queries(len(few)):
        page(client, speaker)


def json_ld_speakers(client, story):
    html = client.get(story.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    return {part["text"]: part["spokenByCharacter"] for update in data["liveBlogUpdate"] for part in update["hasPart"]}


def test_the_structured_data_types_a_speaker_from_its_record_not_from_words_in_its_name(client):
    source = make_source(text="“We stand firm” and “we are here”.")
    event = make_event(make_story(), "e", [source])
    # A person's nickname, which the word "Team" would have made a body.
    team = Speaker.objects.create(name="Team Rocket", slug="team-rocket", kind=SpeakerKind.PERSON)
    make_quote(event, source, text="We stand firm", speaker="Team Rocket", spoken_by=team)
    make_quote(event, source, text="we are here", speaker="Press Office", slug="unlinked")
    typed = json_ld_speakers(client, event.story)
    assert typed["We stand firm"]["@type"] == "Person"  # the name's "Team" would have said Organization
    assert typed["we are here"]["@type"] == "Organization"  # not linked yet: guessed from the name


def test_an_editor_links_a_quote_to_its_speaker_on_the_quotes_form(editor_client, seed):
    quote = Quote.objects.get(slug="x-reluctant")
    other = Speaker.objects.create(name="Ministry spokesman", slug="ministry-spokesman", kind=SpeakerKind.PERSON)
    url = reverse("admin:tracker_quote_change", args=[quote.pk])
    response = editor_client.post(url, form_data(editor_client.get(url), submit="_publish", spoken_by=str(other.pk)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    quote.refresh_from_db()
    assert quote.spoken_by == other and quote.speaker == "Interior Ministry"  # the source's name stays
    assert quote.history.first().spoken_by_id == other.pk


def test_a_speaker_with_quotes_cannot_be_deleted_out_from_under_them(seed):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Speaker.objects.get(slug="atta-tarar").delete()


def test_a_speakers_edits_are_in_its_history(seed):
    tarar = Speaker.objects.get(slug="atta-tarar")
    with editing():
        tarar.aliases = "Attaullah Tarar"
        tarar.save()
    assert tarar.history.first().aliases == "Attaullah Tarar"


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_a_speaker_of_each_name_and_records_each_link():
    executor = MigrationExecutor(connection)
    executor.migrate([("tracker", "0016_subscriptions")])
    old = executor.loader.project_state([("tracker", "0016_subscriptions")]).apps
    Story, Event, Source, Quote_ = (old.get_model("tracker", name) for name in ("Story", "Event", "Source", "Quote"))
    HistoricalQuote = old.get_model("tracker", "HistoricalQuote")
    story = Story.objects.create(slug="s", title="S", summary="S")
    event = Event.objects.create(story=story, slug="e", headline="E", date="2024-04-17", date_precision="day")
    source = Source.objects.create(slug="src", text="“One” and “two” and “three”.")
    for n, (text, name) in enumerate([("One", "Interior Ministry"), ("two", "Interior Ministry"), ("three", "Jafri")]):
        made = Quote_.objects.create(event=event, source=source, slug=f"q{n}", text=text, speaker=name)
        HistoricalQuote.objects.create(
            **{f.attname: getattr(made, f.attname) for f in Quote_._meta.concrete_fields},
            history_date=made.created_at,
            history_type="+",
        )
    executor = MigrationExecutor(connection)
    executor.migrate([("tracker", "0018_speakers_of_existing_quotes")])
    assert sorted(Speaker.objects.values_list("slug", "kind")) == [
        ("interior-ministry", "organisation"),
        ("jafri", "person"),
    ]
    for quote in Quote.objects.all():
        assert quote.spoken_by.name == quote.speaker
        latest = quote.history.first()
        assert (latest.spoken_by_id, latest.history_change_reason) == (quote.spoken_by_id, "Linked to its speaker")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
