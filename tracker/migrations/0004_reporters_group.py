"""Reporters prepare drafts; Editors publish.

Reporters may add, change, delete and view all editorial content, but the
admin lets them change or delete only what readers cannot see, and never set
anything to Published. Editors additionally hold the publish permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORIAL_MODELS = ["story", "event", "source", "quote"]
ACTIONS = ["add", "change", "delete", "view"]


def create_reporters(apps, schema_editor):
    # Permissions are normally created after all migrations have run; the
    # groups need the new publish permissions now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    tracker = Permission.objects.filter(content_type__app_label="tracker")
    drafting = [f"{action}_{model}" for model in EDITORIAL_MODELS for action in ACTIONS]
    publishing = [f"publish_{model}" for model in EDITORIAL_MODELS]
    reporters, _ = Group.objects.get_or_create(name="Reporters")
    reporters.permissions.set(tracker.filter(codename__in=drafting))
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(*tracker.filter(codename__in=publishing))


def remove_reporters(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name="Reporters").delete()
    editors = Group.objects.filter(name="Editors").first()
    if editors:
        editors.permissions.remove(*editors.permissions.filter(codename__startswith="publish_"))


class Migration(migrations.Migration):
    dependencies = [("tracker", "0003_versions_and_publish_permissions")]

    operations = [migrations.RunPython(create_reporters, remove_reporters)]
