"""Ingest an article into a story from the command line: a file (.txt or
.html) or a URL. A thin door onto tracker.ingest, which the admin uses too."""

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tracker import ingest
from tracker.ingest import derivation, events, matching
from tracker.models import Story


class Command(BaseCommand):
    help = (
        "Suggest the source, quotes, speakers, variants, derivation and events for an article (a .txt or .html "
        "file, or an http(s) URL) in a story. Prints a summary; --json prints the suggestions as JSON; --apply "
        "creates everything above its threshold as drafts, in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("path_or_url", metavar="PATH_OR_URL")
        parser.add_argument("--story", required=True, metavar="SLUG", help="The story the article joins.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--json", action="store_true", help="Print the suggestions as JSON; write nothing.")
        mode.add_argument("--apply", action="store_true", help="Accept every suggestion above its threshold.")
        parser.add_argument("--slug", help="The new source's slug (default: from its headline).")
        parser.add_argument("--user", help="The username the history records name (with --apply).")

    def handle(self, *args, path_or_url, story, json, apply, slug, user, **options):
        try:
            story_obj = Story.objects.get(slug=story)
        except Story.DoesNotExist as error:
            raise CommandError(f"No story “{story}”. Give the slug of an existing story.") from error
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"No user “{user}”.")
        is_url = path_or_url.lower().startswith(("http://", "https://")) or "://" in path_or_url
        try:
            if is_url:
                suggestions = ingest.suggest(story_obj, url=path_or_url)
            else:
                suggestions = ingest.suggest(story_obj, filename=path_or_url)
        except ingest.Refused as error:
            raise CommandError(f"Nothing was ingested: {error}") from error
        if suggestions.existing is not None:
            existing = suggestions.existing
            raise CommandError(
                f"This text is already archived as the source “{existing.slug}” ({existing}); nothing was ingested."
            )
        if json:
            self.stdout.write(_dumps(suggestions.as_json()))
            return
        if apply:
            try:
                applied = ingest.apply(suggestions, user=account, slug=slug)
            except ingest.Refused as error:
                raise CommandError(f"Nothing was written: {error}") from error
            self.stdout.write(self._applied(applied))
            return
        self.stdout.write(self._summary(suggestions))

    def _summary(self, suggestions):
        source = suggestions.source
        lines = [
            f"Article: {source.headline or '(no headline stated)'}",
            f"  {len(source.text):,} characters, SHA-256 {source.sha256}",
        ]
        for label, value in [
            ("published", source.published_on),
            ("outlet", source.outlet),
            ("byline", source.byline),
            ("language", source.language),
            ("address", source.url),
        ]:
            if value:
                lines.append(f"  {label}: {value}")
        lines.append("")
        lines.append(f"May derive from (ranked; --apply takes the first at {derivation.DERIVED_THRESHOLD} or more):")
        for item in suggestions.derived_from[:3] or []:
            lines.append(f"  {item.score:.2f} {item.source.slug}: {item.evidence}")
        if not suggestions.derived_from:
            lines.append("  none")
        lines.append("")
        lines.append(f"Quotes ({len(suggestions.quotes)}):")
        for number, quote in enumerate(suggestions.quotes, 1):
            lines.append(f"  {number}. [{quote.speech}] {quote.speaker or '(speaker unknown)'}: “{_short(quote.text)}”")
            lines.append(f"     characters {quote.start}-{quote.end}; {quote.cue or 'no attribution found'}")
            if quote.speaker_reason:
                lines.append(f"     speaker: {quote.speaker_reason}")
            for rank, candidate in enumerate(quote.candidates[:2]):
                mark = "variant of" if rank == 0 and quote.variant_of is not None else "candidate"
                lines.append(
                    f"     {mark} {candidate.score:.2f}: “{_short(candidate.quote.text, 70)}” "
                    f"(shared: {'; '.join(candidate.aligned[:3]) or 'no run of words'})"
                )
            if quote.event:
                lines.append(f"     event: {quote.event.slug}")
        lines.append("")
        lines.append(f"Events it reports (ranked; --apply cites those at {events.EVENT_THRESHOLD} or more):")
        for item in suggestions.events[:5]:
            lines.append(f"  {item.score:.2f} {item.event.slug}: {item.evidence}")
        if suggestions.new_events:
            lines.append("New dated facts no event holds:")
            for item in suggestions.new_events:
                lines.append(f"  {item.date} ({item.precision}): {_short(item.text)}")
        lines.append("")
        lines.append(
            f"Variant links are suggested at {matching.VARIANT_THRESHOLD} or more. "
            "Nothing was written: --apply creates the source and its quotes as drafts."
        )
        return "\n".join(lines)

    def _applied(self, applied):
        lines = [f"Created the source “{applied.source.slug}” with {len(applied.quotes)} draft quote(s)."]
        for event in applied.events:
            lines.append(f"  new draft event: {event.slug}")
        for item, reason in applied.skipped:
            lines.append(f"  skipped ({reason}): “{_short(item.text)}”")
        return "\n".join(lines)


def _short(text, limit=90):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
