"""The emails: a confirmation, a key event's alert, a digest. Text and HTML.

Every message about a story is built when it is sent, from
`Event.objects.published()`: an event withdrawn, returned to draft or whose
story was withdrawn before the message went is not in it, and a draft's words
never are (the Change rows are only the index of what to tell; the words come
from the published event). Alerts and digests carry `List-Unsubscribe` with
the one-click POST address and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
(RFC 8058), and a link to the story's page with what changed marked.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from tracker.alert_models import Frequency
from tracker.alerts import links


def _one_line(text, limit=150):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _list_id(story):
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{story.slug}.alerts.{host}>"


def message(subscription, subject, template, context, story=None):
    """One message to the subscription's address, from `template`.txt and .html."""
    context = {"site_name": settings.SITE_NAME, **context}
    text = render_to_string(f"tracker/email/{template}.txt", context)
    html = render_to_string(f"tracker/email/{template}.html", context)
    headers = {"Auto-Submitted": "auto-generated"}
    if story is not None:
        headers["List-Id"] = _list_id(story)
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        _one_line(subject), text, settings.DEFAULT_FROM_EMAIL, [subscription.email], headers=headers
    )
    email.attach_alternative(html, "text/html")
    return email


def confirmation(subscription, story, frequency):
    """The double opt-in: the signed link; or, to an address already following, its links."""
    context = {
        "story": story,
        "story_url": links.absolute(story.get_absolute_url()),
        "confirm_url": links.confirm_url(subscription, frequency),
        "frequency": Frequency(frequency).label,
        "already": subscription.is_confirmed,
        "changes_frequency": subscription.is_confirmed and subscription.frequency != frequency,
        "days": links.confirm_days(),
        "unsubscribe_url": links.unsubscribe_url(subscription) if subscription.is_confirmed else None,
    }
    subject = f"Confirm: follow “{story.title}”" if not subscription.is_confirmed else f"You follow “{story.title}”"
    return message(subscription, subject, "confirm", context)


def _common(subscription, story, since):
    return {
        "story": story,
        "story_url": links.absolute(story.get_absolute_url()),
        "since_url": links.since_url(story, since),
        "unsubscribe_url": links.unsubscribe_url(subscription),
        "delete_url": links.delete_url(subscription),
        "frequency": subscription.get_frequency_display(),
    }


def alert(subscription, story, event, since):
    context = {
        **_common(subscription, story, since),
        "event": event,
        "event_url": links.absolute(event.get_absolute_url()),
    }
    return message(subscription, f"{event.headline} · {story.title}", "alert", context, story=story)


def digest(subscription, story, items, since):
    """`items`: (label, event) pairs, label "New" or "Corrected"."""
    entries = [(label, event, links.absolute(event.get_absolute_url())) for label, event in items]
    new = sum(1 for label, _ in items if label == "New")
    corrected = len(items) - new
    parts = [f"{new} new" if new else "", f"{corrected} corrected" if corrected else ""]
    summary = " and ".join(part for part in parts if part)
    context = {**_common(subscription, story, since), "items": entries, "summary": summary}
    return message(
        subscription, f"{story.title}: {summary} event{'s' if len(items) != 1 else ''}", "digest", context, story=story
    )
