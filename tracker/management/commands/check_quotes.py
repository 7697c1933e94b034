"""Re-check that every quote still occurs verbatim in its source's archived text.

Saves through the models already refuse a source edit that would orphan a
quote (Source.check_quotes_survive). This is the audit for what no save sees:
an `UPDATE` in SQL, a restored backup, a change to the comparison rule. It
lists each quote that no longer matches, with the closest passage, and exits
non-zero if there is any, so it can run in a deploy or a cron job.
"""

from django.core.management import CommandError
from django.core.management.base import BaseCommand

from tracker.models import Quote, Source, Story
from tracker.passages import closest_passage


class Command(BaseCommand):
    help = (
        "Check that every quote (drafts included) occurs verbatim in its source's archived text; list "
        "those that do not, with the closest passage. Exits non-zero if any does not. Writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--story", metavar="SLUG", help="Only the quotes of this story.")

    def handle(self, *args, story=None, **options):
        quotes = Quote.objects.select_related("event__story").only(
            "slug", "text", "source_id", "event__slug", "event__story__slug"
        )
        if story is not None:
            if not Story.objects.filter(slug=story).exists():
                raise CommandError(f"No story has the address {story!r}.")
            quotes = quotes.filter(event__story__slug=story)
        by_source = {}
        for quote in quotes.order_by("event__story__slug", "event__slug", "slug"):
            by_source.setdefault(quote.source_id, []).append(quote)
        sources = Source.objects.only("slug", "text").in_bulk(list(by_source))
        broken = [
            (quote, sources[pk]) for pk, taken in by_source.items() for quote in sources[pk].orphaned_quotes(taken)
        ]
        broken.sort(key=lambda pair: pair[0].natural_key())
        checked = sum(len(taken) for taken in by_source.values())
        for quote, source in broken:
            self.stdout.write(describe(quote, source))
        if broken:
            raise CommandError(
                f"{len(broken)} of {checked} quotes no longer occur verbatim in their source's archived text."
            )
        self.stdout.write(f"All {checked} quotes occur verbatim in their sources' archived texts.")


def describe(quote, source):
    span = closest_passage(quote.text, source.text)
    return "\n".join(
        [
            f"{'/'.join(quote.natural_key())}: not in the archived text of source {source.slug!r}",
            f"  quote:   {quote.text}",
            f"  closest: {source.text[span[0] : span[1]]}" if span else "  closest: no passage comes close",
        ]
    )
