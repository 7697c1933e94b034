"""The admin fuzzed as the public routes are (tests/test_robustness.py): as an
editor and as a reporter, every page of the tracker's models with arbitrary
query strings and ids, and every add, change and revert form posted with
arbitrary values. No answer is a server error, and a refused form saves
nothing. Derandomized: the same examples on every run, on SQLite and on
PostgreSQL (where a NUL character in a query used to be a DataError)."""

from urllib.parse import quote, unquote, urlencode

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tracker.editorial.loading import validate
from tracker.models import DatePrecision, Event, Quote, Source, Status, Story

from .admin_forms import form_data, page_form
from .conftest import make_event, make_quote, make_source, make_story
from .people import member_of

pytestmark = pytest.mark.django_db

MODELS = {"story": Story, "event": Event, "source": Source, "quote": Quote}
PEOPLE = {"editor": "Editors", "reporter": "Reporters"}

# Every page of a tracker model's admin: {id} is an object's id, {record} one
# of its history records'.
PAGES = [
    ("changelist", "/admin/tracker/{model}/"),
    ("add", "/admin/tracker/{model}/add/"),
    ("change", "/admin/tracker/{model}/{id}/change/"),
    ("history", "/admin/tracker/{model}/{id}/history/"),
    ("version", "/admin/tracker/{model}/{id}/history/{record}/"),
    ("compare", "/admin/tracker/{model}/{id}/compare/"),
    ("delete", "/admin/tracker/{model}/{id}/delete/"),
]
EXTRA_PAGES = [
    ("story", "as-of", "/admin/tracker/story/{id}/as-of/"),
    ("story", "preview", "/admin/tracker/story/{id}/preview/"),
    ("story", "whole-history", "/admin/tracker/story/{id}/whole-history/"),
    ("source", "text", "/admin/tracker/source/{id}/text/"),
]
# The autocomplete fields: (model, field), asked for at /admin/autocomplete/.
AUTOCOMPLETE = [
    ("event", "story"),
    ("event", "sources"),
    ("quote", "event"),
    ("quote", "source"),
    ("quote", "variant_of"),
    ("source", "derived_from"),
]
ROUTES = [
    *((f"{model}:{name}", model, path) for model in MODELS for name, path in PAGES),
    *((f"{model}:{name}", model, path) for model, name, path in EXTRA_PAGES),
    *(
        (
            f"autocomplete:{model}.{field}",
            model,
            "/admin/autocomplete/?" + urlencode({"app_label": "tracker", "model_name": model, "field_name": field}),
        )
        for model, field in AUTOCOMPLETE
    ),
    ("index", None, "/admin/"),
    ("app", None, "/admin/tracker/"),
]

# What the admin's pages read from a query string, and then anything.
PARAMETERS = [
    *(["q", "o", "p", "e", "all", "_popup", "_to_field", "_changelist_filters", "term", "page", "old", "new", "when"]),
    *(["app_label", "model_name", "field_name", "id__in", "pk__in", "status__exact"]),
    *(["date__year", "date__month", "date__day", "published_at__year", "published_at__month", "published_at__day"]),
    *(["published_on__year", "published_on__month", "published_on__day"]),
    *(["story__id__exact", "is_key__exact", "date_precision__exact", "publication", "kind", "language", "speech"]),
    *(["event__story__id__exact", "source__id__exact", "headline__icontains", "text__regex"]),
]
HOSTILE = [
    "",
    "\x00",
    "a\x00b",
    "%00",
    "0",
    "-1",
    "9999",
    "99999999999",
    "9" * 40,
    "1e400",
    "NaN",
    "2024-02-30",
    "9999-12-31",
    "0001-01-01T00:00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "\u202eevil",
    "𝕏 ß 中文 🙂",
    "a" * 3000,
    "(((((((((a)))))))))*",
]
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.from_regex(r"[-a-zA-Z0-9_]{1,30}", fullmatch=True),
)
queries = st.lists(st.tuples(st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=12)), values), max_size=4)

