from django.urls import path

from . import views

app_name = "tracker"

urlpatterns = [
    path("", views.story_list, name="story_list"),
    path("stories/<slug:slug>/", views.story_detail, name="story_detail"),
    path("stories/<slug:slug>/share.png", views.story_share_image, name="share_image"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
]
