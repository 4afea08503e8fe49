"""What the public progress pages show, and nothing else.

Anyone may read these pages without signing in, so what reaches them is chosen here, field by
field, into plain dataclasses: the templates get no model instance they could walk from into
owners, notes, returns, judgements or anything else. Only the latest published version of each
plan appears, and of its measures only those the unit marked public, with their figures (period,
planned, actual, provisional or final) and never the notes, sources, tolerance, trajectory
labels, milestones or forecasts that the workbench shows its own users.

The pages are cached under a key that moves on whenever what they show can have changed: a
version published, a public measure or its figures or trajectory changed, a commitment changed
(`public_stamp`).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import Count, Max, Prefetch, QuerySet
from django.http import Http404

from deliveryunit import clock
from deliveryunit.editing import format_number
from deliveryunit.models import Department
from priorities import charts, performance
from priorities.exports import safe_csv_text
from priorities.models import Actual, Measure, Trajectory
from priorities.selectors import measure_series_for_priorities
from priorities.series import ActualPoint, MeasureSeries

from .models import (
    ManifestoCommitment,
    Objective,
    ObjectiveCommitment,
    ObjectiveGroup,
    ObjectiveMeasure,
    PlanVersion,
    VersionStatus,
)
from .selectors import in_force_versions

ILLUSTRATIVE_NOTE = "Illustrative figures, not published statistics."


@dataclass(frozen=True)
class PublicCommitment:
    reference: str
    text: str
    source_document: str
    page: int | None
    illustrative: bool


@dataclass(frozen=True)
class PublicRow:
    label: str
    planned: str  # as people read it, with the unit
    actual: str
    provisional: bool
    planned_value: float | None
    actual_value: float | None


@dataclass
class PublicMeasure:
    key: int
    name: str
    unit: str
    note: str
    illustrative: bool
    figure: dict
    rows: list[PublicRow]
    latest: str

    @property
    def figure_id(self) -> str:
        return f"figure-{self.key}"


@dataclass
class PublicObjective:
    pk: int
    code: str
    group: str
    group_label: str
    title: str
    target: str
    deadline: date
    commitments: list[PublicCommitment] = field(default_factory=list)
    measures: list[PublicMeasure] = field(default_factory=list)


@dataclass
class PublicPlan:
    pk: int
    title: str
    department: str
    department_code: str
    period: str
    version: int
    published_at: Any
    summary: str
    objectives: list[PublicObjective] = field(default_factory=list)

    def groups(self) -> list[tuple[str, list[PublicObjective]]]:
        by_group: dict[str, list[PublicObjective]] = defaultdict(list)
        for objective in self.objectives:
            by_group[objective.group].append(objective)
        return [(f"{label}s", by_group[value]) for value, label in ObjectiveGroup.choices]


def _in_force() -> QuerySet[PlanVersion]:
    return in_force_versions().select_related("plan__department")


def _plan(version: PlanVersion) -> PublicPlan:
    plan = version.plan
    return PublicPlan(
        pk=plan.pk,
        title=plan.title,
        department=plan.department.name,
        department_code=plan.department.code,
        period=plan.period,
        version=version.number,
        published_at=version.published_at,
        summary=version.summary,
    )


def public_plans() -> list[PublicPlan]:
    """Every plan with a published version, as its latest published version says."""
    plans = [_plan(version) for version in _in_force()]
    return sorted(plans, key=lambda p: (p.department, -int(p.period[:4])))


# --- figures ----------------------------------------------------------------------------------


def _public_series(series: MeasureSeries) -> MeasureSeries:
    """The series with only what the public sees: the actuals (without notes) and the current
    trajectory (without its label or reason), no tolerance band and no milestones."""
    current = series.current_trajectory
    return replace(
        series,
        tolerance=0.0,
        deadline=None,
        trajectories=[replace(current, number=1, label="", reason="")] if current else [],
        actuals=[ActualPoint(a.period, a.value, a.provisional) for a in series.actuals],
        milestones=[],
    )


def _public_measure(link: ObjectiveMeasure, series: MeasureSeries) -> PublicMeasure:
    shown = _public_series(series)
    # No forecast: a projection is the workbench's reading of the figures, not a figure.
    assessed = replace(performance.assess(shown), forecast=None)
    rows = [
        PublicRow(
            label=row["label"],
            planned=row["planned_text"],
            actual=row["actual_text"],
            provisional=row["provisional"],
            planned_value=row["planned"],
            actual_value=row["actual"],
        )
        for row in charts.table_rows(shown, assessed)
    ]
    latest = ""
    if assessed.latest_value is not None:
        latest = (
            f"Latest figure ({assessed.latest_label}"
            f"{', provisional' if assessed.latest_provisional else ''}): "
            f"{charts.format_value(assessed.latest_value, shown.unit)}"
        )
    return PublicMeasure(
        key=link.pk,
        name=shown.name,
        unit=shown.unit,
        note=link.public_note,
        illustrative=link.illustrative,
        figure=charts.measure_figure(shown, assessed),
        rows=rows,
        latest=latest,
    )


def _objectives(
    versions: list[PlanVersion], *, with_figures: bool, only: int | None = None
) -> list[PublicObjective]:
    chosen = Objective.objects.filter(plan_version__in=versions)
    if only is not None:
        chosen = chosen.filter(pk=only)
    objectives = list(
        chosen.prefetch_related(
            Prefetch(
                "commitment_links",
                queryset=ObjectiveCommitment.objects.select_related("commitment").order_by(
                    "commitment__reference"
                ),
            ),
            Prefetch(
                "measure_links",
                queryset=ObjectiveMeasure.objects.filter(public=True)
                .select_related("measure__priority")
                .order_by("order", "pk"),
            ),
        ).order_by("plan_version", "order", "code", "pk")
    )
    series: dict[int, MeasureSeries] = {}
    if with_figures:
        links = [link for o in objectives for link in o.measure_links.all()]
        series = measure_series_for_priorities({link.measure.priority for link in links})
    groups = dict(ObjectiveGroup.choices)
    return [
        PublicObjective(
            pk=objective.pk,
            code=objective.code,
            group=objective.group,
            group_label=str(groups[objective.group]),
            title=objective.title,
            target=objective.target,
            deadline=objective.deadline,
            commitments=[
                PublicCommitment(
                    reference=link.commitment.reference,
                    text=link.commitment.text,
                    source_document=link.commitment.source_document,
                    page=link.commitment.page,
                    illustrative=link.commitment.illustrative,
                )
                for link in objective.commitment_links.all()
            ],
            measures=[
                _public_measure(link, series[link.measure_id])
                for link in objective.measure_links.all()
                if with_figures
            ],
        )
        for objective in objectives
    ]


def public_plan(pk: Any) -> PublicPlan:
    version = _in_force().filter(plan_id=pk).first() if str(pk).isdigit() else None
    if version is None:
        raise Http404
    plan = _plan(version)
    plan.objectives = _objectives([version], with_figures=False)
    return plan


def public_objective(pk: Any) -> tuple[PublicPlan, PublicObjective]:
    """An objective of a version in force, with its public figures; 404 for any other."""
    objective = (
        Objective.objects.filter(pk=pk, plan_version__in=in_force_versions())
        .select_related("plan_version__plan__department")
        .first()
        if str(pk).isdigit()
        else None
    )
    if objective is None:
        raise Http404
    shown = _objectives([objective.plan_version], with_figures=True, only=objective.pk)
    return _plan(objective.plan_version), shown[0]


# --- the CSV download -------------------------------------------------------------------------

CSV_COLUMNS = (
    "department",
    "plan",
    "version",
    "objective",
    "objective_title",
    "measure",
    "unit",
    "period",
    "planned",
    "actual",
    "status",
    "illustrative",
)


def public_csv() -> bytes:
    """Every public figure of every plan in force. Text a spreadsheet would run as a formula is
    written as text, as the workbench's own exports do."""
    versions = list(_in_force())
    plans = {version.pk: _plan(version) for version in versions}
    objectives = _objectives(versions, with_figures=True)
    version_of = dict(
        Objective.objects.filter(pk__in=[o.pk for o in objectives]).values_list(
            "pk", "plan_version_id"
        )
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for objective in objectives:
        plan = plans[version_of[objective.pk]]
        for measure in objective.measures:
            for row in measure.rows:
                writer.writerow(
                    [
                        safe_csv_text(text)
                        for text in (
                            plan.department_code,
                            plan.title,
                            str(plan.version),
                            objective.code,
                            objective.title,
                            measure.name,
                            measure.unit,
                            row.label,
                            format_number(row.planned_value),
                            format_number(row.actual_value),
                            _status(row),
                            "yes" if measure.illustrative else "no",
                        )
                    ]
                )
    return buffer.getvalue().encode("utf-8-sig")


def _status(row: PublicRow) -> str:
    if row.actual_value is None:
        return ""
    return "provisional" if row.provisional else "final"


# --- the cache key ----------------------------------------------------------------------------


def public_stamp() -> str:
    """A short key that changes whenever what the public pages show can have changed: a version
    published; a public measure, its actual data or its trajectory changed (read from their
    history, which every service write records); a commitment or department changed; the
    demonstration date. Anything that escapes it (a raw database edit) ages out with the cache
    entry."""
    public_measures = ObjectiveMeasure.objects.filter(
        public=True, objective__plan_version__status=VersionStatus.PUBLISHED
    ).values("measure_id")
    parts = [
        PlanVersion.objects.filter(status=VersionStatus.PUBLISHED).aggregate(
            count=Count("pk"), last=Max("published_at")
        ),
        Actual.history.filter(measure_id__in=public_measures).aggregate(last=Max("history_id")),
        Trajectory.history.filter(measure_id__in=public_measures).aggregate(last=Max("history_id")),
        Measure.history.filter(id__in=public_measures).aggregate(last=Max("history_id")),
        ManifestoCommitment.history.aggregate(last=Max("history_id")),
        Department.objects.aggregate(count=Count("pk"), last=Max("pk")),
        clock.as_at(),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
