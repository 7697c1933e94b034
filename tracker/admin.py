from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .models import Event, Quote, Source, Story


@admin.action(description="Publish selected", permissions=["change"])
def publish(modeladmin, request, queryset):
    _save_each(modeladmin, request, queryset, "publish", "Published")


@admin.action(description="Unpublish selected", permissions=["change"])
def unpublish(modeladmin, request, queryset):
    _save_each(modeladmin, request, queryset, "unpublish", "Unpublished")


def _save_each(modeladmin, request, queryset, method, reason):
    """Save objects one by one, so each change leaves a history record
    (a queryset .update() would write none), all or nothing."""
    with transaction.atomic():
        objects = list(queryset)
        for obj in objects:
            getattr(obj, method)()
            obj._change_reason = reason
            obj.save()
            modeladmin.log_change(request, obj, reason)
    modeladmin.message_user(request, f"{reason}: {len(objects)} item(s).", messages.SUCCESS)


class EventInline(admin.TabularInline):
    model = Event
    fields = ["date", "date_precision", "date_label", "headline", "slug", "sources", "is_key", "status"]
    autocomplete_fields = ["sources"]
    prepopulated_fields = {"slug": ["headline"]}
    show_change_link = True
    extra = 0


class QuoteInline(admin.StackedInline):
    model = Quote
    fk_name = "event"
    fields = [("speaker", "speaker_role"), "text", ("speech", "source"), "variant_of", ("slug", "status")]
    autocomplete_fields = ["source", "variant_of"]
    extra = 0


@admin.register(Story)
class StoryAdmin(SimpleHistoryAdmin):
    list_display = ["title", "status", "published_at", "updated_at", "event_count"]
    list_filter = ["status"]
    search_fields = ["title", "summary"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "summary", ("status", "published_at"), "events_list"]
    readonly_fields = ["events_list"]
    inlines = [EventInline]
    actions = [publish, unpublish]
    # A long-running story can have thousands of events; past this many its
    # page links to the list of its events instead of printing them all as forms.
    max_inline_events = 50

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(event_count=Count("events"))

    def get_inlines(self, request, obj):
        # A form posted with the inline keeps it, whatever the count is now.
        if obj is None or "events-TOTAL_FORMS" in request.POST or obj.events.count() <= self.max_inline_events:
            return self.inlines
        return []

    @admin.display(description="events")
    def events_list(self, story):
        if story.pk is None:
            return "–"
        url = reverse("admin:tracker_event_changelist") + f"?story__id__exact={story.pk}"
        return format_html('<a href="{}">All {} events of this story</a>', url, story.events.count())

    @admin.display(description="events", ordering="event_count")
    def event_count(self, story):
        return story.event_count


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = ["headline", "date_display", "story", "is_key", "status", "source_count"]
    show_full_result_count = False  # a filtered list does not also count the whole table
    list_filter = ["story", "is_key", "status", "date_precision"]
    list_select_related = ["story"]
    search_fields = ["headline", "description", "date_label"]
    date_hierarchy = "date"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["story", "sources"]
    fieldsets = [
        (None, {"fields": ["story", "headline", "slug", "description", "is_key", "status"]}),
        ("When", {"fields": [("date", "date_precision", "date_label")]}),
        ("Sourcing", {"fields": ["sources", "disagreement"]}),
    ]
    inlines = [QuoteInline]
    actions = [publish, unpublish]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(source_count=Count("sources"))

    @admin.display(description="date", ordering="date")
    def date_display(self, event):
        return event.date_display

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, event):
        return event.source_count


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "outlet", "kind", "language", "published_on"]
    list_filter = ["kind", "language"]
    search_fields = ["headline", "outlet", "byline", "slug", "text"]
    date_hierarchy = "published_on"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["derived_from"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["headline", "slug", ("outlet", "byline"), ("published_on", "kind", "language"), "url"]}),
        ("Archived text", {"fields": ["text"]}),
        ("Provenance", {"fields": ["derived_from", "notes"]}),
    ]


@admin.register(Quote)
class QuoteAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "speaker", "speech", "source", "event", "status"]
    list_filter = ["speech", "status", "event__story"]
    list_select_related = ["source", "event", "event__story"]
    search_fields = ["text", "speaker", "speaker_role"]
    autocomplete_fields = ["event", "source", "variant_of"]
    fields = ["event", "slug", ("speaker", "speaker_role"), "text", ("speech", "source"), "variant_of", "status"]
    actions = [publish, unpublish]
