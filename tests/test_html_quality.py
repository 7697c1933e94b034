"""The public pages meet the quality bar: valid HTML, nothing a strict
Content-Security-Policy would block, nothing loaded from other sites, and a
story page that stays light."""

import re
import subprocess
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client

from .quality import SDTT, PageParts, check_html, public_pages, require_sdtt, require_vnu, story_with_history

pytestmark = pytest.mark.django_db  # so the test database is set up for the pages fixture

PAGES = ["index", "story", "story-part", "source", "changes"]
STORY_PAGE_BUDGET = 100 * 1024  # bytes of HTML + CSS + JS, uncompressed
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


@pytest.fixture(scope="session")
def pages(django_db_setup, django_db_blocker):
    """The public pages rendered once for the session ({name: response}); the data is rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        addresses = public_pages(story_with_history())
        client = Client()
        responses = {name: client.get(address) for name, address in addresses.items()}
        assets = {}
        for response in responses.values():
            parts = PageParts(response.content.decode())
            for url in parts.stylesheets + parts.scripts:
                if _same_site(url) and url not in assets:
                    assets[url] = b"".join(client.get(url).streaming_content)
        transaction.set_rollback(True)
    assert sorted(responses) == sorted(PAGES)
    for name, response in responses.items():
        assert response.status_code == 200, name
    return {"responses": responses, "assets": assets}


@pytest.fixture(scope="session")
def html_errors(pages, tmp_path_factory):
    """The Nu HTML checker's errors for every page, from one run of the checker."""
    require_vnu()
    html = {name: response.content.decode() for name, response in pages["responses"].items()}
    return check_html(html, tmp_path_factory.mktemp("html"))


def _same_site(url):
    parts = urlsplit(url)
    return not parts.netloc and parts.scheme in ("", "data")


def _parts(pages, name):
    return PageParts(pages["responses"][name].content.decode())


@pytest.mark.vnu
@pytest.mark.parametrize("name", PAGES)
def test_page_is_valid_html(html_errors, name):
    assert html_errors[name] == [], f"{name} page: " + "; ".join(html_errors[name])


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_inline_scripts_styles_or_event_handlers(pages, name):
    parts = _parts(pages, name)
    assert parts.inline_scripts == [], "inline scripts (only application/ld+json data is allowed)"
    assert parts.styles == [], "style attributes or <style> elements"
    assert parts.handlers == [], "inline event handlers"


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_scripts_styles_and_fonts_only_from_its_own_site(pages, name):
    parts = _parts(pages, name)
    foreign = [url for url in parts.stylesheets + parts.scripts + parts.other_links if not _same_site(url)]
    assert foreign == []
    for url in parts.stylesheets:
        foreign = [link for link in _css_urls(pages["assets"][url].decode()) if not _same_site(link)]
        assert foreign == [], f"{url} loads from other sites"


def _css_urls(css):
    """What a stylesheet points at: url(...) and @import."""
    return [url or imported for url, imported in CSS_URL.findall(css)]


def test_story_page_weighs_under_100_kb_with_its_css_and_js(pages):
    parts = _parts(pages, "story")
    html = len(pages["responses"]["story"].content)
    assets = {url: len(pages["assets"][url]) for url in parts.stylesheets + parts.scripts}
    total = html + sum(assets.values())
    assert total < STORY_PAGE_BUDGET, f"{total} bytes: HTML {html}, {assets}"


def test_story_page_structured_data_and_sharing_tags_pass_google_and_social_media_checks(pages, tmp_path):
    """structured-data-testing-tool with its Google and SocialMedia presets, as
    search engines and social sites read the page: zero failures."""
    require_sdtt()
    page = tmp_path / "story.html"
    page.write_bytes(pages["responses"]["story"].content)
    run = subprocess.run(  # noqa: S603 - our own page, a tool from package-lock.json
        [str(SDTT), "--file", str(page), "--presets", "Google,SocialMedia"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    report = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout)
    tests_run = re.search(r"Pass/Fail tests run:\s+(\d+)", report)
    failed = re.search(r"Failed:\s+(\d+)", report)
    assert tests_run and int(tests_run.group(1)) > 0, report
    assert failed and int(failed.group(1)) == 0, report
    assert run.returncode == 0, report
    assert re.search(r"Schema.org schemas:\s+LiveBlogPosting", report), report
