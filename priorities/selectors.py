"""Reads for priorities, scoped to the user, with their related rows fetched up front.

The list and the priority page run a fixed number of queries whatever the size of the
portfolio: each fetches its priorities, then every related row (delivery chain, measures,
trajectories and their points, actuals, milestones) in one query per relation, and builds the
plain MeasureSeries in Python for performance.py and charts.py.
"""

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.core.paginator import Page, Paginator
from django.db.models import FloatField, Model, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.functions import Cast
from django.urls import reverse

from deliveryunit import access, priority_facts
from deliveryunit.models import Department
from deliveryunit.priority_facts import Likelihood

from . import charts, page_parts, performance, periods
from .known_at import KnownFigure, figures_known_at
from .models import (
    Actual,
    ActualStatus,
    ChainLink,
    Measure,
    MeasurePerformance,
    Milestone,
    Priority,
    Trajectory,
    TrajectoryPoint,
)
from .performance import Performance
from .series import ActualPoint, MeasureSeries, MilestoneMark, Point, TrajectorySeries

# --- fetching ---------------------------------------------------------------------------------

# Everything a priority's measures need for status and charts, one query per relation.
_DATA_PREFETCHES: tuple[str | Prefetch, ...] = (
    Prefetch("delivery_chain", queryset=Department.objects.order_by("name")),
    Prefetch("measures", queryset=Measure.objects.order_by("pk")),
    Prefetch("measures__trajectories", queryset=Trajectory.objects.order_by("number")),
    Prefetch(
        "measures__trajectories__points",
        queryset=TrajectoryPoint.objects.order_by("period").only(
            "pk", "trajectory_id", "period", "value"
        ),
    ),
    Prefetch(
        "measures__actuals",
        queryset=Actual.objects.order_by("period").only(
            "pk", "measure_id", "period", "value", "status", "note", "source", "data_as_at"
        ),
    ),
    Prefetch("milestones", queryset=Milestone.objects.order_by("due", "pk")),
)


# What measure_series_for_priorities prefetches as models: everything but the trajectory points
# and actuals, which it reads as plain values (a portfolio has tens of thousands of them, and
# making each a model instance cost most of a document's reading time).
_SERIES_PREFETCHES: tuple[str | Prefetch, ...] = tuple(
    p
    for p in _DATA_PREFETCHES
    if not (
        isinstance(p, Prefetch)
        and p.prefetch_to in ("measures__trajectories__points", "measures__actuals")
    )
)


def with_measure_data(queryset: QuerySet[Priority]) -> QuerySet[Priority]:
    """`queryset` with the lead department and the rows measure_series_for_priorities reads as
    models (it reads the points and actuals itself, as values)."""
    return queryset.select_related("lead_department").prefetch_related(*_SERIES_PREFETCHES)


@dataclass(frozen=True)
class ActualRow:
    """An actual as measure_series_for_priorities reads it: the fields a series and
    known_at.figures_known_at use, without a model instance."""

    period: date
    value: float
    status: str
    note: str
    source: str
    data_as_at: date | None


def _values_of(
    measures: list[Measure],
) -> tuple[dict[int, list[Point]], dict[int, list[ActualRow]]]:
    """The points of every trajectory of `measures` (by trajectory id) and their actuals (by
    measure id), oldest first: two queries, read as values."""
    trajectory_ids = [t.pk for m in measures for t in m.trajectories.all()]
    points: dict[int, list[Point]] = defaultdict(list)
    # Values cast to float by the database: a series holds floats, and a Decimal for each of
    # tens of thousands of rows would cost more than the query.
    as_float = Cast("value", FloatField())
    for trajectory_id, period, value in (
        TrajectoryPoint.objects.filter(trajectory_id__in=trajectory_ids)
        .order_by("period")
        .values_list("trajectory_id", "period", as_float)
    ):
        points[trajectory_id].append(Point(period, value))
    actuals: dict[int, list[ActualRow]] = defaultdict(list)
    for measure_id, *fields in (
        Actual.objects.filter(measure_id__in=[m.pk for m in measures])
        .order_by("period")
        .values_list("measure_id", "period", as_float, "status", "note", "source", "data_as_at")
    ):
        actuals[measure_id].append(ActualRow(*fields))
    return points, actuals


