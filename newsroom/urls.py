from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Tracker newsroom"
admin.site.site_title = "Tracker admin"
admin.site.index_title = "Editorial desk"

handler403 = "tracker.security.permission_denied"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("tracker.urls")),
]
