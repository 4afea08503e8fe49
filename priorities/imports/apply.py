"""Confirming an import: all of it in one transaction, or nothing.

The stored data is read again under lock, and the import is refused while any row has an error,
the user may no longer import into the measure, or the fingerprint moved since the preview the
user confirmed (someone saved in between). Everything is written through
`services.actuals_import` / `services.trajectory_create`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from deliveryunit import access

from .. import services
from ..models import Measure, Trajectory
from .parse import TRAJECTORY
from .pending import PendingImport
from .preview import Preview, actuals_preview, current_rows, trajectory_preview
from .readers import ImportProblem, ImportRefused

CONFIRM_WITH_ERRORS = (
    "Nothing has been imported because some rows have errors. Correct the file and upload it again."
)
CONFLICT = (
    "The stored data changed after this preview was made (someone else saved a change). "
    "Nothing has been imported. Check the updated preview below and confirm again."
)


class ImportConflict(ImportProblem):
    pass


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    trajectory: Trajectory | None = None


def apply(pending: PendingImport, *, by: Any, fingerprint: str) -> Outcome:
    """Write the import as `by`, in one transaction, or nothing. Raises ImportRefused while any
    row has an error or a write is invalid, ImportConflict when the stored data no longer
    matches the preview the user confirmed, and PermissionDenied when `by` may not import
    this kind of data into the measure."""
    try:
        with transaction.atomic():
            if pending.kind == TRAJECTORY:
                return _apply_trajectory(pending, by=by, fingerprint=fingerprint)
            return _apply_actuals(pending, by=by, fingerprint=fingerprint)
    except IntegrityError as exc:
        # Someone added one of the same periods between our check and our write.
        raise ImportConflict(CONFLICT) from exc
    except ValidationError as exc:
        raise ImportRefused(" ".join(exc.messages)) from exc


def _may_import(pending: PendingImport, by: Any, measure: Measure) -> None:
    access.check(pending.kind in access.import_kinds(by, measure))


def _apply_trajectory(pending: PendingImport, *, by: Any, fingerprint: str) -> Outcome:
    measure = Measure.objects.select_for_update().get(pk=pending.measure_id)
    _may_import(pending, by, measure)
    preview, points = trajectory_preview(
        pending.parsed_rows, measure=measure, meta=pending.trajectory
    )
    _check(preview, fingerprint)
    if not preview.changes_anything:
        return Outcome(unchanged=len(points))
    meta = pending.trajectory
    trajectory = services.trajectory_create(
        measure=measure,
        by=by,
        label=meta["label"],
        agreed_on=date.fromisoformat(meta["agreed_on"]),
        reason=meta.get("reason", ""),
        points=points,
    )
    return Outcome(created=len(points), trajectory=trajectory)


def _apply_actuals(pending: PendingImport, *, by: Any, fingerprint: str) -> Outcome:
    if pending.measure_id is not None:
        _may_import(
            pending, by, Measure.objects.select_related("priority").get(pk=pending.measure_id)
        )
    preview, writes = actuals_preview(current_rows(pending, by), lock=True)
    _check(preview, fingerprint)
    counts = services.actuals_import(measure_rows=writes, by=by)
    return Outcome(
        created=counts["created"], updated=counts["updated"], unchanged=counts["unchanged"]
    )


def _check(preview: Preview, fingerprint: str) -> None:
    if preview.has_errors:
        raise ImportRefused(CONFIRM_WITH_ERRORS)
    if not secrets.compare_digest(preview.fingerprint, fingerprint or ""):
        raise ImportConflict(CONFLICT)
