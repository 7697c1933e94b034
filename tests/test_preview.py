"""The staff preview of a story page: the public template with the drafts
shown and marked, for staff who may view stories, never cached, never
indexed, and never a way for a draft to reach a reader."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracker.models import Status
from tracker.public import caching

from .conftest import make_event, make_quote, make_source, make_story
from .people import member_of
from .quality import check_html, require_vnu
from .test_drafts_everywhere import SECRET, newsroom, probe_site  # noqa: F401 - newsroom is a fixture

pytestmark = pytest.mark.django_db

BANNER = "Preview — not public. Drafts are marked."
DRAFT_MARK = "Draft — not yet public"


def preview_address(story):
    return reverse("admin:tracker_story_preview", args=[story.pk])


@pytest.fixture
def drafted():
    """A draft story with published, draft and withdrawn events and quotes, each named by what it is."""
    story = make_story("drafted", status=Status.DRAFT)
    source = make_source(text="The ministry said “it was necessary” and “we regret nothing” on Wednesday.")
    shown = make_event(story, "shown", [source], headline="Published event headline")
    make_quote(shown, source, speaker="Published Speaker")
    make_quote(shown, source, text="we regret nothing", speaker="Draft Speaker", status=Status.DRAFT)
    make_quote(shown, source, speaker="Withdrawn Speaker", status=Status.UNPUBLISHED)
    draft = make_event(
        story, "drafted-event", [source], headline="Draft event headline", status=Status.DRAFT, is_key=True
    )
    make_quote(draft, source, speaker="Speaker Under Draft", status=Status.DRAFT)
    withdrawn = make_event(story, "withdrawn", [source], headline="Withdrawn event headline", status=Status.UNPUBLISHED)
    make_quote(withdrawn, source, speaker="Speaker Under Withdrawn")
    return {"story": story, "source": source, "shown": shown, "draft": draft, "withdrawn": withdrawn}


def fragment(html, element_id):
    """The element with id `element_id`, up to its end (its <li> or <figure>)."""
    start = html.rindex("<", 0, html.index(f'id="{element_id}"'))
    tag = re.match(r"<(\w+)", html[start:]).group(1)
    return html[start : html.index(f"</{tag}>", start)]


def test_an_editor_sees_the_draft_story_with_its_drafts_marked_and_no_withdrawn_ones(editor_client, drafted):
    response = editor_client.get(preview_address(drafted["story"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert BANNER in html and "Story status: Draft." in html
    assert "Title drafted" in html and "Not yet published" in html
    for shown in ("Published event headline", "Draft event headline", "Published Speaker", "Draft Speaker"):
        assert shown in html
    assert "Speaker Under Draft" in html
    for hidden in ("Withdrawn event headline", "Withdrawn Speaker", "Speaker Under Withdrawn"):
        assert hidden not in html

    draft = fragment(html, drafted["draft"].anchor)
    assert DRAFT_MARK in draft and "is-draft" in draft
    published = fragment(html, drafted["shown"].anchor)
    assert "is-draft" not in published.split(">", 1)[0]
    # The published event carries one mark: its draft quote's.
    assert published.count(DRAFT_MARK) == 1
    draft_quote = drafted["shown"].quotes.get(status=Status.DRAFT)
    assert DRAFT_MARK in fragment(html, draft_quote.anchor)
    published_quote = drafted["shown"].quotes.get(status=Status.PUBLISHED)
    assert DRAFT_MARK not in fragment(html, published_quote.anchor)
    # Two draft quotes and one draft event, and the key-events list names the draft too.
    assert html.count(DRAFT_MARK) == 3
    key_events = html[html.index('<nav class="key-events"') : html.index("</nav>")]
    assert "Draft event headline" in key_events and "Draft</span>" in key_events


@pytest.mark.parametrize(
    ("fields", "label"),
    [
        ({"status": Status.PUBLISHED}, "Published"),
        ({"status": Status.PUBLISHED, "published_at": timezone.now() + datetime.timedelta(days=1)}, "Scheduled for"),
        ({"status": Status.UNPUBLISHED, "published_at": timezone.now()}, Status.UNPUBLISHED.label),
        ({"status": Status.DRAFT}, "Draft"),
    ],
)
def test_a_story_in_any_state_is_previewed_with_its_state(editor_client, fields, label):
    story = make_story("any", **fields)
    make_event(story, "draft", [make_source()], status=Status.DRAFT, headline="Draft headline")
    html = editor_client.get(preview_address(story)).content.decode()
    assert f"Story status: {label}" in html
    assert "Draft headline" in html and DRAFT_MARK in html


def test_a_public_story_s_preview_links_to_its_public_page(editor_client, drafted):
    story = drafted["story"]
    story.publish()
    story.save()
    html = editor_client.get(preview_address(story)).content.decode()
    assert f'href="{story.get_absolute_url()}">The public page</a>' in html
    assert f'href="{reverse("admin:tracker_story_change", args=[story.pk])}"' in html


def test_the_preview_is_private_never_stored_and_not_indexed(editor_client, drafted):
    response = editor_client.get(preview_address(drafted["story"]))
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives and not any(d.startswith("s-maxage") for d in directives)
    assert response["X-Robots-Tag"] == "noindex"
    html = response.content.decode()
    head = html[: html.index("</head>")]
    assert '<meta name="robots" content="noindex">' in head
    assert 'rel="canonical"' not in head and "application/ld+json" not in head and 'property="og:' not in head
    assert "<title>Preview: Title drafted · Tracker</title>" in head


@pytest.mark.vnu
def test_the_preview_is_valid_html(editor_client, drafted, tmp_path):
    require_vnu()
    html = editor_client.get(preview_address(drafted["story"])).content.decode()
    assert check_html({"preview": html}, tmp_path) == {"preview": []}


def test_a_reporter_may_preview_as_they_may_view_stories(client, drafted):
    # Both groups hold view_story (migrations 0002 and 0004): reporters see the drafts they prepare.
    client.force_login(member_of("Reporters", "rita"))
    response = client.get(preview_address(drafted["story"]))
    assert response.status_code == 200 and BANNER in response.content.decode()


def test_staff_without_permission_to_view_stories_get_404(client, drafted):
    client.force_login(User.objects.create_user("nobody", password="x", is_staff=True))
    response = client.get(preview_address(drafted["story"]))
    assert response.status_code == 404
    assert "Draft event headline" not in response.content.decode()


@pytest.mark.parametrize("staff", [False, True], ids=["anonymous", "not-staff"])
def test_anyone_not_logged_in_as_staff_is_sent_to_log_in_and_never_sees_the_preview(client, drafted, staff):
    if staff:
        client.force_login(User.objects.create_user("reader", password="x"))
    address = preview_address(drafted["story"])
    response = client.get(address)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    followed = client.get(address, follow=True).content.decode()
    assert "Draft event headline" not in followed and BANNER not in followed


@pytest.mark.parametrize("object_id", ["abc", "0", "99999", "1.5"])
def test_no_such_story_is_404(editor_client, object_id):
    address = reverse("admin:tracker_story_preview", args=["ID"]).replace("ID", object_id)
    assert editor_client.get(address).status_code == 404


def view_on_site(html):
    return re.search(r'<a href="([^"]+)" class="viewsitelink"', html).group(1)


def test_view_on_site_leads_to_the_preview_until_readers_can_see_it(editor_client, drafted):
    story, draft, shown = drafted["story"], drafted["draft"], drafted["shown"]
    preview = preview_address(story)

    def change_form(obj):
        opts = obj._meta
        return editor_client.get(reverse(f"admin:tracker_{opts.model_name}_change", args=[obj.pk])).content.decode()

    assert view_on_site(change_form(draft)) == f"{preview}#{draft.anchor}"
    assert view_on_site(change_form(story)) == preview
    draft_quote = shown.quotes.get(status=Status.DRAFT)
    assert view_on_site(change_form(draft_quote)) == f"{preview}#{draft_quote.anchor}"
    # The published event of a draft story is not public either.
    assert view_on_site(change_form(shown)) == f"{preview}#{shown.anchor}"

    story.publish()
    story.save()
    assert view_on_site(change_form(shown)) == shown.get_absolute_url()
    assert view_on_site(change_form(story)) == story.get_absolute_url()
    assert view_on_site(change_form(draft)) == f"{preview}#{draft.anchor}"
    published_quote = shown.quotes.get(status=Status.PUBLISHED)
    assert view_on_site(change_form(published_quote)) == published_quote.get_absolute_url()
    assert view_on_site(change_form(draft_quote)) == f"{preview}#{draft_quote.anchor}"
    assert editor_client.get(view_on_site(change_form(shown))).status_code == 302  # the permalink


def test_change_forms_and_lists_link_to_the_preview(editor_client, drafted):
    story, draft = drafted["story"], drafted["draft"]
    quote = draft.quotes.get()
    preview = preview_address(story)
    for obj, target in ((story, preview), (draft, f"{preview}#{draft.anchor}"), (quote, f"{preview}#{quote.anchor}")):
        name = obj._meta.model_name
        form = editor_client.get(reverse(f"admin:tracker_{name}_change", args=[obj.pk])).content.decode()
        tools = form[form.index('<ul class="object-tools">') :]
        tools = tools[: tools.index("</ul>")]
        assert f'<a href="{target}" class="previewlink">Preview</a>' in tools
        assert 'class="historylink"' in tools and 'class="viewsitelink"' in tools
        listing = editor_client.get(reverse(f"admin:tracker_{name}_changelist")).content.decode()
        assert f'<a href="{target}">Preview</a>' in listing
    # A source belongs to no one story: no preview.
    source_form = editor_client.get(reverse("admin:tracker_source_change", args=[drafted["source"].pk]))
    assert "previewlink" not in source_form.content.decode()


def test_the_public_story_page_carries_no_preview_marks(client, drafted):
    story = drafted["story"]
    story.publish()
    story.save()
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Published event headline" in html
    for mark in (BANNER, DRAFT_MARK, "draft-label", "is-draft", "preview-banner", "noindex", "Not yet published"):
        assert mark not in html
    for hidden in ("Draft event headline", "Draft Speaker", "Withdrawn event headline"):
        assert hidden not in html
    assert 'rel="canonical"' in html and "application/ld+json" in html


def test_previewing_leaves_the_public_pages_and_their_cache_as_they_were(client, editor, newsroom):  # noqa: F811
    story = newsroom["public_story"]
    public = client.get(story.get_absolute_url()).content
    keys = caching.page_tokens(story.get_absolute_url())
    tokens = caching.read_tokens(keys)
    staff = Client()
    staff.force_login(editor)
    for hidden in (story, *newsroom["hidden_stories"]):
        previewed = staff.get(preview_address(hidden))
        assert previewed.status_code == 200 and SECRET in previewed.content.decode().lower()

    assert caching.read_tokens(keys) == tokens  # nothing invalidated
    assert client.get(story.get_absolute_url()).content == public
    probe_site(client, newsroom)  # every public address, and every link from them, shows no draft
