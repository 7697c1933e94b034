"""The public URLs plus two probe pages classified as a story's pages: one
that sets its own validators (as the share image does), one slow to render."""

import time

from django.http import HttpResponse
from django.urls import include, path
from django.utils.cache import patch_cache_control

import tracker.public.urls

calls = []


def own_validators(request, slug):
    calls.append(slug)
    response = HttpResponse(b"PNG", content_type="image/png")
    response["ETag"] = '"drawn-once"'
    response["Last-Modified"] = "Wed, 17 Apr 2024 09:00:00 GMT"
    patch_cache_control(response, public=True, max_age=300)
    return response


def slow(request, slug):
    calls.append(slug)
    time.sleep(0.5)
    return HttpResponse(f"rendered for {slug}")


patterns = [
    path("stories/<slug:slug>/share.png", own_validators, name="share_image"),
    path("stories/<slug:slug>/slow/", slow, name="story_changes"),
    *tracker.public.urls.urlpatterns,
]
urlpatterns = [path("", include((patterns, "tracker")))]
