"""Failed admin logins, counted per account and address, and per account.

The newsroom logs in from one shared office address, so an address is never
locked out on its own: one person's typos lock only that person, at that
address (AXES_FAILURE_LIMIT failures). An account tried from many addresses
is locked everywhere once its failures from all of them reach
LOGIN_FAILURE_LIMIT_PER_ACCOUNT. Both counts cover the failures of the last
AXES_COOLOFF_TIME; an editor can end a lockout sooner by deleting its access
attempts in the admin.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


class LoginThrottle(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None):
        """The failures that count against this login: those of this account
        from this address, or the limit itself once the account's failures
        from every address reach the per-account limit."""
        # One queryset per entry of AXES_LOCKOUT_PARAMETERS, in its order.
        here, everywhere = (
            attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if everywhere >= settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT:
            return max(here, settings.AXES_FAILURE_LIMIT)
        return here
