"""A story's public changelog, rebuilt from its version history.

The history of a story, its events, their quotes and the sources they cite is
replayed in time order. After each edit, what the public could now see is
compared with what readers last saw, and only those differences are reported:

- a draft, an unpublished object or an edit made out of public view never
  appears. An event edited while a draft shows up, if ever, as the difference
  between two published versions, or as added when it is published;
- an event or quote that is withdrawn or deleted is reported as removed, under
  the words readers last saw, never the draft text that may have replaced them;
- everything before the story was first published is summed up as its
  publication; while a story is withdrawn nothing is reported, and when it
  returns it is compared with what readers saw before it went;
- editors' names and change reasons are never shown: reasons are free text
  written for colleagues and may name people.

Everything is read in one query per history table, however long the history.
"""

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import dateformat, timezone

from tracker.diffs import Segment, word_diff
from tracker.models import Event, Quote, Source, Status, Story

# Records this close together are one edit: a save with its inline quotes, or
# a deletion with the quotes it takes along.
ONE_EDIT = datetime.timedelta(seconds=2)

STORY = ("story", None)
CHANGES_PER_PAGE = 50


@dataclass
class Difference:
    label: str
    segments: list


@dataclass
class Change:
    """One entry of the changelog: something readers could see changed."""

    when: datetime.datetime
    action: str  # published, republished, withdrawn, added, corrected, removed
    key: tuple  # ("story" | "event" | "quote" | "source", pk)
    name: str
    differences: list = field(default_factory=list)
    published_events: list = field(default_factory=list)
    url: str = ""

    @property
    def subject(self):
        return self.key[0]


@dataclass
class Version:
    """What one history record would show readers."""

    when: datetime.datetime
    public: bool  # published, as far as the object itself goes
    view: dict  # label -> text, as readers see it
    cites: tuple = ()  # source ids
    parent: int | None = None  # a quote's event
    slug: str = ""
    order: tuple = ()  # an event's place in the timeline
    public_from: datetime.datetime | None = None  # a story's first public moment


def _story_version(record):
    published = record.history_type != "-" and record.status == Status.PUBLISHED and record.published_at
    return Version(
        when=record.history_date,
        public=bool(published),
        view={"Title": record.title, "Summary": record.summary},
        public_from=max(record.history_date, record.published_at) if published else None,
    )


def _event_version(record, links):
    event = record.instance
    return Version(
        when=record.history_date,
        public=record.history_type != "-" and record.status == Status.PUBLISHED,
        view={
            "Date": event.date_display,
            "Headline": record.headline,
            "Description": record.description,
            "Sources disagree": record.disagreement,
            "Correction": record.correction,
        },
        cites=tuple(sorted(links.get(record.history_id, ()))),
        slug=record.slug,
        order=(record.date is None, record.date or datetime.date.min, record.created_at, record.id),
    )


def _quote_version(record):
    return Version(
        when=record.history_date,
        public=record.history_type != "-" and record.status == Status.PUBLISHED,
        view={
            "Words": record.text,
            "Speaker": record.speaker,
            "Role": record.speaker_role,
            "Speech": record.instance.get_speech_display(),
        },
        cites=(record.source_id,),
        parent=record.event_id,
        slug=record.slug,
    )


def _source_version(record):
    source = record.instance
    return Version(
        when=record.history_date,
        public=record.history_type != "-",
        view={
            "Name": str(source),
            "Byline": record.byline,
            "Date": dateformat.format(record.published_on, "j F Y") if record.published_on else "",
            "Kind": source.get_kind_display(),
            "Language": record.language,
            "Address": record.url,
            "Archived text": record.text,
            "Notes": record.notes,
        },
    )