def _series(
    measure: Measure,
    priority: Priority,
    known: list[KnownFigure] | list[ActualRow] | None = None,
    points: dict[int, list[Point]] | None = None,
) -> MeasureSeries:
    """The measure's series: its actuals are `known` (or its prefetched actuals), its
    trajectories' points those in `points` by trajectory id (or their prefetched points)."""
    trajectories = list(measure.trajectories.all())
    return MeasureSeries(
        measure_id=measure.pk,
        name=measure.name,
        unit=measure.unit,
        direction=measure.direction,
        frequency=measure.frequency,
        tolerance=float(measure.tolerance or 0),
        target_value=None if measure.target_value is None else float(measure.target_value),
        target_date=measure.target_date,
        deadline=priority.deadline,
        trajectories=[
            TrajectorySeries(
                number=trajectory.number,
                label=trajectory.label,
                agreed_on=trajectory.agreed_on,
                reason=trajectory.reason,
                points=(
                    points.get(trajectory.pk, [])
                    if points is not None
                    else [Point(p.period, float(p.value)) for p in trajectory.points.all()]
                ),
                is_current=index == len(trajectories) - 1,
            )
            for index, trajectory in enumerate(trajectories)
        ],
        actuals=[
            ActualPoint(
                period=actual.period,
                value=float(actual.value),
                provisional=actual.status == ActualStatus.PROVISIONAL,
                note=actual.note,
                source=actual.source,
            )
            for actual in (measure.actuals.all() if known is None else known)
        ],
        milestones=[
            MilestoneMark(
                due=milestone.due,
                title=milestone.title,
                status=milestone.status,
                status_label=milestone.get_status_display(),
            )
            for milestone in priority.milestones.all()
        ],
    )


def measure_series_for_priorities(
    priorities: Iterable[Priority], known_at: date | None = None
) -> dict[int, MeasureSeries]:
    """The series of every measure of `priorities`, by measure id.

    Priorities fetched through `with_measure_data` cost no further query; others are given
    their related rows here, one query per relation for all of them together.

    With `known_at`, each series is as it stood on that date, for a snapshot that describes
    it: the trajectories agreed by then, and each actual as it was known then (the rule is in
    known_at.py: revisions and figures first reported later are left out). That costs one
    query more, whatever the number of priorities.
    """
    priorities = list(priorities)
    prefetch_related_objects(priorities, *_SERIES_PREFETCHES)
    measures = [
        (measure, priority) for priority in priorities for measure in priority.measures.all()
    ]
    points, actuals = _values_of([measure for measure, _ in measures])
    if known_at is None:
        return {
            measure.pk: _series(measure, priority, actuals.get(measure.pk, []), points)
            for measure, priority in measures
        }
    known = figures_known_at([measure for measure, _ in measures], known_at, actuals)
    series = {}
    for measure, priority in measures:
        stood = _series(measure, priority, known[measure.pk], points)
        stood.trajectories = [t for t in stood.trajectories if t.agreed_on <= known_at]
        if stood.trajectories:
            stood.trajectories[-1] = dataclasses.replace(stood.trajectories[-1], is_current=True)
        series[measure.pk] = stood
    return series


# --- the list ---------------------------------------------------------------------------------


def stored_performance(measure: Measure) -> MeasurePerformance:
    """The measure's stored performance, fetched with it (select_related), or an unsaved "no
    data" row for a measure written around the services and not yet refreshed."""
    try:
        return measure.stored_performance  # type: ignore[attr-defined]
    except MeasurePerformance.DoesNotExist:
        return MeasurePerformance(
            measure=measure,
            status=performance.NO_DATA,
            status_label=performance.STATUS_LABELS[performance.NO_DATA],
        )


