"""The admin's form for editorial content: change forms, inline rows,
list-editable rows and reverts all go through it."""

from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .history import completing_record, conflict_message
from .locking import current_version
from .models import Status
from .permissions import log_denial, may_publish, refusal


class VersionField(forms.IntegerField):
    """The version the editor's copy was based on.

    Never counts as a change: a list row or inline row whose visible fields
    still match the stored object has nothing to save, whatever its version.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=1, **kwargs)

    def has_changed(self, initial, data):
        return False


# The change form's buttons (Wagtail's pattern): the status follows the
# button pressed, so no single Save publishes by surprise.
SAVE_DRAFT, SUBMIT, PUBLISH, WITHDRAW = "_save_draft", "_submit", "_publish", "_withdraw"
ACTIONS = (SAVE_DRAFT, SUBMIT, PUBLISH, WITHDRAW)


def pressed(post):
    """Which of the publication buttons a POST came from (None: another button, or none)."""
    return next((action for action in ACTIONS if action in post), None)


class EditorialForm(forms.ModelForm):
    """Refuses, beside the form and with the reason, a save based on a stale
    copy and a publishing act its user may not do."""

    version = VersionField()
    user = None  # the person saving; the admin sets it for each request
    action = None  # the publication button pressed, for this request

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        record = getattr(self.instance, "_history", None)
        self.reverting = record is not None
        if not self.instance._state.adding:
            self.initial.setdefault("version", self.instance.version)
        if self.reverting:
            # Reverting to an old version: the editor's copy is based on the
            # current version, and the old version's links are what they restore.
            self.initial["version"] = current_version(self.instance)
            for field in record._history_m2m_fields:
                target = f"{field.m2m_reverse_field_name()}_id"
                self.initial[field.name] = [getattr(row, target) for row in getattr(record, field.name).all()]
        slug = self.fields.get("slug")
        if slug is not None and not slug.required:
            # A slug left blank is made when the object is saved (a quote's
            # from its speaker). Until then it is no value at all, so two new
            # rows left blank are not duplicates of each other.
            slug.empty_value = None
        if "status" in self.fields and not may_publish(self.user, self._meta.model):
            self._offer_drafts_only()

    def requested_status(self, cleaned_data):
        """The status this save gives the object: the list row's explicit
        choice, else the button's; Save draft and Submit keep what it has
        (a new object is a draft), and a revert restores the version's."""
        if "status" in self.fields:
            return cleaned_data.get("status")
        if not hasattr(self.instance, "status"):
            return None
        return {PUBLISH: Status.PUBLISHED, WITHDRAW: Status.UNPUBLISHED}.get(self.action, self.instance.status)

    def clean(self):
        cleaned_data = super().clean()
        # The version is the locking's to keep: what the form posted is only
        # the copy it was based on, never a value for the object (a new
        # object's form posts it empty, which would overwrite the default).
        posted_version = cleaned_data.pop("version", None)
        model = self._meta.model
        stored = None
        if not self.instance._state.adding:
            stored = model._base_manager.filter(pk=self.instance.pk).first()
            if stored is None:
                raise ValidationError(f"This {model._meta.verbose_name} was deleted while you were editing it.")
            # A copy whose visible fields match the stored object loses nothing
            # by being saved over it, so only a changed one must be current.
            based_on = posted_version if self.changes_something() else stored.version
            if based_on is None:
                raise ValidationError("This form did not say which version it was based on; reload the page.")
            if based_on != stored.version:
                raise ValidationError(conflict_message(stored, based_on))
            self.instance.version = based_on
        status = self.requested_status(cleaned_data)
        if self.changes_something():
            reason = refusal(self.user, model, stored, status)
            if reason:
                log_denial(self.user, f"save {model._meta.label} {self.instance.pk or '(new)'}", reason)
                raise ValidationError(reason)
        if status is not None and "status" not in self.fields:
            self._apply_status(status, cleaned_data)
        return cleaned_data

    def _apply_status(self, status, cleaned_data):
        instance = self.instance
        if status == Status.PUBLISHED:
            instance.publish()
            if "published_at" in self.fields and not cleaned_data.get("published_at"):
                cleaned_data["published_at"] = timezone.now()  # the form's value is what will be saved
        instance.status = status
        if self.action == SUBMIT:
            instance.submit_for_review()

    def _offer_drafts_only(self):
        # Only what is shown: clean() refuses (and logs) a posted "Published",
        # and a published object keeps its status on display.
        if self.instance.status == Status.PUBLISHED and not self.instance._state.adding:
            return
        status = self.fields["status"]
        status.widget.choices = [choice for choice in status.choices if choice[0] != Status.PUBLISHED]
        if self.instance._state.adding:
            self.initial["status"] = Status.DRAFT

    def changes_something(self):
        # A revert form starts from the old version, not from what is stored;
        # Publish, Withdraw or Submit change the object even when no field does.
        return self.instance._state.adding or self.reverting or self.has_changed() or self.acts_on_status()

    def acts_on_status(self):
        return (
            self.action in (PUBLISH, WITHDRAW, SUBMIT)
            and "status" not in self.fields
            and hasattr(self.instance, "status")
        )

    def _save_m2m(self):
        with completing_record(self.instance):
            super()._save_m2m()


class PublishWithParent(forms.BooleanField):
    """A draft row's "publish with it" box: an instruction for this save, not
    a change of the row (it is read only when the parent is published)."""

    def has_changed(self, initial, data):
        return False


class InlineEditorialForm(EditorialForm):
    """An inline row (an event's quote, a story's event). A draft row is
    published with its parent when the parent's editor presses Publish with
    the row's box ticked, in the same transaction and with its own record."""

    publish = PublishWithParent(
        required=False,
        initial=True,
        label="publish with it",
        help_text="Publish this draft too when you press Publish.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.status == Status.PUBLISHED or not may_publish(self.user, self._meta.model):
            self.fields["publish"].disabled = True
            self.initial["publish"] = False

    @cached_property
    def publishing(self):
        # Decided once, from the row as stored: clean() then publishes it.
        return self.action == PUBLISH and self.instance.status != Status.PUBLISHED and bool(self["publish"].value())

    def acts_on_status(self):
        return self.publishing

    def requested_status(self, cleaned_data):
        if "status" in self.fields:
            return cleaned_data.get("status")
        return Status.PUBLISHED if self.publishing else self.instance.status

    def has_changed(self):
        # A stored draft published with its parent is a change of the row; an
        # empty new row is not one just because its box starts ticked.
        changed = super().has_changed()
        return changed or (not self.instance._state.adding and self.publishing)


def for_request(form_class, request):
    """`form_class` bound to the person saving with it and the button they pressed."""
    return type(form_class.__name__, (form_class,), {"user": request.user, "action": pressed(request.POST)})
