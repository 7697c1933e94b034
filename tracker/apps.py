from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Story tracker"

    def ready(self):
        from . import (
            caching,  # noqa: F401 - connects the page cache's invalidation signals
            security,  # noqa: F401 - connects the security log's signal receivers
        )
