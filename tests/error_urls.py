"""The site's URLs plus one view that fails, to see the 500 page as readers would."""

from django.urls import path

from newsroom import urls as site


def fail(request):
    raise RuntimeError("secret failure detail: /srv/app/settings.py SECRET_KEY")


handler403 = site.handler403
urlpatterns = [path("fail/", fail), *site.urlpatterns]
