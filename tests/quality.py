"""Plumbing for the quality checks that need tools from outside Python: the W3C
Nu HTML checker (vnu.jar, run with Java) and Debian's Chromium.

Without the tools, these checks are skipped with one message saying what to
install; with REQUIRE_BROWSER=1 (as CI sets it) a missing tool fails instead,
so CI can never pass without running them.
"""

import datetime
import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tracker.models import Source, Story
from tracker.parts import PAGE_SIZE

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SDTT = ROOT / "node_modules" / ".bin" / "sdtt"
ARTIFACTS = ROOT / "test-artifacts"


def story_with_history():
    """The seed story as it is after a day of editing: the story and one event
    corrected after publication, so its changelog shows word-level diffs."""
    call_command("loaddata", *sorted(map(str, (ROOT / "fixtures").glob("*.json"))), verbosity=0)
    story = Story.objects.get(slug="pakistan-x-block")
    event = story.events.live().chronological().first()
    for obj, field in ((story, "summary"), (event, "headline")):
        obj._history_date = timezone.now() + datetime.timedelta(minutes=1)  # an edit after the load
        setattr(obj, field, f"{getattr(obj, field)} (corrected)")
        obj.save()
    return story


def public_pages(story):
    """The public HTML pages the quality bar applies to: {name: address}; a
    middle part of a long story besides, for its links to the other parts."""
    source = Source.objects.published().filter(events__story=story).order_by("pk").first()
    call_command("synthesize_story", "--events", 2 * PAGE_SIZE + 10, "--slug", "parts", verbosity=0)
    return {
        "index": reverse("tracker:story_list"),
        "story": story.get_absolute_url(),
        "story-part": reverse("tracker:story_detail", kwargs={"slug": "synthetic-parts"}) + "?page=2",
        "source": source.get_absolute_url(),
        "changes": reverse("tracker:story_changes", kwargs={"slug": story.slug}),
    }


def require(available, message):
    """Skip the test with `message`, or fail it when the tools are required."""
    if available:
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message} (REQUIRE_BROWSER=1: these checks must run here)", pytrace=False)
    pytest.skip(message)


def require_chromium():
    require(Path(CHROMIUM).exists(), f"browser tests skipped: {CHROMIUM} not found; install Debian's chromium package")


def require_vnu():
    require(shutil.which("java"), "HTML checker skipped: java not found; install Debian's default-jre-headless")
    require(VNU_JAR.exists(), "HTML checker skipped: node_modules/vnu-jar missing; run `npm ci --ignore-scripts`")


def require_sdtt():
    require(SDTT.exists(), "structured-data check skipped: node_modules missing; run `npm ci --ignore-scripts`")


def check_html(pages, folder):
    """Run the Nu HTML checker once over `pages` ({name: html}); {name: [error messages]}."""
    paths = {}
    for name, html in pages.items():
        paths[name] = folder / f"{name}.html"
        paths[name].write_text(html, encoding="utf-8")
    command = ["java", "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *map(str, paths.values())]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)  # noqa: S603
    errors = {name: [] for name in pages}
    for message in json.loads(result.stderr)["messages"]:
        if message["type"] != "info":  # "error", or "non-document-error" when a file could not be read
            name = Path(message.get("url", "?")).stem
            errors.setdefault(name, []).append(f"line {message.get('lastLine')}: {message['message']}")
    return errors


class PageParts(HTMLParser):
    """What a page is made of, for the content-security and page-weight checks."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.stylesheets, self.scripts, self.inline_scripts, self.styles, self.handlers = [], [], [], [], []
        self.other_links, self._script = [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.styles.append(f"<{tag} style=…>")
        self.handlers += [f"<{tag} {name}=…>" for name in attrs if name.startswith("on")]
        if tag == "style":
            self.styles.append("<style>")
        elif tag == "script":
            if attrs.get("src"):
                self.scripts.append(attrs["src"])
            self._script = attrs.get("type", "")
        elif tag == "link":
            rel = (attrs.get("rel") or "").lower().split()
            if "stylesheet" in rel:
                self.stylesheets.append(attrs.get("href", ""))
            elif {"preload", "modulepreload", "icon", "manifest"} & set(rel):
                self.other_links.append(attrs.get("href", ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None and data.strip() and self._script != "application/ld+json":
            self.inline_scripts.append(data.strip()[:60])
