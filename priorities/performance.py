"""Derived performance of a measure: status against its current trajectory and a forecast.

Everything here is a pure function of a MeasureSeries (priorities/series.py), so the same
answers serve the priority page, dashboards and documents, and nothing is ever typed in by
hand. What lists and dashboards read is stored (MeasurePerformance, written by
services.performance_refresh whenever the data it comes from changes), but computed here by
`stored_values`, from the same functions, so a stored answer and a fresh one are always equal.
"""

import math
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from . import periods
from .series import ActualPoint, MeasureSeries, Point, TrajectorySeries

ON_TRACK = "on_track"
WITHIN_TOLERANCE = "within_tolerance"
OFF_TRACK = "off_track"
NO_DATA = "no_data"

STATUS_LABELS = {
    ON_TRACK: "On track",
    WITHIN_TOLERANCE: "Within tolerance",
    OFF_TRACK: "Off track",
    NO_DATA: "No data",
}

HIGHER = "higher"
LOWER = "lower"

# How many recent periods the trend is fitted over, by frequency, and the fewest actuals in
# that window that make a trend worth projecting.
TREND_WINDOW = {periods.MONTHLY: 12, periods.QUARTERLY: 8, periods.ANNUAL: 5}
MIN_TREND_POINTS = 3
# With no deadline and no target date, project this many periods ahead.
DEFAULT_HORIZON = 12
# How many of the latest actuals a stored sparkline keeps, with the plan at the same periods.
SPARKLINE_ACTUALS = 24

# When a straight line through the recent actuals says nothing worth drawing (see
# forecast_reliability): the longest step between two consecutive actuals in the window, in
# periods (4 months is three months missing; 2 quarters or 2 years, one missing), and how far
# ahead the line may run, as a multiple of the periods its actuals cover (first to latest,
# both counted): a year of monthly figures may be projected three years on, no further.
MAX_GAP_PERIODS = {periods.MONTHLY: 4, periods.QUARTERLY: 2, periods.ANNUAL: 2}
MAX_HORIZON_TO_SPAN = 3.0
UNRELIABLE = "Forecast unreliable: {reason}"
REASON_GAP = "{gap} {nouns} pass between the actuals of {first} and {second}"
REASON_HORIZON = (
    "it would run {horizon} {nouns} ahead from actuals covering only {span} {span_nouns}"
)

_PERIOD_NOUN = {periods.MONTHLY: "month", periods.QUARTERLY: "quarter", periods.ANNUAL: "year"}
_MONTHS_PER_PERIOD = {periods.MONTHLY: 1, periods.QUARTERLY: 3, periods.ANNUAL: 12}


@dataclass(frozen=True)
class Forecast:
    points: list[Point]  # from the latest actual's period to the deadline's period, inclusive
    deadline: date  # the period the forecast runs to
    value_at_deadline: float
    target_value: float | None
    gap_to_target: float | None  # positive: short of target; negative: beyond it
    will_meet_target: bool | None
    slope_per_period: float
    method: str
    fitted_points: int = 0  # how many actuals the trend was fitted to
    # False when the line is fitted to too little to be believed (forecast_reliability): it
    # is then neither drawn nor quoted, and `unreliable_reason` says why.
    reliable: bool = True
    unreliable_reason: str = ""

    @property
    def unreliable_text(self) -> str:
        return UNRELIABLE.format(reason=self.unreliable_reason) if not self.reliable else ""


@dataclass(frozen=True)
class Performance:
    status: str
    status_label: str
    latest_period: date | None = None
    latest_label: str = ""
    latest_value: float | None = None
    latest_provisional: bool = False
    planned_value: float | None = None
    variance: float | None = None  # actual - planned, signed
    better_by: float | None = None  # positive when better than planned, whatever the direction
    tolerance: float = 0.0
    target_met: bool | None = None  # the actual for the target period against the target
    forecast: Forecast | None = None

    @property
    def has_data(self) -> bool:
        return self.status != NO_DATA

    @property
    def reliable_forecast(self) -> Forecast | None:
        """The forecast if it is worth drawing and quoting."""
        return self.forecast if self.forecast is not None and self.forecast.reliable else None


