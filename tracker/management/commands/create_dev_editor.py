"""Create a local editor account for development, printing its password once."""

import secrets

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Development only: create the 'editor' account in the Editors group with a generated password."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="editor")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("For development only (DEBUG=1); in production use createsuperuser.")
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Editor account '{username}' already exists; "
                f"to set a new password: python manage.py changepassword {username}"
            )
            return
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(username, password=password, is_staff=True)
        user.groups.add(Group.objects.get(name="Editors"))
        self.stdout.write(
            self.style.SUCCESS(f"Editor account created. Log in at /admin/ as '{username}' with password: {password}")
        )
        self.stdout.write("This password is shown only once.")