@dataclass
class MeasureStatus:
    measure: Measure
    performance: MeasurePerformance


@dataclass
class ListRow:
    priority: Priority
    depth: int
    # The parent shown above this row, if any (for "sub-target of" notes).
    parent: Priority | None
    # A row that does not match the filters, shown only so that a matching sub-target sits
    # under its ancestors.
    context_only: bool = False
    measures: list[MeasureStatus] = field(default_factory=list)
    # The latest likelihood of delivery the user may see, from assessments through
    # deliveryunit.priority_facts; None when not judged (or no app supplies it).
    likelihood: Likelihood | None = None

    @property
    def indent(self) -> int:
        return min(self.depth, 3)


# Top-level priorities a page of the list shows, each with its sub-targets.
LIST_PER_PAGE = 50


def list_page(rows: list[ListRow], params: Any) -> tuple[Page, list[dict[str, Any]]]:
    """The page of the list that `params` asks for (its "page"): whole trees, a top-level
    priority with every sub-target under it, so that no sub-target loses its parent. With the
    links to every page, keeping the filters."""
    trees: list[list[ListRow]] = []
    for row in rows:
        if row.depth == 0 or not trees:
            trees.append([])
        trees[-1].append(row)
    page = Paginator(trees, LIST_PER_PAGE).get_page(params.get("page"))
    if page.paginator.num_pages < 2:
        return page, []
    kept = {key: value for key, value in params.items() if key != "page" and value}

    def url(number: int) -> str:
        query = urlencode({**kept, **({"page": number} if number > 1 else {})})
        base = reverse("priorities:list")
        return f"{base}?{query}" if query else base

    return page, [
        {"number": n, "url": url(n), "current": n == page.number} for n in page.paginator.page_range
    ]


def departments_for_filter(user: Any) -> QuerySet[Department]:
    """The departments a user can filter by: all for those who see everything, else the lead
    and delivery-chain departments of the priorities they can see."""
    if access.sees_all_departments(user):
        return Department.objects.order_by("name")
    visible = access.scoped(Priority.objects.all(), user).values("pk")
    return Department.objects.filter(
        Q(priorities_led__in=visible) | Q(priorities_in_chain__in=visible)
    ).distinct()


def priority_list(
    user: Any,
    department: Department | int | None = None,
    kind: str | None = None,
    within: Iterable[int] | None = None,
) -> list[ListRow]:
    """The priorities `user` may see, as a tree in code order, each with its measures' stored
    status and its latest likelihood of delivery.

    `within` limits the matches to these priority ids (a grouping filter, such as a forum's
    scope). A priority matching the filters is shown under its ancestors. An ancestor that does
    not match is still shown, greyed as context (`context_only`), when the user may see it; one
    the user may not see is left out and the sub-target moves up to its nearest visible
    ancestor or to the top level. Runs the same number of queries whatever the number of
    priorities, and reads no actual: status comes from MeasurePerformance.
    """
    visible = access.scoped(Priority.objects.all(), user)
    # The whole visible tree as (id, parent id): two integers a row, so ancestors at any depth
    # come from one query.
    parent_of: dict[int, int | None] = dict(visible.values_list("pk", "parent_id"))

    matching = visible
    if department is not None:
        department_id = department.pk if isinstance(department, Department) else department
        matching = matching.filter(
            pk__in=Priority.objects.filter(
                Q(lead_department_id=department_id) | Q(delivery_chain=department_id)
            ).values("pk")
        )
    if kind:
        matching = matching.filter(kind=kind)
    matching_ids = set(matching.values_list("pk", flat=True))
    if within is not None:
        matching_ids &= set(within)

    needed = set(matching_ids)
    for pk in matching_ids:
        parent = parent_of.get(pk)
        while parent is not None and parent in parent_of and parent not in needed:
            needed.add(parent)
            parent = parent_of[parent]

    priorities = list(
        Priority.objects.filter(pk__in=needed)
        .select_related("lead_department")
        .prefetch_related(
            Prefetch(
                "measures",
                # The list says each measure's name and status: its stored sparkline and
                # forecast are left in the database, which at portfolio scale halves the time.
                queryset=Measure.objects.select_related("stored_performance")
                .only(
                    "priority_id",
                    "name",
                    "stored_performance__measure",
                    "stored_performance__status",
                    "stored_performance__status_label",
                )
                .order_by("pk"),
            )
        )
    )
    likelihoods = priority_facts.likelihoods(user, matching_ids)
    by_id = {p.pk: p for p in priorities}

    children: dict[int | None, list[Priority]] = defaultdict(list)
    for priority in priorities:
        parent_id = priority.parent_id if priority.parent_id in by_id else None
        children[parent_id].append(priority)

    rows: list[ListRow] = []

    def walk(parent: Priority | None, depth: int) -> None:
        for priority in sorted(children[parent.pk if parent else None], key=_code_key):
            row = ListRow(
                priority=priority,
                depth=depth,
                parent=parent,
                context_only=priority.pk not in matching_ids,
            )
            if not row.context_only:
                row.measures = [
                    MeasureStatus(m, stored_performance(m)) for m in priority.measures.all()
                ]
                row.likelihood = likelihoods.get(priority.pk)
            rows.append(row)
            walk(priority, depth + 1)

    walk(None, 0)
    return rows


