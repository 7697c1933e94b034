"""A story's public changelog, recorded edit by edit.

Once an edit commits (tracker.history.editing: the records one editorial act
wrote), its records are compared with what readers saw just before it, and
each difference they could see becomes a Change of the story:

- a draft, a withdrawn object or an edit made out of public view never
  appears. An event edited while a draft shows up, if ever, as the difference
  between two published versions, or as added when it is published;
- an event or quote that is withdrawn or deleted is reported as removed, under
  the words readers last saw, never the draft text that may have replaced them;
  a quote arriving or leaving with its event is part of that change;
- everything before the story was first published is summed up as its
  publication; while a story is withdrawn nothing is reported, and when it
  returns it is compared with what readers saw before it went;
- editors' names and change reasons are never recorded: reasons are free text
  written for colleagues and may name people.

What readers saw of an object just before an edit is its previous history
record, so an edit costs what it touched. Only a story's publication and its
return after a withdrawal read the whole story, once each.

Recording runs when an edit commits, and again before a changelog is read
(`record_pending`): that also records an edit whose recording did not run (the
process died in between; a test's transaction never commits) and a scheduled
story's publication, which no edit marks. Each edit is claimed by one
process, so none is recorded twice.
"""

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.utils import dateformat, timezone

from tracker.diffs import Segment, word_diff
from tracker.history import latest_records
from tracker.models import (
    Change,
    ChangeAction,
    Derivation,
    Edit,
    Event,
    Quote,
    Source,
    Status,
    Story,
    chronological_key,
)

# A story published with more events lists this many by name, and how many in all.
LISTED_EVENTS = 20
STORY_ACTIONS = (ChangeAction.PUBLISHED, ChangeAction.REPUBLISHED, ChangeAction.WITHDRAWN)
MODELS = {"story": Story, "event": Event, "quote": Quote, "source": Source}


@dataclass
class Version:
    """What one history record would show readers."""

    when: datetime.datetime
    public: bool  # published, as far as the object itself goes
    view: dict  # label -> text, as readers see it
    cites: tuple = ()  # source ids
    parent: int | None = None  # a quote's event
    order: tuple = ()  # an event's place in the timeline
    story_id: int | None = None
    public_from: datetime.datetime | None = None  # a story's first public moment
    published_at: datetime.datetime | None = None  # the publication time the story gives


def version(kind, record, links=None):
    """The Version of a history record of `kind` (None for no record)."""
    if record is None:
        return None
    gone = record.history_type == "-"
    if kind == "story":
        published = not gone and record.status == Status.PUBLISHED and record.published_at
        return Version(
            when=record.history_date,
            public=bool(published),
            view={"Title": record.title, "Summary": record.summary},
            story_id=record.id,
            public_from=max(record.history_date, record.published_at) if published else None,
            published_at=record.published_at if published else None,
        )
    if kind == "event":
        return Version(
            when=record.history_date,
            public=not gone and record.status == Status.PUBLISHED,
            view={
                "Date": record.instance.date_display,
                "Headline": record.headline,
                "Description": record.description,
                "Sources disagree": record.disagreement,
                "Sources' accounts": record.accounts_text,
                "Correction": record.correction,
                "Status": record.instance.claim_line,
            },
            cites=tuple(sorted(links.get(record.history_id, ()))) if links is not None else (),
            order=chronological_key(record),
            story_id=record.story_id,
        )
    if kind == "quote":
        return Version(
            when=record.history_date,
            public=not gone and record.status == Status.PUBLISHED,
            view={
                "Words": record.text,
                "Speaker": record.speaker,
                "Role": record.speaker_role,
                "Speech": record.instance.get_speech_display(),
                "Status": record.instance.claim_line,
            },
            cites=(record.source_id,),
            parent=record.event_id,
        )
    source = record.instance
    return Version(
        when=record.history_date,
        public=not gone,
        view={
            "Name": str(source),
            "Byline": record.byline,
            "Date": dateformat.format(record.published_on, "j F Y") if record.published_on else "",
            "Kind": source.get_kind_display(),
            "Language": record.language,
            "Address": record.url,
            "Archived text": record.text,
            "Notes": record.notes,
            "Derivation": derivation(record),
        },
    )


def derivation(record):
    """How a source's record says it derives from another, as readers are told."""
    if record.derived_from_id is None:
        return ""
    if record.derivation == Derivation.SUSPECTED:
        return f"Appears to be based on another source: {record.derivation_reason}"
    return "Derived from another source"


