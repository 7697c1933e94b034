"""An article archived faithfully: its text exactly as printed, its SHA-256,
when it was read and from where, and the headline, date, outlet, byline and
language only where the page or text states them.

HTML goes through trafilatura, the best-measured open extractor, for the
article's text; the metadata is read from the page's own tags (a `<time>`, a
`meta` tag, `<html lang>`) and lines in the text ("By …", a dateline), never
guessed from the address or the wording. Fetching a URL refuses anything
but http and https, addresses that are not public (unless the setting
INGEST_ALLOW_PRIVATE_ADDRESSES allows them: True, or a list of addresses or
networks), pages larger than INGEST_MAX_BYTES and servers slower than
INGEST_TIMEOUT seconds, and checks every redirect the same way.
"""

import datetime
import hashlib
import html
import ipaddress
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path

import trafilatura
from django.conf import settings
from django.utils import timezone

from tracker.ingest.events import stated_dates
from tracker.passages import MAX_ARCHIVED

MAX_BYTES = 5_000_000  # a long article is 100 kB of HTML; five megabytes is a page no article needs
TIMEOUT = 10.0  # seconds for the whole fetch
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
USER_AGENT = "tracker-ingest/1.0 (newsroom archive)"


class Refused(Exception):
    """Input that cannot be archived, with the reason in words for the editor."""


@dataclass
class Archived:
    text: str
    headline: str = ""
    published_on: datetime.date | None = None
    outlet: str = ""
    byline: str = ""
    language: str = ""
    url: str = ""  # the address after redirects
    requested_url: str = ""
    accessed_at: datetime.datetime = field(default_factory=timezone.now)
    html: bool = False

    @property
    def sha256(self):
        return hashlib.sha256(self.text.encode()).hexdigest()


def max_bytes():
    return getattr(settings, "INGEST_MAX_BYTES", MAX_BYTES)


# --- Reading what was given ---------------------------------------------------------


def read_file(path):
    """The bytes of the file at `path`, refused before reading when too large."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise Refused(f"Cannot read {path}: {error.strerror or error}.") from error
    if not path.is_file():
        raise Refused(f"{path} is not a file.")
    limit = max_bytes()
    if size > limit:
        raise Refused(f"{path} is {size:,} bytes; the limit is {limit:,}. Is it really one article?")
    with path.open("rb") as stream:
        data = stream.read(limit + 1)  # a file that grew meanwhile is still read no further
    if len(data) > limit:
        raise Refused(f"{path} is larger than the limit of {limit:,} bytes.")
    return data


def decode(data, charset=None):
    """Text from bytes, refusing what is not text: NUL bytes, invalid UTF-8
    (or the declared charset), or mostly control characters."""
    if not data or not data.strip():
        raise Refused("The input is empty.")
    if b"\x00" in data[:8192]:
        raise Refused("The input is binary data, not text or HTML.")
    for encoding in [charset, "utf-8-sig"] if charset else ["utf-8-sig"]:
        try:
            text = data.decode(encoding)
            break
        except (LookupError, UnicodeDecodeError):
            continue
    else:
        raise Refused("The input is not UTF-8 text; save it as UTF-8 and try again.")
    controls = sum(1 for char in text[:8192] if ord(char) < 32 and char not in "\n\r\t\f")
    if controls > len(text[:8192]) * 0.01:
        raise Refused("The input is binary data, not text or HTML.")
    return text


def looks_like_html(text, filename=""):
    if filename:
        suffix = Path(filename).suffix.lower()
        if suffix in (".html", ".htm", ".xhtml"):
            return True
        if suffix == ".txt":
            return False
    head = text.lstrip()[:1000].lower()
    return head.startswith(("<!doctype html", "<html", "<?xml")) or bool(re.search(r"<(?:body|article|p|div)\b", head))


def from_text(text):
    """A plain-text article as archived: verbatim, with what its lines state."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise Refused("The input is empty.")
    if len(text) > MAX_ARCHIVED:
        raise Refused(f"The text is {len(text):,} characters; the limit is {MAX_ARCHIVED:,}.")
    return Archived(text=text, **stated_in_text(text))


