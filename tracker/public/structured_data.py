"""What the story page tells search engines and link previews: schema.org
JSON-LD and the addresses shared links point at.

Addresses are built from settings.SITE_URL, never from the request's Host
header, so a forged header cannot put someone else's domain in a canonical
link. Dates are the ones printed on the page.
"""

import json
import re

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

from tracker.models import DatePrecision, SpeakerKind, Speech
from tracker.public.templating import iso, static, url

LOGO = {"path": "tracker/logo.png", "width": 192, "height": 192}
SHARE_IMAGE_SIZE = (1200, 630)
HEADLINE_LIMIT = 110  # Google truncates longer headlines
APPROXIMATE = DatePrecision.APPROXIMATE

# A quote not yet linked to its Speaker is typed from its name: these words
# mark a body ("Interior Ministry", "X Global Government Affairs").
ORGANISATION_WORDS = re.compile(
    r"\b(ministry|government|court|council|committee|commission|department|agency|authority|office|"
    r"police|army|military|party|parliament|assembly|senate|company|corporation|inc|ltd|group|team|"
    r"affairs|association|union|bank|university|board|bureau|service|embassy|organi[sz]ation)\b",
    re.IGNORECASE,
)


def absolute(path):
    return settings.SITE_URL + path


def share_image_url(story):
    return absolute(url("tracker:share_image", slug=story.slug))


def dated_span(first, last):
    """The dates the timeline runs between, in words. An approximate date is
    the sources' label ("Reported 18 April 2024", "Mid-February 2024"), not a
    date to run "from" or "to": it is quoted, as the label it is."""
    if first is None:
        return ""
    approximate = first.date_precision == APPROXIMATE or last.date_precision == APPROXIMATE
    start, end = (as_printed(event) for event in (first, last))
    if start == end:
        return f", dated {start}"
    if approximate:
        return f", the first dated {start} and the last {end}"
    return f", from {start} to {end}"


def as_printed(event):
    return f"“{event.date_display}”" if event.date_precision == APPROXIMATE else event.date_display


def share_image_alt(timeline):
    """Words for the share image, for readers who cannot see it."""
    outline = timeline.outline
    span = dated_span(outline.first_dated, outline.last_dated)
    count = outline.total
    state = "developing" if timeline.story.is_developing else "concluded"
    return f"{timeline.story.title}: a {state} story. A timeline of its {count} event{'s' if count != 1 else ''}{span}."


def shorten(text, limit=HEADLINE_LIMIT):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def speaker_kind(quote):
    """Person or Organization: as the quote's Speaker records it, or guessed from the name until it is linked."""
    if quote.spoken_by_id is not None:
        return "Organization" if quote.spoken_by.kind == SpeakerKind.ORGANISATION else "Person"
    return "Organization" if ORGANISATION_WORDS.search(quote.speaker) else "Person"


def speaker(quote):
    entity = {"@type": speaker_kind(quote), "name": quote.speaker}
    if quote.speaker_role:
        entity["description"] = quote.speaker_role
    return entity


def quotation(quote, page_url, source_urls, about):
    data = {"@type": "Quotation", "@id": f"{page_url}#{quote.anchor}", "text": quote.text}
    if quote.speech != Speech.DIRECT:
        # A Quotation is taken to be the speaker's words; these are the source's.
        data["description"] = "Reported speech, in the source's words"
    data |= {"spokenByCharacter": speaker(quote), "isBasedOn": source_urls[quote.source_id]}
    if about:
        data["about"] = about
    return data


def work(source, source_urls):
    """A cited source, described once on the story; claims refer to it by its @id."""
    data = {"@type": "CreativeWork", "@id": source_urls[source.pk], "name": source.title}
    if source.published_on:
        data["datePublished"] = source.published_on.isoformat()
    return data


