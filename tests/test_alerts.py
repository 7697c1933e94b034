"""Following a story by email, end to end against a real SMTP server (aiosmtpd)
and the real task queue (django-tasks' database backend, run by `manage.py db_worker`)."""

import datetime
import email
import email.policy
import io
import logging
import re
import signal
import socket
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tracker.alert_models import Delivery, DeliveryKind, Digest, Frequency, Subscription
from tracker.alerts import digest as digests
from tracker.alerts import links, tasks
from tracker.history import editing
from tracker.models import Change, Status

from .conftest import make_event, make_story

ADDRESS = "reader.one@example.org"
REFUSED = "nobody@refused.example"
LINK = re.compile(r"http://[^\s<>\"]+")


class Inbox:
    """An aiosmtpd handler that keeps what it is given, and refuses one address."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return f"550 5.1.1 <{address}>: no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def stop(self):
        self.controller.stop()

    def start(self):
        """A server again on the same port (a stopped Controller does not start twice)."""
        self.controller = Controller(self, hostname="127.0.0.1", port=self.controller.port)
        self.controller.start()

    def to(self, address):
        return [message for recipients, message in self.messages if address in recipients]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1, and the site sending through it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.ALERTS_DIGEST_DELAY = 0  # a digest is due at once, not in five minutes
    inbox.controller = controller
    yield inbox
    inbox.stop()


def run_worker():
    """`manage.py db_worker --batch`: every task that is due, and those they queue, then stop."""
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    out = io.StringIO()
    try:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=2, stdout=out)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
    return out.getvalue()


def header(message, name):
    return str(message[name]).strip()


def unsubscribe_path(message):
    """The path of the message's List-Unsubscribe address (`<https://…>`)."""
    return urlsplit(header(message, "List-Unsubscribe").strip("<>")).path


def body(message, kind="plain"):
    return message.get_body(preferencelist=(kind,)).get_content()


def link_in(message, route):
    """The path of the first link to `route` (e.g. "/follow/confirm/") in the message's text."""
    found = [urlsplit(url) for url in LINK.findall(body(message))]
    paths = [url.path + (f"?{url.query}" if url.query else "") for url in found]
    return next(path for path in paths if path.startswith(route))


def follow(client, story, address=ADDRESS, frequency=Frequency.HOURLY, **extra):
    return client.post(
        reverse("alerts:follow", kwargs={"slug": story.slug}), {"email": address, "frequency": frequency}, **extra
    )


def follower(story, address=ADDRESS, frequency=Frequency.HOURLY):
    return Subscription.objects.create(
        story=story, email=address, frequency=frequency, confirmed_at=timezone.now() - datetime.timedelta(minutes=5)
    )


def publish(change):
    """Run `change()` as one edit that commits, as an admin save does: its
    changelog is recorded on commit, and the task it queued can run."""
    with transaction.atomic(), editing():
        return change()


@pytest.fixture
def story(db):
    return publish(lambda: make_story("follow-me"))


# The worker runs in this process, as `manage.py db_worker` does: it commits
# and checks its connection between tasks, so those tests commit for real.
with_worker = pytest.mark.django_db(transaction=True)


# --- The whole journey --------------------------------------------------------------


