"""The admin's door onto ingest (tracker/ingest): "Add article" on a story.

Two pages at one address, admin/tracker/story/<id>/add-article/:

1. the form (GET): the article pasted, uploaded as a .txt or .html file, or
   given as an address, and an optional slug for the new source;
2. the review (the form's POST, answered directly, not redirected, which
   saves a page load): every suggestion with its evidence, each to accept,
   edit or reject. Its one Save hands what the editor accepted to
   `ingest.apply`, which writes the source, the quotes and the citations in
   one transaction and one edit, each with its history record, and then
   redirects to the story with a message listing what was made.

Nothing is written before Save, and nothing when Save is refused.

The archived text travels from the review to Save in a hidden field, with a
signed token (django.core.signing) holding its SHA-256 and what was archived
with it (address, access time, the details the page stated). Save refuses a
text whose SHA-256 is not the signed one, so a text changed in the browser
is never archived; it then derives the suggestions again from that text, as
the review did (the same text gives the same quotes, in the same order), so
that every choice posted is checked against the choices the review offered,
and the evidence can be shown again beside a refused Save. Each quote's
words, as the editor left them, must still occur verbatim in the archived
text: checked here, beside the field, and again by `apply` through the
models' full_clean.
"""

import dataclasses
import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.http import Http404
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from tracker import ingest
from tracker.editorial.forms import too_long_to_post
from tracker.editorial.permissions import deny, may_publish, refusal
from tracker.ingest import archive, derivation, events, matching
from tracker.models import Event, Quote, Speech, Story
from tracker.passages import not_verbatim_message
from tracker.provenance import normalise_text

URL_NAME = "tracker_story_add_article"
SIGNING_SALT = "tracker.editorial.ingest_admin.review"
REVIEW_MAX_AGE = 24 * 60 * 60  # seconds a review page may wait for its Save
SAVE = "_save_article"  # the review's button
EXTENSIONS = ["txt", "html", "htm"]
CONTEXT = 240  # characters of the article shown either side of a quote
MAX_EVENT_CHOICES = 100  # events offered to a quote: the ranked ones, then the story's others up to this many
# What one needs to add an article: the source, its quotes, and the citations (a change of each event cited).
REQUIRED = ["tracker.view_story", "tracker.add_source", "tracker.add_quote", "tracker.change_event"]


def urls():
    """The add-article page, for StoryAdmin.get_urls() (before Django's own patterns)."""
    return [path("<path:object_id>/add-article/", admin.site.admin_view(add_article), name=URL_NAME)]


def add_article_url(story_pk):
    return reverse(f"admin:{URL_NAME}", args=[story_pk])


def may_add_article(user):
    return user.is_active and user.is_staff and user.has_perms(REQUIRED)


# --- Page 1: the article ----------------------------------------------------------