def links_of(event_records):
    """{history id: source ids} for these event records."""
    rows = apps.get_model("tracker", "HistoricalEvent_sources").objects.filter(
        history__in=[record.history_id for record in event_records]
    )
    links = {}
    for history_id, source_id in rows.values_list("history_id", "source_id"):
        links.setdefault(history_id, []).append(source_id)
    return links


def latest(model, pks, before=None):
    """{pk: its latest history record} (at or before `before`, when given)."""
    records = model.history.filter(id__in=pks)
    return latest_records(records if before is None else records.filter(history_date__lte=before))


# --- Recording ---------------------------------------------------------------------


def record_pending():
    """Record every committed edit not recorded yet, oldest first."""
    for pk in Edit.objects.filter(recorded=False).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            # The claim: another process recording the same edit waits here, then finds it taken.
            if Edit.objects.filter(pk=pk, recorded=False).update(recorded=True):
                record_edit(Edit.objects.get(pk=pk))


def record_due_publication(story):
    """A scheduled story becomes public at its time, when no edit is made:
    its publication is recorded when its changelog is first read after it."""
    recorder = StoryEdit(story.pk, None, {}, timezone.now())
    if recorder.readers_see():
        return
    with transaction.atomic():
        Story.objects.select_for_update().filter(pk=story.pk).first()  # one recorder per story
        record = latest(Story, [story.pk]).get(story.pk)
        if record is not None:
            recorder.follow_publication(version("story", record))


def record_edit(edit):
    """The changes readers could see that `edit` made, in each story it touched."""
    touched = {}  # (kind, pk) -> [first record, last record] in this edit
    for kind, model in MODELS.items():
        for record in model.history.filter(edit=edit).order_by("history_date", "history_id"):
            touched.setdefault((kind, record.id), [record, record])[1] = record
    if not touched:
        return
    when = max(last.history_date for _, last in touched.values())
    stories = {pk for (kind, pk) in touched if kind == "story"}
    stories |= {last.story_id for (kind, _), (_, last) in touched.items() if kind == "event"}
    quoted = {last.event_id for (kind, _), (_, last) in touched.items() if kind == "quote"}
    stories |= {record.story_id for record in latest(Event, quoted, when).values()}
    sources = [pk for (kind, pk) in touched if kind == "source"]
    if sources:
        stories |= set(Event.objects.live().filter(sources__in=sources).values_list("story_id", flat=True))
        stories |= set(Quote.objects.live().filter(source__in=sources).values_list("event__story_id", flat=True))
    # A deleted story's changelog went with it.
    for story_id in Story.objects.filter(pk__in=stories).order_by("pk").values_list("pk", flat=True):
        StoryEdit(story_id, edit, touched, when).record()


