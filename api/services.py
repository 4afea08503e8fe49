"""Writes of the API app: making and revoking tokens, and a department's batch of actual data
for a measure, which goes through the importer's own parsing, preview and all-or-nothing write
(priorities.imports and priorities.services.actuals_import)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from deliveryunit import access
from priorities import services as priority_services
from priorities.imports import ACTUALS, ImportRefused, Table, parse_own_format
from priorities.imports.preview import actuals_preview
from priorities.models import Measure

from .models import ApiToken

TOKEN_START = "du"  # noqa: S105 - the fixed start of every token, not a secret
NAME_REQUIRED = "Say what the token is for."
ALREADY_REVOKED = "This token has already been revoked."
BATCH_REFUSED = (
    "Nothing has been imported because some rows have errors. Correct them and send the whole "
    "batch again."
)
BATCH_COLUMNS = ("period", "value", "status", "source", "data_as_at", "note")


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def prefix_of(token: str) -> str | None:
    """The lookup prefix of a token of ours (du_<prefix>_<secret>), or None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_START or not parts[1] or not parts[2]:
        return None
    return parts[1]


@transaction.atomic
def token_create(*, user: Any, by: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`, made by `by` (the user, or a unit lead). Returns the row and the
    token itself, which is not stored anywhere and cannot be shown again."""
    if not name.strip():
        raise ValidationError({"name": NAME_REQUIRED})
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    token = f"{TOKEN_START}_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken(
        user=user,
        name=name.strip(),
        prefix=prefix,
        digest=digest_of(token),
        created_by=by if getattr(by, "pk", None) else None,
    )
    row.full_clean()
    row.save()
    return row, token


@transaction.atomic
def token_revoke(*, token: ApiToken, by: Any) -> ApiToken:
    current = ApiToken.objects.select_for_update().get(pk=token.pk)
    if current.revoked_at is not None:
        raise ValidationError(ALREADY_REVOKED)
    current.revoked_at = timezone.now()
    current.revoked_by = by if getattr(by, "pk", None) else None
    current.save(update_fields=["revoked_at", "revoked_by"])
    return current


# --- a batch of actual data -------------------------------------------------------------------


@dataclass
class BatchOutcome:
    created: int
    updated: int
    unchanged: int


class BatchRefused(Exception):
    """The batch has errors: `rows` maps each bad row (numbered from 1, as sent) to its
    messages; `problem` is a problem with the batch as a whole."""

    def __init__(self, *, rows: dict[int, list[str]] | None = None, problem: str = "") -> None:
        super().__init__(problem or BATCH_REFUSED)
        self.rows = rows or {}
        self.problem = problem


def _table(rows: list[dict[str, Any]]) -> Table:
    """The batch as the importer reads a file in our own format: a header row, then a row per
    item, blank cells where an optional column is not given."""
    body = [[row.get(column) for column in BATCH_COLUMNS] for row in rows]
    return Table(rows=[list(BATCH_COLUMNS), *body])


def actuals_submit(*, measure: Measure, by: Any, rows: list[dict[str, Any]]) -> BatchOutcome:
    """Record a batch of actual data for `measure` as `by`, all of it or none: each row is
    checked as an imported file's row is (period of the measure's frequency, a number that
    fits, status, source, data-as-at date, no period twice), and any error refuses the whole
    batch. PermissionDenied when `by` may not submit actual data for the measure."""
    access.check(ACTUALS in access.import_kinds(by, measure))
    try:
        parsed = parse_own_format(_table(rows), kind=ACTUALS, measure=measure)
    except ImportRefused as exc:
        raise BatchRefused(problem=str(exc)) from exc
    with transaction.atomic():
        Measure.objects.select_for_update().get(pk=measure.pk)
        preview, writes = actuals_preview(parsed.rows, lock=True)
        if preview.has_errors:
            # The header is the table's first row: a row's number there is one more than its
            # place in the batch.
            raise BatchRefused(rows={row.row - 1: row.errors for row in parsed.rows if row.errors})
        try:
            counts = priority_services.actuals_import(measure_rows=writes, by=by)
        except ValidationError as exc:
            raise BatchRefused(problem=" ".join(exc.messages)) from exc
    return BatchOutcome(**counts)
