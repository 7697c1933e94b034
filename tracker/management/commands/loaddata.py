"""Django's loaddata, plus validation and a history record for every object."""

from django.core.management import CommandError
from django.core.management.commands import loaddata

from tracker.loading import FixtureInvalid, collecting_raw_saves, finish_load


class Command(loaddata.Command):
    help = (
        loaddata.Command.help + " Validates tracker content and records its history; all or nothing. "
        "Refuses to replace editorial changes made since a previous load unless given --overwrite."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace objects that editors changed since they were loaded (the history keeps both).",
        )

    def handle(self, *fixture_labels, overwrite=False, **options):
        self.overwrite = overwrite
        return super().handle(*fixture_labels, **options)

    def loaddata(self, fixture_labels):
        # Runs inside the transaction Django's handle() opens, so an error
        # here rolls back the whole load.
        with collecting_raw_saves() as loaded:
            super().loaddata(fixture_labels)
        try:
            self.created, self.changed = finish_load(loaded, fixture_labels, self.overwrite)
        except FixtureInvalid as error:
            raise CommandError(f"Nothing was loaded: {error}") from error
        if self.verbosity >= 1:
            self.stdout.write(f"History: {len(self.created)} new object(s), {len(self.changed)} changed by this load.")
        for instance, fields in self.changed:
            self.stderr.write(
                self.style.WARNING(f"Overwrote {instance._meta.verbose_name} “{instance}”: {', '.join(fields)}")
            )
