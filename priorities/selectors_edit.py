"""Reads behind the edit pages of priorities: the trajectory form (its versions and the periods
its grid offers) and the actuals entry grid (one row a period, newest first).

The views in views_edit.py take the objects already scoped by deliveryunit.access; these read
the rest in a fixed number of queries.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from deliveryunit import clock
from deliveryunit.editing import format_number

from . import periods
from .forms import ADD_ROWS
from .models import Actual, ActualStatus, Measure, Trajectory
from .performance import period_of

# --- the trajectory form ----------------------------------------------------------------------


@dataclass
class TrajectoryPage:
    measure: Measure
    versions: list[Trajectory]  # newest first
    planned: dict[date, Decimal]  # the current version's points
    first: date
    last: date

    @property
    def latest(self) -> Trajectory | None:
        return self.versions[0] if self.versions else None

    @property
    def existing_version(self) -> int:
        return self.latest.number if self.latest else 0

    def form_kwargs(self, existing_version: int | None = None) -> dict[str, Any]:
        """What TrajectoryForm needs to draw its grid. `existing_version` is the version the
        user started from, when that is not the one now saved."""
        return {
            "measure": self.measure,
            "existing_version": (
                self.existing_version if existing_version is None else existing_version
            ),
            "first": self.first,
            "last": self.last,
            "values": self.planned,
        }


def trajectory_page(measure: Measure) -> TrajectoryPage:
    versions = list(
        measure.trajectories.select_related("created_by")
        .prefetch_related("points")
        .order_by("-number")
    )
    latest = versions[0] if versions else None
    planned = {point.period: point.value for point in latest.points.all()} if latest else {}
    first_actual = measure.actuals.order_by("period").values_list("period", flat=True).first()
    first, last = _trajectory_range(measure, planned, first_actual)
    return TrajectoryPage(
        measure=measure, versions=versions, planned=planned, first=first, last=last
    )


def _trajectory_range(
    measure: Measure, planned: dict[date, Decimal], first_actual: date | None
) -> tuple[date, date]:
    """Periods the point grid offers: from the first actual (or the priority's start) to the
    target date or deadline, widened to cover the current trajectory."""
    frequency = measure.frequency
    starts = [d for d in (first_actual, *planned) if d]
    if measure.priority.start:
        starts.append(period_of(measure.priority.start, frequency))
    ends = list(planned)
    for day in (measure.target_date, measure.priority.deadline):
        if day:
            ends.append(period_of(day, frequency))
    first = min(starts) if starts else period_of(clock.today(), frequency)
    last = max(ends) if ends else first
    if last < first:
        last = first
    if last == first:
        last = periods.step(first, frequency, ADD_ROWS[frequency] - 1)
    return first, last


# --- the actuals grid -------------------------------------------------------------------------


@dataclass
class GridRow:
    period: date
    label: str
    planned: str
    value: str  # as stored, or as typed when the row comes back with an error
    status: str
    note: str
    version: int  # the version the user is editing from; 0 for an empty cell
    error: str = ""
    saved: str = ""
    their: Actual | None = None  # the other person's value, after a conflict
    conflict: str = ""

    @property
    def stored(self) -> bool:
        return self.version > 0

    @property
    def summary_cell(self) -> dict[str, str]:
        """The row as the error summary lists it: linked to its value, saying what is wrong."""
        return {
            "name": f"value-{self.label}",
            "label": self.label,
            "error": self.error or self.conflict,
        }


def planned_values(measure: Measure) -> dict[date, Decimal]:
    """The current trajectory's points, in two queries however many versions there are."""
    current = (
        Trajectory.objects.filter(measure=measure)
        .order_by("-number")
        .prefetch_related("points")
        .first()
    )
    return {point.period: point.value for point in current.points.all()} if current else {}


def _grid_periods(measure: Measure, planned: dict[date, Decimal], stored: list[date]) -> list[date]:
    """Newest first: from the earliest planned or actual period to the latest period up to
    today (or to the end of the plan or deadline, when that came earlier)."""
    frequency = measure.frequency
    today = period_of(clock.today(), frequency)
    known = [*planned, *stored]
    if known:
        first = min(known)
    elif measure.priority.start:
        first = period_of(measure.priority.start, frequency)
    else:
        first = today
    horizons = list(planned)
    for day in (measure.target_date, measure.priority.deadline):
        if day:
            horizons.append(period_of(day, frequency))
    last = min(today, max(horizons)) if horizons else today
    if stored:
        last = max(last, max(stored))
    last = max(last, first)
    result = []
    period = last
    while period >= first:
        result.append(period)
        period = periods.step(period, frequency, -1)
    return result


def grid_row(measure: Measure, period: date, actual: Actual | None, planned: dict) -> GridRow:
    """A row as stored."""
    plan = planned.get(period)
    return GridRow(
        period=period,
        label=periods.label(period, measure.frequency),
        planned="" if plan is None else format_number(plan),
        value="" if actual is None else format_number(actual.value),
        status=actual.status if actual else ActualStatus.FINAL,
        note=actual.note if actual else "",
        version=actual.version if actual else 0,
    )


def saved_row(measure: Measure, period: date) -> GridRow:
    """A row as stored now, after it was saved."""
    planned = planned_values(measure)
    actual = Actual.objects.filter(measure=measure, period=period).first()
    return grid_row(measure, period, actual, planned)


def typed_row(measure: Measure, period: date, data: Any) -> GridRow:
    """A row as the user posted it, to show again with its error or conflict."""
    plan = planned_values(measure).get(period)
    try:
        version = max(0, int(data.get("version") or 0))
    except ValueError:
        version = 0
    return GridRow(
        period=period,
        label=periods.label(period, measure.frequency),
        planned="" if plan is None else format_number(plan),
        value=data.get("value", "").strip(),
        status=data.get("status", ActualStatus.FINAL),
        note=data.get("note", "").strip(),
        version=version,
    )


def grid_rows(measure: Measure, replace: GridRow | None = None) -> list[GridRow]:
    """Every row of the grid as stored, with `replace` (a row as typed) in its place."""
    planned = planned_values(measure)
    actuals = {actual.period: actual for actual in measure.actuals.all()}
    rows = []
    for period in _grid_periods(measure, planned, list(actuals)):
        if replace is not None and period == replace.period:
            rows.append(replace)
        else:
            rows.append(grid_row(measure, period, actuals.get(period), planned))
    if replace is not None and replace.period not in {row.period for row in rows}:
        rows.append(replace)
        rows.sort(key=lambda row: row.period, reverse=True)
    return rows
