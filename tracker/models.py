"""The editorial record of a developing story: stories, their events, the sources
that reported them and the words people said."""

import datetime
import textwrap

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import slugify

from tracker.history import History, record_change
from tracker.locking import Versioned
from tracker.passages import not_verbatim_message
from tracker.provenance import normalise_text


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Withdrawn"  # taken down after publication; the stored value predates the label


STATUS_HELP = (
    "Readers see this only when it is Published and its publication time has come; a future time schedules it."
)


class Publishable(Versioned):
    """Something with a publication state; readers see only what is published.

    Everything starts as a draft: only an editor's explicit Publish puts it in
    front of readers. A reporter's "Submit for review" stamps
    `review_requested_at`, which lists the draft for editors until it is
    published.
    """

    status = models.CharField(max_length=12, choices=Status, default=Status.DRAFT, help_text=STATUS_HELP)
    review_requested_at = models.DateTimeField(
        "submitted for review", null=True, blank=True, editable=False, help_text="When a reporter asked for review."
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="%(class)s_status_valid"),
        ]

    def publish(self):
        self.status = Status.PUBLISHED
        self.review_requested_at = None

    def unpublish(self):
        self.status = Status.UNPUBLISHED

    def submit_for_review(self):
        self.review_requested_at = self.review_requested_at or timezone.now()

    def is_awaiting_review(self):
        return self.review_requested_at is not None and self.status != Status.PUBLISHED


class ClaimStatus(models.TextChoices):
    """Where a claim stands, as the sources establish it (not the newsroom's verdict)."""

    UNVERIFIED = "unverified", "Unverified"
    CONFIRMED = "confirmed", "Confirmed"
    DISPUTED = "disputed", "Disputed"
    DENIED = "denied", "Denied"
    RETRACTED = "retracted", "Retracted"


CLAIM_STATUS_VALID = models.CheckConstraint(
    condition=Q(claim_status__in=["", *ClaimStatus.values]), name="%(class)s_claim_status_valid"
)


class Claimed(models.Model):
    """An event or a statement whose standing an editor can record: confirmed by
    whom, denied by whom, since when. Blank means nobody assessed it, and readers
    see nothing rather than a default "unverified" on every line.

    Each change is dated twice: `claim_since` is when it happened as the sources
    tell it (17 April, the ministry's court submission); `claim_recorded_at` is
    when it was recorded here. Every earlier status stays in the history records,
    so the changelog lists each change.
    """

    claim_status = models.CharField(
        "status of the claim",
        max_length=12,
        choices=ClaimStatus,
        blank=True,
        help_text="Leave blank unless the sources establish where it stands.",
    )
    claim_basis = models.CharField(
        "on whose word",
        max_length=300,
        blank=True,
        help_text="Who confirmed, disputed, denied or retracted it, as the sources say, "
        "e.g. 'by the Interior Ministry in court'.",
    )
    claim_since = models.DateField(
        "status since", null=True, blank=True, help_text="When it took this status, if the sources date it."
    )
    claim_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    CLAIM_FIELDS = ("claim_status", "claim_basis", "claim_since")

    def stamp_claim(self):
        """Date a new or changed status (called from save); clear the date with the status."""
        if not self.claim_status:
            self.claim_basis, self.claim_since, self.claim_recorded_at = "", None, None
            return
        stored = type(self)._base_manager.filter(pk=self.pk).values(*self.CLAIM_FIELDS).first() if self.pk else None
        if stored != {name: getattr(self, name) for name in self.CLAIM_FIELDS}:
            self.claim_recorded_at = timezone.now()

    def claim_errors(self):
        """Field errors for an inconsistent status (each model's clean() adds its own)."""
        errors = {}
        if not self.claim_status:
            if self.claim_basis.strip():
                errors["claim_basis"] = "Choose a status first: this says on whose word it stands."
            if self.claim_since:
                errors["claim_since"] = "A date says since when a status holds: choose the status too."
        elif self.claim_status != ClaimStatus.UNVERIFIED and not self.claim_basis.strip():
            errors["claim_basis"] = f"Say who {self.get_claim_status_display().lower()} it, as the sources report."
        return errors

    @property
    def claim_line(self):
        """The status in words, as readers see it: "Confirmed by the ministry in court, since 17 April 2024"."""
        return self.get_claim_status_display() + self.claim_detail if self.claim_status else ""

    @property
    def claim_detail(self):
        """What follows the status word: on whose word, and since when."""
        words = ""
        if self.claim_basis:
            # "Confirmed by the ministry", but "Unverified: only one source reports it".
            words += (" " if self.claim_basis.startswith("by ") else ": ") + self.claim_basis
        if self.claim_since:
            words += f", since {self.claim_since.day} {self.claim_since:%B %Y}"
        return words


