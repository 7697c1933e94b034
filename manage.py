#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Django runs some commands (shell, for one) on settings that failed to
    # load; here every command stops and says what to set.
    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings
    except ImproperlyConfigured as refusal:
        sys.exit(f"manage.py: {refusal}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
