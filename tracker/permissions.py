"""Who may put what in front of readers.

Reporters prepare drafts; editors publish. Publishing is any act that changes
what readers see now or at a scheduled time: setting a story, event or quote
to Published, and changing or deleting anything that is already Published
(a scheduled story included) or, for a source, already shown to readers.
Each of these needs the model's ``publish_<model>`` permission, which the
Editors group holds and the Reporters group does not.
"""

import logging

from django.core.exceptions import PermissionDenied

from .models import Source, Status

log = logging.getLogger("tracker.security")

REFUSED_PUBLISH = "Only an editor can publish. Save it as a draft and ask an editor to publish it."
REFUSED_LIVE = "Only an editor can change or delete what readers can see (published or scheduled content)."


def publish_permission(model):
    return f"{model._meta.app_label}.publish_{model._meta.model_name}"


def may_publish(user, model):
    return user is not None and user.has_perm(publish_permission(model))


def is_live(obj):
    """Readers see it, or will at its scheduled time, without anyone publishing it again."""
    if isinstance(obj, Source):
        return Source.objects.published().filter(pk=obj.pk).exists()
    return obj.status == Status.PUBLISHED


def refusal(user, model, stored=None, new_status=None):
    """Why `user` may not change `stored` (None when adding) or give a `model`
    object the status `new_status`; None if they may."""
    if may_publish(user, model):
        return None
    if stored is not None and is_live(stored):
        return REFUSED_LIVE
    if new_status == Status.PUBLISHED:
        return REFUSED_PUBLISH
    return None


def deny(request, what, reason):
    """Log a refused request and refuse it."""
    log_denial(request.user, what, reason, request.path)
    raise PermissionDenied(reason)


def log_denial(user, what, reason, path=""):
    log.warning(
        "permission denied: user=%s what=%s reason=%s path=%s",
        getattr(user, "username", None) or "anonymous",
        what,
        reason,
        path,
    )
