"""Check fixtures exactly as loaddata would load them, and write nothing."""

from django.core.management import CommandError, call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, transaction

from tracker.management.commands import loaddata


class Command(BaseCommand):
    help = (
        "Load the given fixtures inside a transaction that is always rolled back: every object is "
        "validated (full_clean, quotes verbatim in their source, events citing a source), references "
        "resolved, duplicates and overwritten editorial changes reported. Exits non-zero if loaddata "
        "would refuse them."
    )

    def add_arguments(self, parser):
        parser.add_argument("fixtures", nargs="+", metavar="fixture")
        parser.add_argument("--overwrite", action="store_true", help="Check as for loaddata --overwrite.")
        parser.add_argument(
            "--allow-other-models", action="store_true", help="Check as for loaddata --allow-other-models."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, fixtures, overwrite, allow_other_models, database, **options):
        load = loaddata.Command(stdout=self.stdout, stderr=self.stderr)
        try:
            with transaction.atomic(using=database):
                call_command(
                    load,
                    *fixtures,
                    verbosity=0,
                    overwrite=overwrite,
                    allow_other_models=allow_other_models,
                    database=database,
                )
                transaction.set_rollback(True, using=database)
        except CommandError as error:
            raise CommandError(f"Not loadable: {str(error).removeprefix('Nothing was loaded: ')}") from error
        except Exception as error:  # the deserializer and the database raise many kinds
            raise CommandError(f"Not loadable: {type(error).__name__}: {error}") from error
        self.stdout.write(
            f"{', '.join(fixtures)}: loadable. Loading would create {len(load.created)} and change "
            f"{len(load.changed)} object(s); nothing was written."
        )
        for instance, fields in load.changed:
            self.stdout.write(f"  would change {instance._meta.verbose_name} “{instance}”: {', '.join(fields)}")
