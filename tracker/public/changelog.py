"""A story's public changelog: the changes readers could see, newest first.

They are recorded when each edit commits (tracker.changes says how and what
is left out); this page reads one page of them, so it costs the same however
long the story's history, and links each to what readers can still see.
"""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from tracker import changes
from tracker.models import Quote, Source, Story

CHANGES_PER_PAGE = 50


def linked(story, page):
    """Give each change on the page the address of what it changed, where readers can still see it."""
    ids = {subject: {c.object_id for c in page if c.subject == subject} for subject in ("event", "quote", "source")}
    events = {e.pk: e for e in story.events.live().filter(pk__in=ids["event"])}
    quotes = Quote.objects.live().filter(pk__in=ids["quote"], event__in=story.events.live()).select_related("event")
    quotes = {q.pk: q for q in quotes}
    for quote in quotes.values():
        quote.event.story = story
    sources = set(Source.objects.published().filter(pk__in=ids["source"]).values_list("pk", flat=True))
    for change in page:
        change.url = ""
        if change.subject == "story":
            change.url = story.get_absolute_url()
        elif change.subject == "event" and change.object_id in events:
            change.url = events[change.object_id].get_absolute_url()
        elif change.subject == "quote" and change.object_id in quotes:
            change.url = quotes[change.object_id].get_absolute_url()
        elif change.subject == "source" and change.object_id in sources:
            change.url = reverse("tracker:source_detail", kwargs={"pk": change.object_id})


def changelog(request, slug):
    """A published story's changelog, newest first. Template: tracker/changelog.html."""
    story = get_object_or_404(Story.objects.published(), slug=slug)
    changes.catch_up(story)
    page = Paginator(story.changes.all(), CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    linked(story, page.object_list)
    return render(request, "tracker/changelog.html", {"story": story, "page_obj": page})
