"""An editor records where sources disagree, in a real browser: an account of
a disputed detail added on the event's form, with the source that gives it,
and the table readers then see under the event. Every page the journey
shows is audited by axe-core (WCAG 2.1 AA) and for width; the findings are
asserted last, after the journey's own checks."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tracker.models import Source, Status

from ..people import member_of
from .admin_steps import another_desk, assert_accessible, assert_clean, choose, log_in, messages, press

pytestmark = pytest.mark.browser

WIRE = "reuters-wire-ministry-confirms-block"
ACCOUNT = {"detail": "When the ministry made its submission", "says": "“on Wednesday”"}


@pytest.mark.parametrize("width", [1280])
def test_an_editor_adds_an_account_of_a_disputed_detail_and_readers_see_it_under_the_event(
    page, site, browser, story, desk
):
    member_of("Editors", "edna")
    event = story.events.get(slug="ministry-confirms-block-in-court")
    wire = Source.objects.get(slug=WIRE)
    assert not event.accounts.exists()
    records = event.history.count()

    log_in(page, desk, "edna", next_url=reverse("admin:tracker_event_change", args=[event.pk]))
    desk.audit(page, "event change form")
    group = page.locator("#accounts-group")
    expect(group).to_contain_text("Sources' accounts of a disputed detail", ignore_case=True)
    group.locator(".add-row a", has_text="Add another Account").click()
    row = page.locator("#accounts-0")
    expect(row).to_be_visible()
    for field, value in ACCOUNT.items():
        desk.type(row.locator(f"#id_accounts-0-{field}"), value)
    choose(page, "id_accounts-0-sources", str(wire))
    desk.audit(page, "event change form, an account added")
    press(page, "Publish changes")
    assert_clean(desk, page)
    assert "Published." in messages(page)

    (added,) = event.accounts.all()
    assert (added.detail, added.says, list(added.sources.all())) == (ACCOUNT["detail"], ACCOUNT["says"], [wire])
    assert added.history.get().history_user.username == "edna"
    event.refresh_from_db()
    assert event.status == Status.PUBLISHED
    assert event.history.count() == records + 1  # one save of the event, its account included
    assert event.history.first().accounts_text == f"{ACCOUNT['detail']}: {ACCOUNT['says']} ({wire})"

    with another_desk(browser, site, "reader") as reader:
        public = reader.page()
        public.goto(site + story.get_absolute_url())
        table = public.locator(f'li[id="{event.anchor}"] table.accounts')
        expect(table.locator("caption")).to_have_text("Sources disagree — 1 account")
        (cells,) = [row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()]
        assert cells[:2] == [ACCOUNT["detail"], ACCOUNT["says"]]
        citation = table.locator("tbody td").nth(2).get_by_role("link")
        expect(citation).to_contain_text(wire.headline)
        href = citation.get_attribute("href")
        assert href == f"#source-{wire.pk}"
        citation.click()
        expect(public.locator(f'li[id="source-{wire.pk}"]')).to_be_in_viewport()
        reader.audit(public, "story page with an account")

    assert_accessible(desk, reader)
