"""Reader search: events, quotes and speakers of published stories, across the
site or within one story (docs/search.md).

Every query starts from `Story.objects.published()` and the `live()` events
and quotes under it, so drafts, withdrawn and scheduled stories, draft events
and quotes, and the quotes of a draft event are never found.

On PostgreSQL the words are matched with full-text search (a `websearch`
query against the vectors that migration 0015 indexes with GIN, ranked);
elsewhere (SQLite in development and tests) every word must occur in one of
the same fields, case-insensitively. A search costs at most five queries
however large the stories are: the story (when searching within one), a page
of events, a page of quotes, a page of speakers and their first quotes.
Matches are highlighted in Python, the same way on both databases, with
everything but the marks escaped.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, F, Min, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from tracker.models import Event, Quote, Status, Story
from tracker.public import caching

MAX_LENGTH = 200  # characters of a query; a longer one is refused with a clear page
PAGE_SIZE = 50  # results per group and page
MAX_PAGE = 20  # the deepest page offered: 1,000 results of a group, enough to refine the search instead
MAX_WORDS = 12  # words the SQLite fallback matches (each one a LIKE per field)
CONFIG = "english"  # the text search configuration: stems ("blocked" finds "block"), ignores stop words
KINDS = {"events": "Events", "quotes": "Quotes", "speakers": "Speakers"}
EXCERPT = 240  # characters of a long description or quote shown around its first match
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")


# --- What is searched ----------------------------------------------------------
# Migration 0015 indexes exactly these expressions (GIN, PostgreSQL only): a
# query uses the index only while its expression is the indexed one.


def event_vector():
    return SearchVector("headline", weight="A", config=CONFIG) + SearchVector("description", weight="B", config=CONFIG)


def quote_vector():
    return SearchVector("text", weight="A", config=CONFIG) + SearchVector(
        "speaker", "speaker_role", weight="B", config=CONFIG
    )


def speaker_vector():
    return SearchVector("speaker", "speaker_role", config=CONFIG)


def full_text():
    return connection.vendor == "postgresql"


# --- The query -----------------------------------------------------------------


def clean(raw):
    """The query as searched: NFC, without control characters, lone surrogates
    or unassigned code points (a NUL byte would fail in PostgreSQL), spaces collapsed."""
    text = "".join(ch if unicodedata.category(ch) not in ("Cc", "Cs", "Cn", "Co") else " " for ch in raw)
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass
class Terms:
    """The words of a query: those to find (and highlight) and those to exclude
    (`-word`). `or` between words is PostgreSQL's to interpret."""

    wanted: list = field(default_factory=list)
    unwanted: list = field(default_factory=list)

    @classmethod
    def of(cls, query):
        terms = cls()
        for raw in query.split():
            negated = raw.startswith("-") and len(raw) > 1
            word = raw.lstrip("-").strip("\"“”„'‘’()[]{}.,;:!?")
            if not word or word.lower() == "or":
                continue
            (terms.unwanted if negated else terms.wanted).append(word[:50])
        terms.wanted, terms.unwanted = terms.wanted[:MAX_WORDS], terms.unwanted[:MAX_WORDS]
        return terms

    def __bool__(self):
        return bool(self.wanted)


def each_word(terms, *fields):
    """SQLite's fallback: every wanted word in one of `fields`, no unwanted one in any."""
    condition = Q()
    for word in terms.wanted:
        condition &= _any_field(word, fields)
    for word in terms.unwanted:
        condition &= ~_any_field(word, fields)
    return condition


def _any_field(word, fields):
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": word})
    return condition


def matching(rows, vector, fields, query, terms):
    """`rows` that match, and the order that puts the best first: by rank on
    PostgreSQL, none of its own on SQLite (the caller's order follows)."""
    if full_text():
        search = SearchQuery(query, search_type="websearch", config=CONFIG)
        rows = rows.alias(document=vector).filter(document=search)
        return rows.alias(rank=SearchRank(vector, search)), [F("rank").desc()]
    return rows.filter(each_word(terms, *fields)), []


def scope(story):
    """The events and quotes readers may find, on the whole site or in one published story."""
    if story is None:
        return Event.objects.published(), Quote.objects.published()
    events = Event.objects.live().filter(story=story)
    return events, Quote.objects.live().filter(event__story=story, event__status=Status.PUBLISHED)


