from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import OuterRef
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from tracker.editorial import admin_views, ingest_admin, preview
from tracker.editorial.forms import (
    PUBLISH,
    SAVE_DRAFT,
    SUBMIT,
    WITHDRAW,
    AccountForm,
    EditorialForm,
    InlineEditorialForm,
    SourceForm,
    for_request,
    pressed,
    source_refusal,
)
from tracker.editorial.permissions import deny, log_denial, may_publish, refusal
from tracker.history import deletion_conflict_message, page_deltas
from tracker.locking import StaleEdit
from tracker.models import Account, Event, Quote, Source, Speaker, Status, Story, count_of

VERSION_FIELDSET = (None, {"fields": ["version"], "classes": ["hidden"]})

# The admin's front page leads with what reporters have submitted for review.
admin.site.index_template = "admin/tracker/index.html"


@admin.action(description="Publish selected", permissions=["publish"])
def publish(modeladmin, request, queryset):
    _save_each(modeladmin, request, queryset, "publish", "Published")


@admin.action(description="Withdraw selected", permissions=["publish"])
def unpublish(modeladmin, request, queryset):
    _save_each(modeladmin, request, queryset, "unpublish", "Withdrawn")


def _save_each(modeladmin, request, queryset, method, reason):
    """Save the selected objects one by one, all or nothing, so each change
    leaves a history record (a queryset .update() would write none).

    An action applies to each object as it stands when the action runs: the
    rows are re-read and locked, so an edit saved since the list was shown is
    kept, not overwritten. Objects deleted since are skipped, and the message
    says so.
    """
    selected = queryset.count()
    try:
        with transaction.atomic():
            objects = list(modeladmin.model._default_manager.filter(pk__in=queryset.values("pk")).select_for_update())
            for obj in objects:
                getattr(obj, method)()
                obj._change_reason = reason
                obj.save()
                modeladmin.log_change(request, obj, reason)
    except StaleEdit as error:
        modeladmin.message_user(
            request, f"Nothing was changed: “{error.instance}” was saved by someone else meanwhile.", messages.ERROR
        )
        return
    skipped = f" ({selected - len(objects)} selected were deleted meanwhile)" if len(objects) < selected else ""
    modeladmin.message_user(request, f"{reason}: {len(objects)} item(s).{skipped}", messages.SUCCESS)


def publication(obj):
    """Where an object stands with readers, in words, for the admin."""
    if obj.pk is None:
        return "New: a draft until it is published"
    if isinstance(obj, Story) and obj.is_scheduled():
        when = timezone.localtime(obj.published_at)
        return f"Scheduled for {when:%d %b %Y %H:%M %Z}"
    label = obj.get_status_display()
    if obj.is_awaiting_review():
        label += f", submitted for review {timezone.localtime(obj.review_requested_at):%d %b %Y %H:%M %Z}"
    return label


# What each publication button does, in the editor's words, by who may publish
# and whether the object is published: (button name, label).
BUTTONS = {
    (True, False): [(SAVE_DRAFT, "Save draft"), (PUBLISH, "Publish")],
    (True, True): [(PUBLISH, "Publish changes"), (WITHDRAW, "Withdraw")],
    (False, False): [(SAVE_DRAFT, "Save draft"), (SUBMIT, "Submit for review")],
    (False, True): [],
}
DONE = {
    SAVE_DRAFT: "Saved as a draft: readers do not see it.",
    PUBLISH: "Published.",
    WITHDRAW: "Withdrawn.",
    SUBMIT: "Submitted for review: editors see it under Awaiting review.",
}
REASONS = {PUBLISH: "Published", WITHDRAW: "Withdrawn", SUBMIT: "Submitted for review"}


class CheckedChangeList(ChangeList):
    """A change list whose date hierarchy refuses a date past the calendar's
    ends (?date__year=9999 reaches for year 10000) as Django refuses other
    bad lookups: a redirect to the list with ?e=1."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class CheckedChoices:
    """Django's autocomplete widgets look the posted ids up again to show a
    refused form, and fail the page on one that is no id at all (a crafted
    "abc", or a number past what the database holds). The selection is then
    shown empty; the field's error says the choice is not valid."""

    def optgroups(self, name, value, attr=None):
        try:
            return super().optgroups(name, value, attr)
        except (ValueError, OverflowError):
            return super().optgroups(name, [], attr)