def stated_in_text(text):
    """Headline, date and byline, where the text's own lines state them: a
    short first line without a full stop, a line that is only a date (or
    "date 2024-04-18"), a line "By …"."""
    lines = [line.strip() for line in text.split("\n")]
    found = {}
    first = next((line for line in lines if line), "")
    following = lines[lines.index(first) + 1] if first in lines and lines.index(first) + 1 < len(lines) else ""
    short = first and len(first.split()) <= 25 and not re.search(r"[.!?:;,]$", first)
    if short and not following[:1].islower() and (not stated_dates(first) or len(first.split()) > 6):
        found["headline"] = first  # a title line, not the start of a paragraph or a date line
    for line in lines[:8]:
        dated = re.match(r"^(?:date[:\s]+)?(.{6,40}?)$", line, re.I)
        if dated and len(line.split()) <= 8:
            dates = [d for d in stated_dates(line) if d.year_stated and d.precision == "day"]
            rest = line
            for d in dates:
                rest = rest[: d.start] + rest[d.end :]
            if dates and not re.search(
                r"[A-Za-z]{4,}", re.sub(r"\b(?:date|am|pm|updated|published)\b", "", rest, flags=re.I)
            ):
                found["published_on"] = dates[0].date
                break
        stamp = re.match(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b", line, re.I)
        if stamp:
            found["published_on"] = datetime.date.fromisoformat(stamp.group(1))
            break
        byline = re.match(r"^By\s+([A-Z][\w.'’-]*(?:\s+(?:and\s+)?[A-Z][\w.'’-]*){0,5})\s*$", line)
        if byline:
            found["byline"] = byline.group(1)
    return found


# --- HTML ------------------------------------------------------------------------


class _PageTags(HTMLParser):
    """What a page states about itself in its tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta = {}
        self.lang = ""
        self.times = []
        self.title = ""
        self.h1 = ""
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "html" and attrs.get("lang"):
            self.lang = attrs["lang"].strip()
        elif tag == "meta":
            name = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
            if name and attrs.get("content") and name not in self.meta:
                self.meta[name] = attrs["content"].strip()
        elif tag == "time" and attrs.get("datetime"):
            self.times.append(attrs["datetime"].strip())
        elif tag in ("title", "h1") and not getattr(self, tag):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in:
            setattr(self, self._in, (getattr(self, self._in) + data))


def from_html(markup, url=""):
    """An HTML page's article as archived: trafilatura's text of it, and what
    the page's tags state."""
    if len(markup) > max_bytes():
        raise Refused(f"The page is larger than the limit of {max_bytes():,} bytes.")
    try:
        text = trafilatura.extract(
            markup, url=url or None, include_comments=False, include_tables=False, favor_precision=True
        )
    except (ValueError, TypeError) as error:  # markup trafilatura cannot parse at all
        raise Refused(f"The HTML could not be read: {error}.") from error
    if not text or not text.strip():
        raise Refused("No article text was found in the HTML: it is broken, empty, or not an article.")
    if len(text) > MAX_ARCHIVED:
        raise Refused(f"The article's text is {len(text):,} characters; the limit is {MAX_ARCHIVED:,}.")
    tags = _PageTags()
    try:
        tags.feed(markup)
        tags.close()
    except (AssertionError, ValueError):  # nothing stated is better than a guess
        tags = _PageTags()
    meta = tags.meta
    headline = meta.get("og:title") or meta.get("twitter:title") or " ".join(tags.h1.split()) or ""
    headline = headline or " ".join(tags.title.split())
    published = meta.get("article:published_time") or meta.get("datepublished") or (tags.times[:1] or [""])[0]
    stated = stated_in_text(text)
    return Archived(
        text=text,
        headline=html.unescape(headline)[:300],
        published_on=_iso_date(published) or stated.get("published_on"),
        outlet=(meta.get("og:site_name") or meta.get("application-name") or "")[:200],
        byline=(meta.get("author") or meta.get("article:author") or stated.get("byline", ""))[:200],
        language=tags.lang.split("-")[0].lower()[:16] if tags.lang else "",
        url=url,
        html=True,
    )


def _iso_date(value):
    match = re.match(r"^(\d{4}-\d{2}-\d{2})", value or "")
    if not match:
        return None
    try:
        return datetime.date.fromisoformat(match.group(1))
    except ValueError:
        return None


# --- Fetching -----------------------------------------------------------------------


def check_address(url):
    """Refuse `url` unless it is http(s) to a public address (or one the
    setting allows). Every address the host resolves to must pass."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise Refused(f"Only http and https addresses can be fetched, not “{parts.scheme or url}”.")
    if not parts.hostname:
        raise Refused(f"“{url}” names no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        raise Refused(f"The host {parts.hostname} could not be found.") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not _allowed(address):
            raise Refused(
                f"{parts.hostname} is a private, loopback or link-local address ({address}); "
                "only public addresses are fetched."
            )


def _allowed(address):
    mapped = getattr(address, "ipv4_mapped", None)
    address = mapped or address
    if address.is_global and not address.is_multicast:
        return True
    allowed = getattr(settings, "INGEST_ALLOW_PRIVATE_ADDRESSES", False)
    if allowed is True:
        return True
    if not allowed:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in allowed)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an address that passes `check_address`, at most MAX_REDIRECTS times."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.count += 1
        if self.count > MAX_REDIRECTS:
            raise Refused(f"More than {MAX_REDIRECTS} redirects.")
        check_address(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url):
    """The page at `url` archived: its article text, final address and access time."""
    url = url.strip()
    check_address(url)
    timeout = getattr(settings, "INGEST_TIMEOUT", TIMEOUT)
    limit = max_bytes()
    opener = urllib.request.build_opener(_CheckedRedirects())
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html, text/plain"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only, checked above  # nosec B310
    deadline = time.monotonic() + timeout
    accessed = timezone.now()
    try:
        # The scheme and address are checked above, and each redirect's by _CheckedRedirects.
        with opener.open(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
            final = response.geturl()
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise Refused(f"The page is {int(length):,} bytes; the limit is {limit:,}.")
            chunks, size = [], 0
            while chunk := response.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise Refused(f"The page is larger than the limit of {limit:,} bytes.")
                if time.monotonic() > deadline:
                    raise Refused(f"The server took longer than {timeout:g} seconds to send the page.")
                chunks.append(chunk)
            content_type = response.headers.get("Content-Type", "")
    except Refused:
        raise
    except urllib.error.HTTPError as error:
        raise Refused(f"The server answered {error.code} {error.reason} for {url}.") from error
    except TimeoutError as error:
        raise Refused(f"The server did not answer within {timeout:g} seconds.") from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError | socket.timeout):
            raise Refused(f"The server did not answer within {timeout:g} seconds.") from error
        raise Refused(f"The page could not be fetched: {error.reason}.") from error
    except (OSError, ValueError) as error:
        raise Refused(f"The page could not be fetched: {error}.") from error
    header = Message()
    header["Content-Type"] = content_type
    text = decode(b"".join(chunks), header.get_content_charset())
    mime = header.get_content_type()
    if mime == "text/plain" or (mime not in ("text/html", "application/xhtml+xml") and not looks_like_html(text)):
        archived = from_text(text)
    else:
        archived = from_html(text, final)
    archived.url, archived.requested_url, archived.accessed_at = final, url, accessed
    return archived
