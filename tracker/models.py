"""The editorial record of a developing story: stories, their events, the sources
that reported them and the words people said."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import slugify

from tracker.history import History
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


class SourceQuerySet(models.QuerySet):
    def published(self):
        """Sources the public may see: those cited by something the public may see."""
        # Asked per source, so a source's own links are read, not every public event's.
        cited = Event.objects.published().filter(sources=models.OuterRef("pk"))
        quoted = Quote.objects.published().filter(source=models.OuterRef("pk"))
        return self.filter(models.Exists(cited) | models.Exists(quoted))


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

    def clean(self):
        ancestor, seen = self.derived_from, {self.pk}
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError({"derived_from": "A source cannot derive from itself, even indirectly."})
            seen.add(ancestor.pk)
            ancestor = ancestor.derived_from
        stored = Source._base_manager.filter(pk=self.pk).values_list("text", flat=True).first() if self.pk else None
        if stored is not None and stored != self.text:
            # Every quote taken from a source must stay verbatim in it, drafts included.
            archived = normalise_text(self.text)
            broken = [quote for quote in self.quotes.order_by("pk") if normalise_text(quote.text) not in archived]
            if broken:
                listed = "; ".join(f"{quote} ({quote.event})" for quote in broken[:10])
                more = f" and {len(broken) - 10} more" if len(broken) > 10 else ""
                raise ValidationError(
                    {
                        "text": f"These quotes would no longer occur in the archived text: {listed}{more}. "
                        "Correct or remove them first, or keep their words in the text."
                    }
                )


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


class Event(Publishable):
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
        blank=True, help_text="Where sources disagree about this event, say how, naming them."
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
        if self.date_precision == DatePrecision.APPROXIMATE and not self.date_label:
            raise ValidationError({"date_label": "Say in words what the sources give, e.g. 'mid-February 2024'."})
        if self.date_precision != DatePrecision.APPROXIMATE and self.date is None:
            raise ValidationError({"date": "An exact day or month needs a date; otherwise choose 'Approximate'."})


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


class Quote(Publishable):
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
    speaker = models.CharField(max_length=200, help_text="A person or a body, e.g. 'Interior Ministry'.")
    speaker_role = models.CharField(max_length=200, blank=True)
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
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The quote's permalink: it redirects to whichever part of the story holds its event now."""
        event = self.event
        kwargs = {"slug": event.story.slug, "event_slug": event.slug, "quote_slug": self.slug}
        return reverse("tracker:quote_permalink", kwargs=kwargs)

    def natural_key(self):
        return (*self.event.natural_key(), self.slug)

    natural_key.dependencies = ["tracker.event", "tracker.source"]

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
        errors = {}
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
