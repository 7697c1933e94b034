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

from tracker.models import Event, Quote, Source, Status, Story

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
        return source_is_live(obj)
    return obj.status == Status.PUBLISHED


def source_is_live(source):
    """Whether changing `source` changes what readers see now or at a
    scheduled time: something published in a public or scheduled story cites
    or quotes it, or a source derived from it (its name and the count of
    independent sources follow the chain up to it)."""
    chain, level = {source.pk}, {source.pk}
    while level:
        level = set(Source.objects.filter(derived_from__in=level).values_list("pk", flat=True)) - chain
        chain |= level
    stories = Story.objects.filter(status=Status.PUBLISHED)  # public now, or at their scheduled time
    cited = Event.objects.live().filter(story__in=stories, sources__in=chain)
    quoted = Quote.objects.live().filter(event__status=Status.PUBLISHED, event__story__in=stories, source__in=chain)
    return cited.exists() or quoted.exists()


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
