"""Django's PostgreSQL backend, cheaper per request (base.py says how)."""
