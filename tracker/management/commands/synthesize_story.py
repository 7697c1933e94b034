"""Create (or remove) a synthetic story of any size, for benchmarks and load tests."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tracker import synthetic
from tracker.models import Story


class Command(BaseCommand):
    help = (
        "Create a published story with N events, about two quotes each and a pool of cited sources, "
        f"all named '{synthetic.PREFIX}…' and each with a history record; or remove one with --remove."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--events", type=int, help="How many events the story gets.")
        action.add_argument("--remove", metavar="SLUG", help="Remove this synthetic story and its sources.")
        parser.add_argument("--slug", help=f"Defaults to {synthetic.PREFIX}<events>; the prefix is added if missing.")
        parser.add_argument("--sources", type=int, help="Size of the source pool (default: events / 20, at least 5).")
        parser.add_argument("--seed", type=int, default=0, help="Random seed: the same seed gives the same story.")

    def handle(self, *args, events, remove, slug, sources, seed, verbosity, **options):
        bar = tqdm(unit=" rows", disable=verbosity < 1 or None, file=self.stderr)
        try:
            if remove:
                count = synthetic.remove(remove, bar.update)
                bar.close()
                if verbosity:
                    self.stdout.write(f"Removed {remove}: {count:,} objects, each with a deletion record.")
                return
            if not 1 <= events <= 1_000_000:
                raise CommandError("--events must be between 1 and 1,000,000.")
            if sources is not None and sources < 1:
                raise CommandError("--sources must be at least 1.")
            slug = synthetic.synthetic_slug(slug or str(events))
            if Story.objects.filter(slug=slug).exists():
                raise CommandError(f"{slug} exists; remove it first: synthesize_story --remove {slug}")
            story = synthetic.synthesize(events, slug, sources, seed, bar.update)
        except Story.DoesNotExist as error:
            raise CommandError(f"No story {remove}.") from error
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        finally:
            bar.close()
        if verbosity:
            self.stdout.write(f"Created {story.get_absolute_url()} with {events:,} events.")
