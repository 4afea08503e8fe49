"""Plain data for one measure's chart and status, read once by the selectors and then used by
performance.py (status, forecast) and charts.py (figures) without touching the database."""

from dataclasses import dataclass, field, replace
from datetime import date


@dataclass(frozen=True)
class Point:
    period: date
    value: float


@dataclass(frozen=True)
class TrajectorySeries:
    number: int
    label: str
    agreed_on: date
    reason: str
    points: list[Point]
    is_current: bool


@dataclass(frozen=True)
class ActualPoint:
    period: date
    value: float
    provisional: bool
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class MilestoneMark:
    due: date
    title: str
    status: str  # MilestoneStatus value
    status_label: str


@dataclass
class MeasureSeries:
    measure_id: int
    name: str
    unit: str
    direction: str  # "higher" or "lower"
    frequency: str  # "monthly", "quarterly" or "annual"
    tolerance: float
    target_value: float | None
    target_date: date | None
    deadline: date | None  # the priority's deadline
    trajectories: list[TrajectorySeries] = field(default_factory=list)  # oldest first
    actuals: list[ActualPoint] = field(default_factory=list)  # by period
    milestones: list[MilestoneMark] = field(default_factory=list)

    @property
    def current_trajectory(self) -> TrajectorySeries | None:
        return self.trajectories[-1] if self.trajectories else None


def as_it_stood(series: MeasureSeries, as_at: date) -> MeasureSeries:
    """The series as it stood on `as_at`: later actuals, and trajectories agreed later, left out,
    so a chart drawn "as at" a date shows what could be seen then."""
    return replace(
        series,
        actuals=[a for a in series.actuals if a.period <= as_at],
        trajectories=[t for t in series.trajectories if t.agreed_on <= as_at],
    )
