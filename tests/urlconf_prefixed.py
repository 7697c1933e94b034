"""The site's URLs under /prefixed/, for tests of address building."""

from django.urls import include, path

urlpatterns = [path("prefixed/", include("newsroom.urls"))]
