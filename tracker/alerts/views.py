"""Follow a story by email: ask, confirm, stop, delete one's address.

- The follow form (on the story page, and on a page of its own) POSTs here.
  Whether the address is new, waiting for confirmation or already following,
  the answer is the same page, and the same thing happens: one message is
  queued to that address (a confirmation link, or for a follower their own
  links). Nothing on the page or in the logs names the address.
- The form has no CSRF token: the story page is served from the page cache
  to every reader alike, and no session or account is at stake. A POST a
  browser marks as cross-site is refused, and each client and address is
  rate-limited (tracker.alerts.limits).
- Links carry a signed token (tracker.alerts.links); an altered, expired or
  spent link is a 400 page saying what to do, never an error.
- Unsubscribing is a GET page with a button, and the same address takes the
  mail client's one-click POST (RFC 8058), which carries no CSRF token either.
"""

from django.db import transaction
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tracker.alert_models import Subscription, new_key
from tracker.alerts import limits, links, tasks
from tracker.alerts.forms import FollowForm
from tracker.models import Story
from tracker.security import client_ip


def _page(request, template, context=None, status=200):
    response = render(request, f"tracker/alerts/{template}.html", context or {}, status=status)
    add_never_cache_headers(response)  # personal answers: no browser or shared cache keeps them
    return response


def _bad_link(request, error):
    return _page(request, "bad_link", {"expired": error.expired}, status=400)


def subscribe(story, email, frequency):
    """Queue one message to `email` about `story`, storing the address as pending if it is new."""
    if not limits.allow_address(email):
        return  # quietly: the reader's answer is the same
    with transaction.atomic():
        subscription, created = Subscription.objects.get_or_create(
            story=story, email=email, defaults={"frequency": frequency}
        )
        if not created and not subscription.is_confirmed:
            subscription.frequency = frequency
            subscription.key, subscription.created_at = new_key(), timezone.now()  # a fresh link, a fresh life
            subscription.save(update_fields=["frequency", "key", "created_at"])
        tasks.later(tasks.send_confirmation, subscription.pk, frequency)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def follow(request, slug):
    story = get_object_or_404(Story.objects.published(), slug=slug)
    if request.method != "POST":
        return _page(request, "follow", {"story": story, "form": FollowForm()})
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return _page(request, "refused", {"story": story}, status=403)
    if not limits.allow_client(client_ip(request)):
        return _page(request, "too_many", {"story": story}, status=429)
    form = FollowForm(request.POST)
    if not form.is_valid():
        return _page(request, "follow", {"story": story, "form": form})
    subscribe(story, form.cleaned_data["email"], form.cleaned_data["frequency"])
    return _page(request, "check_inbox", {"story": story, "days": links.confirm_days()})


def confirm(request, token):
    try:
        pk, key, frequency = links.read_confirm(token)
    except links.BadLink as error:
        return _bad_link(request, error)
    subscription = Subscription.objects.filter(pk=pk, key=key).select_related("story").first()
    story = subscription and Story.objects.published().filter(pk=subscription.story_id).first()
    if story is None:
        return _bad_link(request, links.BadLink("gone"))
    Subscription.objects.filter(pk=pk, confirmed_at=None).update(confirmed_at=timezone.now())
    Subscription.objects.filter(pk=pk).update(frequency=frequency)
    subscription.refresh_from_db()
    context = {"story": story, "subscription": subscription, "unsubscribe_url": links.unsubscribe_url(subscription)}
    return _page(request, "confirmed", context)


def _manage(request, token):
    """The subscription a manage link names, or None when it is gone; BadLink for a bad link."""
    pk, key = links.read_manage(token)
    return Subscription.objects.filter(pk=pk, key=key).select_related("story").first()


def _story_of(subscription):
    return Story.objects.published().filter(pk=subscription.story_id).first() if subscription else None


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET: the page with the button; POST: stop (the button, or the mail client's one-click)."""
    try:
        subscription = _manage(request, token)
    except links.BadLink as error:
        return _bad_link(request, error)
    if request.method == "POST":
        if subscription is not None:
            subscription.delete()
        return _page(request, "unsubscribed", {"story": _story_of(subscription)})
    if subscription is None:
        return _page(request, "unsubscribed", {})
    context = {"story": _story_of(subscription), "subscription": subscription, "token": token}
    return _page(request, "manage", context)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request, token):
    """GET: ask; POST: delete the address from every story it follows."""
    try:
        subscription = _manage(request, token)
    except links.BadLink as error:
        return _bad_link(request, error)
    if request.method == "POST":
        if subscription is not None:
            Subscription.objects.filter(email=subscription.email).delete()
        return _page(request, "deleted", {})
    if subscription is None:
        return _page(request, "deleted", {})
    return _page(request, "delete", {"story": _story_of(subscription), "token": token})