def _code_key(priority: Priority) -> tuple:
    """Natural order of codes, so "PSA 7" comes before "PSA 10"."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", priority.code)
        if part
    )


# --- the priority page ------------------------------------------------------------------------


# The data table under a chart shows this many periods up to the latest actual and this many
# after it; the whole table is one link away.
TABLE_BEFORE = 12
TABLE_AFTER = 12


@dataclass(frozen=True)
class TrajectoryVersion:
    """A trajectory version as the page lists it; its points are not read for the page."""

    number: int
    label: str
    agreed_on: date
    reason: str
    is_current: bool


@dataclass
class MeasureView:
    measure: Measure
    # What the page draws: the current trajectory (with its points), the actuals and the
    # milestones. Earlier versions are listed in `versions` and drawn only when asked for.
    series: MeasureSeries
    performance: Performance
    figure: dict
    # The rows of the data table the page shows: all of them, or a window around the latest
    # actual when `table_complete` is false.
    table_rows: list[dict]
    versions: list[TrajectoryVersion] = field(default_factory=list)
    table_total: int = 0

    @property
    def earlier_trajectories(self) -> list[TrajectoryVersion]:
        return [t for t in self.versions if not t.is_current]

    @property
    def table_complete(self) -> bool:
        return len(self.table_rows) == self.table_total


@dataclass
class PriorityPage:
    priority: Priority
    ancestors: list[dict]  # {"pk", "code", "title"}, the top-most first
    children: list[Priority]
    measures: list[MeasureView]
    milestones: list[Milestone]
    delivery_chain: list[Department]
    # The links of the delivery chain, with what other apps place on them, and those apps'
    # parts of the page (priorities/page_parts.py).
    chain: list[page_parts.ChainRow] = field(default_factory=list)
    parts: list[page_parts.PagePart] = field(default_factory=list)

    def sections(self) -> list["MeasureSection"]:
        """Each measure as its part of the page reads it: the chart and table with the
        sentences that say where the measure stands. Links are the view's to add."""
        return [
            MeasureSection(
                view=view,
                latest=latest_sentence(view.series, view.performance),
                forecast=forecast_sentence(view.series, view.performance),
                summary=chart_summary(view.series, view.performance),
                tolerance=(
                    charts.format_value(view.series.tolerance, view.measure.unit)
                    if view.series.tolerance
                    else ""
                ),
            )
            for view in self.measures
        ]


@dataclass
class MeasureSection:
    view: MeasureView
    latest: str
    forecast: str
    summary: str
    tolerance: str
    links: dict[str, str] = field(default_factory=dict)

    @property
    def figure_id(self) -> str:
        return f"figure-{self.view.measure.pk}"