class CheckedAutocompleteSelect(CheckedChoices, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(CheckedChoices, AutocompleteSelectMultiple):
    pass


class CheckedMultipleChoice(forms.ModelMultipleChoiceField):
    """A choice of several objects that refuses an id past what the database
    can hold (SQLite, 2**63) as any id of no object: a form error, not a failure."""

    def clean(self, value):
        try:
            return super().clean(value)
        except OverflowError:
            shown = ", ".join(str(part) for part in value) if isinstance(value, list | tuple) else str(value)
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": shown}
            ) from None


class CheckedAutocompleteFields:
    """For the admins of models and of inline rows: autocomplete fields with
    the widgets above, and choices of several objects with the field above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", CheckedMultipleChoice)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def checked_id(field, value):
    """An id from an admin address as `field` has it, or 404 when it is not one."""
    try:
        return field.to_python(unquote(value))
    except (ValidationError, ValueError, TypeError):
        raise Http404 from None


class EditorialAdmin(CheckedAutocompleteFields, SimpleHistoryAdmin):
    """What every editorial model's admin shares: forms that carry their
    version and their user's rights, publishing only with the publish
    permission, and history pages that compare any two versions."""

    form = EditorialForm
    object_history_list_template = "admin/tracker/object_history_list.html"

    class Media:
        # Warns before leaving a changed form; puts an editor's words back after a refused save.
        js = ["tracker/admin/keep-typing.js"]

    def get_urls(self):
        compare = self.admin_site.admin_view(admin_views.compare_versions(self))
        name = f"{self.opts.app_label}_{self.opts.model_name}_compare"
        return [path("<path:object_id>/compare/", compare, name=name), *super().get_urls()]

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        # The same changes simple-history lists, without two queries per record shown.
        for record, delta in page_deltas(historical_records):
            helper = self.get_historical_record_context_helper(request, record)
            record.history_delta_changes = helper.context_for_delta_changes(delta)

    def get_form(self, request, obj=None, **kwargs):
        return for_request(super().get_form(request, obj, **kwargs), request)

    def get_changelist_form(self, request, **kwargs):
        return for_request(super().get_changelist_form(request, form=self.form, **kwargs), request)

    def get_changelist(self, request, **kwargs):
        return CheckedChangeList

    def get_object(self, request, object_id, from_field=None):
        # ?_to_field= (empty) passes Django's check of the field, being
        # empty, and would then be looked up as a field named "".
        return super().get_object(request, object_id, from_field or None)

    def history_view(self, request, object_id, extra_context=None):
        checked_id(self.opts.pk, object_id)
        return super().history_view(request, object_id, extra_context)

    @admin.display(description="publication", ordering="status")
    def publication(self, obj):
        return publication(obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if hasattr(self.model, "status"):
            published = obj is not None and obj.status == Status.PUBLISHED
            context["publication_buttons"] = BUTTONS[may_publish(request.user, self.model), published]
            if published and not may_publish(request.user, self.model):
                context["read_only_reason"] = (
                    f"This {self.opts.verbose_name} is published, so only an editor can change or withdraw it "
                    f"({editors()}). Ask one to make the change."
                )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request, obj, post_url_continue=None):
        return super().response_add(_staying_after_draft(request), obj, post_url_continue)

    def response_change(self, request, obj):
        return super().response_change(_staying_after_draft(request), obj)

    def get_fieldsets(self, request, obj=None):
        return [*super().get_fieldsets(request, obj), VERSION_FIELDSET]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or refusal(request.user, self.model, obj) is None)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or refusal(request.user, self.model, obj) is None)

    def has_publish_permission(self, request):
        return may_publish(request.user, self.model)

    def response_action(self, request, queryset):
        action = request.POST.get("action")
        if action and action not in self.get_actions(request):
            log_denial(request.user, f"action {action} on {self.opts.label}", "not permitted", request.path)
        return super().response_action(request, queryset)

    def save_model(self, request, obj, form, change):
        action = pressed(request.POST)
        if getattr(form, "reverting", False):
            obj._change_reason = f"Reverted to version {form.instance._history.version}"
        elif action in REASONS:
            obj._change_reason = REASONS[action]
        super().save_model(request, obj, form, change)
        if action in DONE:
            self.message_user(request, DONE[action], messages.SUCCESS)

    def save_formset(self, request, form, formset, change):
        for deleted in formset.deleted_forms:
            if deleted.instance.pk is None:
                continue
            stored = formset.model._base_manager.filter(pk=deleted.instance.pk).first()
            if stored is not None and (reason := deleted.refusal(stored, None)):
                deny(request, f"delete {formset.model._meta.label} {stored.pk}", reason)
        super().save_formset(request, form, formset, change)

    # A save that lost a race after its form was validated raises StaleEdit
    # (and rolls back). Handling the request again shows the conflict beside
    # the editor's input, because validation now sees the newer version.

    def changeform_view(self, request, *args, **kwargs):
        return self._retry_stale(super().changeform_view, request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self._retry_stale(super().changelist_view, request, *args, **kwargs)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        checked_id(self.opts.pk, object_id)
        checked_id(self.model.history.model._meta.pk, version_id)
        if request.method == "POST":
            # simple-history lets anyone who may *view* history post a revert.
            stored = self.get_object(request, unquote(object_id))
            if stored is None or not self.has_change_permission(request, stored):
                deny(request, f"revert {self.opts.label} {object_id}", "no permission to change it")
        # Unlike Django's change form, simple-history's revert is not atomic.
        revert = transaction.atomic(super().history_form_view)
        return self._retry_stale(revert, request, object_id, version_id, extra_context)

    @transaction.atomic
    def delete_view(self, request, object_id, extra_context=None):
        """The confirmation carries the version it showed. Confirmed after
        someone else's edit, it deletes nothing and shows what changed; the
        row stays locked from that check to the deletion."""
        rows = self.get_queryset(request).select_for_update(of=("self",))
        stored = rows.filter(pk=checked_id(self.opts.pk, object_id)).first() if request.method == "POST" else None
        if stored is not None and self.has_delete_permission(request, stored):
            shown = request.POST.get("version")
            if shown != str(stored.version):
                messages.error(request, deletion_conflict_message(stored, shown))
                return redirect(request.get_full_path())
        return super().delete_view(request, object_id, extra_context)

    def _retry_stale(self, view, request, *args, **kwargs):
        for _attempt in range(2):
            try:
                return view(request, *args, **kwargs)
            except StaleEdit:
                continue
        self.message_user(request, "Someone else saved this meanwhile; nothing of yours was saved.", messages.ERROR)
        return redirect(request.path)


def _staying_after_draft(request):
    """Save draft and Submit for review keep the editor on the form, as
    "Save and continue editing" does: the work is still in progress."""
    if pressed(request.POST) in (SAVE_DRAFT, SUBMIT):
        request.POST = request.POST.copy()
        request.POST["_continue"] = "1"
    return request


def editors():
    names = User.objects.filter(groups__name="Editors", is_active=True).order_by("username")
    shown = [user.get_full_name() or user.username for user in names[:5]]
    return "Editors: " + ", ".join(shown) if shown else "the Editors group"


def _without(field, name):
    """A `fields` entry (a name, or a tuple of names on one line) without `name`."""
    return tuple(part for part in field if part != name) if isinstance(field, tuple) else field


class EditorialInline(CheckedAutocompleteFields):
    """Inline rows carry their version and their user's rights, like forms;
    a draft row offers to be published with its parent."""

    form = InlineEditorialForm
    readonly_fields = ["publication"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = for_request(formset.form, request)
        return formset

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if may_publish(request.user, self.model):
            return fields
        return [_without(field, "publish") for field in fields if field != "publish"]

    @admin.display(description="publication")
    def publication(self, obj):
        return publication(obj)

    def get_fieldsets(self, request, obj=None):
        return [*super().get_fieldsets(request, obj), VERSION_FIELDSET]


class EventInline(EditorialInline, admin.TabularInline):
    model = Event
    fields = ["date", "date_precision", "date_label", "headline", "slug", "sources", "is_key", "publication", "publish"]
    autocomplete_fields = ["sources"]
    prepopulated_fields = {"slug": ["headline"]}
    show_change_link = True
    extra = 0


class QuoteInline(EditorialInline, admin.StackedInline):
    model = Quote
    fk_name = "event"
    fields = [
        ("speaker", "speaker_role"),
        "text",
        "spoken_by",
        ("speech", "source"),
        "variant_of",
        ("claim_status", "claim_basis", "claim_since"),
        "slug",
        ("publication", "publish"),
    ]
    autocomplete_fields = ["source", "variant_of", "spoken_by"]
    extra = 0

    class Media:
        # The source's archived text beside the quote's; selected words fill it in.
        js = ["admin/js/jquery.init.js", admin_views.QUOTE_PICKER_SCRIPT]
        css = {"all": ["tracker/admin/quote-picker.css"]}


class AccountInline(EditorialInline, admin.TabularInline):
    """Each source's version of a detail the sources disagree about, on the
    event's form. An account is part of its event, with no status or
    permissions of its own: who may change the event may change its accounts,
    and readers see them when they see the event."""

    model = Account
    form = AccountForm
    fields = ["detail", "says", "sources", "position", "slug"]
    readonly_fields = []
    autocomplete_fields = ["sources"]
    verbose_name_plural = "sources' accounts of a disputed detail"
    view_on_site = False  # an account is read on its event
    extra = 0

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("tracker.view_event") or self.has_change_permission(request, obj)

    def has_add_permission(self, request, obj):
        return self.has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        may_change = request.user.has_perm("tracker.change_event")
        return may_change and (obj is None or refusal(request.user, Event, obj) is None)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class PublicationFilter(admin.SimpleListFilter):
    title = "publication"
    parameter_name = "publication"

    def lookups(self, request, model_admin):
        return [
            ("live", "Published (public now)"),
            ("scheduled", "Scheduled"),
            ("review", "Awaiting review"),
            (Status.DRAFT, Status.DRAFT.label),
            (Status.UNPUBLISHED, Status.UNPUBLISHED.label),
        ]

    def queryset(self, request, queryset):
        if self.value() == "review":
            return queryset.awaiting_review()
        if self.value() == "live":
            return queryset.published()
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() in (Status.DRAFT, Status.UNPUBLISHED):
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Story)
class StoryAdmin(preview.PreviewLinks, EditorialAdmin):
    list_display = ["title", "publication", "published_at", "updated_at", "event_count", "preview_link"]
    list_filter = [PublicationFilter]
    search_fields = ["title", "summary"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    fields = ["title", "slug", "summary", "is_developing", ("publication", "published_at"), "events_list"]
    readonly_fields = ["publication", "events_list"]
    inlines = [EventInline]
    actions = [publish, unpublish]
    # A long-running story can have thousands of events; past this many its
    # page links to the list of its events instead of printing them all as forms.
    max_inline_events = 50

    def get_urls(self):
        as_of = self.admin_site.admin_view(admin_views.story_as_of(self))
        shown = self.admin_site.admin_view(preview.story_preview(self))
        whole = self.admin_site.admin_view(admin_views.story_history(self))
        return [
            *ingest_admin.urls(),
            path("<path:object_id>/as-of/", as_of, name="tracker_story_as_of"),
            path("<path:object_id>/whole-history/", whole, name="tracker_story_whole_history"),
            path("<path:object_id>/preview/", shown, name=preview.URL_NAME),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(event_count=count_of(Event.objects.filter(story=OuterRef("pk"))))

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
class EventAdmin(preview.PreviewLinks, EditorialAdmin):
    list_display = ["headline", "date_display", "story", "is_key", "status", "source_count", "preview_link"]
    list_editable = ["is_key", "status"]
    show_full_result_count = False  # a filtered list does not also count the whole table
    list_filter = ["story", "is_key", PublicationFilter, "date_precision"]
    list_select_related = ["story"]
    search_fields = ["headline", "description", "date_label"]
    date_hierarchy = "date"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["story", "sources"]
    fieldsets = [
        (None, {"fields": ["story", "headline", "slug", "description", "is_key", "publication"]}),
        ("When", {"fields": [("date", "date_precision", "date_label")]}),
        ("Sourcing", {"fields": ["sources", "disagreement"]}),
        ("Where the claim stands", {"fields": [("claim_status", "claim_basis", "claim_since")]}),
    ]
    correction_fieldset = ("Correction", {"fields": ["correction"]})
    readonly_fields = ["publication"]
    inlines = [QuoteInline, AccountInline]
    actions = [publish, unpublish]

    def get_fieldsets(self, request, obj=None):
        # A correction note is asked for where readers saw the earlier text.
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and (obj.status == Status.PUBLISHED or obj.correction):
            return [*fieldsets, self.correction_fieldset]
        return fieldsets

    def get_queryset(self, request):
        cited = Event.sources.through.objects.filter(event=OuterRef("pk"))
        return super().get_queryset(request).annotate(source_count=count_of(cited))

    @admin.display(description="date", ordering="date")
    def date_display(self, event):
        return event.date_display

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, event):
        return event.source_count


@admin.register(Source)
class SourceAdmin(EditorialAdmin):
    form = SourceForm
    list_display = ["__str__", "outlet", "kind", "language", "published_on"]
    list_filter = ["kind", "language"]
    search_fields = ["headline", "outlet", "byline", "slug", "text"]
    date_hierarchy = "published_on"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["derived_from"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["headline", "slug", ("outlet", "byline"), ("published_on", "kind", "language"), "url"]}),
        ("Archived text", {"fields": ["text", "text_file"]}),
        ("Provenance", {"fields": ["derived_from", "derivation", "derivation_reason", "notes"]}),
    ]
    delete_selected_confirmation_template = "admin/tracker/source/delete_selected_confirmation.html"

    def get_urls(self):
        text = self.admin_site.admin_view(admin_views.source_text(self))
        return [path("<path:object_id>/text/", text, name="tracker_source_text"), *super().get_urls()]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or source_refusal(request.user, obj) is None)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or source_refusal(request.user, obj) is None)

    def get_deleted_objects(self, objs, request):
        """Refuse, as for a source quotes are taken from, to leave an event or
        an account of a disagreement citing no source: every event and every
        account is attributed to those who reported it."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        doomed = [source.pk for source in objs]
        cited_elsewhere = Event.sources.through.objects.exclude(source__in=doomed).values("event")
        orphans = Event.objects.filter(sources__in=doomed).exclude(pk__in=cited_elsewhere).distinct()
        for event in orphans.order_by("pk"):
            link = reverse("admin:tracker_event_change", args=[event.pk])
            protected.append(format_html('Event: <a href="{}">{}</a> cites no other source', link, event))
        given_elsewhere = Account.sources.through.objects.exclude(source__in=doomed).values("account")
        accounts = Account.objects.filter(sources__in=doomed).exclude(pk__in=given_elsewhere).distinct()
        for account in accounts.select_related("event").order_by("pk"):
            link = reverse("admin:tracker_event_change", args=[account.event_id])
            named = format_html('Account “{}” of event <a href="{}">{}</a>', account, link, account.event)
            protected.append(format_html("{} cites no other source", named))
        return deleted, counts, perms_needed, protected


@admin.register(Speaker)
class SpeakerAdmin(EditorialAdmin):
    """Who said it: one person or body, the names the sources print for them,
    and whether it is a person (the structured data says so)."""

    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "kind", "aliases"]


@admin.register(Quote)
class QuoteAdmin(preview.PreviewLinks, EditorialAdmin):
    list_display = ["__str__", "speaker", "speech", "source", "event", "status", "preview_link"]
    list_editable = ["status"]
    list_filter = ["speech", PublicationFilter, "event__story"]
    list_select_related = ["source", "event", "event__story"]
    search_fields = ["text", "speaker", "speaker_role"]
    autocomplete_fields = ["event", "source", "variant_of", "spoken_by"]
    fields = [
        "event",
        "slug",
        ("speaker", "speaker_role"),
        "spoken_by",
        "text",
        ("speech", "source"),
        "variant_of",
        ("claim_status", "claim_basis", "claim_since"),
        "publication",
    ]
    readonly_fields = ["publication"]
    actions = [publish, unpublish]

    class Media:
        # The source's archived text beside the quote's; selected words fill it in.
        js = ["admin/js/jquery.init.js", admin_views.QUOTE_PICKER_SCRIPT]
        css = {"all": ["tracker/admin/quote-picker.css"]}
