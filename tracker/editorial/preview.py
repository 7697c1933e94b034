"""The story page as it will read once its drafts are published: a staff-only
preview, at /admin/tracker/story/<id>/preview/, of any story whatever its
status, with its draft events and quotes shown and marked (withdrawn ones
left out). It renders the public template with `preview` set, which the
public page never sets.

The preview is editorial: it is served inside the admin (whose sessions the
page cache never serves), marked private and no-store, and kept out of
search engines. It reads and never writes, so it neither fills nor
invalidates the public pages' cache. The public side never imports this.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.text import Truncator
from django.views.decorators.cache import never_cache

from tracker.models import Event, Quote, Status, Story
from tracker.public import chart, updates
from tracker.public.story_page import Timeline, whole
from tracker.public.templating import date

URL_NAME = "tracker_story_preview"


def story_of(obj):
    """The story a story, event or quote belongs to."""
    if isinstance(obj, Story):
        return obj
    return obj.story if isinstance(obj, Event) else obj.event.story


def story_id_of(obj):
    """The id of `obj`'s story, read without a query where the row holds it."""
    if isinstance(obj, Story):
        return obj.pk
    return obj.story_id if isinstance(obj, Event) else obj.event.story_id


def preview_url(obj, site_name="admin"):
    """The preview of `obj`'s story, at `obj` itself for an event or a quote."""
    address = reverse(f"{site_name}:{URL_NAME}", args=[story_id_of(obj)])
    return address if isinstance(obj, Story) else f"{address}#{obj.anchor}"


def public_url(obj):
    """Where readers see `obj` now, or None while they may not."""
    story = story_of(obj)
    if not story.is_published():
        return None
    if isinstance(obj, Event | Quote) and obj.status != Status.PUBLISHED:
        return None
    if isinstance(obj, Quote) and obj.event.status != Status.PUBLISHED:
        return None
    return obj.get_absolute_url()


def status_label(story):
    """The story's state in words, as the banner prints it."""
    if story.is_scheduled():
        return f"Scheduled for {date(story.published_at, 'j F Y, H:i e')}"
    return story.get_status_display()


def preview_timeline(story):
    """The whole story on one page: every event and quote but the withdrawn
    ones, drafts included, each loaded with its status."""
    shown = Event.objects.filter(story=story).exclude(status=Status.UNPUBLISHED)
    events = list(shown.chronological())
    links = list(Event.sources.through.objects.filter(event__in=shown).values_list("event_id", "source_id"))
    quotes = Quote.objects.filter(event__in=shown).exclude(status=Status.UNPUBLISHED).select_related("spoken_by")
    quotes = list(quotes.order_by("created_at", "pk"))
    timeline = Timeline.loaded(story, events, links=links, quotes=quotes)
    story.last_updated = timeline.last_change()
    timeline.outline = whole(timeline)
    return timeline


def story_preview(model_admin):
    """The preview view for the story admin `model_admin` (wrapped by its
    admin site, which sends anyone not logged in as staff to the login page).
    Staff who may not view the story get a 404, as readers would."""

    @never_cache
    def view(request, object_id):
        story = model_admin.get_object(request, unquote(object_id))
        if story is None or not model_admin.has_view_or_change_permission(request, story):
            raise Http404("No such story.")
        timeline = preview_timeline(story)
        updates.mark_changes(timeline.events, None)
        context = {
            "preview": True,
            "preview_status": status_label(story),
            "preview_change_url": reverse(f"{model_admin.admin_site.name}:tracker_story_change", args=[story.pk]),
            "preview_public_url": public_url(story),
            "story": story,
            "timeline": timeline,
            "part": None,
            "chart": chart.chart(timeline.events),
            "since": None,
            "description": Truncator(story.summary).words(40),
        }
        response = render(request, "tracker/story_detail.html", context)
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
        return response

    return view


class PreviewLinks:
    """For the admins of stories, events and quotes: a "Preview" link on each
    row of the list (`preview_link` in list_display) and on the change form,
    and "View on site" leading to the preview while readers cannot see the
    object yet, where the public page would be a 404."""

    def view_on_site(self, obj):
        return public_url(obj) or preview_url(obj, self.admin_site.name)

    @admin.display(description="preview")
    def preview_link(self, obj):
        return format_html('<a href="{}">Preview</a>', preview_url(obj, self.admin_site.name))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["preview_url"] = preview_url(obj, self.admin_site.name)
        return super().render_change_form(request, context, add, change, form_url, obj)
