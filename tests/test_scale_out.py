"""Two app instances on one PostgreSQL database and one Redis cache: an edit
made through one is what the other serves on its very next request, and under
a mixed load no request fails and no history record is lost."""

import html.parser
import http.client
import os
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection

from tracker.models import Event
from tracker.public.caching import TOKEN_SECONDS

from . import services
from .conftest import make_event, make_source, make_story

ROOT = Path(__file__).resolve().parent.parent
PORTS = range(8490, 8500)
PASSWORD = "correct horse battery staple"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared():
    """The environment both instances share: this test's database and a Redis cache."""
    if connection.vendor != "postgresql":
        pytest.skip("scale-out needs PostgreSQL: run with DATABASE_URL=postgres://… (CI's second pass does)")
    db = connection.settings_dict
    user = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    prefix = f"scale-out-test-{uuid.uuid4().hex[:8]}"
    yield {
        "DATABASE_URL": f"postgres://{user}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": services.redis_url(),
        "CACHE_KEY_PREFIX": prefix,
    }
    services.delete_keys(prefix)


def free_ports(count):
    ports = []
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                ports.append(port)
        if len(ports) == count:
            return ports
    pytest.fail(f"no {count} free ports in {PORTS}")


class Address:
    """A server on a loopback port, asked over HTTP as a browser would."""

    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            # One public host name for both, as behind a load balancer.
            conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
            response = conn.getresponse()
            return response.status, response.read().decode(), response
        finally:
            conn.close()

    def page(self, path):
        status, text, _ = self.request("GET", path)
        return status, text


class Instance(Address):
    """The production server (bin/serve) on a loopback port."""

    def __init__(self, port, shared):
        super().__init__(port)
        env = {
            **os.environ,
            **shared,
            "DEBUG": "0",
            "SECRET_KEY": "scale-out-test-key-not-for-production-0123456789abcdef",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "PORT": str(port),
            "WEB_CONCURRENCY": "2",
        }
        self.process = subprocess.Popen(  # noqa: S603 - the project's own server script
            [str(ROOT / "bin" / "serve")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"bin/serve exited: {self.process.stdout.read().decode()[-2000:]}")
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        pytest.fail("bin/serve did not answer within 60 s")

    def stop(self):
        os.killpg(self.process.pid, 15)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait()


@pytest.fixture
def instances(shared):
    started = []
    try:
        for port in free_ports(2):
            started.append(Instance(port, shared))
        yield started
    finally:
        for instance in started:
            instance.stop()


class FormFields(html.parser.HTMLParser):
    """The fields of the form with this id, as a browser would submit them."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.fields, self.select, self.textarea, self.in_form = form_id, [], None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.in_form = True
        if not self.in_form or "name" not in attrs and tag in ("input", "select", "textarea"):
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            checkable = attrs.get("type") in ("checkbox", "radio")
            if not checkable or "checked" in attrs:
                # As a browser posts it: a ticked box without a value says "on", an empty text box "".
                self.fields.append((attrs["name"], attrs.get("value", "on" if checkable else "")))
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.fields.append((self.textarea[0], self.textarea[1].lstrip("\n")))
            self.textarea = None
        elif tag == "form":
            self.in_form = False


class Editor:
    """An editor's browser session on one instance."""

    def __init__(self, instance, username):
        self.instance, self.cookies = instance, {}
        fields = self.form("/admin/login/", "login-form")
        fields = [(k, v) for k, v in fields if k not in ("username", "password")]
        status, _ = self.post("/admin/login/?next=/admin/", [*fields, ("username", username), ("password", PASSWORD)])
        assert status == 302 and "sessionid" in self.cookies, "login failed"

    def send(self, method, path, body=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, text, response = self.instance.request(method, path, body, headers)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return status, text

    def form(self, path, form_id):
        status, text = self.send("GET", path)
        assert status == 200, (path, status)
        parser = FormFields(form_id)
        parser.feed(text)
        return parser.fields

    def post(self, path, fields):
        return self.send("POST", path, urllib.parse.urlencode(fields))

    def change_headline(self, event, headline):
        path = f"/admin/tracker/event/{event.pk}/change/"
        fields = [(k, v) for k, v in self.form(path, "event_form") if not k.startswith("_")]
        fields = [(k, headline if k == "headline" else v) for k, v in fields]
        status, text = self.post(path, [*fields, ("_publish", "Publish changes")])
        assert status == 302, text[:3000]


@pytest.fixture
def story():
    User.objects.create_superuser("editor-a", password=PASSWORD)
    source = make_source(text="The ministry said “it was necessary” on Wednesday.")
    story = make_story("developing")
    return story, make_event(story, "ruling", [source], headline="Court hears the case")


def test_an_edit_through_one_instance_is_served_by_the_other_on_the_next_request(instances, story):
    a, b = instances
    story, event = story
    url = story.get_absolute_url()
    for instance in (a, b, a, b):  # cached in both, locally and shared
        assert instance.page(url) == (200, a.page(url)[1])
    Editor(a, "editor-a").change_headline(event, "Court rules the block unlawful")
    # Every worker process trusts the tokens it read for caching.TOKEN_SECONDS:
    # the documented bound on how long an anonymous reader may see the old page.
    edited = time.monotonic()
    for instance in (b, a):
        while "Court rules the block unlawful" not in (text := instance.page(url)[1]):
            assert "Court hears the case" in text
            assert time.monotonic() - edited <= TOKEN_SECONDS + 0.5, "an instance was stale past the bound"
            time.sleep(0.05)


def test_readers_on_both_instances_while_an_editor_saves_see_no_error_and_no_record_is_lost(instances, story):
    a, b = instances
    story, event = story
    url = story.get_absolute_url()
    baseline = Event.history.filter(id=event.pk).count()
    stop = threading.Event()
    statuses, failures = [], []

    def read(instance):
        while not stop.is_set():
            try:
                statuses.append(instance.page(url)[0])
                statuses.append(instance.page("/")[0])
            except OSError as error:
                failures.append(repr(error))

    readers = [threading.Thread(target=read, args=(instance,)) for instance in (a, b, a, b)]
    for reader in readers:
        reader.start()
    editor, saves = Editor(a, "editor-a"), 0
    deadline = time.time() + 10
    try:
        while time.time() < deadline:
            saves += 1
            editor.change_headline(event, f"Update {saves}")
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert not failures
    assert len(statuses) > 100 and set(statuses) == {200}
    assert saves > 5
    assert Event.history.filter(id=event.pk).count() == baseline + saves
    time.sleep(TOKEN_SECONDS)
    for instance in (a, b):
        assert f"Update {saves}<" in instance.page(url)[1]