def claim(node_id, sources, source_urls, standing=None):
    """A schema.org Claim: every source it appears in, the earliest of them, and
    where it stands when an editor has recorded that. Its words are those of
    what is `about` it (an update's headline, a statement's Quotations), so
    they are not repeated here."""
    data = {"@type": "Claim", "@id": node_id}
    if sources:
        # Undated sources last, as the page numbers them.
        first = min(sources, key=lambda source: (source.published_on is None, source.published_on))
        data["appearance"] = [{"@id": source_urls[source.pk]} for source in sources]
        data["firstAppearance"] = {"@id": source_urls[first.pk]}
    if standing is not None and standing.claim_status:
        data["creativeWorkStatus"] = standing.get_claim_status_display()
        data["description"] = standing.claim_line
    return data


def statement_claims(statements, page_url, source_urls, sources):
    """Each quote's `about`: its statement's Claim, given whole on the first
    wording and by its @id on the others, so every wording names one claim. A
    statement of one wording and no recorded status has none: its Quotation's
    `isBasedOn` already says all such a Claim would."""
    about = {}
    for statement in statements:
        if not statement.variants and statement.claim is None:
            continue
        lead = statement.quote
        cited = list({quote.source_id: sources[quote.source_id] for quote in statement.wordings}.values())
        whole = claim(f"{page_url}#claim-q{lead.pk}", cited, source_urls, statement.claim)
        for quote in statement.wordings:
            about[quote.pk] = whole if quote is lead else {"@id": whole["@id"]}
    return about


def update(event, url, source_urls, sources):
    """One event as a BlogPosting about its Claim, with its quotes as parts; its
    author, publisher and image are the story's, given once on the story."""
    about = statement_claims(event.statements, url, source_urls, sources)
    return {
        "@type": "BlogPosting",
        "url": f"{url}#{event.anchor}",
        "headline": shorten(event.headline),
        "articleBody": event.description or event.headline,
        "datePublished": iso(event.created_at),
        "dateModified": iso(event.changed_at),
        "citation": [source_urls[source.pk] for source in event.cited_sources],
        "about": claim(f"{url}#claim-e{event.pk}", event.cited_sources, source_urls, event),
        "hasPart": [quotation(quote, url, source_urls, about.get(quote.pk)) for quote in event.published_quotes],
    }


def story_json_ld(timeline):
    """A LiveBlogPosting with one BlogPosting update per published event on the
    page while the story develops; a concluded story is a NewsArticle made of those parts."""
    story = timeline.story
    url = absolute(timeline.url)
    source_urls = {source.pk: absolute(source.page_url) for source in timeline.sources}
    sources = {source.pk: source for source in timeline.sources}

    logo = {
        "@type": "ImageObject",
        "url": absolute(static(LOGO["path"])),
        "width": LOGO["width"],
        "height": LOGO["height"],
    }
    publisher = {"@type": "Organization", "@id": absolute("/#publisher"), "name": settings.SITE_NAME}
    publisher.update(url=absolute("/"), logo=logo)
    width, height = SHARE_IMAGE_SIZE
    image = {"@type": "ImageObject", "url": share_image_url(story), "width": width, "height": height}
    updates = [update(event, url, source_urls, sources) for event in timeline.events]
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting" if story.is_developing else "NewsArticle",
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "headline": shorten(story.title),
        "description": story.summary,
        "datePublished": iso(story.published_at),
        "dateModified": iso(story.last_updated),
        "image": image,
        "author": publisher,
        "publisher": publisher,
        "citation": [work(source, source_urls) for source in timeline.sources],
    }
    if story.is_developing:
        data |= {"coverageStartTime": iso(story.published_at), "liveBlogUpdate": updates}
    else:
        data["hasPart"] = updates
    return data


def json_ld_script(data):
    # django.utils.html.json_script writes only type="application/json", so
    # its escapes are made here: no text in the data can close the <script>
    # element or open a comment.
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    payload = payload.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308 - escaped above  # nosec B308, B703