@with_worker
def test_subscribe_confirm_alert_and_one_click_unsubscribe(client, smtp, story):
    answer = follow(client, story, "Reader.One@Example.org")
    assert answer.status_code == 200 and "Check your inbox" in answer.content.decode()
    assert Subscription.objects.get().confirmed_at is None  # stored pending, only to send the confirmation
    run_worker()

    (confirmation,) = smtp.to(ADDRESS)
    assert "List-Unsubscribe" not in confirmation  # not a list message yet
    confirmed = client.get(link_in(confirmation, "/follow/confirm/"))
    assert confirmed.status_code == 200 and "You follow this story" in confirmed.content.decode()
    assert Subscription.objects.get().is_confirmed

    event = publish(lambda: make_event(story, "block-lifted", headline="The block is lifted", is_key=True))
    run_worker()

    (confirmation_again, alert) = smtp.to(ADDRESS)
    assert confirmation_again is confirmation
    assert "The block is lifted" in alert["Subject"] and story.title in alert["Subject"]
    assert "The block is lifted" in body(alert) and "The block is lifted" in body(alert, "html")
    assert re.fullmatch(r"<http://127\.0\.0\.1:8000/follow/stop/[^>]+/>", header(alert, "List-Unsubscribe"))
    assert header(alert, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert header(alert, "List-Id") == "<follow-me.alerts.127.0.0.1>"

    # The new-since link opens the story with the event marked.
    since = client.get(link_in(alert, f"/stories/{story.slug}/?since="))
    assert since.status_code == 200
    assert re.search(rf'<li id="{event.anchor}" class="[^"]*\bis-new\b', since.content.decode())

    # The mail client's one-click unsubscribe (RFC 8058): a POST, no cookies, no CSRF token.
    stop = client.post(
        unsubscribe_path(alert), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert stop.status_code == 200 and "No more emails" in stop.content.decode()
    assert not Subscription.objects.exists()

    publish(lambda: make_event(story, "second-key", headline="Another key event", is_key=True))
    run_worker()
    assert len(smtp.to(ADDRESS)) == 2


@pytest.mark.django_db
def test_the_unsubscribe_link_shows_a_button_before_it_stops(client, story):
    subscription = follower(story)
    page = client.get(urlsplit(links.unsubscribe_url(subscription)).path)
    assert page.status_code == 200 and "Stop these emails" in page.content.decode()
    assert Subscription.objects.filter(pk=subscription.pk).exists()  # a link scanner's GET stops nothing
    client.post(urlsplit(links.unsubscribe_url(subscription)).path)
    assert not Subscription.objects.filter(pk=subscription.pk).exists()
    again = client.get(urlsplit(links.unsubscribe_url(subscription)).path)
    assert again.status_code == 200 and "No more emails" in again.content.decode()


# --- Drafts never reach an email ------------------------------------------------------


@with_worker
def test_a_draft_never_produces_an_email_nor_its_words_in_a_digest(smtp, story):
    follower(story)
    publish(lambda: make_event(story, "secret", headline="SECRET draft headline", is_key=True, status=Status.DRAFT))
    run_worker()
    assert smtp.messages == []

    def mixed():
        make_event(story, "public", headline="A published event")
        make_event(story, "secret-2", headline="SECRET second draft", description="SECRET words", status=Status.DRAFT)

    publish(mixed)
    run_worker()
    (sent,) = smtp.to(ADDRESS)
    assert "A published event" in body(sent)
    everything = sent.as_string()
    assert "SECRET" not in everything


@with_worker
def test_an_event_withdrawn_before_the_worker_runs_is_not_sent(smtp, story):
    follower(story)
    event = publish(lambda: make_event(story, "soon-gone", headline="Published by mistake", is_key=True))

    def withdraw():
        event.unpublish()
        event.save()

    publish(withdraw)
    run_worker()
    assert smtp.messages == []


# --- Idempotency ------------------------------------------------------------------------


@with_worker
def test_a_retried_task_sends_nothing_twice(smtp, story):
    subscription = follower(story)
    event = publish(lambda: make_event(story, "key", headline="Key once", is_key=True))
    run_worker()
    assert len(smtp.messages) == 1
    change = Change.objects.get(subject="event", object_id=event.pk)
    tasks.send_alerts.enqueue(change.pk, subscription.pk, subscription.pk)  # a retry
    tasks.notify_edit.enqueue(change.edit_id)  # and the whole edit again
    run_worker()
    assert tasks.send_alerts.call(change.pk, subscription.pk, subscription.pk) == 0
    assert len(smtp.messages) == 1
    delivery = Delivery.objects.get()
    assert (delivery.kind, delivery.event_id, delivery.sent_at is not None) == (DeliveryKind.ALERT, event.pk, True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Delivery.objects.create(subscription=subscription, kind=DeliveryKind.ALERT, event=event, change=change)


@with_worker
def test_a_mail_server_down_sends_later_and_once(smtp, story):
    subscription = follower(story)
    smtp.stop()
    event = publish(lambda: make_event(story, "key", headline="Sent later", is_key=True))
    run_worker()
    assert not Delivery.objects.exists()  # nothing went, so nothing is claimed
    retried = DBTaskResult.objects.filter(task_path="tracker.alerts.tasks.send_alerts", status="READY")
    assert retried.count() == 1 and retried.get().run_after > timezone.now()  # tried again, later
    smtp.start()
    change = Change.objects.get(subject="event", object_id=event.pk)
    assert tasks.send_alerts.call(change.pk, subscription.pk, subscription.pk, 1) == 1
    assert tasks.send_alerts.call(change.pk, subscription.pk, subscription.pk, 1) == 0
    assert len(smtp.messages) == 1


# --- Digests ---------------------------------------------------------------------------------


@with_worker
def test_other_new_and_corrected_events_come_in_a_digest_at_most_hourly(smtp, story):
    follower(story)
    first = publish(lambda: make_event(story, "first", headline="First update"))
    run_worker()
    (digest,) = smtp.to(ADDRESS)
    assert "First update" in body(digest) and "1 new" in digest["Subject"]
    assert header(digest, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    sent = Digest.objects.get()

    def correct():
        first.headline = "First update, corrected"
        first.correction = "An earlier version misnamed the ministry."
        first.save()

    publish(correct)
    publish(lambda: make_event(story, "second", headline="Second update"))
    run_worker()
    assert len(smtp.messages) == 1  # not within the hour
    waiting = Digest.objects.get(sent_at=None)
    assert waiting.due_at >= sent.due_at + datetime.timedelta(hours=1)
    tasks.send_digest.call(waiting.pk)  # the hour has come
    (_, second) = smtp.to(ADDRESS)
    text = body(second)
    assert "Corrected: " in text and "An earlier version misnamed the ministry." in text
    assert "New: " in text and "Second update" in text
    assert "1 new and 1 corrected" in second["Subject"]
    assert tasks.send_digest.call(waiting.pk) == 0  # sent once


def test_a_daily_digest_is_due_at_the_daily_hour(settings):
    settings.ALERTS_DAILY_HOUR = 7
    now = timezone.make_aware(datetime.datetime(2024, 4, 17, 9, 30))
    due = digests.next_due(Frequency.DAILY, now)
    assert timezone.localtime(due).replace(tzinfo=None) == datetime.datetime(2024, 4, 18, 7, 0)
    assert digests.next_due(Frequency.DAILY, due + datetime.timedelta(minutes=5), due) == due + datetime.timedelta(
        days=1
    )
    hourly = digests.next_due(Frequency.HOURLY, now, now - datetime.timedelta(minutes=10))
    assert hourly == now + datetime.timedelta(minutes=50)


# --- Privacy -----------------------------------------------------------------------------------


@with_worker
def test_the_answer_is_the_same_whether_the_address_is_known_or_not(client, smtp, story):
    fresh = follow(client, story, "new.reader@example.org")
    pending = follow(client, story, "new.reader@example.org")
    follower(story, "old.reader@example.org")
    known = follow(client, story, "old.reader@example.org")
    assert fresh.status_code == pending.status_code == known.status_code == 200
    assert fresh.content == pending.content == known.content
    assert fresh.headers.get("Set-Cookie") is None and "no-cache" in fresh["Cache-Control"]
    run_worker()
    # Each address gets a message (the follower's holds their own links), so timing and mail alike say nothing.
    assert len(smtp.to("new.reader@example.org")) == 2
    (known_message,) = smtp.to("old.reader@example.org")
    assert "You already follow" in body(known_message)


@with_worker
def test_follow_requests_are_rate_limited_per_address_and_per_client(client, smtp, story, settings):
    settings.ALERTS_ADDRESS_LIMIT, settings.ALERTS_CLIENT_LIMIT = 2, 4
    answers = [follow(client, story, REMOTE_ADDR="192.0.2.1") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[2].content == answers[0].content  # past the address's limit: the same answer, nothing sent
    follow(client, story, "other@example.org", REMOTE_ADDR="192.0.2.1")
    refused = follow(client, story, "third@example.org", REMOTE_ADDR="192.0.2.1")
    assert refused.status_code == 429
    assert follow(client, story, "third@example.org", REMOTE_ADDR="192.0.2.2").status_code == 200
    run_worker()
    assert len(smtp.to(ADDRESS)) == 2


@pytest.mark.django_db
def test_a_cross_site_post_is_refused(client, story):
    assert follow(client, story, HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    assert follow(client, story, HTTP_SEC_FETCH_SITE="same-origin").status_code == 200


@with_worker
def test_the_address_never_appears_in_logs_pages_or_the_queue(client, smtp, story, caplog):
    caplog.set_level(logging.DEBUG)
    refused_reader = follower(story, REFUSED)
    pages = [follow(client, story), follow(client, story, "not an address")]
    output = run_worker()
    (confirmation,) = smtp.to(ADDRESS)
    pages.append(client.get(link_in(confirmation, "/follow/confirm/")))
    publish(lambda: make_event(story, "key", headline="Told to all", is_key=True))
    output += run_worker()
    assert len(smtp.to(ADDRESS)) == 2 and smtp.to(REFUSED) == []
    assert f"subscription {refused_reader.pk}: refused" in caplog.text  # logged by its id
    (alert_message,) = smtp.to(ADDRESS)[1:]
    pages.append(client.get(unsubscribe_path(alert_message)))
    pages.append(client.get(link_in(alert_message, "/follow/delete/")))
    pages.append(client.post(link_in(alert_message, "/follow/delete/")))
    pages.append(client.get(reverse("alerts:follow", kwargs={"slug": story.slug})))
    for page in pages:
        assert page.status_code in (200, 400)
        shown = page.content.decode() + str(page.headers)
        assert ADDRESS not in shown.lower() and REFUSED not in shown
    # The test's own SMTP server (aiosmtpd's "mail.log") names recipients; the site never does.
    written = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.")) + output
    assert ADDRESS not in written and REFUSED not in written and "example.org" not in written
    queue = str(list(DBTaskResult.objects.values()))
    assert ADDRESS not in queue and REFUSED not in queue


@pytest.mark.django_db
def test_deleting_my_address_removes_it_from_every_story(client, story):
    other = make_story("other-story")
    mine = follower(story)
    follower(other)
    follower(story, "someone.else@example.org")
    page = client.get(urlsplit(links.delete_url(mine)).path)
    assert page.status_code == 200 and "Delete my address" in page.content.decode()
    assert Subscription.objects.count() == 3
    client.post(urlsplit(links.delete_url(mine)).path)
    assert list(Subscription.objects.values_list("email", flat=True)) == ["someone.else@example.org"]


# --- Links -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_tampered_or_expired_link_is_a_clear_400(client, story, settings):
    subscription = Subscription.objects.create(story=story, email=ADDRESS)
    token = links.confirm_token(subscription, Frequency.DAILY)
    for bad in (token[:-2] + "xx", "junk", token.replace(":", ".", 1), links.manage_token(subscription)):
        response = client.get(reverse("alerts:confirm", kwargs={"token": bad}))
        assert response.status_code == 400, bad
        assert "This link does not work" in response.content.decode()
    for route in ("alerts:unsubscribe", "alerts:delete"):
        assert client.get(reverse(route, kwargs={"token": token})).status_code == 400  # another link's token
        assert client.post(reverse(route, kwargs={"token": "junk"})).status_code == 400
    settings.ALERTS_CONFIRM_DAYS = 0
    expired = client.get(reverse("alerts:confirm", kwargs={"token": token}))
    assert expired.status_code == 400 and "expired" in expired.content.decode()
    assert not Subscription.objects.get().is_confirmed
    settings.ALERTS_CONFIRM_DAYS = 3
    assert client.get(reverse("alerts:confirm", kwargs={"token": token})).status_code == 200
    subscription.refresh_from_db()
    assert subscription.is_confirmed and subscription.frequency == Frequency.DAILY


@pytest.mark.django_db
def test_an_old_link_does_not_act_on_a_later_subscription(client, story):
    first = follower(story)
    stale = links.unsubscribe_url(first)
    first.delete()
    later = follower(story)
    client.post(urlsplit(stale).path)
    assert Subscription.objects.filter(pk=later.pk).exists()


@with_worker
def test_unconfirmed_addresses_are_forgotten_after_the_link_expires(smtp, story, client):
    stale = Subscription.objects.create(story=story, email="stale@example.org")
    Subscription.objects.filter(pk=stale.pk).update(created_at=timezone.now() - datetime.timedelta(days=4))
    follow(client, story)
    run_worker()
    assert list(Subscription.objects.values_list("email", flat=True)) == [ADDRESS]


@pytest.mark.django_db
def test_following_a_story_readers_cannot_see_is_404(client):
    draft = make_story("draft-story", status=Status.DRAFT)
    assert follow(client, draft).status_code == 404
    assert client.get(reverse("alerts:follow", kwargs={"slug": draft.slug})).status_code == 404
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_the_follow_page_shows_the_form_and_its_errors(client, story):
    page = client.get(reverse("alerts:follow", kwargs={"slug": story.slug}))
    assert page.status_code == 200 and 'name="email"' in page.content.decode()
    wrong = follow(client, story, "not an address")
    assert wrong.status_code == 200 and 'aria-invalid="true"' in wrong.content.decode()
    assert not Subscription.objects.exists()
