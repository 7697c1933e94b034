from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Story tracker"

    def ready(self):
        from tracker import security  # noqa: F401 - connects the security log's signal receivers
        from tracker.public import caching  # noqa: F401 - connects the page cache's invalidation signals
