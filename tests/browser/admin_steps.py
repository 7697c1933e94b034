"""What an editor does at the admin's desk, step by step, in a real browser,
with a record of the journey: every response's status, every page load, every
value typed, and what axe-core and the screen's width say of each page seen."""

import datetime
from contextlib import contextmanager

from axe_playwright_python.sync_playwright import Axe
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import Error, expect

from tracker.models import Event, Quote, Source, Story

from ..people import PASSWORD
from ..quality import story_with_history

# axe-core's preload would copy the admin's @import-ed stylesheets into <style>
# elements, which the admin's Content-Security-Policy blocks (and the page
# fixture reports); only its css-orientation-lock rule reads them.
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "preload": False}


CSP_REPORTER = """document.addEventListener("securitypolicyviolation", (e) => console.error(
    `CSP ${e.effectiveDirective} blocked at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}: ${e.sample}`));"""


def seed_story(loaded_ago=datetime.timedelta(days=1)):
    """The seed story after a day of editing (story_with_history), its load
    dated `loaded_ago`: the newsroom wrote it yesterday, not a moment before
    the journey, so "as it stood an hour ago" is before anything the journey does."""
    story = story_with_history()
    moment = timezone.now()  # after the load; the day's corrections are dated a minute later
    for model in (Story, Event, Quote, Source):
        model.history.filter(history_date__lte=moment).update(history_date=F("history_date") - loaded_ago)
    return story


class Desk:
    """One person's browser context and what happened in it.

    Counts page loads: documents shown in a main frame (a page of its own or a
    popup window), each the result of opening an address or submitting a
    form; redirects are not loads of their own."""

    def __init__(self, context, site, name):
        self.context, self.site, self.name = context, site, name
        self.statuses = []  # (status, address) of every response
        self.loads = []  # the address of every page load
        self.typed = []  # every value typed into a form field
        self.searched = []  # every word typed to search an autocomplete
        self.errors = []  # script errors and console errors, on any page of the context
        self.findings = {}  # page name: [axe rule ids violated], and "overflow" entries
        context.on("response", self._responded)
        context.on("console", self._console)
        # Where a Content-Security-Policy violation comes from, which the console does not say.
        context.add_init_script(CSP_REPORTER)
        context.on("weberror", lambda error: self.errors.append(str(error.error)))

    def _responded(self, response):
        self.statuses.append((response.status, response.url))
        request = response.request
        if request.is_navigation_request() and _in_main_frame(request) and not 300 <= response.status < 400:
            self.loads.append(response.url)

    def _console(self, message):
        if message.type == "error":
            where = message.location.get("url") or (message.page.url if message.page else "?")
            self.errors.append(f"{where}:{message.location.get('lineNumber')}: {message.text}")

    @property
    def server_errors(self):
        return [(status, url) for status, url in self.statuses if status >= 500]

    @property
    def failed(self):
        """Responses of 400 and more; browsers ask for /favicon.ico of their own accord."""
        return [(status, url) for status, url in self.statuses if status >= 400 and not url.endswith("/favicon.ico")]

    def page(self):
        return self.context.pages[0] if self.context.pages else self.context.new_page()

    def type(self, field, value):
        """Type `value` into `field` (a locator), as a person types it once."""
        field.fill(value)
        self.typed.append(value)

    def repeated_values(self):
        return sorted({value for value in self.typed if self.typed.count(value) > 1})

    def audit(self, page, name):
        """axe-core's WCAG 2.1 AA rules and the screen's width, on the page as it is now."""
        results = Axe().run(page, options=WCAG_21_AA)
        violations = [
            f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']}: "
            f"{v['nodes'][0]['failureSummary']})"
            for v in results.response["violations"]
        ]
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            violations.append(f"overflow: {overflow}px wider than {page.viewport_size['width']}px")
        if violations:
            self.findings[name] = violations


@contextmanager
def another_desk(browser, site, name, width=1280):
    """A second person's browser, beside the test's own tab: a context of its
    own (its own cookies), checked as the `page` fixture checks that tab."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    desk = Desk(context, site, name)
    desk.page()
    try:
        yield desk
        assert desk.errors == [], f"errors in {name}'s browser: {desk.errors}"
        assert desk.failed == [], f"failed requests in {name}'s browser: {desk.failed}"
    finally:
        context.close()


def _in_main_frame(request):
    try:
        return request.frame.parent_frame is None
    except Error:  # a new window's first page: its frame is created after the request
        return True


def log_in(page, desk, username, next_url=None):
    """Log in at the admin's login page, or at the one `next_url` sends to."""
    page.goto(desk.site + (next_url or "/admin/login/"))
    expect(page.locator("#id_username")).to_be_visible()
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    expect(page.locator("#user-tools")).to_contain_text(username.upper(), ignore_case=True)


def choose(page, select_id, option_text, desk=None, search=None):
    """Pick `option_text` in the select2 autocomplete that stands for the
    <select id=`select_id`>, typing `search` first if given."""
    page.locator(f"#{select_id} + .select2 .select2-selection").click()
    if search is not None:
        page.locator(".select2-container--open .select2-search__field").fill(search)
        if desk is not None:
            desk.searched.append(search)
    option = page.locator(".select2-container--open .select2-results__option", has_text=option_text)
    option.first.click()
    expect(page.locator(f"#{select_id} + .select2")).to_contain_text(option_text[:40])


def press(page, label):
    """Press a form's button and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=label, exact=True).click()


def form_errors(page):
    """The error notes and error lists the page shows, as text."""
    return [text.strip() for text in page.locator(".errornote, .errorlist").all_inner_texts() if text.strip()]


def messages(page):
    return [text.strip() for text in page.locator("ul.messagelist li").all_inner_texts()]


SELECT_WORDS = """(text, words) => {
    const node = text.firstChild;
    const start = node.data.indexOf(words);
    if (start < 0) throw new Error(`not in the archived text: ${words}`);
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, start + words.length);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    text.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


def has_quote_picker(page):
    """Whether the form offers the source's archived text beside each quote to pick its words from."""
    return page.locator("script[data-source-text-url]").count() > 0


def pick_words(row, words):
    """In a quote row's panel of the source's archived text, select `words`
    (as a mouse drag over them would) and press "Use selected words"."""
    panel = row.locator(".quote-picker")
    expect(panel).to_be_visible()
    text = panel.locator(".quote-picker-text")
    expect(text).to_contain_text(words)
    text.evaluate(SELECT_WORDS, words)
    panel.get_by_role("button", name="Use selected words").click()


def assert_clean(desk, page=None):
    """No server error so far, no script error, and (on `page`) no form error."""
    assert desk.server_errors == [], desk.server_errors
    assert desk.errors == [], desk.errors
    if page is not None:
        assert form_errors(page) == [], f"{page.url}: {form_errors(page)}"


def assert_accessible(*desks):
    """No axe-core finding on any page the desks showed (asserted last, after the journey's own checks)."""
    findings = {f"{desk.name}: {name}": found for desk in desks for name, found in desk.findings.items()}
    assert findings == {}, "\n".join(f"{name}: {found}" for name, found in findings.items())
