"""Keeping MeasurePerformance in step with the data it is derived from.

`refresh` reads the series of the given measures in a fixed number of queries (plain values,
not model instances: an import can touch a thousand measures and sixty thousand actuals),
computes each row with performance.stored_values, and writes them all in one upsert.

It takes the model classes from an app registry, so the same code fills the table from the
data migration (historical models) and from the services (the real ones). The services call it
through services.performance_refresh, inside their own transaction: the measure rows are locked
first, so two writers refreshing one measure take turns and the second reads what the first
committed, and the stored row never misses a change.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.utils import timezone

from . import performance
from .models import ActualStatus
from .series import ActualPoint, MeasureSeries, Point, TrajectorySeries

# Measures refreshed per round of queries when the whole table is rebuilt.
BATCH = 500


def _series(measure_ids: list[int], apps: Any) -> dict[int, MeasureSeries]:
    Measure = apps.get_model("priorities", "Measure")
    Trajectory = apps.get_model("priorities", "Trajectory")
    TrajectoryPoint = apps.get_model("priorities", "TrajectoryPoint")
    Actual = apps.get_model("priorities", "Actual")

    series: dict[int, MeasureSeries] = {}
    measures = (
        Measure.objects.select_for_update(of=("self",))
        .filter(pk__in=measure_ids)
        .order_by("pk")
        .values_list(
            "pk",
            "name",
            "unit",
            "direction",
            "frequency",
            "tolerance",
            "target_value",
            "target_date",
            "priority__deadline",
        )
    )
    for pk, name, unit, direction, frequency, tolerance, target, target_date, deadline in measures:
        series[pk] = MeasureSeries(
            measure_id=pk,
            name=name,
            unit=unit,
            direction=direction,
            frequency=frequency,
            tolerance=float(tolerance or 0),
            target_value=None if target is None else float(target),
            target_date=target_date,
            deadline=deadline,
        )

    # Status and forecast are judged against the current (highest) version only.
    current: dict[int, tuple[int, Any]] = {}
    for pk, measure_id, number, label, agreed_on, reason in (
        Trajectory.objects.filter(measure_id__in=list(series))
        .order_by("measure_id", "number")
        .values_list("pk", "measure_id", "number", "label", "agreed_on", "reason")
    ):
        current[measure_id] = (pk, (number, label, agreed_on, reason))
    points: dict[int, list[Point]] = defaultdict(list)
    for trajectory_id, period, value in (
        TrajectoryPoint.objects.filter(trajectory_id__in=[pk for pk, _ in current.values()])
        .order_by("period")
        .values_list("trajectory_id", "period", "value")
    ):
        points[trajectory_id].append(Point(period, float(value)))
    for measure_id, (pk, (number, label, agreed_on, reason)) in current.items():
        series[measure_id].trajectories.append(
            TrajectorySeries(
                number=number,
                label=label,
                agreed_on=agreed_on,
                reason=reason,
                points=points[pk],
                is_current=True,
            )
        )

    for measure_id, period, value, status, source in (
        Actual.objects.filter(measure_id__in=list(series))
        .order_by("measure_id", "period")
        .values_list("measure_id", "period", "value", "status", "source")
    ):
        series[measure_id].actuals.append(
            ActualPoint(
                period=period,
                value=float(value),
                provisional=status == ActualStatus.PROVISIONAL,
                source=source,
            )
        )
    return series


def refresh(measure_ids: Iterable[int], *, apps: Any = global_apps) -> int:
    """Recompute and store the performance of these measures; returns how many rows were
    written. Must run inside a transaction (it locks the measures)."""
    ids = sorted(set(measure_ids))
    if not ids:
        return 0
    MeasurePerformance = apps.get_model("priorities", "MeasurePerformance")
    now = timezone.now()
    values = {pk: performance.stored_values(s) for pk, s in _series(ids, apps).items()}
    if not values:
        return 0
    MeasurePerformance.objects.bulk_create(
        [MeasurePerformance(measure_id=pk, refreshed_at=now, **row) for pk, row in values.items()],
        update_conflicts=True,
        unique_fields=["measure"],
        update_fields=[*next(iter(values.values())), "refreshed_at"],
    )
    return len(values)


def refresh_all(*, apps: Any = global_apps) -> int:
    """Rebuild every measure's row, BATCH measures at a time (each batch in the caller's
    transaction)."""
    Measure = apps.get_model("priorities", "Measure")
    ids = list(Measure.objects.order_by("pk").values_list("pk", flat=True))
    batches = (ids[start : start + BATCH] for start in range(0, len(ids), BATCH))
    return sum(refresh(batch, apps=apps) for batch in batches)
