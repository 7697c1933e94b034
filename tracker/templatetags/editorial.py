"""Template tags for the admin's own pages."""

from django import template
from django.urls import reverse

from tracker.models import Event, Quote, Story

register = template.Library()


@register.simple_tag
def awaiting_review():
    """What reporters have submitted for an editor to publish: a count and a
    link to the filtered list for each kind that has any."""
    waiting = []
    for model in (Story, Event, Quote):
        count = model.objects.awaiting_review().count()
        if count:
            opts = model._meta
            label = opts.verbose_name if count == 1 else opts.verbose_name_plural
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + "?publication=review"
            waiting.append({"count": count, "label": label, "url": url})
    return waiting
