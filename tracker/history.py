"""Version history for editorial content, on top of django-simple-history."""

from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_record


class History(HistoricalRecords):
    """simple-history's HistoricalRecords with two changes:

    - one save is one record: a many-to-many change made on the instance just
      saved (a form's save_m2m, a fixture's links) updates the links of the
      record that save wrote, instead of writing a second record;
    - it is remembered per model, so code that writes without firing its
      signals (fixture loads) can still leave a record.
    """

    by_model = {}

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            History.by_model[sender] = self

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        record = getattr(instance, "_latest_history", None)
        if record is None or reverse or hasattr(instance, "skip_history_when_saving"):
            return super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
        if action in ("post_add", "post_remove", "post_clear"):
            for model in self.m2m_models.values():
                model.objects.filter(history=record).delete()
            self.create_historical_record_m2ms(record, instance)


def _remember_record(sender, instance, history_instance, **kwargs):
    instance._latest_history = history_instance


post_create_historical_record.connect(_remember_record, dispatch_uid="tracker.history.remember")


def record(instance, reason):
    """Write one history record of `instance` as it now stands in the database.

    A record identical to the latest one is dropped again, so repeating an
    operation that changed nothing leaves no trace. Returns the names of the
    fields that changed, or None when nothing was recorded.
    """
    previous = instance.history.first()
    instance._change_reason = reason
    History.by_model[type(instance)].create_historical_record(instance, "~" if previous else "+")
    if previous is None:
        return []
    latest = instance.history.first()
    changed = latest.diff_against(previous, excluded_fields=["updated_at"]).changed_fields
    if not changed:
        latest.delete()
        return None
    return changed
