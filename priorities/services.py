"""Writes to priorities, measures, trajectories, actuals and milestones.

Every write validates (`full_clean`), runs in a transaction and is attributed to the user who
made it in the object's history. Updates carry the version the user started from; if someone
else saved in between, deliveryunit.editing.ConflictError is raised and nothing is written.

Every write that changes what a measure's performance is derived from (its actuals, its
trajectories, the measure, its priority's deadline) ends with `performance_refresh` for the
measures it touched, in the same transaction: the stored performance that lists and dashboards
read is never behind the data. Code that writes these rows in bulk, bypassing the services
(seed data, benchmarks), must call it too. Milestones are not among its inputs (a status or
forecast does not depend on them), so milestone writes leave it alone.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from deliveryunit.editing import ConflictError, attribute, check_version, locked

from . import performance_store, periods
from .models import (
    Actual,
    ActualStatus,
    ChainLink,
    Measure,
    Milestone,
    Priority,
    Trajectory,
    TrajectoryPoint,
)

REASON_REQUIRED = "Give a reason for re-profiling the trajectory."
NO_POINTS = "A trajectory needs at least one point."
DUPLICATE_POINT = "The trajectory has two points for {period}."
PARENT_CYCLE = "A priority cannot sit under itself or one of its own sub-targets."
LINK_WHO_REQUIRED = "Say who this link of the chain is, for example Home Office."
LINK_AT_END = "This link is already at that end of the chain."
LINK_GONE = "Someone else removed this link of the chain since you opened the page."


# --- stored performance -------------------------------------------------------------------


def performance_refresh(*, measure_ids: Iterable[int]) -> int:
    """Recompute the stored performance (MeasurePerformance) of these measures from their data
    as it stands in this transaction. Returns how many rows were written."""
    with transaction.atomic():
        return performance_store.refresh(measure_ids)


def performance_refresh_all() -> int:
    """Rebuild the stored performance of every measure (after bulk loads, or by hand with
    `manage.py refresh_performance`)."""
    with transaction.atomic():
        return performance_store.refresh_all()


def _measure_ids_of(priority: Priority) -> list[int]:
    return list(Measure.objects.filter(priority=priority).values_list("pk", flat=True))


# --- priorities ---------------------------------------------------------------------------


def _check_parent(priority: Priority) -> None:
    node = priority.parent
    while node is not None:
        if node.pk == priority.pk:
            raise ValidationError({"parent": PARENT_CYCLE})
        node = node.parent


@transaction.atomic
def priority_create(*, by: Any, delivery_chain: list | None = None, **fields: Any) -> Priority:
    priority = Priority(**fields)
    priority.full_clean()
    attribute(priority, by)
    priority.save()
    if delivery_chain:
        priority.delivery_chain.set(delivery_chain)
    return priority


@transaction.atomic
def priority_update(
    *,
    priority: Priority,
    by: Any,
    expected_version: int | None,
    delivery_chain: list | None = None,
    **fields: Any,
) -> Priority:
    current = locked(Priority, priority.pk, expected_version)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    _check_parent(current)
    current.version += 1
    attribute(current, by)
    current.save()
    if delivery_chain is not None:
        current.delivery_chain.set(delivery_chain)
    # The deadline is where every measure's forecast runs to.
    performance_refresh(measure_ids=_measure_ids_of(current))
    return current


# --- measures -----------------------------------------------------------------------------


@transaction.atomic
def measure_create(*, priority: Priority, by: Any, **fields: Any) -> Measure:
    measure = Measure(priority=priority, **fields)
    measure.full_clean()
    attribute(measure, by)
    measure.save()
    performance_refresh(measure_ids=[measure.pk])
    return measure


@transaction.atomic
def measure_update(
    *, measure: Measure, by: Any, expected_version: int | None, **fields: Any
) -> Measure:
    current = locked(Measure, measure.pk, expected_version)
    changes_frequency = "frequency" in fields and fields["frequency"] != current.frequency
    if changes_frequency and (current.actuals.exists() or current.trajectories.exists()):
        raise ValidationError(
            {"frequency": "The frequency cannot change once the measure has data."}
        )
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.version += 1
    attribute(current, by)
    current.save()
    performance_refresh(measure_ids=[current.pk])
    return current


# --- trajectories -------------------------------------------------------------------------


@transaction.atomic
def trajectory_create(
    *,
    measure: Measure,
    by: Any,
    label: str,
    agreed_on: date,
    reason: str = "",
    points: list[tuple[date, Decimal]],
    expected_version: int | None = None,
) -> Trajectory:
    """Add a trajectory version. The first is the plan; later ones re-profile it and need a
    reason. Earlier versions stay as they were.

    `expected_version` is the trajectory version the user re-profiled (0 for none). It is
    compared under the measure's lock, before the reason is asked for: a user who planned
    from scratch while someone else saved the first plan is told of the conflict, not that
    a re-profile needs a reason. None skips the check (imports, which preview what changes).
    """
    measure = locked(Measure, measure.pk)
    current = measure.trajectories.order_by("-number").first()
    latest = current.number if current else 0
    if expected_version is not None and expected_version != latest:
        raise ConflictError(current or Trajectory(measure=measure, number=0))
    if latest and not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})
    if not points:
        raise ValidationError({"points": NO_POINTS})
    seen: set[date] = set()
    errors = []
    for period, _value in points:
        if period in seen:
            errors.append(DUPLICATE_POINT.format(period=periods.label(period, measure.frequency)))
        seen.add(period)
        if not periods.is_aligned(period, measure.frequency):
            errors.append(f"{period} is not the start of a {measure.frequency} period.")
    if errors:
        raise ValidationError({"points": errors})
    trajectory = Trajectory(
        measure=measure,
        number=latest + 1,
        label=label,
        agreed_on=agreed_on,
        reason=reason,
        created_by=by if getattr(by, "pk", None) else None,
    )
    trajectory.full_clean()
    attribute(trajectory, by)
    trajectory.save()
    for period, value in sorted(points):
        point = TrajectoryPoint(trajectory=trajectory, period=period, value=value)
        point.full_clean()
        attribute(point, by)
        point.save()
    performance_refresh(measure_ids=[measure.pk])
    return trajectory


# --- actuals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActualData:
    period: date
    value: Decimal
    status: str = ActualStatus.FINAL
    source: str = ""
    data_as_at: date | None = None
    note: str = ""


RECORDED_FIELDS = ("value", "status", "source", "data_as_at", "note")


def _same(actual: Actual, data: ActualData) -> bool:
    return all(
        (Decimal(actual.value) == Decimal(data.value))
        if name == "value"
        else getattr(actual, name) == getattr(data, name)
        for name in RECORDED_FIELDS
    )


def actual_record(
    *, measure: Measure, by: Any, data: ActualData, expected_version: int | None = None
) -> tuple[Actual, bool]:
    """Create or revise the actual for one period. Returns (actual, changed). Saving values
    identical to those stored changes nothing and records no history.

    `expected_version` is the version the user saw: 0 for an empty cell. None skips the check
    (imports, which show their own preview of what will change)."""
    with transaction.atomic():
        actual, changed = _record(
            measure=measure, by=by, data=data, expected_version=expected_version
        )
        if changed:
            performance_refresh(measure_ids=[measure.pk])
        return actual, changed


def _record(
    *, measure: Measure, by: Any, data: ActualData, expected_version: int | None
) -> tuple[Actual, bool]:
    """actual_record without the refresh, for writers that refresh once for many rows. Runs in
    the caller's transaction."""
    if not periods.is_aligned(data.period, measure.frequency):
        raise ValidationError(
            {"period": f"{data.period} is not the start of a {measure.frequency} period."}
        )
    actual = Actual.objects.select_for_update().filter(measure=measure, period=data.period).first()
    if actual is None:
        if expected_version not in (None, 0):
            raise ConflictError(Actual(measure=measure, period=data.period, version=0))
        actual = Actual(measure=measure, period=data.period)
        for name in RECORDED_FIELDS:
            setattr(actual, name, getattr(data, name))
        actual.full_clean()
        attribute(actual, by)
        actual.save()
        return actual, True
    check_version(actual, expected_version)
    if _same(actual, data):
        return actual, False
    for name in RECORDED_FIELDS:
        setattr(actual, name, getattr(data, name))
    actual.full_clean()
    actual.version += 1
    attribute(actual, by)
    actual.save()
    return actual, True


