"""Token authentication for the data API: `Authorization: Bearer du_<prefix>_<secret>`.

The token is looked up by its prefix and compared by SHA-256 digest in constant time; the token
itself is never stored (DRF's own authtoken stores it in plain text, hence this class). A
request without credentials answers 401 with a WWW-Authenticate header, never a redirect to the
sign-in page."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import ApiToken
from .services import digest_of, prefix_of

KEYWORDS = ("bearer", "token")
INVALID = "Invalid token."
REVOKED = "This token has been revoked."
INACTIVE = "The user of this token cannot sign in."
MALFORMED = "Give the token as: Authorization: Bearer <token>."
# Recording every use would write on every call; once a few minutes is enough to tell a token
# in use from one forgotten.
LAST_USED_EVERY = timedelta(minutes=5)


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(MALFORMED)
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(INVALID) from exc
        return self.authenticate_token(token)

    def authenticate_token(self, token: str) -> tuple[Any, ApiToken]:
        prefix = prefix_of(token)
        row = (
            ApiToken.objects.select_related("user__department").filter(prefix=prefix).first()
            if prefix
            else None
        )
        if row is None or not hmac.compare_digest(row.digest, digest_of(token)):
            raise exceptions.AuthenticationFailed(INVALID)
        if row.revoked_at is not None:
            raise exceptions.AuthenticationFailed(REVOKED)
        if not row.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE)
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user, row

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'
