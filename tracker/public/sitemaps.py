"""The sitemap: every published story, with the time it last changed.

Source pages are left out on purpose: they are archived copies of other
publishers' articles, and search engines should send readers to the originals.
"""

from django.contrib.sitemaps import Sitemap

from tracker.models import Story
from tracker.public.updates import with_last_updated


class StorySitemap(Sitemap):
    def items(self):
        return with_last_updated(Story.objects.published()).order_by("pk")

    def lastmod(self, story):
        return story.last_updated