def _timeline(story):
    """Every version of everything the changelog may mention, oldest first: five queries."""
    event_records = Event.history.filter(story_id=story.pk)
    quote_records = Quote.history.filter(event_id__in=event_records.values("id"))
    link_rows = apps.get_model("tracker", "HistoricalEvent_sources").objects.filter(history__story_id=story.pk)
    source_records = Source.history.filter(
        Q(id__in=link_rows.values("source_id")) | Q(id__in=quote_records.values("source_id"))
    )
    links = {}
    for history_id, source_id in link_rows.values_list("history_id", "source_id"):
        links.setdefault(history_id, []).append(source_id)
    records = [(STORY, r, _story_version(r)) for r in story.history.all()]
    records += [(("event", r.id), r, _event_version(r, links)) for r in event_records]
    records += [(("quote", r.id), r, _quote_version(r)) for r in quote_records]
    records += [(("source", r.id), r, _source_version(r)) for r in source_records]
    records.sort(key=lambda item: (item[1].history_date, item[0][0], item[1].history_id))
    timeline = [(key, version) for key, _, version in records]
    # A scheduled story becomes public at its publication time, when no record is written.
    now = timezone.now()
    for key, version in list(timeline):
        if key == STORY and version.public_from and version.when < version.public_from <= now:
            timeline.append((None, Version(when=version.public_from, public=False, view={})))
    timeline.sort(key=lambda item: item[1].when)
    return timeline


def _edits(timeline):
    """The timeline cut into edits: runs of records less than ONE_EDIT apart."""
    edit = []
    for item in timeline:
        if edit and item[1].when - edit[-1][1].when > ONE_EDIT:
            yield edit
            edit = []
        edit.append(item)
    if edit:
        yield edit


class Replay:
    """Replays a story's history, remembering what readers last saw."""

    def __init__(self):
        self.current = {}  # key -> the version in force
        self.shown = {}  # key -> the version readers last saw
        self.cited = {}  # source id -> how many shown events and quotes cite it
        self.quotes_of = {}  # event id -> keys of the quotes now under it
        self.story_public = False
        self.edits = []  # the changes of each edit, oldest edit first
        self.changes = []  # the changes of the edit being applied
        self.sources = set()  # source keys whose citations the edit may have changed

    def apply(self, edit):
        when = edit[-1][1].when
        touched = set()
        for key, version in edit:
            if key is None:
                continue
            touched.add(key)
            if key[0] == "quote":
                self.quotes_of.get(getattr(self.current.get(key), "parent", None), set()).discard(key)
                self.quotes_of.setdefault(version.parent, set()).add(key)
            self.current[key] = version
        self.changes = []
        story = self.current.get(STORY)
        if story is None or story.public_from is None or story.public_from > when:
            if self.story_public:
                self._add(when, "withdrawn", STORY, self.shown[STORY].view["Title"])
            self.story_public = False
        elif not self.story_public:
            self.story_public = True
            if STORY in self.shown:
                self._add(when, "republished", STORY, story.view["Title"])
                self._compare(when, set(self.current))
            else:
                self._compare(when, set(self.current), quietly=True)
                events = sorted((v for k, v in self.shown.items() if k[0] == "event"), key=lambda v: v.order)
                self._add(when, "published", STORY, story.view["Title"], published_events=events)
        else:
            self._compare(when, touched)
        self.edits.append(self.changes)

    def _compare(self, when, touched, quietly=False):
        """Report how the touched objects, and what hangs on them, look to readers now."""
        self.sources = {key for key in touched if key[0] == "source"}  # grows as citations change
        if STORY in touched:
            self._compare_one(when, STORY, quietly)
        events = sorted((key for key in touched if key[0] == "event"), key=lambda key: self.current[key].order)
        changed_events = {key[1]: self._compare_one(when, key, quietly) for key in events}
        quotes = {key for key in touched if key[0] == "quote"}
        quotes |= {key for event_id in changed_events for key in self.quotes_of.get(event_id, ())}
        for key in sorted(quotes, key=lambda key: self.current[key].when):
            # A quote arriving or leaving with its event is part of that change.
            along = changed_events.get(self.current[key].parent) in ("added", "removed")
            self._compare_one(when, key, quietly or along)
        for key in sorted(self.sources):
            old = self.shown.get(key)
            new = self.current.get(key) if self.cited.get(key[1]) else None
            if old and new and old.view != new.view and not quietly:
                self._add(when, "corrected", key, new.view["Name"], _differences(old, new))
            self._show(key, new)

    def _compare_one(self, when, key, quietly):
        old, new = self.shown.get(key), self._visible(key)
        if new is None and old is None or new is old:
            return None
        if old is None:
            action = "added"
        elif new is None:
            action = "removed"
        elif old.view != new.view or old.cites != new.cites:
            action = "corrected"
        else:
            action = None
        if action and not quietly:
            differences = _differences(old, new, self._citations) if action == "corrected" else []
            self._add(when, action, key, _name(key, new or old), differences)
        self._show(key, new)
        return action

    def _visible(self, key):
        version = self.current.get(key)
        if version is None or not version.public:
            return None
        if key[0] == "quote" and self._visible(("event", version.parent)) is None:
            return None
        return version

    def _show(self, key, version):
        old = self.shown.pop(key, None)
        for source_id in old.cites if old else ():
            self.cited[source_id] -= 1
            self.sources.add(("source", source_id))
        for source_id in version.cites if version else ():
            self.cited[source_id] = self.cited.get(source_id, 0) + 1
            self.sources.add(("source", source_id))
        if version is not None:
            self.shown[key] = version

    def _citations(self, old, new):
        """An edit to the sources cited, by the sources' names."""

        def name(source_id):
            version = self.current.get(("source", source_id))
            return version.view["Name"] if version else "a source (name not recorded)"

        segments = [Segment("equal", name(s)) for s in new if s in old]
        segments += [Segment("delete", name(s)) for s in old if s not in new]
        segments += [Segment("insert", name(s)) for s in new if s not in old]
        return [s._replace(text=s.text + ("; " if n < len(segments) - 1 else "")) for n, s in enumerate(segments)]

    def _add(self, when, action, key, name, differences=(), published_events=()):
        events = [_name(("event", None), event) for event in published_events]
        self.changes.append(Change(when, action, key, name, list(differences), events))