def event_results(events, query, terms):
    """The matching events, best first, with what a result shows."""
    rows, order = matching(events, event_vector(), ("headline", "description"), query, terms)
    rows = rows.select_related("story").only(
        "slug", "headline", "description", "date", "date_precision", "date_label", "story__slug", "story__title"
    )
    return rows.order_by(*order, F("date").desc(nulls_last=True), "-created_at", "-pk")


def page_of(rows, offset):
    """A page of `rows` from `offset`, and whether more follow (one query)."""
    rows = list(rows[offset : offset + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def find_events(events, query, terms, offset):
    return page_of(event_results(events, query, terms), offset)


QUOTE_FIELDS = (
    "slug",
    "text",
    "speaker",
    "speaker_role",
    "speech",
    "event__slug",
    "event__headline",
    "event__story__slug",
    "event__story__title",
)


def quote_results(quotes, query, terms):
    """The matching quotes, best first, with what a result shows."""
    rows, order = matching(quotes, quote_vector(), ("text", "speaker", "speaker_role"), query, terms)
    rows = rows.select_related("event__story").only(*QUOTE_FIELDS)
    return rows.order_by(*order, F("event__date").desc(nulls_last=True), "-created_at", "-pk")


def find_quotes(quotes, query, terms, offset):
    return page_of(quote_results(quotes, query, terms), offset)


def speaker_results(quotes, query, terms):
    """Speakers whose name or role matches, each name once with how many
    published quotes it has in the scope and the first of them, most quoted first."""
    named, _best_first = matching(quotes, speaker_vector(), ("speaker", "speaker_role"), query, terms)
    return (
        quotes.filter(speaker__in=named.order_by().values("speaker"))
        .order_by()
        .values("speaker")
        .annotate(quotes=Count("pk"), first=Min("pk"))
        .order_by("-quotes", "speaker")
    )


def find_speakers(quotes, query, terms, offset):
    """A page of speakers, with their first quotes (two queries)."""
    speakers, more = page_of(speaker_results(quotes, query, terms), offset)
    # From the same published quotes: one withdrawn a moment ago is not shown.
    firsts = quotes.filter(pk__in=[row["first"] for row in speakers])
    firsts = {quote.pk: quote for quote in firsts.select_related("event__story").only(*QUOTE_FIELDS)}
    return [
        Speaker(row["speaker"], row["quotes"], firsts[row["first"]]) for row in speakers if row["first"] in firsts
    ], more


@dataclass
class Speaker:
    name: str
    quote_count: int
    first: Quote

    @property
    def role(self):
        return self.first.speaker_role


# --- Highlighting --------------------------------------------------------------

SUFFIXES = ("ing", "ed", "es", "s")


def stem(word):
    """A crude English stem, for marking what the search found ("blocking" marks "blocked")."""
    lowered = word.lower()
    for suffix in SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) - len(suffix) >= 4:
            return lowered[: -len(suffix)]
    return lowered


def marker(terms):
    """A pattern for the words a search was for, each as a word's beginning; None for none."""
    stems = sorted({stem(word) for word in terms.wanted if word}, key=len, reverse=True)
    if not stems:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, stems)) + r")\w*", re.IGNORECASE)


