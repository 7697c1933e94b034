from django.urls import path

from tracker.public import changelog, exports, feeds, search, views

app_name = "tracker"

urlpatterns = [
    path("", views.story_list, name="story_list"),
    path("stories/<slug:slug>/", views.story_detail, name="story_detail"),
    path("stories/<slug:slug>/events/<slug:event_slug>/", views.event_permalink, name="event_permalink"),
    path(
        "stories/<slug:slug>/events/<slug:event_slug>/quotes/<slug:quote_slug>/",
        views.event_permalink,
        name="quote_permalink",
    ),
    path("stories/<slug:slug>/updates.json", views.story_updates, name="story_updates"),
    path("stories/<slug:slug>/share.png", views.story_share_image, name="share_image"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("people/<slug:slug>/", views.speaker_detail, name="speaker_detail"),
    path("search/", search.search, name="search"),
    # Changelog, feeds and data out
    path("stories/<slug:slug>/changes/", changelog.changelog, name="story_changes"),
    path("stories/<slug:slug>/feed/", feeds.StoryFeed(), name="story_feed"),
    path("stories/<slug:slug>.json", exports.story_json, name="story_json"),
    path("stories/<slug:slug>/timeline.json", exports.timeline_json, name="story_timeline"),
]
