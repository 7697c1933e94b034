"""Who the client is behind the proxy, the security log, and the error views
that log a refusal and reveal nothing.

Every login, failed login, lockout and permission denial is written to the
``tracker.security`` logger with the user name and the client's address.
"""

import ipaddress
import logging

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import BadRequest
from django.dispatch import receiver
from django.shortcuts import render

from tracker.editorial.permissions import log_denial

log = logging.getLogger("tracker.security")


def client_ip(request):
    """The client's address as our outermost trusted proxy saw it.

    Each of the TRUSTED_PROXY_COUNT proxies in front of the site appends the
    address it got the request from to X-Forwarded-For, so the entry that
    many places from the right was written by our outermost proxy. Anything
    left of it came from the client and may be forged; with no trusted proxy
    the header is ignored altogether.
    """
    count = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < count:
        return remote  # did not come through our proxies
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote


def _address(request):
    return client_ip(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="tracker.security.login")
def _logged_in(sender, request, user, **kwargs):
    log.info("login: user=%s ip=%s", user.get_username(), _address(request))


@receiver(user_logged_out, dispatch_uid="tracker.security.logout")
def _logged_out(sender, request, user, **kwargs):
    log.info("logout: user=%s ip=%s", user.get_username() if user else None, _address(request))


@receiver(user_login_failed, dispatch_uid="tracker.security.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    log.warning("failed login: user=%s ip=%s", credentials.get("username"), _address(request))


@receiver(user_locked_out, dispatch_uid="tracker.security.locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    log.warning("locked out after repeated failed logins: user=%s ip=%s", username, ip_address)


def permission_denied(request, exception=None):
    """The 403 page, after logging who was refused what."""
    log_denial(getattr(request, "user", None), request.method, str(exception or "") or "forbidden", request.path)
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """A POST without a valid CSRF token: refused and logged like any denial."""
    log_denial(getattr(request, "user", None), f"{request.method} without a valid CSRF token", reason, request.path)
    return render(request, "403.html", status=403)


def _holds_nul(query_dict):
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query_dict.lists())


class RefuseNulMiddleware:
    """A NUL character in a request's path, query string or form fields (not
    its uploaded files) is a 400. No text of ours holds one, and PostgreSQL
    refuses one in a query outright (a DataError, a 500), wherever a search,
    a list filter or an autocomplete term would have used it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        posted = request.method == "POST" and _holds_nul(request.POST)
        if "\x00" in request.path or _holds_nul(request.GET) or posted:
            raise BadRequest("NUL character in the request")
        return self.get_response(request)