class CellOutcome(StrEnum):
    SAVED = "saved"
    DELETED = "deleted"
    NOTHING = "nothing"


@transaction.atomic
def actual_cell_save(
    *,
    measure: Measure,
    by: Any,
    period: date,
    value: Decimal | None,
    status: str,
    note: str,
    expected_version: int,
) -> CellOutcome:
    """One row of the actuals grid, checked against the version the row was opened at (0 for
    an empty row) under the row's lock: a value records or revises the period's actual, no
    value deletes it. The grid does not show the source or "data as at": a revision keeps
    what the row already had."""
    stored = Actual.objects.select_for_update().filter(measure=measure, period=period).first()
    if value is None:
        if stored is None:
            # They wanted it gone and it is gone: nothing to do, nothing lost.
            return CellOutcome.DELETED if expected_version else CellOutcome.NOTHING
        check_version(stored, expected_version)
        attribute(stored, by)
        stored.delete()
        performance_refresh(measure_ids=[measure.pk])
        return CellOutcome.DELETED
    actual_record(
        measure=measure,
        by=by,
        expected_version=expected_version,
        data=ActualData(
            period=period,
            value=value,
            status=status,
            note=note,
            source=stored.source if stored else "",
            data_as_at=stored.data_as_at if stored else None,
        ),
    )
    return CellOutcome.SAVED


