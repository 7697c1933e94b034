"""Staff accounts in the newsroom's groups, as the migrations define them."""

import importlib

from django.apps import apps
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType

from .admin_forms import form_data

PASSWORD = "correct horse battery staple"


def member_of(group, username):
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def restore_groups():
    """Recreate the groups as the migrations do, for transactional tests: the
    database flush between them empties what data migrations wrote."""
    ContentType.objects.clear_cache()  # ids cached before the flush are gone
    for module, function in (
        ("0002_editors_group", "create_editors"),
        ("0004_reporters_group", "create_reporters"),
        ("0009_editors_unlock_logins", "let_editors_unlock"),
        ("0018_speakers_of_existing_quotes", "let_staff_name_speakers"),
    ):
        getattr(importlib.import_module(f"tracker.migrations.{module}"), function)(apps, None)


def changelist_data(page, **changes):
    """The list-editable rows of a changelist page as the browser posts them on Save, with `changes`."""
    return form_data(page, submit="_save", form_id="changelist-form", **changes)
