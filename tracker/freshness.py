"""When a story last changed, as readers see it: the story itself, or any of
its published events and their published quotes."""

from django.db.models import DateTimeField, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

from .models import Event, Quote, Status


def with_last_change(stories):
    """Annotate each story with `last_change`, in the same single query."""
    events = Event.objects.live().filter(story=OuterRef("pk")).order_by("-updated_at").values("updated_at")[:1]
    quotes = (
        Quote.objects.live()
        .filter(event__story=OuterRef("pk"), event__status=Status.PUBLISHED)
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    # Coalesce: SQLite's GREATEST is NULL when any argument is.
    return stories.annotate(
        last_change=Greatest(
            "updated_at",
            Coalesce(Subquery(events), "updated_at"),
            Coalesce(Subquery(quotes), "updated_at"),
            output_field=DateTimeField(),
        )
    )