def period_of(day: date, frequency: str) -> date:
    """The start of the period of this frequency that contains `day`."""
    if frequency == periods.QUARTERLY:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if frequency == periods.ANNUAL:
        return date(day.year, 1, 1)
    return date(day.year, day.month, 1)


def planned_at(trajectory: TrajectorySeries | None, period: date) -> float | None:
    """The trajectory's value at `period`, interpolated linearly by date between its points.

    After the last point the plan holds at the last value (a trajectory that ends at its target
    means "stay there"); before the first point there is no plan, so None.
    """
    if trajectory is None or not trajectory.points:
        return None
    points = sorted(trajectory.points, key=lambda p: p.period)
    if period < points[0].period:
        return None
    if period >= points[-1].period:
        return float(points[-1].value)
    for before, after in zip(points, points[1:], strict=False):
        if before.period <= period <= after.period:
            if period == before.period:
                return float(before.value)
            span = (after.period - before.period).days
            share = (period - before.period).days / span
            return float(before.value) + share * (float(after.value) - float(before.value))
    return None  # unreachable: the period lies between the first and last points


def better_by(direction: str, actual: float, reference: float) -> float:
    """How far `actual` is better than `reference`: positive is better, whichever way is up."""
    difference = actual - reference
    return -difference if direction == LOWER else difference


def status_of(direction: str, actual: float, planned: float | None, tolerance: float) -> str:
    if planned is None:
        return NO_DATA
    ahead = better_by(direction, actual, planned)
    if _at_least(ahead, 0.0):
        return ON_TRACK
    if _at_least(ahead, -abs(tolerance)):
        return WITHIN_TOLERANCE
    return OFF_TRACK


def status_series(series: MeasureSeries) -> list[tuple[date, str]]:
    """The status at every actual's period, oldest first: when the measure went off track."""
    trajectory = series.current_trajectory
    tolerance = float(series.tolerance or 0)
    return [
        (
            actual.period,
            status_of(
                series.direction,
                float(actual.value),
                planned_at(trajectory, actual.period),
                tolerance,
            ),
        )
        for actual in _sorted_actuals(series.actuals)
    ]


def assess(
    series: MeasureSeries, as_at: date | None = None, *, with_forecast: bool = True
) -> Performance:
    """Status against the current trajectory at the latest actual (on or before `as_at`).
    `with_forecast=False` leaves the forecast out, for a reader that shows none."""
    tolerance = float(series.tolerance or 0)
    actuals = _sorted_actuals(series.actuals)
    if as_at is not None:
        actuals = [a for a in actuals if a.period <= as_at]
    if not actuals:
        return Performance(status=NO_DATA, status_label=STATUS_LABELS[NO_DATA], tolerance=tolerance)
    latest = actuals[-1]
    value = float(latest.value)
    planned = planned_at(series.current_trajectory, latest.period)
    status = status_of(series.direction, value, planned, tolerance)
    return Performance(
        status=status,
        status_label=STATUS_LABELS[status],
        latest_period=latest.period,
        latest_label=periods.label(latest.period, series.frequency),
        latest_value=value,
        latest_provisional=latest.provisional,
        planned_value=planned,
        variance=None if planned is None else value - planned,
        better_by=None if planned is None else better_by(series.direction, value, planned),
        tolerance=tolerance,
        target_met=_target_met(series, actuals),
        forecast=forecast(series, actuals) if with_forecast else None,
    )


