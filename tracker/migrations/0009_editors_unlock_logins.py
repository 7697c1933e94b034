"""Editors can see failed-login records and unlock an account by deleting them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

UNLOCKING = ["view_accessattempt", "delete_accessattempt"]


def let_editors_unlock(apps, schema_editor):
    # Permissions are normally created after all migrations have run; the
    # group needs django-axes' now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(*Permission.objects.filter(content_type__app_label="axes", codename__in=UNLOCKING))


def stop_editors_unlocking(apps, schema_editor):
    editors = apps.get_model("auth", "Group").objects.filter(name="Editors").first()
    if editors:
        editors.permissions.remove(*editors.permissions.filter(content_type__app_label="axes", codename__in=UNLOCKING))


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0008_help_texts"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(let_editors_unlock, stop_editors_unlocking)]
