"""A story's Atom feed: an entry per published event, the latest changed first.

Each entry's id is a tag: URI made from the story and event primary keys, so
it survives edits to the headline, the date or the slug; its <updated> is the
event's last change, so a feed reader replaces the entry instead of showing
the event twice.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from tracker.models import Story
from tracker.public.exports import event_html

# Feed readers poll for what changed; a long story's whole past stays on its pages.
ENTRIES = 50


class StoryFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug):
        story = get_object_or_404(Story.objects.published(), slug=slug)
        # The domain the tag: URIs are minted under; kept on the story because
        # one Feed instance serves every request.
        story.tag_domain = split_domain_port(request.get_host())[0]
        return story

    def items(self, story):
        latest = story.events.live().prefetch_related("sources").order_by("-updated_at", "pk")[:ENTRIES]
        events = list(latest)
        for event in events:
            event.story = story  # links and ids without a query per entry
        return events

    def title(self, story):
        return story.title

    def subtitle(self, story):
        return story.summary

    def link(self, story):
        return story.get_absolute_url()

    def feed_url(self, story):
        return reverse("tracker:story_feed", kwargs={"slug": story.slug})

    def feed_guid(self, story):
        return _tag(story, f"story-{story.pk}")

    def author_name(self, story):
        return settings.SITE_NAME

    def item_title(self, event):
        return f"{event.date_display}: {event.headline}"

    def item_description(self, event):
        return event_html(event)  # Atom summaries are HTML

    def item_guid(self, event):
        return _tag(event.story, f"story-{event.story.pk}/event-{event.pk}")

    def item_updateddate(self, event):
        return event.updated_at


def _tag(story, specific):
    """A tag: URI (RFC 4151), dated by the story's creation so it never changes."""
    return f"tag:{story.tag_domain},{story.created_at:%Y-%m-%d}:{specific}"
