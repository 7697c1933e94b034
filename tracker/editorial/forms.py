"""The admin's form for editorial content: change forms, inline rows,
list-editable rows and reverts all go through it."""

from functools import cached_property

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html

from tracker.editorial.permissions import REFUSED_LIVE, log_denial, may_publish, refusal
from tracker.history import completing_record, conflict_message, differences, record_of_version
from tracker.locking import current_version
from tracker.models import Account, Event, Source, Status


class NotAChange:
    """A field that tells a save something about itself and never counts as a
    change of the object: a list row or inline row whose visible fields still
    match the stored object has nothing to save."""

    def has_changed(self, initial, data):
        return False


class VersionField(NotAChange, forms.IntegerField):
    """The version the editor's copy was based on."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=1, **kwargs)


# The change form's buttons (Wagtail's pattern): the status follows the
# button pressed, so no single Save publishes by surprise.
SAVE_DRAFT, SUBMIT, PUBLISH, WITHDRAW = "_save_draft", "_submit", "_publish", "_withdraw"
ACTIONS = (SAVE_DRAFT, SUBMIT, PUBLISH, WITHDRAW)


def _widget(field):
    """The field's own widget, inside the admin's wrappers (the related-object links)."""
    widget = field.widget
    while not isinstance(widget, forms.MultiWidget) and hasattr(widget, "widget"):
        widget = widget.widget
    return widget


def _put_value(data, name, field, value):
    """Put `value` into POST-like `data` as the field's widget would post it."""
    widget = _widget(field)
    value = field.prepare_value(value)
    if isinstance(widget, forms.MultiWidget):
        for suffix, part, sub in zip(widget.widgets_names, widget.decompress(value), widget.widgets, strict=True):
            data[name + suffix] = sub.format_value(part) or ""
    elif isinstance(widget, forms.CheckboxInput):
        data.setlist(name, ["on"] if value else [])
    elif isinstance(widget, forms.SelectMultiple):
        data.setlist(name, [str(v.pk if hasattr(v, "pk") else v) for v in value or ()])
    else:
        shown = widget.format_value(value)
        data.setlist(name, [str(v) for v in shown] if isinstance(shown, list) else [shown or ""])


def _same(value, record, name):
    """Whether a cleaned form value equals what history `record` holds for field `name`."""
    field = record.instance_type._meta.get_field(name)
    if field.many_to_many:
        target = f"{field.m2m_reverse_field_name()}_id"
        return {v.pk for v in value} == {getattr(row, target) for row in getattr(record, name).all()}
    then = getattr(record, field.attname)
    return (value.pk if hasattr(value, "pk") else value) == then


def _yours(name, field, mine):
    """The error beside a field both editors changed: the editor's own value, to use again."""
    shown = "; ".join(mine) if len(mine) != 1 else mine[0]
    button = ""
    if not isinstance(_widget(field), forms.Select | forms.CheckboxInput | forms.MultiWidget):  # typed text
        button = format_html(
            ' <button type="button" class="use-mine" data-field="{}" data-value="{}">Use yours again</button>',
            name,
            shown,
        )
    return format_html(
        'Changed meanwhile by someone else; the field now shows their version. Yours was: <q class="yours">{}</q>{}',
        shown,
        button,
    )


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
                rebased = self.prefix is None and not self.reverting  # a change form
                if rebased:
                    self._rebase(stored, based_on)
                raise ValidationError(conflict_message(stored, based_on, rebased))
            self.instance.version = based_on
        status = self.requested_status(cleaned_data)
        if self.changes_something():
            reason = self.refusal(stored, status)
            if reason:
                log_denial(self.user, f"save {model._meta.label} {self.instance.pk or '(new)'}", reason)
                raise ValidationError(reason)
        if status is not None and "status" not in self.fields:
            self._apply_status(status, cleaned_data)
        return cleaned_data

    def refusal(self, stored, status):
        """Why this form's user may not save it (tracker.editorial.permissions), or None."""
        return refusal(self.user, self._meta.model, stored, status)

    def _rebase(self, stored, based_on):
        """Redisplay a refused change form on the current version, losing none
        of the editor's typing: a field only they changed keeps their value, a
        field only the other editor changed shows the current value, and a
        field both changed shows the current value with theirs beside it and
        a button to use it again (static/tracker/admin/keep-typing.js)."""
        base = record_of_version(type(stored), stored.pk, based_on)
        changed_meanwhile = set(differences(base, stored)) if base is not None else set(self.fields)
        data = self.data.copy()
        for name in self.changed_data:
            if name not in changed_meanwhile or name not in self.cleaned_data:
                continue
            field = self.fields[name]
            mine = data.getlist(self.add_prefix(name))
            _put_value(data, self.add_prefix(name), field, self.get_initial_for_field(field, name))
            if base is None or not _same(self.cleaned_data[name], base, name):
                self.add_error(name, _yours(self.add_prefix(name), field, mine))
        data[self.add_prefix("version")] = str(stored.version)
        self.data = data

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