def highlight(text, pattern, excerpt=None):
    """`text` as HTML, escaped, with the words found in <mark>; cut to about
    `excerpt` characters around the first of them when it is longer."""
    matches = []  # (start, end): words next to each other in one mark
    for match in pattern.finditer(text) if pattern else ():
        if matches and not text[matches[-1][1] : match.start()].strip():
            matches[-1] = (matches[-1][0], match.end())
        else:
            matches.append((match.start(), match.end()))
    start, end = 0, len(text)
    if excerpt and len(text) > excerpt:
        first = matches[0][0] if matches else 0
        start = max(0, first - excerpt // 3)
        if start:
            start = _word_start(text, start)
        end = min(len(text), start + excerpt)
        if end < len(text):
            end = _word_end(text, end)
    pieces = ["…"] if start else []
    position = start
    for begin, finish in matches:
        if begin < position or finish > end:
            continue
        pieces += [escape(text[position:begin]), "<mark>", escape(text[begin:finish]), "</mark>"]
        position = finish
    pieces.append(escape(text[position:end]))
    if end < len(text):
        pieces.append("…")
    return mark_safe("".join(pieces))  # noqa: S308 - the text is escaped, the marks are constants  # nosec B308, B703


def _word_start(text, index):
    space = text.find(" ", index)
    return space + 1 if 0 <= space < index + 20 else index


def _word_end(text, index):
    space = text.rfind(" ", index - 20, index)
    return space if space > 0 else index


# --- The page ------------------------------------------------------------------


@dataclass
class Group:
    kind: str
    title: str
    results: list
    has_more: bool
    story_slug: str = ""
    more_url: str = ""
    previous_url: str = ""
    next_url: str = ""

    def speaker_url(self, name):
        """A search of the quotes of (or naming) the speaker `name`, in the same scope."""
        return address(q=f'"{name[: MAX_LENGTH - 2]}"', story=self.story_slug, kind="quotes")


def address(**params):
    """The search page with these parameters (empty ones left out)."""
    query = urlencode({name: value for name, value in params.items() if value})
    return f"{reverse('tracker:search')}?{query}" if query else reverse("tracker:search")


def number(value, default=1):
    try:
        return min(max(int(value), 1), MAX_PAGE)
    except (TypeError, ValueError, OverflowError):
        return default


def requested_story(slug):
    """The published story to search within, or 404 (drafts, withdrawn and scheduled alike)."""
    if not SLUG.fullmatch(slug):
        raise Http404("No such story")
    return get_object_or_404(Story.objects.published().only("pk", "slug", "title"), slug=slug)


def results(query, story, kind, page):
    """The groups of results for `query`: all three, or only `kind`, at `page`."""
    terms = Terms.of(query)
    if not terms:
        return []  # nothing to look for: punctuation, or only words to exclude
    events, quotes = scope(story)
    offset = (page - 1) * PAGE_SIZE
    finders = {"events": find_events, "quotes": find_quotes, "speakers": find_speakers}
    story_slug = story.slug if story else ""
    groups = []
    for name in [kind] if kind else KINDS:
        found, more = finders[name](events if name == "events" else quotes, query, terms, offset)
        group = Group(name, KINDS[name], found, more, story_slug)
        more = group.has_more and page < MAX_PAGE
        if kind:
            if page > 1:
                group.previous_url = address(q=query, story=story_slug, kind=name, page=page - 1 if page > 2 else "")
            if more:
                group.next_url = address(q=query, story=story_slug, kind=name, page=page + 1)
        elif more:
            group.more_url = address(q=query, story=story_slug, kind=name, page=2)
        groups.append(group)
    return groups


def search(request):
    """`/search/?q=…`: events, quotes and speakers of published stories;
    `&story=<slug>` within one story, `&kind=events|quotes|speakers&page=n`
    more of one group. Template: tracker/search.html."""
    story_slug = request.GET.get("story", "")
    story = requested_story(story_slug) if story_slug else None
    raw = request.GET.get("q", "")
    query = clean(raw)
    kind = request.GET.get("kind") if request.GET.get("kind") in KINDS else None
    page = number(request.GET.get("page")) if kind else 1
    status, problem, groups = 200, "", []
    if len(query) > MAX_LENGTH:
        status, problem, query = 400, f"That search is too long: use at most {MAX_LENGTH} characters.", ""
    elif query:
        groups = results(query, story, kind, page)
    context = {
        "query": query,
        "story": story,
        "kind": kind,
        "kind_title": KINDS.get(kind, ""),
        "page": page,
        "problem": problem,
        "groups": groups,
        "found": any(group.results for group in groups),
        "pattern": marker(Terms.of(query)),
        "highlight": highlight,
        "excerpt": EXCERPT,
        "max_length": MAX_LENGTH,
        "all_results_url": address(q=query, story=story.slug if story else ""),
        "everywhere_url": address(q=query),
    }
    response = render(request, "tracker/search.html", context, status=status)
    # Not in the page cache (every query string would be a new copy); browsers
    # and shared caches may keep it as long as any other public page.
    patch_cache_control(
        response, public=True, max_age=caching.MAX_AGE, stale_while_revalidate=caching.STALE_WHILE_REVALIDATE
    )
    response["X-Robots-Tag"] = "noindex"
    return response