@dataclass
class MilestoneRow:
    milestone: Milestone
    overdue: bool
    edit_url: str | None


def _period_words(day: date, frequency: str) -> str:
    if frequency == periods.MONTHLY:
        return day.strftime("%B %Y")
    if frequency == periods.QUARTERLY:
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def _difference(value: float, unit: str) -> str:
    """A difference between two values: percentages differ by points, not per cent."""
    if unit == "%":
        number = charts.format_value(value)
        return f"{number} point{'' if number == '1' else 's'}"
    return charts.format_value(value, unit)


def latest_sentence(series: MeasureSeries, performance: Performance) -> str:
    if performance.latest_value is None:
        return "No actual data yet."
    unit = series.unit
    text = (
        f"Latest actual ({performance.latest_label}"
        f"{', provisional' if performance.latest_provisional else ''}): "
        f"{charts.format_value(performance.latest_value, unit)}"
    )
    if performance.planned_value is None:
        return text + ", with no trajectory for that period."
    text += f" against {charts.format_value(performance.planned_value, unit)} planned"
    ahead = performance.better_by or 0.0
    if abs(ahead) < 1e-9:
        return text + ", exactly on plan."
    side = "better" if ahead > 0 else "worse"
    return text + f", {_difference(abs(ahead), unit)} {side} than planned."


def forecast_sentence(series: MeasureSeries, performance: Performance) -> str:
    """E.g. "On the current trend it reaches 71.2% by March 2025, 6.8 points short of the 78%
    target." """
    unit = series.unit
    forecast = performance.forecast
    if forecast is None:
        target = charts.format_value(series.target_value, unit)
        if performance.target_met is True:
            return f"The {target} target was met."
        if performance.target_met is False:
            return f"The {target} target was missed."
        if performance.latest_value is None:
            return ""
        return "There are too few recent actuals to project a trend."
    if not forecast.reliable:
        return forecast.unreliable_text + "."
    text = (
        f"On the current trend it reaches "
        f"{charts.format_value(forecast.value_at_deadline, unit)} by "
        f"{_period_words(forecast.deadline, series.frequency)}"
    )
    if forecast.gap_to_target is None or forecast.target_value is None:
        return text + "."
    target = charts.format_value(forecast.target_value, unit)
    gap = forecast.gap_to_target
    if forecast.will_meet_target and abs(gap) < 1e-9:
        return text + f", meeting the {target} target."
    if forecast.will_meet_target:
        return text + f", {_difference(abs(gap), unit)} better than the {target} target."
    return text + f", {_difference(gap, unit)} short of the {target} target."


def chart_summary(series: MeasureSeries, performance: Performance) -> str:
    """A short text for the chart's accessible description; the data table has the detail."""
    current = series.current_trajectory
    parts = [f"Chart of {series.name}"]
    if series.actuals:
        first, last = series.actuals[0].period, series.actuals[-1].period
        parts.append(
            f"actuals from {periods.label(first, series.frequency)} to "
            f"{periods.label(last, series.frequency)}"
        )
    if current is not None:
        parts.append(f"against trajectory version {current.number}")
    text = ", ".join(parts) + f". Status: {performance.status_label}."
    return text + " The data table below the chart gives every value."


# What the priority page reads: every row its measures need except the points of earlier
# trajectory versions, which it does not draw.
_PAGE_PREFETCHES: tuple[str | Prefetch, ...] = tuple(
    p
    for p in _DATA_PREFETCHES
    if not (isinstance(p, Prefetch) and p.prefetch_to == "measures__trajectories__points")
)


def _prefetch_current_points(priority: Priority) -> None:
    """The points of each measure's current trajectory, in one query; the other versions are
    given an empty list of points, so that nothing reads them."""
    by_measure = [list(m.trajectories.all()) for m in priority.measures.all()]
    current = [versions[-1].pk for versions in by_measure if versions]
    prefetch_related_objects(
        [t for versions in by_measure for t in versions],
        Prefetch(
            "points",
            queryset=TrajectoryPoint.objects.filter(trajectory_id__in=current).order_by("period"),
        ),
    )


