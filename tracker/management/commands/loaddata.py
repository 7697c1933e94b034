"""Django's loaddata, plus validation and a history record for every object."""

from django.core.management import CommandError
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError

from tracker.editorial.loading import FixtureInvalid, collecting_raw_saves, finish_load, refuse_other_model
from tracker.history import editing


class Command(loaddata.Command):
    help = (
        loaddata.Command.help + " Validates tracker content and records its history; all or nothing. "
        "Refuses to replace editorial changes made since a previous load unless given --overwrite, "
        "and objects other than the tracker's content (user accounts, say) unless given --allow-other-models."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace objects that editors changed since they were loaded (the history keeps both).",
        )
        parser.add_argument(
            "--allow-other-models",
            action="store_true",
            help="Also load objects that are not stories, events, sources or quotes (accounts, groups, history).",
        )

    def handle(self, *fixture_labels, overwrite=False, allow_other_models=False, **options):
        self.overwrite = overwrite
        self.allow_other_models = allow_other_models
        return super().handle(*fixture_labels, **options)

    def save_obj(self, obj):
        excluded = obj.object._meta.app_config in self.excluded_apps or type(obj.object) in self.excluded_models
        if not (excluded or self.allow_other_models):
            refuse_other_model(obj.object)
        return super().save_obj(obj)

    def loaddata(self, fixture_labels):
        # Runs inside the transaction Django's handle() opens, so an error
        # here rolls back the whole load.
        try:
            with editing(), collecting_raw_saves() as loaded:  # one load, one edit
                super().loaddata(fixture_labels)
                self.created, self.changed = finish_load(loaded, fixture_labels, self.overwrite)
        except FixtureInvalid as error:
            raise CommandError(f"Nothing was loaded: {error}") from error
        # What the deserializer or the database refuses (a reference to no
        # object, an impossible date, a NUL character) is said the same way.
        except (DeserializationError, DatabaseError, ValueError) as error:
            raise CommandError(f"Nothing was loaded: {error}") from error
        if self.verbosity >= 1:
            self.stdout.write(f"History: {len(self.created)} new object(s), {len(self.changed)} changed by this load.")
        for instance, fields in self.changed:
            self.stderr.write(
                self.style.WARNING(f"Overwrote {instance._meta.verbose_name} “{instance}”: {', '.join(fields)}")
            )
