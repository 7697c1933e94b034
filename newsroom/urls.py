from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from tracker.sitemaps import StorySitemap

admin.site.site_header = "Tracker newsroom"
admin.site.site_title = "Tracker admin"
admin.site.index_title = "Editorial desk"

handler403 = "tracker.security.permission_denied"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": {"stories": StorySitemap}}, name="sitemap"),
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain"), name="robots_txt"),
    path("", include("tracker.urls")),
]