def _page_series(
    measure: Measure, priority: Priority
) -> tuple[MeasureSeries, list[TrajectoryVersion]]:
    """The measure's series as the page draws it (the current trajectory only) and the list of
    its trajectory versions."""
    series = _series(measure, priority)
    versions = [
        TrajectoryVersion(t.number, t.label, t.agreed_on, t.reason, is_current=t.is_current)
        for t in series.trajectories
    ]
    return replace(series, trajectories=series.trajectories[-1:]), versions


def _table_window(rows: list[dict]) -> list[dict]:
    """The rows around the latest actual: TABLE_BEFORE periods up to it (itself included) and
    TABLE_AFTER after it; the first rows when there is no actual yet."""
    latest = next((i for i, row in enumerate(rows) if row["is_latest"]), None)
    if latest is None:
        return rows[: TABLE_BEFORE + TABLE_AFTER]
    return rows[max(0, latest + 1 - TABLE_BEFORE) : latest + 1 + TABLE_AFTER]


def priority_page(user: Any, pk: Any, whole_table: Any = None) -> PriorityPage:
    """One priority the user may see (404 otherwise) with everything its page shows, in a
    fixed number of queries. Each measure's data table is cut to a window around the latest
    actual, except the table of the measure whose id is `whole_table`."""
    priority = access.get_for_user(
        Priority.objects.select_related("lead_department").prefetch_related(*_PAGE_PREFETCHES),
        user,
        pk=pk,
    )
    visible = access.scoped(Priority.objects.all(), user)

    # Ancestors at any depth from one query; a parent the user may not see ends the chain, so
    # the page never names it.
    tree = {
        row[0]: row for row in visible.values_list("pk", "parent_id", "code", "title").iterator()
    }
    ancestors: list[dict] = []
    parent_id = priority.parent_id
    seen = {priority.pk}
    while parent_id is not None and parent_id in tree and parent_id not in seen:
        seen.add(parent_id)
        pk_, next_parent, code, title = tree[parent_id]
        ancestors.insert(0, {"pk": pk_, "code": code, "title": title})
        parent_id = next_parent

    children = sorted(
        visible.filter(parent_id=priority.pk).select_related("lead_department"), key=_code_key
    )
    _prefetch_current_points(priority)
    measures = []
    for measure in priority.measures.all():
        measure_series, versions = _page_series(measure, priority)
        assessed = performance.assess(measure_series)
        rows = charts.table_rows(measure_series, assessed)
        measures.append(
            MeasureView(
                measure=measure,
                series=measure_series,
                performance=assessed,
                figure=charts.measure_figure(measure_series, assessed),
                table_rows=rows if str(measure.pk) == str(whole_table) else _table_window(rows),
                versions=versions,
                table_total=len(rows),
            )
        )
    parts = page_parts.parts_for(user, priority)
    return PriorityPage(
        priority=priority,
        ancestors=ancestors,
        children=children,
        measures=measures,
        milestones=list(priority.milestones.all()),
        delivery_chain=list(priority.delivery_chain.all()),
        chain=page_parts.chain_rows(
            chain_links(priority), [mark for part in parts for mark in part.chain_marks]
        ),
        parts=parts,
    )


def chain_links(priority: Priority) -> list[ChainLink]:
    """The links of the priority's delivery chain, from the minister to the front line."""
    return list(ChainLink.objects.filter(priority_id=priority.pk).order_by("order", "pk"))


