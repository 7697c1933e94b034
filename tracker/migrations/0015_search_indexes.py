"""GIN indexes for reader search (tracker/public/search.py), on PostgreSQL only.

Each index is on exactly the expression the search queries (the search
module's `event_vector()`, `quote_vector()` and `speaker_vector()`), so the
planner can use it; SQLite, which searches with LIKE, gets nothing. The
models declare no index: their state is unchanged, so `makemigrations
--check` stays clean on every database.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

CONFIG = "english"  # tracker.public.search.CONFIG


def indexes():
    """(model name, index): the expressions as tracker.public.search builds them."""
    event = SearchVector("headline", weight="A", config=CONFIG) + SearchVector(
        "description", weight="B", config=CONFIG
    )
    quote = SearchVector("text", weight="A", config=CONFIG) + SearchVector(
        "speaker", "speaker_role", weight="B", config=CONFIG
    )
    speaker = SearchVector("speaker", "speaker_role", config=CONFIG)
    return [
        ("event", GinIndex(event, name="event_search")),
        ("quote", GinIndex(quote, name="quote_search")),
        ("quote", GinIndex(speaker, name="quote_speaker_search")),
    ]


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in indexes():
        schema_editor.add_index(apps.get_model("tracker", model_name), index)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, index in indexes():
        schema_editor.remove_index(apps.get_model("tracker", model_name), index)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0014_claim_status"),
    ]

    operations = [
        migrations.RunPython(add, remove, elidable=False),
    ]
