"""Following a story by email. Included at the site's root (newsroom/urls.py):
`path("", include("tracker.alerts.urls"))`."""

from django.urls import path

from tracker.alerts import views

app_name = "alerts"

urlpatterns = [
    path("stories/<slug:slug>/follow/", views.follow, name="follow"),
    path("follow/confirm/<str:token>/", views.confirm, name="confirm"),
    path("follow/stop/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("follow/delete/<str:token>/", views.delete, name="delete"),
]
