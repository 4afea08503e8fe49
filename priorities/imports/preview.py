"""What an import would change: each parsed row against the stored data, as new, changed
(old -> new), unchanged, or the row's error. Nothing is written here.

The rows are taken as the user may import them now, not as at upload: in a portfolio-wide
import, a row whose measure they may no longer import into reads as an unknown measure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Max

from .. import periods, services
from ..models import Actual, ActualStatus, Measure, Trajectory
from .parse import OPTIONAL_COLUMNS, TRAJECTORY, UNKNOWN_MEASURE, ParsedRow, importable_measures
from .pending import PendingImport, fingerprint

NOTHING_TO_CHANGE = "Nothing to import: every row matches the data already stored."

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"

FIELD_LABELS = {"status": "status", "source": "source", "data_as_at": "data as at", "note": "note"}


@dataclass
class PreviewLine:
    row: int
    measure: str
    period: str
    value: str
    change: str  # NEW, CHANGED, UNCHANGED or ERROR
    old_value: str = ""
    details: list[str] = field(default_factory=list)  # what else changes, old -> new
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    lines: list[PreviewLine]
    fingerprint: str
    # Trajectory imports: points of the current version that the new version leaves out.
    dropped: list[str] = field(default_factory=list)
    trajectory_number: int | None = None  # the version the import would add

    def count(self, change: str) -> int:
        return sum(1 for line in self.lines if line.change == change)

    @property
    def counts(self) -> dict[str, int]:
        return {name: self.count(name) for name in (NEW, CHANGED, UNCHANGED, ERROR)}

    @property
    def has_errors(self) -> bool:
        return self.count(ERROR) > 0

    @property
    def changes_anything(self) -> bool:
        return bool(self.count(NEW) or self.count(CHANGED) or self.dropped)


def show_number(value: Decimal | str | None) -> str:
    if value is None:
        return ""
    number = Decimal(value)
    text = f"{number.normalize():f}" if number else "0"
    return text


def current_rows(pending: PendingImport, user: Any) -> list[ParsedRow]:
    """The pending rows as `user` may import them now (see the module's docstring)."""
    rows = pending.parsed_rows
    if pending.measure_id is not None:
        return rows
    allowed = set(importable_measures(user).values_list("pk", flat=True))
    for row in rows:
        if row.measure_id is not None and row.measure_id not in allowed:
            row.errors = [UNKNOWN_MEASURE.format(measure=row.measure_text)]
            row.measure_id = None
    return rows


def _actual_data(row: ParsedRow, existing: Actual | None) -> services.ActualData:
    """What the actual will be after the import: the file's values over the stored ones."""

    def pick(name: str, default: Any) -> Any:
        if name in row.fields:
            value = row.fields[name]
            return date.fromisoformat(value) if name == "data_as_at" and value else value
        return getattr(existing, name) if existing is not None else default

    assert row.period_date is not None
    assert row.value is not None
    return services.ActualData(
        period=row.period_date,
        value=Decimal(row.value),
        status=pick("status", ActualStatus.FINAL),
        source=pick("source", ""),
        data_as_at=pick("data_as_at", None),
        note=pick("note", ""),
    )


def _line(row: ParsedRow, measure: str) -> PreviewLine:
    return PreviewLine(
        row=row.row,
        measure=measure,
        period=row.period_text,
        value=show_number(row.value) if row.value is not None else row.value_text,
        change=ERROR,
        errors=list(row.errors),
    )


def actuals_preview(
    rows: list[ParsedRow], *, lock: bool
) -> tuple[Preview, list[tuple[Measure, services.ActualData]]]:
    """The preview of actual data, and the writes that confirming it makes. With `lock`, the
    stored actuals it touches are locked until the transaction ends."""
    measure_ids = {row.measure_id for row in rows if row.measure_id}
    measures = Measure.objects.in_bulk(measure_ids)
    queryset = Actual.objects.filter(
        measure_id__in=measure_ids, period__in={row.period_date for row in rows if row.period}
    )
    if lock:
        queryset = queryset.select_for_update()
    stored = {(a.measure_id, a.period): a for a in queryset}
    lines: list[PreviewLine] = []
    writes: list[tuple[Measure, services.ActualData]] = []
    touched: list[tuple[int, str, int, int]] = []
    for row in rows:
        line = _line(row, row.measure_text)
        lines.append(line)
        if row.errors or row.measure_id not in measures:
            continue
        measure = measures[row.measure_id]  # type: ignore[index]
        existing = stored.get((measure.pk, row.period_date))
        data = _actual_data(row, existing)
        writes.append((measure, data))
        if existing is None:
            line.change = NEW
            touched.append((measure.pk, row.period or "", 0, 0))
            continue
        touched.append((measure.pk, row.period or "", existing.pk, existing.version))
        line.old_value = show_number(existing.value)
        if Decimal(existing.value) != data.value:
            line.details.append(f"value {show_number(existing.value)} \u2192 {line.value}")
        for name in OPTIONAL_COLUMNS:
            old, new = getattr(existing, name), getattr(data, name)
            if old != new:
                line.details.append(
                    f"{FIELD_LABELS[name]}: {old or '(blank)'} \u2192 {new or '(blank)'}"
                )
        line.change = CHANGED if line.details else UNCHANGED
    return Preview(lines=lines, fingerprint=fingerprint(rows, touched)), writes


def trajectory_preview(
    rows: list[ParsedRow], *, measure: Measure, meta: dict[str, str]
) -> tuple[Preview, list[tuple[date, Decimal]]]:
    """The preview of a new trajectory version, and its points."""
    current = (
        Trajectory.objects.filter(measure=measure).order_by("-number").prefetch_related("points")
    ).first()
    stored = {point.period: point.value for point in current.points.all()} if current else {}
    lines: list[PreviewLine] = []
    points: list[tuple[date, Decimal]] = []
    in_file: set[date] = set()
    for row in rows:
        line = _line(row, measure.name)
        lines.append(line)
        if row.errors:
            continue
        day, value = row.period_date, Decimal(row.value or "0")
        assert day is not None
        in_file.add(day)
        points.append((day, value))
        if day not in stored:
            line.change = NEW
        elif Decimal(stored[day]) != value:
            line.change = CHANGED
            line.old_value = show_number(stored[day])
            line.details.append(f"value {line.old_value} \u2192 {line.value}")
        else:
            line.change = UNCHANGED
            line.old_value = show_number(stored[day])
    dropped = [
        f"{periods.label(day, measure.frequency)}: {show_number(value)}"
        for day, value in sorted(stored.items())
        if day not in in_file
    ]
    latest = current.number if current else 0
    preview = Preview(
        lines=lines,
        fingerprint=fingerprint(rows, meta, latest),
        dropped=dropped,
        trajectory_number=latest + 1,
    )
    return preview, points


def build_preview(pending: PendingImport, *, user: Any) -> Preview:
    """What confirming `pending` as `user` would change now."""
    if pending.kind == TRAJECTORY:
        measure = Measure.objects.get(pk=pending.measure_id)
        return trajectory_preview(pending.parsed_rows, measure=measure, meta=pending.trajectory)[0]
    return actuals_preview(current_rows(pending, user), lock=False)[0]


def latest_trajectory_number(measure: Measure) -> int:
    return measure.trajectories.aggregate(n=Max("number"))["n"] or 0