@transaction.atomic
def actuals_import(*, measure_rows: list[tuple[Measure, ActualData]], by: Any) -> dict[str, int]:
    """Write a whole import, all or nothing. Returns counts of created, updated, unchanged."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    changed_measures: set[int] = set()
    for measure, data in measure_rows:
        existed = Actual.objects.filter(measure=measure, period=data.period).exists()
        _actual, changed = _record(measure=measure, by=by, data=data, expected_version=None)
        if not changed:
            counts["unchanged"] += 1
            continue
        changed_measures.add(measure.pk)
        counts["updated" if existed else "created"] += 1
    # Once for the whole import, not once a row.
    performance_refresh(measure_ids=changed_measures)
    return counts


# --- milestones ---------------------------------------------------------------------------


@transaction.atomic
def milestone_create(*, priority: Priority, by: Any, **fields: Any) -> Milestone:
    milestone = Milestone(priority=priority, **fields)
    milestone.full_clean()
    attribute(milestone, by)
    milestone.save()
    return milestone


@transaction.atomic
def milestone_update(
    *, milestone: Milestone, by: Any, expected_version: int | None, **fields: Any
) -> Milestone:
    current = locked(Milestone, milestone.pk, expected_version)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.version += 1
    attribute(current, by)
    current.save()
    return current


# --- the delivery chain -------------------------------------------------------------------
#
# Links are kept in order from the minister to the front line. Adding, moving and removing
# links lock the priority's row first, so two people reordering the chain at once renumber it
# one after the other; each link also carries its own version, checked under its own lock.


def _chain_of(priority: Priority) -> list[ChainLink]:
    return list(
        ChainLink.objects.select_for_update()
        .filter(priority_id=priority.pk)
        .order_by("order", "pk")
    )


def _renumber(links: list[ChainLink], by: Any) -> None:
    for position, link in enumerate(links, start=1):
        if link.order != position:
            link.order = position
            attribute(link, by)
            link.save(update_fields=["order"])


def _locked_link(link: ChainLink, expected_version: int | None) -> ChainLink:
    try:
        return locked(ChainLink, link.pk, expected_version)
    except ChainLink.DoesNotExist:
        raise ValidationError(LINK_GONE) from None


@transaction.atomic
def chain_link_add(*, priority: Priority, by: Any, who: str, **fields: Any) -> ChainLink:
    """A new link at the front-line end of the chain."""
    locked(Priority, priority.pk)
    if not who.strip():
        raise ValidationError({"who": LINK_WHO_REQUIRED})
    links = _chain_of(priority)
    link = ChainLink(priority=priority, order=len(links) + 1, who=who.strip(), **fields)
    link.full_clean()
    attribute(link, by)
    link.save()
    return link


@transaction.atomic
def chain_link_update(
    *, link: ChainLink, by: Any, expected_version: int | None, **fields: Any
) -> ChainLink:
    current = _locked_link(link, expected_version)
    for name, value in fields.items():
        setattr(current, name, value)
    if not current.who.strip():
        raise ValidationError({"who": LINK_WHO_REQUIRED})
    current.full_clean()
    current.version += 1
    attribute(current, by)
    current.save()
    return current


@transaction.atomic
def chain_link_move(
    *, link: ChainLink, by: Any, expected_version: int | None, towards_front_line: bool
) -> ChainLink:
    """Swap a link with its neighbour, one step towards the front line or back up the chain."""
    locked(Priority, link.priority_id)
    current = _locked_link(link, expected_version)
    links = _chain_of(current.priority)
    index = next(i for i, other in enumerate(links) if other.pk == current.pk)
    target = index + 1 if towards_front_line else index - 1
    if not 0 <= target < len(links):
        raise ValidationError(LINK_AT_END)
    links[index], links[target] = links[target], links[index]
    _renumber(links, by)
    current.refresh_from_db()
    current.version += 1
    attribute(current, by)
    current.save(update_fields=["version"])
    return current


@transaction.atomic
def chain_link_remove(*, link: ChainLink, by: Any, expected_version: int | None) -> None:
    locked(Priority, link.priority_id)
    current = _locked_link(link, expected_version)
    priority = current.priority
    attribute(current, by)
    current.delete()
    _renumber(_chain_of(priority), by)
