"""Django's PostgreSQL backend, with three costs of every request taken out.

Datetimes parsed in C. Django registers its own loader for timestamptz, so
that values come back in its connection time zone; it subclasses psycopg's
pure-Python loader, so every datetime a page loads is parsed by a regular
expression even where psycopg's C module is installed. When Django's time
zone is UTC (USE_TZ on, no TIME_ZONE in DATABASES) and so is the session's,
psycopg's C loader returns the same values Django's does: aware, tzinfo
``datetime.UTC`` (psycopg/_tz.py and the C module map the session's
"UTC" to it, and a UTC session prints every value with offset +00). So that
loader is used then, and Django's in any other case.

Prepared statements where they pay. The story page runs the same few
statements on every request, and PostgreSQL spent longer planning them than
running them. prepared_cursor() gives a cursor that binds parameters on the
server and has each statement planned once per connection; Django's own
cursors stay as they are (client-side binding, nothing prepared), so the ORM
and the admin work as with Django's backend. Behind a connection pooler in
transaction mode, it needs one that keeps prepared statements (PgBouncer
1.21 or later, with max_prepared_statements set).

Health checks without a round trip. With CONN_HEALTH_CHECKS Django sends
``SELECT 1`` before the first query of every request, so that a connection
the server has closed (a restart, pg_terminate_backend, a shutdown) is
replaced instead of failing the request. The server cannot close a
connection without the client's socket becoming readable (the server's
error message, the end of the stream, a reset), while an idle healthy
connection has nothing pending. So a connection used without error a moment
ago, idle and with nothing to read, is taken as alive without asking; any
other is asked as before.
"""

import select
import sys
from datetime import UTC
from time import monotonic

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import get_adapters_template, register_tzloader
from psycopg import Cursor, adapt, pq
from psycopg._cmodule import _psycopg  # the C module psycopg itself uses, None without one
from psycopg.postgres import types

# How recently a connection must have been used to skip the health check
# (its socket must also have nothing to read). The socket shows a connection
# the server closed, not one whose host or network vanished without a word;
# a second after a query that worked, that is no likelier than the same
# failure just after Django's own SELECT 1, and past it the server is asked.
FRESH_SECONDS = 1.0

TIMESTAMPTZ_OID = types["timestamptz"].oid
C_TIMESTAMPTZ_LOADER = getattr(_psycopg, "TimestamptzLoader", None)
DJANGO_UTC_LOADER = get_adapters_template(True, UTC).get_loader(TIMESTAMPTZ_OID, pq.Format.TEXT)
UTC_NAMES = {b"UTC", None}  # session TimeZone values both loaders read as UTC


class UTCTimestamptzLoader:
    """psycopg's C loader for timestamptz where the session is in UTC, else Django's.

    Not a subclass: the C class is final (Cython's @final). psycopg makes a
    loader by calling the registered class with (oid, context), and parses a
    column in C when what it gets is an instance of its CLoader (psycopg_c's
    Transformer._c_get_loader), so this returns the C loader itself. Both
    loaders read the session's time zone when they are made, and so does this
    choice. ``timezone`` is what Django's create_cursor compares with its own
    before registering its loader again on every cursor.
    """

    format = pq.Format.TEXT
    timezone = UTC

    def __new__(cls, oid, context=None):
        connection = context.connection if context is not None else None
        if connection is None or connection.pgconn.parameter_status(b"TimeZone") in UTC_NAMES:
            return C_TIMESTAMPTZ_LOADER(oid, context)
        return DJANGO_UTC_LOADER(oid, context)


if C_TIMESTAMPTZ_LOADER is not None:
    UTC_ADAPTERS = adapt.AdaptersMap(get_adapters_template(True, UTC))
    UTC_ADAPTERS.register_loader(TIMESTAMPTZ_OID, UTCTimestamptzLoader)


class PreparedCursor(Cursor):
    """Parameters bound on the server, and every statement prepared: planned on
    its first run on the connection, and only run after that."""

    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseWrapper(base.DatabaseWrapper):
    # When this connection's last cursor was made; None once an error has
    # followed. Taken per cursor, not when a request ends: Django calls the
    # same close_if_unusable_or_obsolete at a request's start and at its end,
    # a request may hold the connection long after its last query, and code
    # outside any request may use it. Whether that use went well is settled
    # at the next request boundary, where Django's errors_occurred (set by
    # any error that may break a connection, cleared by a commit or rollback)
    # drops it.
    last_used = None
    preparing = False  # set by prepared_cursor() while it makes its cursor

    def get_connection_params(self):
        params = super().get_connection_params()
        if C_TIMESTAMPTZ_LOADER is not None and self.timezone is UTC:
            params["context"] = UTC_ADAPTERS
        if "prepare_threshold" not in self.settings_dict["OPTIONS"]:
            # Django sets none, and with none psycopg prepares nothing, even
            # when asked. With this one only PreparedCursor prepares: Django's
            # cursors bind on the client and never prepare. OPTIONS
            # {"prepare_threshold": None} turns preparing off altogether.
            params["prepare_threshold"] = sys.maxsize
        return params

    def prepared_cursor(self):
        """Django's cursor() (checked, wrapped and logged the same way), made a
        PreparedCursor: for statements that run on nearly every request, each
        with the same text whatever its parameters (no IN lists of varying
        length: psycopg keeps the last 100 statements of a connection)."""
        self.preparing = True
        try:
            return self.cursor()
        finally:
            self.preparing = False

    def create_cursor(self, name=None):
        if self.preparing and name is None:
            cursor = PreparedCursor(self.connection)
            # As Django's create_cursor does for its own cursors.
            if self.timezone != self.connection.adapters.get_loader(TIMESTAMPTZ_OID, pq.Format.TEXT).timezone:
                register_tzloader(self.timezone, cursor)
        else:
            cursor = super().create_cursor(name)
        self.last_used = monotonic()
        return cursor

    def close_if_unusable_or_obsolete(self):
        """Django's, run at the start and end of every request. An error since
        the last commit or rollback means the connection's last use vouches
        for nothing: Django checks it now, and the next request's first query
        is checked too."""
        if self.errors_occurred:
            self.last_used = None
        super().close_if_unusable_or_obsolete()

    def close_if_health_check_failed(self):
        """Django's, run before every cursor, skipping SELECT 1 for a
        connection used a moment ago that the server has not closed."""
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        if self.recently_used_and_quiet():
            self.health_check_done = True
        else:
            super().close_if_health_check_failed()

    def recently_used_and_quiet(self):
        if self.last_used is None or self.errors_occurred or monotonic() - self.last_used >= FRESH_SECONDS:
            return False
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False  # closed, broken, or in the middle of something: ask the server
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN)
        return not poller.poll(0)