class ArticleForm(forms.Form):
    text = forms.CharField(
        label="Paste the article",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "cols": 80}),
        help_text="Its text as printed, or its page's HTML. A text longer than about 2 MB: upload it as a file.",
    )
    file = forms.FileField(
        label="or upload it as a file",
        required=False,
        validators=[FileExtensionValidator(EXTENSIONS)],
        widget=forms.FileInput(attrs={"accept": ",".join(f".{extension}" for extension in EXTENSIONS)}),
    )
    url = forms.CharField(
        label="or give its address",
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"size": 80, "placeholder": "https://"}),
        help_text="The page is fetched now; its address after redirects becomes the source's.",
    )
    slug = forms.SlugField(
        label="Slug of the new source",
        required=False,
        max_length=80,
        help_text="Optional: made from the headline when left blank.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = filesizeformat(archive.max_bytes())  # the setting as it is now
        self.fields["file"].help_text = f"A .txt or .html file in UTF-8, of at most {limit}."

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > archive.max_bytes():  # refused before a byte of it is read
            raise ValidationError(
                f"This file is {filesizeformat(upload.size)}; an article may be "
                f"{filesizeformat(archive.max_bytes())} at most."
            )
        return upload

    def clean(self):
        cleaned_data = super().clean()
        given = [name for name in ("text", "file", "url") if cleaned_data.get(name) not in (None, "")]
        if self.errors:
            return cleaned_data
        if "text" in given and not cleaned_data["text"].strip():
            given.remove("text")
        if not given:
            raise ValidationError("Paste the article's text, upload it as a file, or give its address.")
        if len(given) > 1:
            raise ValidationError(
                "Give the article one way only: paste it, upload a file, or give its address (clear the others)."
            )
        self.given = given[0]
        return cleaned_data

    def ingest_input(self):
        """The keyword arguments `ingest.suggest` takes for what was given."""
        if self.given == "url":
            return {"url": self.cleaned_data["url"].strip()}
        if self.given == "file":
            upload = self.cleaned_data["file"]
            return {"data": b"".join(upload.chunks()), "filename": upload.name}
        text = self.cleaned_data["text"]
        return {"html": text} if archive.looks_like_html(text) else {"text": text}


# --- Page 2: the review -----------------------------------------------------------


def _sign(story, archived):
    return signing.dumps(
        {
            "story": story.pk,
            "sha256": archived.sha256,
            "headline": archived.headline,
            "published_on": archived.published_on.isoformat() if archived.published_on else None,
            "outlet": archived.outlet,
            "byline": archived.byline,
            "language": archived.language,
            "url": archived.url,
            "requested_url": archived.requested_url,
            "accessed_at": archived.accessed_at.isoformat(),
            "html": archived.html,
        },
        salt=SIGNING_SALT,
        compress=True,
    )


def unsign(story, token, text):
    """The article the review showed, rebuilt from its signed token and the
    text posted back; refused if the token is not one this site signed for
    this story, is too old, or the text is not the one it was signed with."""
    try:
        signed = signing.loads(token, salt=SIGNING_SALT, max_age=REVIEW_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ingest.Refused("This review waited more than a day; add the article again.") from error
    except signing.BadSignature as error:
        raise ingest.Refused("This review's form was altered; add the article again.") from error
    if signed.get("story") != story.pk:
        raise ingest.Refused("This review was made for another story; add the article again.")
    archived = archive.Archived(
        text=text,
        headline=signed["headline"],
        published_on=datetime.date.fromisoformat(signed["published_on"]) if signed["published_on"] else None,
        outlet=signed["outlet"],
        byline=signed["byline"],
        language=signed["language"],
        url=signed["url"],
        requested_url=signed["requested_url"],
        accessed_at=datetime.datetime.fromisoformat(signed["accessed_at"]),
        html=signed["html"],
    )
    if archived.sha256 != signed["sha256"]:
        raise ingest.Refused(
            "The archived text came back changed (its SHA-256 differs), so nothing was saved; add the article again."
        )
    return archived


class SourceReview(forms.Form):
    """The new source's details as found (blank where the article does not
    state them), its derivation, and the archived text with its token."""

    archive = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(widget=forms.HiddenInput, strip=False)
    slug = forms.SlugField(required=False, max_length=80, help_text="Made from the headline when left blank.")
    headline = forms.CharField(required=False, max_length=300)
    outlet = forms.CharField(required=False, max_length=200)
    byline = forms.CharField(required=False, max_length=200)
    published_on = forms.DateField(
        label="Published on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    language = forms.CharField(required=False, max_length=16, help_text="BCP 47, e.g. en, ur; blank: en.")
    derived_from = forms.TypedChoiceField(
        label="Based on",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Recorded as suspected, with the evidence as the public reason.",
    )
    publish = forms.BooleanField(
        label="Publish the quotes and new events now",
        required=False,
        help_text="Left unticked, they are saved as drafts for review.",
    )

    def __init__(self, suggestions, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {item.source.pk: item for item in suggestions.derived_from}
        self.fields["derived_from"].choices = [
            ("", "None: an original report"),
            *((item.source.pk, f"{item.source} ({item.score:.2f})") for item in suggestions.derived_from),
        ]
        if not (may_publish(user, Quote) and may_publish(user, Event)):
            del self.fields["publish"]

    def clean_text(self):
        # A browser posts every line ending as CRLF; the text was archived with LF.
        return self.cleaned_data["text"].replace("\r\n", "\n").replace("\r", "\n")


class QuoteReview(forms.Form):
    """One quote found: accept it, correct its words, speaker and role, or leave it out."""

    accept = forms.BooleanField(label="Add this quote", required=False)
    text = forms.CharField(label="Words", required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))
    speaker = forms.CharField(required=False, max_length=200)
    speaker_role = forms.CharField(label="Role", required=False, max_length=200)
    speech = forms.ChoiceField(choices=Speech.choices)
    variant_of = forms.TypedChoiceField(label="Another wording of", required=False, coerce=int, empty_value=None)
    event = forms.TypedChoiceField(label="Event", required=False, coerce=int, empty_value=None)

    def __init__(self, suggestion, archived_text, event_choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestion, self.archived_text = suggestion, archived_text
        self.statements = {}
        for candidate in suggestion.candidates:
            self.statements.setdefault(candidate.statement.pk, (candidate.statement, candidate))
        self.fields["variant_of"].choices = [
            ("", "None: a statement of its own"),
            *(
                (pk, f"{candidate.score:.2f}: {Truncator(str(statement)).chars(80)}")
                for pk, (statement, candidate) in self.statements.items()
            ),
        ]
        self.events = {event.pk: event for event, _label in event_choices}
        self.fields["event"].choices = [
            ("", "Choose the event it belongs to"),
            *((e.pk, label) for e, label in event_choices),
        ]

    def clean(self):
        cleaned_data = super().clean()
        if not cleaned_data.get("accept"):
            return cleaned_data
        if not cleaned_data.get("speaker", "").strip():
            self.add_error("speaker", "Name who said it, or untick “Add this quote”.")
        if cleaned_data.get("event") is None and "event" not in self.errors:
            self.add_error("event", "Choose the event it belongs to, or untick “Add this quote”.")
        words = cleaned_data.get("text")
        if not words:
            self.add_error("text", "Give the quote's words, or untick “Add this quote”.")
        elif normalise_text(words) not in normalise_text(self.archived_text):
            self.add_error("text", not_verbatim_message(words, self.archived_text))
        return cleaned_data

    def chosen(self):
        """The suggestion as the editor left it, for `ingest.apply`: score 1,
        the editor's acceptance standing for the threshold apply applies."""
        data = self.cleaned_data
        statement = self.statements.get(data["variant_of"], (None, None))[0]
        return dataclasses.replace(
            self.suggestion,
            text=data["text"],
            speaker=data["speaker"].strip(),
            speaker_role=data["speaker_role"].strip(),
            speaker_match=None,  # apply writes speaker_match when given; the editor's spelling is the speaker
            speech=data["speech"],
            variant_of=statement,
            event=self.events[data["event"]],
            score=1.0,
        )


class CitationReview(forms.Form):
    """One of the story's events the article may report: cite the new source in it."""

    cite = forms.BooleanField(required=False)

    def __init__(self, reported, reason, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reported, self.reason = reported, reason
        self.label_suffix = ""
        self.fields["cite"].label = f"Cite the article in “{reported.event.headline}”"
        if reason:  # a reporter and a published event
            self.fields["cite"].disabled = True
            self.fields["cite"].help_text = reason


class NewEventReview(forms.Form):
    """A dated fact no event holds: create an event for it (the quotes cannot be put in it here)."""

    create = forms.BooleanField(required=False)

    def __init__(self, proposed, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposed = proposed
        self.label_suffix = ""
        when = f"{proposed.date:%-d %B %Y}" if proposed.precision == "day" else f"{proposed.date:%B %Y}"
        self.fields["create"].label = f"Create an event for {when}"


class Review:
    """The review page's forms for one set of suggestions, bound to a POST or
    not (then with the suggestions' own choices ticked and selected)."""

    def __init__(self, request, story, suggestions, data=None, slug=""):
        user = request.user
        self.story, self.suggestions, self.user = story, suggestions, user
        self.errors = []  # refusals beside no field: shown above the forms
        archived = suggestions.source
        bound = data is not None
        top = suggestions.derived_from[0] if suggestions.derived_from else None
        self.source = SourceReview(
            suggestions,
            user,
            data=data,
            initial={
                "archive": _sign(story, archived),
                "text": archived.text,
                "slug": slug,
                "headline": archived.headline,
                "outlet": archived.outlet,
                "byline": archived.byline,
                "published_on": archived.published_on,
                "language": archived.language,
                "derived_from": top.source.pk if top and top.score >= derivation.DERIVED_THRESHOLD else "",
            },
        )
        event_choices = self._event_choices()
        self.quotes = []
        for n, quote in enumerate(suggestions.quotes):
            initial = {
                # As apply() takes them: named, and sure enough; an event is then to be chosen where none was found.
                "accept": quote.score >= ingest.QUOTE_THRESHOLD and bool(quote.speaker),
                "text": quote.text,
                "speaker": quote.speaker_match or quote.speaker,
                "speaker_role": quote.speaker_role,
                "speech": quote.speech,
                "variant_of": quote.variant_of.pk if quote.variant_of else "",
                "event": quote.event.pk if quote.event else "",
            }
            form = QuoteReview(
                quote, archived.text, event_choices, data=data, prefix=f"quote-{n}", initial=None if bound else initial
            )
            self.quotes.append(QuoteShown(form, quote, archived.text))
        self.citations = []
        for n, reported in enumerate(suggestions.events):
            reason = refusal(user, Event, reported.event)
            initial = {"cite": reported.score >= events.EVENT_THRESHOLD and not reason}
            self.citations.append(CitationReview(reported, reason, data=data, prefix=f"event-{n}", initial=initial))
        self.may_create_events = user.has_perm("tracker.add_event")
        self.new_events = []
        if self.may_create_events:
            for n, proposed in enumerate(suggestions.new_events):
                self.new_events.append(NewEventReview(proposed, data=data, prefix=f"new-{n}"))

    def _event_choices(self):
        """(event, label) for a quote's event: those the article seems to
        report, best first, those its quotes' wordings are cited under, then
        the story's others, up to MAX_EVENT_CHOICES."""
        offered = {}
        for item in self.suggestions.events:
            offered[item.event.pk] = (item.event, f"{_event_label(item.event)} ({item.score:.2f})")
        for quote in self.suggestions.quotes:
            if quote.event is not None:
                offered.setdefault(quote.event.pk, (quote.event, _event_label(quote.event)))
        others = Event.objects.filter(story=self.story).exclude(pk__in=list(offered)).chronological()
        for event in others[: max(MAX_EVENT_CHOICES - len(offered), 0)]:
            offered[event.pk] = (event, _event_label(event))
        return list(offered.values())

    def forms(self):
        return [self.source, *(shown.form for shown in self.quotes), *self.citations, *self.new_events]

    def is_valid(self):
        valid = all([form.is_valid() for form in self.forms()])  # every form, so each shows its errors
        if valid:
            self._check_permissions()
        return valid and not self.errors

    def _check_permissions(self):
        """A reporter may not add a source to an event readers see (as on the event's own form)."""
        for shown in self.quotes:
            data = shown.form.cleaned_data
            if data.get("accept"):
                event = shown.form.events[data["event"]]
                if reason := refusal(self.user, Event, event):
                    shown.form.add_error("event", f"{reason} Adding this quote would cite the article in it.")
                    self.errors.append(reason)

    @property
    def has_errors(self):
        return any(form.is_bound and form.errors for form in self.forms()) or bool(self.errors)

    def chosen(self):
        """The suggestions as the editor accepted and edited them, for `ingest.apply`."""
        data = self.source.cleaned_data
        archived = dataclasses.replace(
            self.suggestions.source,
            headline=data["headline"].strip(),
            outlet=data["outlet"].strip(),
            byline=data["byline"].strip(),
            published_on=data["published_on"],
            language=data["language"].strip(),
        )
        based_on = self.source.candidates.get(data["derived_from"])
        return dataclasses.replace(
            self.suggestions,
            source=archived,
            derived_from=[dataclasses.replace(based_on, score=1.0)] if based_on else [],
            quotes=[shown.form.chosen() for shown in self.quotes if shown.form.cleaned_data["accept"]],
            events=[
                dataclasses.replace(form.reported, score=1.0) for form in self.citations if form.cleaned_data["cite"]
            ],
            new_events=[form.proposed for form in self.new_events if form.cleaned_data["create"]],
        )

    @property
    def publish(self):
        return bool(self.source.cleaned_data.get("publish"))


class QuoteShown:
    """A quote's form with its evidence: the passage, highlighted in its
    context; how its speaker was matched; its candidate wordings."""

    def __init__(self, form, suggestion, text):
        self.form, self.suggestion = form, suggestion
        start, end = suggestion.start, suggestion.end
        before, after = max(start - CONTEXT, 0), min(end + CONTEXT, len(text))
        self.passage = format_html(
            "{}{}<mark>{}</mark>{}{}",
            "…" if before else "",
            text[before:start],
            text[start:end],
            text[end:after],
            "…" if after < len(text) else "",
        )
        self.candidates = [
            {
                "candidate": candidate,
                "aligned": format_html_join("; ", "“{}”", ((run,) for run in candidate.aligned[:6])),
            }
            for candidate in suggestion.candidates
        ]


# --- The view ---------------------------------------------------------------------


def add_article(request, object_id):
    """Page 1 (GET, and a refused POST of it), page 2 (its accepted POST), and Save (page 2's POST)."""
    try:
        story = Story.objects.filter(pk=int(unquote(object_id))).first()
    except (ValueError, OverflowError):
        story = None
    if story is None:
        raise Http404
    if not may_add_article(request.user):
        deny(request, f"add article to story {object_id}", "no permission to add sources, quotes and citations")
    if request.method == "POST" and "archive" in request.POST:
        return _save(request, story)
    form = ArticleForm(request.POST, request.FILES) if request.method == "POST" else ArticleForm()
    if form.is_bound and form.is_valid():
        try:
            suggestions = ingest.suggest(story, **form.ingest_input())
        except ingest.Refused as error:
            form.add_error(form.given, str(error))
        else:
            if too_long_to_post(suggestions.source.text + "\n" * suggestions.source.text.count("\n")):
                form.add_error(
                    form.given,
                    f"The article's text ({filesizeformat(len(suggestions.source.text.encode()))}) is longer than "
                    "the review screen can send back. Add it with `manage.py ingest_source … --story "
                    f"{story.slug}` instead (docs/ingest.md).",
                )
            else:
                return _review(request, story, Review(request, story, suggestions, slug=form.cleaned_data["slug"]))
    return _form(request, story, form)


def _save(request, story):
    token, text = request.POST.get("archive", ""), request.POST.get("text", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        archived = unsign(story, token, text)
    except ingest.Refused as error:
        return _form(request, story, ArticleForm(), refused=str(error))
    suggestions = ingest.suggest(story, source=archived)
    review = Review(request, story, suggestions, data=request.POST)
    if suggestions.existing is not None or not review.is_valid():
        return _review(request, story, review)
    try:
        applied = ingest.apply(
            review.chosen(), user=request.user, publish=review.publish, slug=review.source.cleaned_data["slug"] or None
        )
    except ingest.Refused as error:
        review.errors = [str(error)]
        return _review(request, story, review)
    messages.success(request, _created_message(applied, review.publish))
    return redirect("admin:tracker_story_change", story.pk)


def _created_message(applied, published):
    state = "published" if published else "drafts"
    parts = [format_html('Added the source <a href="{}">{}</a>', _change_url(applied.source), applied.source)]
    if applied.quotes:
        links = format_html_join(", ", '<a href="{}">{}</a>', ((_change_url(q), q) for q in applied.quotes))
        parts.append(format_html("{} quote(s), as {}: {}", len(applied.quotes), state, links))
    else:
        parts.append(format_html("no quotes"))
    if applied.events:
        links = format_html_join(", ", '<a href="{}">{}</a>', ((_change_url(e), e.headline) for e in applied.events))
        parts.append(format_html("{} new event(s), as {}: {}", len(applied.events), state, links))
    cited = Event.objects.filter(sources=applied.source).order_by("date", "pk")
    if cited:
        links = format_html_join(", ", '<a href="{}">{}</a>', ((_change_url(e), e.headline) for e in cited))
        parts.append(format_html("cited in {} event(s): {}", len(cited), links))
    return format_html("{}.", format_html_join("; ", "{}", ((part,) for part in parts)))


def _event_label(event):
    return Truncator(f"{event.date_display}: {event.headline}").chars(80)


def _change_url(obj):
    return reverse(f"admin:tracker_{obj._meta.model_name}_change", args=[obj.pk])


def _context(request, story, title):
    return {
        **admin.site.each_context(request),
        "title": title,
        "opts": Story._meta,
        "object": story,
    }


def _form(request, story, form, refused=""):
    context = {
        **_context(request, story, f"Add an article to {story}"),
        "form": form,
        "action": request.path,
        "refused": refused,
    }
    return TemplateResponse(request, "admin/tracker/ingest_form.html", context)


def _review(request, story, review):
    suggestions = review.suggestions
    existing = suggestions.existing
    context = {
        **_context(request, story, f"Review the article for {story}"),
        "review": review,
        "suggestions": suggestions,
        "archived": suggestions.source,
        "existing": existing,
        "existing_url": _change_url(existing) if existing is not None else "",
        "start_again": request.path,
        "save": SAVE,
        "quote_threshold": ingest.QUOTE_THRESHOLD,
        "variant_threshold": matching.VARIANT_THRESHOLD,
        "derivations": [
            {"item": item, "suggested": item.score >= derivation.DERIVED_THRESHOLD} for item in suggestions.derived_from
        ],
    }
    return TemplateResponse(request, "admin/tracker/ingest_review.html", context)