def forecast(series: MeasureSeries, actuals: list[ActualPoint] | None = None) -> Forecast | None:
    """Project the recent trend to the deadline.

    A least-squares straight line is fitted to the actuals in the last N periods (N by
    frequency, TREND_WINDOW), so gaps in the data are spaced by time, not by count. The line's
    slope is projected from the latest actual, so the forecast starts where the data ends.
    It runs to the priority's deadline, else the measure's target date, else DEFAULT_HORIZON
    periods ahead. None when fewer than MIN_TREND_POINTS actuals fall in the window, or when
    the deadline is not after the latest actual (the outcome is then in the data: see
    Performance.target_met). A forecast from points too far apart, or running too far ahead
    of its data, is marked unreliable (forecast_reliability): its line is computed but
    neither drawn nor quoted.
    """
    frequency = series.frequency
    actuals = _sorted_actuals(series.actuals if actuals is None else actuals)
    if len(actuals) < MIN_TREND_POINTS:
        return None
    latest = actuals[-1]
    window = TREND_WINDOW[frequency]
    latest_index = _period_index(latest.period, frequency)
    recent = [a for a in actuals if _period_index(a.period, frequency) > latest_index - window]
    if len(recent) < MIN_TREND_POINTS:
        return None
    slope = _least_squares_slope(
        [float(_period_index(a.period, frequency)) for a in recent],
        [float(a.value) for a in recent],
    )
    if not math.isfinite(slope):
        return None

    end_day = series.deadline or series.target_date
    if end_day is not None:
        end = period_of(end_day, frequency)
        horizon = _period_index(end, frequency) - latest_index
        if horizon <= 0:
            return None
    else:
        horizon = DEFAULT_HORIZON
    # Counts and rates cannot go below zero, whatever a falling straight line says.
    floor = 0.0 if all(float(a.value) >= 0 for a in actuals) else -math.inf
    start = float(latest.value)
    points = [
        Point(periods.step(latest.period, frequency, k), max(floor, start + slope * k))
        for k in range(horizon + 1)
    ]
    at_deadline = points[-1].value
    reason = forecast_reliability(recent, horizon, frequency)

    target = None if series.target_value is None else float(series.target_value)
    gap = None if target is None else -better_by(series.direction, at_deadline, target)
    noun = _PERIOD_NOUN[frequency]
    return Forecast(
        points=points,
        deadline=points[-1].period,
        value_at_deadline=at_deadline,
        target_value=target,
        gap_to_target=gap,
        will_meet_target=None if gap is None else _at_least(0.0, gap),
        slope_per_period=slope,
        method=(
            f"Straight-line trend fitted to the {len(recent)} actuals from "
            f"{periods.label(recent[0].period, frequency)} to "
            f"{periods.label(latest.period, frequency)} (least squares, up to {window} {noun}s), "
            f"projected from the latest actual to {periods.label(points[-1].period, frequency)}."
        ),
        fitted_points=len(recent),
        reliable=not reason,
        unreliable_reason=reason,
    )


def previous_status(series: MeasureSeries) -> tuple[date | None, str]:
    """The period of the actual before the latest and the status the measure had then (against
    today's current trajectory), or (None, "") with fewer than two actuals."""
    statuses = status_series(series)
    if len(statuses) < 2:
        return None, ""
    return statuses[-2]


def slipped(status: str, previous: str) -> bool:
    """Off track now and not at the previous actual: "slipped off track since last time"."""
    return status == OFF_TRACK and bool(previous) and previous != OFF_TRACK


def sparkline_points(series: MeasureSeries, count: int = SPARKLINE_ACTUALS) -> dict[str, Any]:
    """The latest `count` actuals and the current plan at the same periods, as JSON-ready
    lists: {"actuals": [[iso date, value, provisional], ...], "plan": [[iso date, value or
    None], ...]}."""
    actuals = _sorted_actuals(series.actuals)[-count:]
    current = series.current_trajectory
    return {
        "actuals": [[a.period.isoformat(), float(a.value), a.provisional] for a in actuals],
        "plan": [[a.period.isoformat(), planned_at(current, a.period)] for a in actuals],
    }