@dataclass
class StoryEdit:
    """One edit as readers of one story could see it."""

    story_id: int
    edit: Edit | None
    touched: dict
    when: datetime.datetime
    changes: list = field(default_factory=list)

    def record(self):
        story_key = ("story", self.story_id)
        if story_key in self.touched:
            first, last = self.touched[story_key]
            before, after = version("story", first.prev_record), version("story", last)
        else:
            before = after = version("story", latest(Story, [self.story_id], self.when).get(self.story_id))
        # A scheduled publication that came due before this edit, first.
        due = before is not None and before.public and before.public_from < self.when
        if due and not self.readers_see():
            self.publish(before, before.public_from)
            self.save()
        shown_before = self.readers_see()
        if after is None or not self.follow_publication(after) or not shown_before:
            return self.save()
        if before is not None and after.view != before.view:
            self.add(ChangeAction.CORRECTED, story_key, after.view["Title"], differences(before, after))
        self.compare_touched()
        return self.save()

    # --- The story's own state ---

    def readers_see(self):
        """Whether readers see the story, as the changelog last recorded."""
        last = Change.objects.filter(story_id=self.story_id, subject="story", action__in=STORY_ACTIONS).first()
        return last is not None and last.action != ChangeAction.WITHDRAWN

    def follow_publication(self, story):
        """Record the story's publication or withdrawal, if `story` (its Version)
        makes one by this edit's time; whether it is public then."""
        public = story.public and story.public_from <= self.when
        shown = self.readers_see()
        if public and not shown:
            # Made public by this edit: as the whole edit left it.
            self.publish(story, self.when if self.edit else story.public_from)
        elif shown and not public:
            seen = Change.objects.filter(story_id=self.story_id, subject="story").exclude(action=ChangeAction.WITHDRAWN)
            title = seen.values_list("name", flat=True).first() or story.view["Title"]
            self.add(ChangeAction.WITHDRAWN, ("story", self.story_id), title, at=story.when)
        self.save()
        return public

    def publish(self, story, at):
        """The story's first publication, listing its events; or its return,
        compared with what readers saw when it was withdrawn."""
        key = ("story", self.story_id)
        withdrawn = Change.objects.filter(story_id=self.story_id, action=ChangeAction.WITHDRAWN).first()
        now = self.state_as_of(at)
        if withdrawn is None:
            events = sorted((v for (kind, _), v in now.items() if kind == "event"), key=lambda v: v.order)
            # Listed as the edit left them, dated by the story's own publication
            # time: the one fact the story page states too (a loaded fixture's
            # story may give a time before its load).
            when = min(at, story.published_at or at)
            self.add(ChangeAction.PUBLISHED, key, story.view["Title"], at=when, events=events)
            return
        self.add(ChangeAction.REPUBLISHED, key, story.view["Title"], at=at)
        seen = Story.history.filter(id=self.story_id, history_date__lt=withdrawn.when).first()
        if seen is not None and version("story", seen).view != story.view:
            self.add(
                ChangeAction.CORRECTED, key, story.view["Title"], differences(version("story", seen), story), at=at
            )
        then = self.state_as_of(withdrawn.when)
        moved = {}
        for item in sorted(set(then) | set(now), key=lambda item: in_order(item, now.get(item) or then[item])):
            kind, old, new = item[0], then.get(item), now.get(item)
            if kind == "event":
                moved[item[1]] = self.compare(item, old, new, at=at, names=self.source_names)
            elif kind == "quote":
                along = moved.get((new or old).parent) in (ChangeAction.ADDED, ChangeAction.REMOVED)
                self.compare(item, old, new, at=at, quietly=along)
            elif old and new and old.view != new.view:
                self.add(ChangeAction.CORRECTED, item, new.view["Name"], differences(old, new), at=at)

    def state_as_of(self, moment):
        """{(kind, pk): Version} of everything readers of the story saw at `moment`."""
        events = latest_records(Event.history.filter(story_id=self.story_id, history_date__lte=moment))
        links = links_of(events.values())
        state = {}
        for pk, record in events.items():
            shown = version("event", record, links)
            if shown.public:
                state[("event", pk)] = shown
        quotes = latest(
            Quote, list(Quote.history.filter(event_id__in=list(events)).values_list("id", flat=True)), moment
        )
        for pk, record in quotes.items():
            shown = version("quote", record)
            if shown.public and ("event", shown.parent) in state:
                state[("quote", pk)] = shown
        cited = {source for v in state.values() for source in v.cites}
        for pk, record in latest(Source, cited, moment).items():
            state[("source", pk)] = version("source", record)
        return state

    # --- What the edit touched ---

    def compare_touched(self):
        """Each event, quote and source the edit touched: as readers saw it just
        before the edit (its previous record) against as they see it now."""
        touched = self.touched
        earlier = {key: first.prev_record for key, (first, _) in touched.items()}
        event_records = [r for (kind, _), pair in touched.items() if kind == "event" for r in pair]
        links = links_of(event_records + [r for (kind, _), r in earlier.items() if kind == "event" and r])
        around = {}

        def event_around(pk):
            """The event's versions readers saw just before and just after the edit, None where they saw none."""
            if pk not in around:
                if ("event", pk) in touched:
                    pair = (
                        version("event", earlier[("event", pk)], links),
                        version("event", touched[("event", pk)][1], links),
                    )
                else:
                    record = latest(Event, [pk], self.when).get(pk)
                    pair = (version("event", record, links_of([record] if record else [])),) * 2
                around[pk] = tuple(shown if self.sees(shown) else None for shown in pair)
            return around[pk]

        moved = {}
        events = [pk for (kind, pk) in touched if kind == "event"]
        for pk in sorted(events, key=lambda pk: version("event", touched[("event", pk)][1]).order):
            moved[pk] = self.compare(("event", pk), *event_around(pk), names=self.source_names)
        quotes = sorted((key for key in touched if key[0] == "quote"), key=lambda key: touched[key][1].history_date)
        for key in quotes:
            old, new = version("quote", earlier[key]), version("quote", touched[key][1])
            old = old if self.sees(old) and event_around(old.parent)[0] else None
            new = new if self.sees(new) and event_around(new.parent)[1] else None
            along = moved.get(touched[key][1].event_id) in (ChangeAction.ADDED, ChangeAction.REMOVED)
            self.compare(key, old, new, quietly=along)
        for (kind, pk), (first, last) in sorted(touched.items(), key=lambda item: item[0]):
            if kind == "source" and self.cites(pk):
                old, new = version("source", first.prev_record), version("source", last)
                if old and new and old.public and new.public and old.view != new.view:
                    self.add(ChangeAction.CORRECTED, ("source", pk), new.view["Name"], differences(old, new))

    def sees(self, shown):
        """Whether readers of this story could see this version of an event or quote (its event aside)."""
        return shown is not None and shown.public and (shown.parent is not None or shown.story_id == self.story_id)

    def cites(self, source_id):
        """Whether something readers of the story see cites the source."""
        events = Event.objects.live().filter(story_id=self.story_id)
        return (
            events.filter(sources=source_id).exists()
            or Quote.objects.live().filter(event__in=events, source=source_id).exists()
        )

    def compare(self, key, old, new, at=None, names=None, quietly=False):
        """Report how one event or quote changed for readers; the action, or None."""
        if old is None and new is None:
            return None
        if old is None:
            action = ChangeAction.ADDED
        elif new is None:
            action = ChangeAction.REMOVED
        elif old.view != new.view or old.cites != new.cites:
            action = ChangeAction.CORRECTED
        else:
            return None
        if not quietly:
            found = differences(old, new, names) if action == ChangeAction.CORRECTED else []
            self.add(action, key, name_of(key, new or old), found, at=at)
        return action

    def source_names(self, old, new):
        """An edit to the sources cited, by the sources' names."""
        named = {pk: version("source", record).view["Name"] for pk, record in latest(Source, {*old, *new}).items()}

        def name(source_id):
            return named.get(source_id, "a source (name not recorded)")

        segments = [Segment("equal", name(s)) for s in new if s in old]
        segments += [Segment("delete", name(s)) for s in old if s not in new]
        segments += [Segment("insert", name(s)) for s in new if s not in old]
        return [s._replace(text=s.text + ("; " if n < len(segments) - 1 else "")) for n, s in enumerate(segments)]

    def add(self, action, key, name, found=(), at=None, events=()):
        self.changes.append(
            Change(
                story_id=self.story_id,
                edit=self.edit,
                when=at or self.when,
                action=action,
                subject=key[0],
                object_id=key[1],
                name=name,
                differences=[{"label": d.label, "segments": [s._asdict() for s in d.segments]} for d in found],
                published_events=[name_of(("event", None), event) for event in events[:LISTED_EVENTS]],
                published_event_count=len(events),
            )
        )

    def save(self):
        # Read newest first (Change.Meta.ordering, by id after time), an edit's
        # changes must read in the order they were found: stored last first.
        Change.objects.bulk_create(reversed(self.changes))
        self.changes = []


def in_order(key, shown):
    """Within an edit: the story, then events in timeline order, quotes as recorded, sources."""
    kind = key[0]
    return (
        {"story": 0, "event": 1, "quote": 2, "source": 3}[kind],
        shown.order if kind == "event" else (),
        shown.when,
        key[1],
    )


@dataclass
class Difference:
    label: str
    segments: list


def name_of(key, shown):
    if key[0] == "event":
        return f"{shown.view['Date']}: {shown.view['Headline']}"
    if key[0] == "quote":
        return f"{shown.view['Speaker']}: “{shown.view['Words']}”"
    return shown.view.get("Title") or shown.view.get("Name")


def differences(old, new, names=None):
    found = [
        Difference(label, word_diff(old.view[label], text))
        for label, text in new.view.items()
        if old.view[label] != text
    ]
    if names and old.cites != new.cites:
        label = "Reported by" if new.parent is None else "Source"
        found.append(Difference(label, names(old.cites, new.cites)))
    return found


def catch_up(story):
    """Everything readers of `story` could see change, recorded before its changelog is read."""
    record_pending()
    record_due_publication(story)