class PublishWithParent(NotAChange, forms.BooleanField):
    """A draft row's "publish with it" box, read only when the parent is published."""


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
        elif self.instance.status == Status.UNPUBLISHED:
            self.initial["publish"] = False  # a withdrawn row is published again only if the editor ticks it

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


class AccountForm(EditorialForm):
    """An account row on its event's form. An account is part of its event:
    it has no status of its own, readers see it when they see the event, and
    changing it is changing the event, which needs the event's permissions."""

    def refusal(self, stored, status):
        event = Event._base_manager.filter(pk=self.instance.event_id).first() if self.instance.event_id else None
        return refusal(self.user, Event, event)


def for_request(form_class, request):
    """`form_class` bound to the person saving with it and the button they pressed."""
    return type(form_class.__name__, (form_class,), {"user": request.user, "action": pressed(request.POST)})


# --- A source's archived text, from a file -------------------------------------------

TEXT_FILE_MAX_BYTES = 10 * 1024 * 1024
TEXT_FILE_EXTENSIONS = ["txt", "html", "htm"]
# What a form's other fields may need of DATA_UPLOAD_MAX_MEMORY_SIZE beside the text.
OTHER_FIELDS_BYTES = 256 * 1024


def too_long_to_post(text):
    """Whether a form could not post `text` back: all of a form's fields
    together may post DATA_UPLOAD_MAX_MEMORY_SIZE bytes at most (2.5 MB)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is not None and len(text.encode()) > limit - OTHER_FIELDS_BYTES


def cited_by_live_accounts(source):
    """Whether an account under a published event of a published or scheduled
    story cites `source`, or a source derived from it however far down the
    chain (permissions.source_is_live counts the events and quotes that do)."""
    chain, level = {source.pk}, {source.pk}
    while level:
        level = set(Source.objects.filter(derived_from__in=level).values_list("pk", flat=True)) - chain
        chain |= level
    live = Account.objects.filter(event__status=Status.PUBLISHED, event__story__status=Status.PUBLISHED)
    return live.filter(sources__in=chain).exists()


def source_refusal(user, stored):
    """Why `user` may not change or delete the source `stored`: refusal(), and
    for a source that only accounts of a disagreement show readers, the same."""
    reason = refusal(user, Source, stored)
    if reason is None and stored is not None and not may_publish(user, Source) and cited_by_live_accounts(stored):
        return REFUSED_LIVE
    return reason


class SourceForm(EditorialForm):
    """A source's form, with a second way in for its archived text: a file.

    A form's fields may post DATA_UPLOAD_MAX_MEMORY_SIZE together at most,
    and an article can be longer. A file goes in a part of its own that does
    not count toward that limit (above FILE_UPLOAD_MAX_MEMORY_SIZE it is
    streamed to a temporary file), so a long text is uploaded instead of
    pasted. Its text is stored as the file has it, decoded from UTF-8 (a
    leading byte-order mark dropped): an .html file's markup is kept."""

    text_file = forms.FileField(
        required=False,
        label="Archived text from a file",
        help_text=(
            "For a text too long to paste: a .txt or .html file of at most "
            f"{filesizeformat(TEXT_FILE_MAX_BYTES)}, in UTF-8. It replaces the text above, which you may then "
            "leave empty, and is stored exactly as in the file (an .html file's markup included)."
        ),
        validators=[FileExtensionValidator(TEXT_FILE_EXTENSIONS)],
        widget=forms.FileInput(attrs={"accept": ",".join(f".{extension}" for extension in TEXT_FILE_EXTENSIONS)}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text = self.fields.get("text")
        if text is None:
            return
        text.required = False  # a file may give it instead: clean() asks for one or the other
        if too_long_to_post(self.instance.text or ""):
            # Posting it back would be refused (a 400), and with it every other change.
            text.disabled, text.strip = True, False  # kept as stored, to the last newline
            text.help_text = (
                f"This text ({filesizeformat(len(self.instance.text.encode()))}) is longer than a form can send "
                "back, so it cannot be edited here: to change it, upload the corrected text as a file below."
            )

    def refusal(self, stored, status):
        return source_refusal(self.user, stored)

    def clean_text_file(self):
        upload = self.cleaned_data.get("text_file")
        if not upload:
            return None
        if upload.size > TEXT_FILE_MAX_BYTES:
            raise ValidationError(
                f"This file is {filesizeformat(upload.size)}; a source's text may be "
                f"{filesizeformat(TEXT_FILE_MAX_BYTES)} at most."
            )
        content = b"".join(upload.chunks())
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(
                f"This file is not UTF-8 text (byte {error.start + 1:,} is not UTF-8). "
                "Save it as UTF-8 (“Unicode (UTF-8)” in most editors) and upload it again."
            ) from error
        if "\x00" in text:
            raise ValidationError("This file holds NUL characters, so it is not a text file.")
        if not text.strip():
            raise ValidationError("This file holds no text.")
        return text

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("text_file"):
            cleaned_data["text"] = cleaned_data["text_file"]
        elif "text" in self.fields and not cleaned_data.get("text") and "text_file" not in self.errors:
            self.add_error("text", "Paste the archived text here, or upload it as a file below.")
        return cleaned_data