def stored_values(series: MeasureSeries) -> dict[str, Any]:
    """Everything MeasurePerformance keeps about a measure, by field name, from `assess` and
    the functions above: the one computation behind every stored row."""
    assessed = assess(series)
    forecast_ = assessed.forecast
    previous_period, previous = previous_status(series)
    current = series.current_trajectory
    latest = _sorted_actuals(series.actuals)[-1] if series.actuals else None
    return {
        "status": assessed.status,
        "status_label": assessed.status_label,
        "latest_period": assessed.latest_period,
        "latest_value": assessed.latest_value,
        "latest_provisional": assessed.latest_provisional,
        "latest_source": latest.source if latest else "",
        "planned_value": assessed.planned_value,
        "variance": assessed.variance,
        "better_by": assessed.better_by,
        "previous_period": previous_period,
        "previous_status": previous,
        "target_met": assessed.target_met,
        "forecast_period": forecast_.deadline if forecast_ else None,
        "forecast_value": forecast_.value_at_deadline if forecast_ else None,
        "forecast_gap": forecast_.gap_to_target if forecast_ else None,
        "forecast_will_meet": forecast_.will_meet_target if forecast_ else None,
        "forecast_reliable": forecast_.reliable if forecast_ else False,
        "plan_start": min((p.period for p in current.points), default=None) if current else None,
        "sparkline": sparkline_points(series),
    }


def forecast_reliability(recent: list[ActualPoint], horizon: int, frequency: str) -> str:
    """Why a straight line through `recent` (the actuals in the trend window, oldest first,
    at least MIN_TREND_POINTS of them), projected `horizon` periods ahead, is not worth drawing;
    empty when it is. A forecast is unreliable when two consecutive actuals are more than
    MAX_GAP_PERIODS apart (the line would bridge a stretch nobody measured), or when it runs
    further ahead than MAX_HORIZON_TO_SPAN times the span of the actuals it is fitted to (a
    few close points say little about years ahead)."""
    noun = _PERIOD_NOUN[frequency]
    indexes = [_period_index(a.period, frequency) for a in recent]
    for (before, first), (after, second) in pairwise(zip(indexes, recent, strict=True)):
        gap = after - before
        if gap > MAX_GAP_PERIODS[frequency]:
            return REASON_GAP.format(
                gap=gap,
                nouns=f"{noun}s",
                first=periods.label(first.period, frequency),
                second=periods.label(second.period, frequency),
            )
    span = indexes[-1] - indexes[0] + 1
    if horizon > MAX_HORIZON_TO_SPAN * span:
        return REASON_HORIZON.format(
            horizon=horizon,
            nouns=f"{noun}s" if horizon != 1 else noun,
            span=span,
            span_nouns=f"{noun}s" if span != 1 else noun,
        )
    return ""


def _target_met(series: MeasureSeries, actuals: list[ActualPoint]) -> bool | None:
    """Whether the actual for the period of the target date meets the target value; None while
    that actual is not in (or there is no target)."""
    if series.target_value is None:
        return None
    due = series.target_date or series.deadline
    if due is None:
        return None
    period = period_of(due, series.frequency)
    for actual in actuals:
        if actual.period == period:
            return _at_least(
                better_by(series.direction, float(actual.value), float(series.target_value)), 0.0
            )
    return None


def _least_squares_slope(x: list[float], y: list[float]) -> float:
    """Slope of the ordinary least-squares line through the points (y against x). Plain
    Python: a few dozen points, and building pandas objects for them cost more than the sum
    (a document assesses every measure of the portfolio, some twice)."""
    mean_x = math.fsum(x) / len(x)
    mean_y = math.fsum(y) / len(y)
    dx = [v - mean_x for v in x]
    denominator = math.fsum(d * d for d in dx)
    if not denominator:
        return math.nan
    return math.fsum(d * (v - mean_y) for d, v in zip(dx, y, strict=True)) / denominator


def _sorted_actuals(actuals: list[ActualPoint]) -> list[ActualPoint]:
    return sorted(actuals, key=lambda a: a.period)


def _period_index(day: date, frequency: str) -> int:
    return (day.year * 12 + day.month - 1) // _MONTHS_PER_PERIOD[frequency]


def _at_least(value: float, bound: float) -> bool:
    # Interpolated plans are floats: a value that equals its bound to the last few bits counts
    # as meeting it, so 4,385 against a plan of 4,385.0000000001 is on track.
    return value >= bound or math.isclose(value, bound, rel_tol=1e-9, abs_tol=1e-9)
