from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import TemplateView

from tracker.public.sitemaps import StorySitemap

admin.site.site_header = "Tracker newsroom"
admin.site.site_title = "Tracker admin"
admin.site.index_title = "Editorial desk"

handler403 = "tracker.security.permission_denied"


def healthz(request):
    """For load balancers, and the benchmarks' baseline: the cheapest answer the
    app can give, touching neither the database nor a template."""
    return HttpResponse("ok", content_type="text/plain")


def favicon(request):
    """Browsers ask for /favicon.ico of their own accord: the site's icon, where the pages link it."""
    return HttpResponsePermanentRedirect(static("tracker/logo.png"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": {"stories": StorySitemap}}, name="sitemap"),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain"), name="robots_txt"),
    path("", include("tracker.alerts.urls")),
    path("", include("tracker.public.urls")),
]
