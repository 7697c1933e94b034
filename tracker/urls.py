from django.urls import path

from . import views

app_name = "tracker"

urlpatterns = [
    path("", views.story_list, name="story_list"),
    path("stories/<slug:slug>/", views.story_detail, name="story_detail"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
]
