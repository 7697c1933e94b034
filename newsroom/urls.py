from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

admin.site.site_header = "Tracker newsroom"
admin.site.site_title = "Tracker admin"
admin.site.index_title = "Editorial desk"


def healthz(request):
    """For load balancers, and the benchmarks' baseline: the cheapest answer the
    app can give, touching neither the database nor a template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("tracker.urls")),
]