def _name(key, version):
    if key[0] == "event":
        return f"{version.view['Date']}: {version.view['Headline']}"
    if key[0] == "quote":
        return f"{version.view['Speaker']}: “{version.view['Words']}”"
    return version.view.get("Title") or version.view.get("Name")


def _differences(old, new, citations=None):
    differences = [
        Difference(label, word_diff(old.view[label], text))
        for label, text in new.view.items()
        if old.view[label] != text
    ]
    if citations and old.cites != new.cites:
        label = "Reported by" if new.parent is None else "Source"
        differences.append(Difference(label, citations(old.cites, new.cites)))
    return differences


def story_changes(story):
    """The changes readers could see in `story`, newest first, linked to what is still public."""
    replay = Replay()
    for edit in _edits(_timeline(story)):
        replay.apply(edit)
    story_url = story.get_absolute_url()
    anchors = {key[1]: version.slug for key, version in replay.shown.items() if key[0] == "event"}
    changes = [change for edit in reversed(replay.edits) for change in edit]
    for change in changes:
        version = replay.shown.get(change.key)
        if version is None or not replay.story_public:
            continue
        if change.subject == "story":
            change.url = story_url
        elif change.subject == "event":
            change.url = Event(story=story, slug=version.slug).get_absolute_url()
        elif change.subject == "quote":
            change.url = Quote(
                slug=version.slug, event=Event(story=story, slug=anchors[version.parent])
            ).get_absolute_url()
        else:
            change.url = reverse("tracker:source_detail", kwargs={"pk": change.key[1]})
    return changes


def changelog(request, slug):
    """A published story's changelog, newest first. Template: tracker/changelog.html."""
    story = get_object_or_404(Story.objects.published(), slug=slug)
    page = Paginator(story_changes(story), CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tracker/changelog.html", {"story": story, "page_obj": page})