def earlier_trajectory_traces(user: Any, pk: Any) -> list[dict]:
    """The chart traces of the earlier trajectory versions of one measure the user may see
    (404 otherwise), drawn by the priority page when the reader asks for them: the same traces
    charts.measure_figure gives, shown rather than left in the legend."""
    measure = access.get_for_user(Measure.objects.select_related("priority"), user, pk=pk)
    priority = measure.priority
    prefetch_related_objects(
        [priority], Prefetch("milestones", queryset=Milestone.objects.order_by("due", "pk"))
    )
    prefetch_related_objects(
        [measure],
        Prefetch("trajectories", queryset=Trajectory.objects.order_by("number")),
        Prefetch("trajectories__points", queryset=TrajectoryPoint.objects.order_by("period")),
        Prefetch("actuals", queryset=Actual.objects.order_by("period")),
    )
    series = _series(measure, priority)
    figure = charts.measure_figure(series, performance.assess(series))
    earlier = charts.NAME_EARLIER.split("{", 1)[0]
    traces = [t for t in figure["data"] if str(t.get("name", "")).startswith(earlier)]
    for trace in traces:
        trace["visible"] = True
    return traces


# --- history ----------------------------------------------------------------------------------

CREATED = "created"
CHANGED = "changed"
DELETED = "deleted"
_CHANGE_TYPES = {"+": CREATED, "~": CHANGED, "-": DELETED}

# Bookkeeping rather than content: the optimistic-locking counter changes on every save.
_NOT_SHOWN = {"version", "created_at", "created_by"}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    when: datetime
    who: Any  # the user, or None for changes made outside the app
    what: str
    change_type: str
    changes: list[FieldChange]
    order: tuple = ()

    @property
    def change_label(self) -> str:
        return self.change_type.capitalize()

    @property
    def rows(self) -> list[FieldChange | None]:
        """One table row per changed field; a deletion still takes a row."""
        return list(self.changes) or [None]


def _fields(model: type[Model]) -> list[Any]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in _NOT_SHOWN and not f.primary_key and f.name != "id"
    ]


def _display(field_: Any, value: Any, names: dict[str, dict[Any, str]]) -> str:
    if value is None or value == "":
        return ""
    if field_.is_relation:
        return names.get(field_.name, {}).get(value, str(value))
    if field_.choices:
        return str(dict(field_.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def history_entries(
    records: list[Any],
    model: type[Model],
    describe: Any,
    names: dict[str, dict[Any, str]],
    extra: dict[int, dict[str, str]] | None = None,
) -> list[HistoryEntry]:
    """Entries for the historical records of one model, comparing each record with the one
    before it for the same object. `extra` adds fields per history id (the delivery chain)."""
    fields = _fields(model)
    extra = extra or {}
    previous: dict[int, Any] = {}
    entries = []
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        before = previous.get(record.id)
        change_type = _CHANGE_TYPES[record.history_type]
        changes: list[FieldChange] = []
        if change_type != DELETED:
            for f in fields:
                new = _display(f, getattr(record, f.attname), names)
                old = "" if before is None else _display(f, getattr(before, f.attname), names)
                if new != old:
                    changes.append(FieldChange(str(f.verbose_name).capitalize(), old, new))
            for label, new in extra.get(record.history_id, {}).items():
                old = "" if before is None else extra.get(before.history_id, {}).get(label, "")
                if new != old:
                    changes.append(FieldChange(label, old, new))
        previous[record.id] = record
        if change_type == CHANGED and not changes:
            continue
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                what=describe(record),
                change_type=change_type,
                changes=changes,
                order=(record.history_date, model._meta.model_name, record.history_id),
            )
        )
    return entries


