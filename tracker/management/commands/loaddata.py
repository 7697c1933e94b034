"""Django's loaddata, plus validation and a history record for every object."""

from django.core.management import CommandError
from django.core.management.commands import loaddata

from tracker.loading import FixtureInvalid, collecting_raw_saves, finish_load


class Command(loaddata.Command):
    help = loaddata.Command.help + " Validates tracker content and records its history; all or nothing."

    def loaddata(self, fixture_labels):
        # Runs inside the transaction Django's handle() opens, so an error
        # here rolls back the whole load.
        with collecting_raw_saves() as loaded:
            super().loaddata(fixture_labels)
        try:
            created, changed = finish_load(loaded, f"Loaded from fixture {', '.join(fixture_labels)}")
        except FixtureInvalid as error:
            raise CommandError(f"Nothing was loaded: {error}") from error
        if self.verbosity >= 1:
            self.stdout.write(f"History: {len(created)} new object(s), {len(changed)} changed by this load.")
        for instance, fields in changed:
            self.stderr.write(
                self.style.WARNING(f"Overwrote {instance._meta.verbose_name} “{instance}”: {', '.join(fields)}")
            )