class PublishableQuerySet(models.QuerySet):
    def awaiting_review(self):
        """Drafts a reporter has submitted for an editor to publish."""
        return self.exclude(status=Status.PUBLISHED).filter(review_requested_at__isnull=False)


def count_of(rows):
    """The number of `rows` (a queryset filtered on an OuterRef) as a subquery
    per row of the outer query. Count() over a join would make a row of every
    counted one and group them all, however few rows a page shows."""
    count = models.Func(models.F("pk"), function="COUNT")  # not an aggregate to Django: no GROUP BY
    return models.Subquery(rows.order_by().annotate(count=count).values("count"), output_field=models.IntegerField())


# --- Story -------------------------------------------------------------------


class StoryQuerySet(PublishableQuerySet):
    def published(self):
        """Stories the public may see: published, and the publication time has come."""
        return self.filter(status=Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        """Stories that become public by themselves when their publication time comes."""
        return self.filter(status=Status.PUBLISHED, published_at__gt=timezone.now())

    def with_event_count(self):
        """Annotate `event_count`, the story's published events."""
        return self.annotate(event_count=count_of(Event.objects.live().filter(story=models.OuterRef("pk"))))

    def with_dated_ends(self):
        """Annotate `first_dated_id` and `last_dated_id`: the story's first and
        last published events in chronological order that have a date."""
        dated = Event.objects.live().filter(story=models.OuterRef("pk"), date__isnull=False).chronological()
        return self.annotate(
            first_dated_id=models.Subquery(dated.values("pk")[:1]),
            last_dated_id=models.Subquery(dated.reverse().values("pk")[:1]),
        )


class StoryManager(models.Manager.from_queryset(StoryQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Story(Publishable):
    """A developing news story, told as a timeline of events."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, help_text="The story's address: /stories/your-slug/.")
    summary = models.TextField(help_text="Two or three sentences: where the story stands now.")
    is_developing = models.BooleanField(
        "developing",
        default=True,
        help_text="Readers see a developing story as a live page of updates. Untick it when the story has concluded.",
    )
    status = models.CharField(max_length=12, choices=Status, default=Status.DRAFT, help_text=STATUS_HELP)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the story went (or goes) public. Filled in when you publish, if empty.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoryManager()
    history = History()

    class Meta(Publishable.Meta):
        verbose_name_plural = "stories"
        ordering = ["-updated_at"]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=~Q(status=Status.PUBLISHED) | Q(published_at__isnull=False),
                name="story_published_has_time",
            ),
        ]
        permissions = [("publish_story", "Can publish, schedule or unpublish a story, and change a published one")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tracker:story_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    def is_published(self):
        return self.status == Status.PUBLISHED and self.published_at is not None and self.published_at <= timezone.now()

    def is_scheduled(self):
        return self.status == Status.PUBLISHED and self.published_at is not None and self.published_at > timezone.now()

    def publish(self):
        super().publish()
        self.published_at = self.published_at or timezone.now()


# --- Source ------------------------------------------------------------------


class SourceKind(models.TextChoices):
    NEWS_REPORT = "news", "News report"
    WIRE = "wire", "Wire copy"
    TRANSLATION = "translation", "Translation"
    MACHINE_TRANSLATION = "machine-translation", "Machine translation"
    OFFICIAL_STATEMENT = "statement", "Official statement"
    COURT_FILING = "court", "Court filing"
    SOCIAL_POST = "social", "Social media post"
    INTERVIEW = "interview", "Interview"
    OTHER = "other", "Other"


class Derivation(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    SUSPECTED = "suspected", "Suspected"


class SourceQuerySet(models.QuerySet):
    def published(self):
        """Sources the public may see: those cited by something the public may see
        (an event, a quote, or an account of a disagreement under an event)."""
        # Asked per source, so a source's own links are read, not every public event's.
        cited = Event.objects.published().filter(sources=models.OuterRef("pk"))
        quoted = Quote.objects.published().filter(source=models.OuterRef("pk"))
        accounted = Event.objects.published().filter(accounts__sources=models.OuterRef("pk"))
        return self.filter(models.Exists(cited) | models.Exists(quoted) | models.Exists(accounted))


class SourceManager(models.Manager.from_queryset(SourceQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Source(Versioned):
    """An article or document that reported something, archived as it was printed."""

    slug = models.SlugField(max_length=120, unique=True, help_text="A stable name for this source.")
    headline = models.CharField(max_length=300, blank=True, help_text="Leave blank if the source has none.")
    outlet = models.CharField(max_length=200, blank=True, help_text="Only if the source names it.")
    byline = models.CharField(max_length=200, blank=True, help_text="Only if the source names its authors.")
    published_on = models.DateField(
        null=True, blank=True, help_text="The source's own publication date; blank if it gives none."
    )
    kind = models.CharField(max_length=24, choices=SourceKind, default=SourceKind.NEWS_REPORT)
    language = models.CharField(
        max_length=16, default="en", help_text="Language of the archived text (BCP 47, e.g. en, ur)."
    )
    text = models.TextField(help_text="The full text exactly as archived. Quotes must appear in it word for word.")
    url = models.URLField(max_length=500, blank=True, help_text="Only the source's real address; never a guess.")
    derived_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derivatives",
        help_text="The source this one copies, syndicates or translates. It is then not independent.",
    )
    derivation = models.CharField(
        max_length=10,
        choices=Derivation,
        default=Derivation.CONFIRMED,
        help_text="Only with Derived from. Confirmed: the source says so (a credit, a translation notice), or it is "
        "plain. Suspected: it reads as a copy but does not say so; readers see “appears to be based on” and your "
        "reason. Either way it is not counted as independent.",
    )
    derivation_reason = models.TextField(
        "reason",
        blank=True,
        help_text="Public, and required for a suspected derivation: what shows it, e.g. 'Follows the Reuters report "
        "paragraph by paragraph and repeats its wording, without attribution.'",
    )
    notes = models.TextField(blank=True, help_text="Provenance notes for editors and readers.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SourceManager()
    history = History()

    class Meta:
        ordering = ["published_on", "slug"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SourceKind.values), name="source_kind_valid"),
            models.CheckConstraint(condition=~Q(derived_from=models.F("pk")), name="source_not_derived_from_itself"),
            models.CheckConstraint(condition=Q(derivation__in=Derivation.values), name="source_derivation_valid"),
            # That it names its original is clean()'s to check: a fixture may
            # hold a copy before the original it names, loaded after it.
            models.CheckConstraint(
                condition=~Q(derivation=Derivation.SUSPECTED) | ~Q(derivation_reason=""),
                name="source_suspected_derivation_has_a_reason",
            ),
        ]
        permissions = [("publish_source", "Can change a source that readers can see")]

    def __str__(self):
        return f"{self.outlet}: {self.display_name}" if self.outlet else self.display_name

    @property
    def display_name(self):
        """What the source is called wherever it is named: its headline, or what
        kind of untitled source it is and its date ("Untitled news report, 18 April 2024")."""
        if self.headline:
            return self.headline
        title = f"Untitled {self.get_kind_display().lower()}"
        return f"{title}, {dateformat.format(self.published_on, 'j F Y')}" if self.published_on else title

    def get_absolute_url(self):
        return reverse("tracker:source_detail", kwargs={"pk": self.pk})

    def natural_key(self):
        return (self.slug,)

    @property
    def is_suspected_copy(self):
        """Derived from another source, on the evidence of its text rather than its own word."""
        return self.derived_from_id is not None and self.derivation == Derivation.SUSPECTED

    def clean(self):
        if self.derivation == Derivation.SUSPECTED and self.derived_from_id is None:
            raise ValidationError({"derived_from": "Choose the source this one appears to be based on."})
        if self.derivation == Derivation.SUSPECTED and not self.derivation_reason.strip():
            raise ValidationError(
                {"derivation_reason": "Say why you suspect it is based on the other source: readers see the reason."}
            )
        if self.derivation_reason.strip() and self.derived_from_id is None:
            raise ValidationError(
                {"derivation_reason": "A reason explains a derivation: choose Derived from, or leave the reason empty."}
            )
        ancestor, seen = self.derived_from, {self.pk}
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError({"derived_from": "A source cannot derive from itself, even indirectly."})
            seen.add(ancestor.pk)
            ancestor = ancestor.derived_from
        self.check_quotes_survive(field="text")

    def save(self, *args, **kwargs):
        self.check_quotes_survive()  # before the version is claimed: a refused save changes nothing
        super().save(*args, **kwargs)

    def check_quotes_survive(self, field=None):
        """Refuse a change of the archived text that would leave a quote taken
        from it, drafts included, no longer verbatim in it. clean() runs it for
        forms and fixture loads, save() for every other path (a shell, a
        script), so no save orphans a quote silently; `manage.py check_quotes`
        audits what bypasses saves."""
        stored = Source._base_manager.filter(pk=self.pk).values_list("text", flat=True).first() if self.pk else None
        if stored is None or stored == self.text:
            return
        broken = self.orphaned_quotes(self.quotes.order_by("pk"))
        if broken:
            listed = "; ".join(f"{quote} ({quote.event})" for quote in broken[:10])
            more = f" and {len(broken) - 10} more" if len(broken) > 10 else ""
            message = (
                f"These quotes would no longer occur in the archived text: {listed}{more}. "
                "Correct or remove them first, or keep their words in the text."
            )
            raise ValidationError({field: message} if field else message)

    def orphaned_quotes(self, quotes):
        """Those of `quotes` (taken from this source) whose words its text, as
        this copy holds it, no longer has: the one rule the saves and
        `manage.py check_quotes` apply."""
        archived = normalise_text(self.text)
        return [quote for quote in quotes if normalise_text(quote.text) not in archived]


# --- Event -------------------------------------------------------------------


class DatePrecision(models.TextChoices):
    DAY = "day", "Exact day"
    MONTH = "month", "Month only"
    APPROXIMATE = "approximate", "Approximate"


# Undated events (an approximate date with no known day) sort last.
CHRONOLOGICAL = (models.F("date").asc(nulls_last=True), "created_at", "pk")


def chronological_key(event):
    """CHRONOLOGICAL in Python, for events (or their history records) already loaded."""
    return (event.date is None, event.date or datetime.date.min, event.created_at, event.id)


class EventQuerySet(PublishableQuerySet):
    def live(self):
        """Published events, whatever their story's state: for use under a public story."""
        return self.filter(status=Status.PUBLISHED)

    def published(self):
        """Events the public may see: published events of published stories."""
        return self.live().filter(story__in=Story.objects.published())

    def chronological(self):
        return self.order_by(*CHRONOLOGICAL)

    def later_than(self, event):
        """The events that come after `event` in chronological order."""
        same_date_later = Q(created_at__gt=event.created_at) | Q(created_at=event.created_at, pk__gt=event.pk)
        if event.date is None:
            return self.filter(Q(date__isnull=True) & same_date_later)
        return self.filter(Q(date__gt=event.date) | Q(date__isnull=True) | Q(date=event.date) & same_date_later)


class EventManager(models.Manager.from_queryset(EventQuerySet)):
    def get_by_natural_key(self, story_slug, slug):
        return self.get(story__slug=story_slug, slug=slug)


class Event(Claimed, Publishable):
    """Something that happened in a story, dated only as precisely as its sources allow."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="events")
    slug = models.SlugField(max_length=120, help_text="Unique within the story; used in the event's permalink.")
    date = models.DateField(
        null=True,
        blank=True,
        help_text="For 'Month only', any day of the month (stored as the 1st). "
        "For 'Approximate', your best placement on the timeline, or blank if unknown.",
    )
    date_precision = models.CharField(max_length=12, choices=DatePrecision, default=DatePrecision.DAY)
    date_label = models.CharField(
        max_length=100,
        blank=True,
        help_text="Required for approximate dates: what the sources say, e.g. 'mid-February 2024'.",
    )
    headline = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_key = models.BooleanField("key event", default=False, help_text="Key events are listed at the top of the story.")
    sources = models.ManyToManyField(Source, related_name="events", help_text="Every source that reports this event.")
    disagreement = models.TextField(
        "note on the disagreement",
        blank=True,
        help_text="Public. Give each source's version of a disputed detail as an account below; "
        "here only what readers need besides, naming the sources.",
    )
    accounts_text = models.TextField(
        "sources' accounts",
        blank=True,
        help_text="Kept by the accounts themselves, one line each, so the event's history and the changelog "
        "show their changes. Not edited here.",
    )
    correction = models.TextField(
        "correction note",
        blank=True,
        help_text="Public. When you correct a published event, say what was wrong, e.g. "
        "'An earlier version gave the date as 18 February.' Readers see it on the event, in the changelog and "
        "the feed; the change reason stays internal.",
    )
    corrected_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventManager()
    history = History(m2m_fields=[sources])

    class Meta(Publishable.Meta):
        ordering = list(CHRONOLOGICAL)
        constraints = [
            models.UniqueConstraint(fields=["story", "slug"], name="event_slug_unique_in_story"),
            *Publishable.Meta.constraints,
            CLAIM_STATUS_VALID,
            models.CheckConstraint(condition=Q(date_precision__in=DatePrecision.values), name="event_precision_valid"),
            models.CheckConstraint(
                condition=Q(date_precision=DatePrecision.APPROXIMATE) | Q(date__isnull=False),
                name="event_exact_dates_have_a_date",
            ),
            models.CheckConstraint(
                condition=~Q(date_precision=DatePrecision.APPROXIMATE) | ~Q(date_label=""),
                name="event_approximate_dates_have_a_label",
            ),
        ]
        # A story's page reads only that story's rows, whatever else the site
        # holds: its part in order, its length, its latest change, its key events.
        indexes = [
            models.Index(fields=["story", "status", "date", "created_at", "id"], name="event_story_chronological"),
            models.Index(fields=["story", "status", "updated_at"], name="event_story_latest"),
            models.Index(fields=["story", "status"], condition=Q(is_key=True), name="event_story_key"),
        ]
        permissions = [("publish_event", "Can publish or unpublish an event, and change a published one")]

    def __str__(self):
        return f"{self.date_display}: {self.headline}"

    def save(self, *args, **kwargs):
        if self.date_precision == DatePrecision.MONTH and self.date:
            self.date = self.date.replace(day=1)
        if not self.correction:
            self.corrected_at = None
        elif self._state.adding or not Event._base_manager.filter(pk=self.pk, correction=self.correction).exists():
            self.corrected_at = timezone.now()  # a new note dates the correction it describes
        self.stamp_claim()
        if not self._state.adding:
            # As the accounts stand, whatever this copy held (a revert restores an old version's text).
            self.accounts_text = accounts_text(self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The event's permalink: it redirects to whichever part of the story holds the event now."""
        return reverse("tracker:event_permalink", kwargs={"slug": self.story.slug, "event_slug": self.slug})

    def natural_key(self):
        return (*self.story.natural_key(), self.slug)

    natural_key.dependencies = ["tracker.story", "tracker.source"]

    @property
    def anchor(self):
        return f"event-{self.slug}"

    @property
    def date_display(self):
        """The date as precisely as the sources give it, and no more."""
        if self.date_precision == DatePrecision.APPROXIMATE or self.date is None:
            return self.date_label
        if self.date_precision == DatePrecision.MONTH:
            return self.date.strftime("%B %Y")
        return f"{self.date.day} {self.date:%B %Y}"

    def clean(self):
        errors = self.claim_errors()
        if self.date_precision == DatePrecision.APPROXIMATE and not self.date_label:
            errors["date_label"] = "Say in words what the sources give, e.g. 'mid-February 2024'."
        if self.date_precision != DatePrecision.APPROXIMATE and self.date is None:
            errors["date"] = "An exact day or month needs a date; otherwise choose 'Approximate'."
        if errors:
            raise ValidationError(errors)


# --- Speaker -----------------------------------------------------------------


class SpeakerKind(models.TextChoices):
    PERSON = "person", "A person"
    ORGANISATION = "organisation", "An organisation or body"


class SpeakerManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Speaker(Versioned):
    """Who said it: one person or body however the sources spell it. Each quote
    keeps the name and role as its own source printed them ("Ministry of Home
    Affairs" in a translation); this is who that is, for readers following one
    speaker across stories and for machines told whether it is a person."""

    name = models.CharField(max_length=200, help_text="The name readers know, e.g. 'Interior Ministry'.")
    slug = models.SlugField(max_length=200, unique=True, help_text="Their page's address: /people/your-slug/.")
    kind = models.CharField(max_length=12, choices=SpeakerKind)
    aliases = models.TextField(
        blank=True, help_text="Other names the sources print for them, one a line (spellings, translations)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SpeakerManager()
    history = History()

    class Meta:
        ordering = ["name", "slug"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=SpeakerKind.values), name="speaker_kind_valid")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracker:speaker_detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    @property
    def names(self):
        """Every name the sources print for them, the main one first."""
        return [self.name, *(line.strip() for line in self.aliases.splitlines() if line.strip())]


# --- Quote -------------------------------------------------------------------


class Speech(models.TextChoices):
    DIRECT = "direct", "Direct (in quotation marks)"
    REPORTED = "reported", "Reported (paraphrased by the source)"


class QuoteQuerySet(PublishableQuerySet):
    def live(self):
        """Published quotes, whatever their event's state: for use under a public event."""
        return self.filter(status=Status.PUBLISHED)

    def published(self):
        """Quotes the public may see: published quotes under events the public may see."""
        # Joined, not `event__in=Event.objects.published()`: that reads every public event.
        return self.live().filter(event__status=Status.PUBLISHED, event__story__in=Story.objects.published())


class QuoteManager(models.Manager.from_queryset(QuoteQuerySet)):
    def get_by_natural_key(self, story_slug, event_slug, slug):
        return self.get(event__story__slug=story_slug, event__slug=event_slug, slug=slug)


class Quote(Claimed, Publishable):
    """Words attributed to a speaker, exactly as one source printed them."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="quotes")
    slug = models.SlugField(
        max_length=120,
        blank=True,
        help_text="Unique within the event; used in the quote's permalink. Left blank, it is made from the speaker.",
    )
    text = models.TextField(
        help_text="Copy the words exactly as the source printed them; they must occur in its archived text."
    )
    speaker = models.CharField(
        max_length=200, help_text="The person or body as this source names them, e.g. 'Interior Ministry'."
    )
    speaker_role = models.CharField(max_length=200, blank=True)
    spoken_by = models.ForeignKey(
        Speaker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
        verbose_name="who this is",
        help_text="The person or body, whatever this source calls them; the name above stays as it printed it.",
    )
    speech = models.CharField(max_length=10, choices=Speech, default=Speech.DIRECT)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="quotes")
    variant_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="variants",
        help_text="The same statement as printed by another source, in other words. "
        "Point every wording at the first one recorded.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuoteManager()
    history = History()

    class Meta(Publishable.Meta):
        ordering = ["event", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "slug"], name="quote_slug_unique_in_event"),
            *Publishable.Meta.constraints,
            models.CheckConstraint(condition=Q(speech__in=Speech.values), name="quote_speech_valid"),
            CLAIM_STATUS_VALID,
            models.CheckConstraint(condition=~Q(variant_of=models.F("pk")), name="quote_not_variant_of_itself"),
        ]
        indexes = [models.Index(fields=["event", "status", "updated_at"], name="quote_event_latest")]
        permissions = [("publish_quote", "Can publish or unpublish a quote, and change a published one")]

    def __str__(self):
        text = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        return f"{self.speaker}: “{text}”"

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self._free_slug()
        self.stamp_claim()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The quote's permalink: it redirects to whichever part of the story holds its event now."""
        event = self.event
        kwargs = {"slug": event.story.slug, "event_slug": event.slug, "quote_slug": self.slug}
        return reverse("tracker:quote_permalink", kwargs=kwargs)

    def natural_key(self):
        return (*self.event.natural_key(), self.slug)

    natural_key.dependencies = ["tracker.event", "tracker.source", "tracker.speaker"]

    @property
    def anchor(self):
        return f"quote-{self.event.slug}-{self.slug}"

    @property
    def story(self):
        return self.event.story

    @property
    def statement(self):
        """The first recorded wording of this statement: the quote the variants point at."""
        return self.variant_of or self

    def clean(self):
        errors = self.claim_errors()
        if self.claim_status and self.variant_of_id:
            errors["claim_status"] = "A statement's status goes on its first wording, the one this is a variant of."
        if self.source_id and self.text and normalise_text(self.text) not in normalise_text(self.source.text):
            errors["text"] = not_verbatim_message(self.text, self.source.text)
        if self.variant_of_id:
            if self.variant_of.variant_of_id:
                errors["variant_of"] = "Point at the first wording of the statement, not at another variant."
            elif self.pk and self.variant_of_id == self.pk:
                errors["variant_of"] = "A quote cannot be a variant of itself."
        if errors:
            raise ValidationError(errors)

    def _free_slug(self):
        base = slugify(self.speaker)[:100] or "quote"
        taken = set(Quote.objects.filter(event_id=self.event_id).values_list("slug", flat=True))
        return next(s for s in (base, *(f"{base}-{n}" for n in range(2, len(taken) + 3))) if s not in taken)


# --- Account -----------------------------------------------------------------


class AccountManager(models.Manager):
    def get_by_natural_key(self, story_slug, event_slug, slug):
        return self.get(event__story__slug=story_slug, event__slug=event_slug, slug=slug)


class Account(Versioned):
    """One version of a detail its sources disagree about, and the sources that give it.

    An account is part of its event: readers see it when they see the event,
    it is edited on the event's form, and who may change the event may change
    it. Every change to an account is a change of the event too (its
    `accounts_text`, below), so the event's history and the changelog show it.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="accounts")
    slug = models.SlugField(
        max_length=120, blank=True, help_text="Unique within the event. Left blank, it is made from the version."
    )
    detail = models.CharField(
        "disputed detail",
        max_length=200,
        help_text="What the sources disagree about, in the same words for each of its accounts, "
        "e.g. 'When the block began'.",
    )
    says = models.CharField(
        "version",
        max_length=300,
        help_text="This version in words, in the source's own where you quote them, e.g. 'Since 17 February'.",
    )
    sources = models.ManyToManyField(Source, related_name="accounts", help_text="Every source that gives this version.")
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Accounts are listed in this order, lowest first; equal ones in the order added."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AccountManager()
    history = History(m2m_fields=[sources])

    class Meta:
        ordering = ["event", "position", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "slug"], name="account_slug_unique_in_event"),
            models.CheckConstraint(condition=~Q(detail="") & ~Q(says=""), name="account_has_detail_and_version"),
        ]
        # None of its own: who may change the event may change its accounts.
        default_permissions = ()

    def __str__(self):
        return f"{self.detail}: {self.says}"

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self._free_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.event.get_absolute_url()

    def natural_key(self):
        return (*self.event.natural_key(), self.slug)

    natural_key.dependencies = ["tracker.event", "tracker.source"]

    def _free_slug(self):
        base = slugify(self.says)[:60].rstrip("-") or "account"
        taken = set(Account.objects.filter(event_id=self.event_id).values_list("slug", flat=True))
        return next(s for s in (base, *(f"{base}-{n}" for n in range(2, len(taken) + 3))) if s not in taken)


# The accounts readers see: those that cite a source. Sources undated last, as on the story page.
ACCOUNT_ORDER = ("account__position", "account__created_at", "account_id")
CITATION_ORDER = (models.F("source__published_on").asc(nulls_last=True), "source__slug")


def account_citations(events):
    """The accounts of these events that cite a source, in order, each with
    `source_ids`, the sources it cites: one query for them all."""
    links = Account.sources.through.objects.filter(account__event__in=events).select_related("account")
    accounts = {}
    for link in links.order_by(*ACCOUNT_ORDER, *CITATION_ORDER):
        account = accounts.get(link.account_id)
        if account is None:
            account = accounts[link.account_id] = link.account
            account.source_ids = []
        account.source_ids.append(link.source_id)
    return list(accounts.values())


def accounts_text(event_id):
    """An event's accounts as readers see them, one line each: what the event's
    history records of them ("When the block began: Since 17 February (name; name)")."""
    links = (
        Account.sources.through.objects.filter(account__event_id=event_id)
        .select_related("account", "source")
        .defer("source__text", "source__notes", "source__derivation_reason")
        .order_by(*ACCOUNT_ORDER, *CITATION_ORDER)
    )
    lines = {}
    for link in links:
        lines.setdefault(link.account_id, (link.account, []))[1].append(str(link.source))
    return "\n".join(f"{account.detail}: {account.says} ({'; '.join(names)})" for account, names in lines.values())


# Every change to an account is a change of its event, recorded as links are
# (tracker.history): made with the event's own save in the same edit (the
# event's form with its account rows), it completes the record that save
# wrote; made on its own, it saves the event, a new version and a record. The
# event's row and its records carry the accounts as text, so its history,
# the changelog and a fixture reload compare them as any other field.


def show_accounts(event_id, account_id, quietly=False):
    """Bring the event's `accounts_text` up to date after a change to the
    account `account_id`; `quietly` (a fixture load, which records each
    object itself once all are loaded) only the event's row. Returns the
    event's version and text when they changed, else None."""
    rows = Event._base_manager.filter(pk=event_id)
    stored, text = rows.values_list("accounts_text", flat=True).first(), accounts_text(event_id)
    if stored is None or stored == text:
        return None  # the event is gone, or readers see no difference
    if quietly:
        rows.update(accounts_text=text)
        return None
    change = Account.history.filter(id=account_id).values_list("edit_id", flat=True).first()
    latest = Event.history.filter(id=event_id).first()
    if change is not None and latest is not None and latest.edit_id == change and latest.history_type != "-":
        # The event's save in this edit wrote its record already (and told the page cache).
        rows.update(accounts_text=text)
        Event.history.filter(history_id=latest.history_id).update(accounts_text=text)
        return latest.version, text
    event = rows.get()
    event.save()  # a new version, recorded with the text; the page cache hears of it as of any save
    return event.version, event.accounts_text


def _shown(account, event_id=None, quietly=False):
    event_id = event_id or account.event_id
    changed = show_accounts(event_id, account.pk, quietly)
    if changed is not None and Account._meta.get_field("event").is_cached(account) and account.event_id == event_id:
        # The caller's copy of the event is the current version again, as after a change of its links.
        account.event.version, account.event.accounts_text = changed


def _event_saved_raw(sender, instance, raw, **kwargs):
    # A fixture sets every field it holds, and leaves the others at their defaults.
    if raw and instance.pk is not None:
        instance.accounts_text = accounts_text(instance.pk)


def _account_moving(sender, instance, raw, **kwargs):
    instance._moved_from = None
    if not instance._state.adding and instance.pk is not None:
        before = Account._base_manager.filter(pk=instance.pk).values_list("event_id", flat=True).first()
        instance._moved_from = before if before != instance.event_id else None


def _account_saved(sender, instance, raw, **kwargs):
    moved_from = instance.__dict__.pop("_moved_from", None)
    if moved_from is not None:
        _shown(instance, moved_from, quietly=raw)
    _shown(instance, quietly=raw)


def _account_deleted(sender, instance, origin=None, **kwargs):
    # Deleted with its event (or story), it is part of that deletion.
    alone = isinstance(origin, Account) or (isinstance(origin, models.QuerySet) and origin.model is Account)
    if alone:
        _shown(instance)


def _account_sources_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse and action == "pre_clear":
        instance._accounts_cleared = set(instance.accounts.values_list("pk", flat=True))
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    quietly = hasattr(instance, "skip_history_when_saving")  # a fixture load
    if not reverse:
        _shown(instance, quietly=quietly)
        return
    pks = instance.__dict__.pop("_accounts_cleared", set()) if action == "post_clear" else pk_set
    for account in Account._base_manager.filter(pk__in=pks).order_by("pk"):
        _shown(account, quietly=quietly)


def _note_citing_accounts(sender, instance, **kwargs):
    instance._citing_accounts = list(instance.accounts.order_by("pk"))


def _record_uncited_accounts(sender, instance, **kwargs):
    # Deleting a source drops it from the accounts citing it without any m2m
    # signal; their histories and their events' must still show it.
    for account in instance.__dict__.pop("_citing_accounts", []):
        record_change(account, textwrap.shorten(f"Source deleted: {instance}", 100, placeholder="…"))
        _shown(account)


pre_save.connect(_event_saved_raw, sender=Event, dispatch_uid="tracker.models.event_raw")
pre_save.connect(_account_moving, sender=Account, dispatch_uid="tracker.models.account_moving")
post_save.connect(_account_saved, sender=Account, dispatch_uid="tracker.models.account_saved")
post_delete.connect(_account_deleted, sender=Account, dispatch_uid="tracker.models.account_deleted")
m2m_changed.connect(
    _account_sources_changed, sender=Account.sources.through, dispatch_uid="tracker.models.account_sources"
)
pre_delete.connect(_note_citing_accounts, sender=Source, dispatch_uid="tracker.models.note_accounts")
post_delete.connect(_record_uncited_accounts, sender=Source, dispatch_uid="tracker.models.uncited_accounts")


# --- Edits and the changelog -------------------------------------------------


class Edit(models.Model):
    """One editorial act: a save in the admin with its inlines and links, a
    deletion with what it takes along, a fixture load. Every history record it
    wrote carries its id (tracker.history.editing), so the changelog groups
    records by what an editor did rather than by when."""

    at = models.DateTimeField(default=timezone.now)
    recorded = models.BooleanField(default=False, help_text="Its public changes are in the changelog.")

    class Meta:
        indexes = [models.Index(fields=["id"], condition=Q(recorded=False), name="edit_not_recorded")]

    def __str__(self):
        return f"Edit {self.pk} at {self.at:%Y-%m-%d %H:%M:%S}"


class ChangeAction(models.TextChoices):
    PUBLISHED = "published"
    REPUBLISHED = "republished"
    WITHDRAWN = "withdrawn"
    ADDED = "added"
    CORRECTED = "corrected"
    REMOVED = "removed"


class Change(models.Model):
    """One entry of a story's public changelog: something readers could see
    change, recorded from an edit's history records once it committed
    (tracker.changes), so the changelog reads a page of these and never
    replays the story's history."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="changes")
    edit = models.ForeignKey(Edit, null=True, on_delete=models.SET_NULL, related_name="changes")
    when = models.DateTimeField()
    action = models.CharField(max_length=12, choices=ChangeAction)
    subject = models.CharField(max_length=8)  # story, event, quote or source
    object_id = models.BigIntegerField()
    name = models.TextField()
    # [{"label": …, "segments": [{"op": "equal" | "insert" | "delete", "text": …}, …]}]: what changed, in words.
    differences = models.JSONField(default=list)
    # The events a story was first published with: the first few names, and how many in all.
    published_events = models.JSONField(default=list)
    published_event_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-when", "-id"]
        indexes = [models.Index(fields=["story", "-when", "-id"], name="change_story_newest")]

    def __str__(self):
        return f"{self.subject} {self.action}: {self.name}"


# Readers following a story by email: their own module, imported here so Django finds the models.
from tracker import alert_models  # noqa: E402, F401