fuzz = settings(
    max_examples=4,
    derandomize=True,  # the same examples on every run: CI stays reproducible
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(autouse=True)
def quick_passwords(settings):
    # The accounts are logged in with force_login: no password is ever checked.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def revised(objects):
    """`objects`, each saved twice more: a revert form has a complete earlier version to restore."""
    for obj in objects.values():
        for revision in ("revised", "revised again"):
            obj.refresh_from_db()
            field = {Story: "summary", Event: "description", Source: "notes", Quote: "speaker_role"}[type(obj)]
            setattr(obj, field, revision)
            obj.save()
    return objects


@pytest.fixture
def published():
    """One of each model, published and linked as the admin shows them, each with three versions."""
    story = make_story()
    original = make_source("original")
    copy = make_source("copy", derived_from=original)
    event = make_event(story, sources=[original, copy])
    make_event(story, "approximate", sources=[copy], date_precision=DatePrecision.APPROXIMATE, date_label="Mid-2024")
    quote = make_quote(event, original)
    return revised({"story": story, "event": event, "source": original, "quote": quote})


@pytest.fixture
def drafts(published):
    """A draft of each model, which a reporter may change too (a source cited only by drafts)."""
    story = make_story("draft-story", status=Status.DRAFT)
    source = make_source("draft-source", text="The draft said “it was necessary” again.")
    event = make_event(story, "draft-event", sources=[source], status=Status.DRAFT)
    quote = make_quote(event, source, status=Status.DRAFT)
    return revised({"story": story, "event": event, "source": source, "quote": quote})


@pytest.fixture(params=sorted(PEOPLE))
def person(request, client):
    client.force_login(member_of(PEOPLE[request.param], request.param))
    return request.param


@pytest.fixture
def objects(person, published, drafts):
    """What the person's forms are posted to: an editor's, the published objects; a reporter's, the drafts."""
    return published if person == "editor" else drafts


def counts():
    """Every tracker row and history record, by model."""
    return {name: (model.objects.count(), model.history.count()) for name, model in MODELS.items()}


def ids_of(obj):
    return {"id": obj.pk, "record": obj.history.first().history_id}


def test_every_route_of_every_model_is_fuzzed():
    assert len({model for _name, model, _path in ROUTES if model}) == len(MODELS)
    assert {name.split(":")[1] for name, model, _path in ROUTES if model == "story"} >= {
        "changelist",
        "add",
        "change",
        "history",
        "version",
        "compare",
        "delete",
        "as-of",
        "preview",
        "whole-history",
    }


# Each route is also asked, whatever hypothesis draws, what has broken the
# admin before: a NUL where a query reaches the database (a DataError on
# PostgreSQL), the end of the calendar in the date hierarchy, and ?_to_field=.
TEXT_FILTERS = {
    "story": ["publication"],
    "event": ["publication", "date_precision__exact"],
    "source": ["kind__exact", "language__exact"],
    "quote": ["publication", "speech__exact"],
}
DATE_HIERARCHY = {"story": "published_at", "event": "date", "source": "published_on", "quote": "created_at"}


def hostile_query(kind, name, model):
    if kind == "nul":
        if name.startswith("autocomplete"):
            return [("term", "a\x00")]
        return [("q", "a\x00"), *((parameter, "\x00") for parameter in TEXT_FILTERS.get(model, []))]
    if kind == "calendar":
        return [(f"{DATE_HIERARCHY.get(model, 'date')}__year", "9999")]
    return [("_to_field", "")] if kind == "to_field" else []


ids = st.tuples(st.none() | values, st.none() | values)  # None: the real object's, else a replacement


@pytest.mark.parametrize(("name", "model", "path"), ROUTES, ids=[name for name, _model, _path in ROUTES])
@fuzz
@given(query=queries, replaced=ids, hostile=st.sampled_from([None, "nul", "calendar", "to_field"]))
@example(query=[], replaced=(None, None), hostile="nul")
@example(query=[], replaced=(None, None), hostile="calendar")
@example(query=[], replaced=(None, None), hostile="to_field")
def test_no_admin_page_answers_with_a_server_error(
    client, person, published, name, model, path, query, replaced, hostile
):
    known = ids_of(published[model]) if model else {"id": None, "record": None}
    parts = [str(real) if new is None else new for real, new in zip(known.values(), replaced, strict=True)]
    address = path.format(model=model, **{key: quote(part, safe="") for key, part in zip(known, parts, strict=True)})
    query = [*hostile_query(hostile, name, model), *query]
    full = (address + ("&" if "?" in address else "?") + urlencode(query)) if query else address
    response = client.get(full)
    event(f"answered {response.status_code}")
    assert response.status_code < 500, (full, response.status_code)
    if "\x00" in unquote(full):  # anywhere in the address
        assert response.status_code == 400, (full, response.status_code)


# --- Forms posted with arbitrary values ------------------------------------------------

FORMS = [(model, form) for model in MODELS for form in ("add", "change", "revert")]


def form_address(model, form, obj):
    if form == "add":
        return f"/admin/tracker/{model}/add/"
    if form == "change":
        return f"/admin/tracker/{model}/{obj.pk}/change/"
    return f"/admin/tracker/{model}/{obj.pk}/history/{obj.history.all()[1].history_id}/"  # the version before


def valid_new(model, objects):
    """What an add form needs to save, for a new object beside `objects`."""
    return {
        "story": {"title": "A new story", "slug": "a-new-story", "summary": "Where it stands."},
        "event": {
            "story": objects["story"].pk,
            "headline": "A new event",
            "slug": "a-new-event",
            "date": "2024-04-18",
            "date_precision": DatePrecision.DAY,
            "sources": [objects["source"].pk],
        },
        "source": {"headline": "A new source", "slug": "a-new-source", "text": "It was “necessary”, they said."},
        "quote": {
            "event": objects["event"].pk,
            "source": objects["source"].pk,
            "speaker": "A spokesperson",
            "text": "it was necessary",
        },
    }[model]


def assert_all_valid():
    """Whatever a form saved passes the rules an editor's save must: every object validates."""
    for model in MODELS.values():
        for obj in model.objects.all():
            validate(obj)


@pytest.mark.parametrize(("model", "form"), FORMS, ids=[f"{model}:{form}" for model, form in FORMS])
@fuzz
@given(data=st.data())
def test_a_form_posted_with_arbitrary_values_is_saved_or_refused_and_then_saves_nothing(
    client, objects, model, form, data
):
    # Each example starts from the same objects: what one saved is rolled back.
    with transaction.atomic():
        post_arbitrary_values(client, form_address(model, form, objects[model]), model, objects, data)
        transaction.set_rollback(True)


def post_arbitrary_values(client, address, model, objects, data):
    page = client.get(address)
    assert page.status_code < 500, (address, page.status_code)
    names = sorted(page_form(page)["names"] - {"csrfmiddlewaretoken"}) if page.status_code == 200 else []
    if not names:  # nothing this person may change here: a page to read, or a redirect
        return
    buttons = [name for name, _value in page_form(page)["buttons"]]
    changes = data.draw(st.dictionaries(st.sampled_from(names), values, min_size=1, max_size=3), label="changes")
    pressed = data.draw(st.sampled_from(buttons), label="button") if buttons else None
    posted = form_data(page, submit=pressed, **(valid_new(model, objects) if address.endswith("/add/") else {}))
    posted.update(changes)
    before = counts()
    response = client.post(address, posted)
    event(f"answered {response.status_code}")
    assert response.status_code < 500, (address, changes, response.status_code)
    if response.status_code == 302:
        assert_all_valid()
    else:  # refused: the form again with its errors, or a 400 or 403
        assert counts() == before, (address, changes)