def newest_first(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    return sorted(entries, key=lambda e: e.order, reverse=True)


HIDDEN_PRIORITY = "A priority outside your departments"


def priority_history(priority: Priority, user: Any = None) -> list[HistoryEntry]:
    """Every recorded change to the priority (delivery chain included) and its milestones,
    newest first, each with who made it and the fields' values before and after.

    With `user`, a former or current parent the user may not see is not named."""
    priority_records = list(
        Priority.history.filter(id=priority.pk).select_related("history_user")  # type: ignore[attr-defined]
    )
    milestone_records = list(
        Milestone.history.filter(priority_id=priority.pk).select_related("history_user")  # type: ignore[attr-defined]
    )
    chain_model = apps.get_model("priorities", "HistoricalPriority_delivery_chain")
    chain_ids: dict[int, list[int]] = defaultdict(list)
    for history_id, department_id in chain_model.objects.filter(
        history_id__in=[r.history_id for r in priority_records]
    ).values_list("history_id", "department_id"):
        chain_ids[history_id].append(department_id)

    department_ids = {r.lead_department_id for r in priority_records} | {
        d for ids in chain_ids.values() for d in ids
    }
    departments = dict(Department.objects.filter(pk__in=department_ids).values_list("pk", "name"))
    parent_ids = {r.parent_id for r in priority_records if r.parent_id}
    parent_rows = Priority.objects.filter(pk__in=parent_ids)
    if user is not None:
        parent_rows = access.scoped(parent_rows, user)
    parents = dict.fromkeys(parent_ids, HIDDEN_PRIORITY)
    parents.update(
        (pk, f"{code}: {title}")
        for pk, code, title in parent_rows.values_list("pk", "code", "title")
    )
    names = {"lead_department": departments, "parent": parents}
    chain_text = {
        r.history_id: {
            "Delivery chain": ", ".join(
                sorted(departments.get(d, str(d)) for d in chain_ids.get(r.history_id, []))
            )
        }
        for r in priority_records
    }
    entries = history_entries(
        priority_records, Priority, lambda r: f"Priority {r.code}", names, chain_text
    )
    entries += history_entries(
        milestone_records,
        Milestone,
        lambda r: f"Milestone: {r.title}",
        {"priority": {priority.pk: priority.code}},
    )
    return newest_first(entries)


def measure_history(measure: Measure) -> list[HistoryEntry]:
    """Every recorded change to the measure, its trajectory versions and their points, and its
    actuals, newest first."""
    frequency = measure.frequency
    measure_records = list(
        Measure.history.filter(id=measure.pk).select_related("history_user")  # type: ignore[attr-defined]
    )
    trajectory_records = list(
        Trajectory.history.filter(measure_id=measure.pk).select_related("history_user")  # type: ignore[attr-defined]
    )
    numbers = {r.id: r.number for r in trajectory_records}
    point_records = list(
        TrajectoryPoint.history.filter(  # type: ignore[attr-defined]
            trajectory_id__in=list(numbers)
        ).select_related("history_user")
    )
    actual_records = list(
        Actual.history.filter(measure_id=measure.pk).select_related("history_user")  # type: ignore[attr-defined]
    )
    priority_names = {measure.priority_id: str(measure.priority_id)}
    if measure_records:
        priority_names.update(
            Priority.objects.filter(pk__in={r.priority_id for r in measure_records}).values_list(
                "pk", "code"
            )
        )
    trajectory_names = {pk: f"version {number}" for pk, number in numbers.items()}

    entries = history_entries(
        measure_records, Measure, lambda r: f"Measure: {r.name}", {"priority": priority_names}
    )
    entries += history_entries(
        trajectory_records,
        Trajectory,
        lambda r: f"Trajectory version {r.number}: {r.label}",
        {"measure": {measure.pk: measure.name}},
    )
    entries += history_entries(
        point_records,
        TrajectoryPoint,
        lambda r: (
            f"Trajectory version {numbers.get(r.trajectory_id, '?')} point "
            f"{periods.label(r.period, frequency)}"
        ),
        {"trajectory": trajectory_names},
    )
    entries += history_entries(
        actual_records,
        Actual,
        lambda r: f"Actual {periods.label(r.period, frequency)}",
        {"measure": {measure.pk: measure.name}},
    )
    return newest_first(entries)


def measure_for_user(user: Any, pk: Any) -> Measure:
    return access.get_for_user(Measure.objects.select_related("priority"), user, pk=pk)


def priority_for_user(user: Any, pk: Any) -> Priority:
    return access.get_for_user(Priority.objects.select_related("lead_department"), user, pk=pk)
