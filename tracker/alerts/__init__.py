"""Readers follow a story by email, without an account (docs/alerts.md).

- `forms`, `views`, `urls`: the follow form, the signed confirmation link, the
  unsubscribe page with its one-click POST (RFC 8058), deleting one's address;
- `links`: the signed links and the absolute addresses emails carry;
- `limits`: how often an address and a client may ask;
- `tasks`: what runs on the task queue (django-tasks' database backend,
  `manage.py db_worker`), and the hook that queues it with an edit;
- `delivery`: claiming a message before it is sent, so nothing goes twice;
- `mail`: the messages themselves, built from what is published when they are sent;
- `digest`: when a story's digest is due, and what it holds.

The models are in tracker/alert_models.py (Django wants them in the app's models).
"""
