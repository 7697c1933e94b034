"""Django's admin looks for tracker.admin: the editorial admin is tracker/editorial/admin.py."""

from tracker.editorial import admin  # noqa: F401
