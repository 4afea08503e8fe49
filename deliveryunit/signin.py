"""How long a sign-in lasts, and sign-in throttling by source address.

A session ends after SESSION_IDLE_SECONDS without a request, and in any case
SESSION_COOKIE_AGE after signing in, however busy. Both are checked here, on the server, from
two timestamps in the session; the cookie's own lifetime is only the outer bound."""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import auth
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
# Writing the session on every request costs a database write each; once a minute is close
# enough for a 30-minute limit.
_TOUCH_EVERY = 60


def now() -> float:
    return time.time()


def mark_signed_in(sender, request: HttpRequest, user, **kwargs) -> None:  # type: ignore[no-untyped-def]
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = now()


class SessionTimeoutMiddleware:
    """Signs out a session idle for SESSION_IDLE_SECONDS or older than SESSION_COOKIE_AGE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], *args: Any
    ) -> HttpResponse | None:
        # Public views (login_not_required: the progress pages, sign-in) never read the session:
        # reading it would mark their cached responses "Vary: Cookie". Nor does a request
        # without a session cookie, which has no session to end.
        if getattr(view_func, "login_required", True) is False:
            return None
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            session = request.session
            moment = now()
            signed_in = session.setdefault(SIGNED_IN_AT, moment)
            last_seen = session.get(LAST_SEEN, moment)
            if (
                moment - last_seen > settings.SESSION_IDLE_SECONDS
                or moment - signed_in > settings.SESSION_COOKIE_AGE
            ):
                auth.logout(request)
            elif moment - last_seen >= _TOUCH_EVERY or LAST_SEEN not in session:
                session[LAST_SEEN] = moment
        return None


class AddressThrottleHandler(AxesDatabaseHandler):
    """django-axes locks an account after AXES_FAILURE_LIMIT failures (AXES_LOCKOUT_PARAMETERS
    is ["username"]); this adds a second, higher limit for one source address across every
    account it tries, so one address cannot try a few passwords on each of many accounts."""

    def get_failures(self, request, credentials=None) -> int:  # type: ignore[no-untyped-def]
        # axes compares this one count with AXES_FAILURE_LIMIT wherever it decides on a lockout
        # (before authenticating and after a failure): an address over its own limit counts as
        # a lockout there.
        failures = super().get_failures(request, credentials)
        if address_failures(request.axes_ip_address) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures


def address_failures(ip_address: str | None) -> int:
    if not ip_address:
        return 0
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    attempts = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
