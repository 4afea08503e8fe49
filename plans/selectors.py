"""Reads for plans, scoped to the user: department scoping through access.scoped (a plan and
everything in it belong to its department) and, for versions, access.visible_plan_versions
(drafts are the unit's). Out of scope is 404.

Each page's rows are fetched up front, one query per relation, whatever the size of the plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from deliveryunit import access, clock
from priorities import charts, performance
from priorities.models import Measure
from priorities.performance import Performance
from priorities.selectors import measure_series_for_priorities
from priorities.series import MeasureSeries
from stocktakes.models import Forum, ForumKind

from .models import (
    GROUP_DESCRIPTIONS,
    DepartmentalPlan,
    InformalNote,
    ManifestoCommitment,
    Objective,
    ObjectiveCommitment,
    ObjectiveGroup,
    ObjectiveMeasure,
    PlanVersion,
    QuarterlyReturn,
    ReturnStatus,
    TaskForceObjective,
    TimetableItem,
    VersionStatus,
)

# --- access -----------------------------------------------------------------------------------


def plans_for_user(user: Any) -> QuerySet[DepartmentalPlan]:
    return access.scoped(DepartmentalPlan.objects.select_related("department"), user)


def plan_for_user(user: Any, pk: Any) -> DepartmentalPlan:
    return access.get_for_user(DepartmentalPlan.objects.select_related("department"), user, pk=pk)


def _versions(user: Any) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(access.visible_plan_versions(user)).select_related(
        "plan__department", "published_by"
    )


def version_for_user(user: Any, pk: Any) -> PlanVersion:
    return access.get_for_user(_versions(user), user, pk=pk)


def objectives_for_user(user: Any) -> QuerySet[Objective]:
    visible = PlanVersion.objects.filter(access.visible_plan_versions(user))
    return access.scoped(
        Objective.objects.filter(plan_version__in=visible).select_related(
            "plan_version__plan__department", "priority"
        ),
        user,
    )


def objective_for_user(user: Any, pk: Any) -> Objective:
    visible = PlanVersion.objects.filter(access.visible_plan_versions(user))
    return access.get_for_user(
        Objective.objects.filter(plan_version__in=visible).select_related(
            "plan_version__plan__department", "priority"
        ),
        user,
        pk=pk,
    )


def _part_for_user(queryset: QuerySet[Any], user: Any, pk: Any) -> Any:
    """A row hanging off an objective, when the user may see the objective."""
    part = queryset.select_related("objective__plan_version__plan__department").filter(pk=pk)
    found = part.first()
    if found is None:
        raise Http404
    objective_for_user(user, found.objective_id)
    return found


def measure_link_for_user(user: Any, pk: Any) -> ObjectiveMeasure:
    return _part_for_user(ObjectiveMeasure.objects.select_related("measure"), user, pk)  # type: ignore[no-any-return]


def timetable_item_for_user(user: Any, pk: Any) -> TimetableItem:
    return _part_for_user(TimetableItem.objects.all(), user, pk)  # type: ignore[no-any-return]


def return_for_user(user: Any, pk: Any) -> QuarterlyReturn:
    return _part_for_user(QuarterlyReturn.objects.all(), user, pk)  # type: ignore[no-any-return]


def measures_to_link(user: Any, objective: Objective) -> QuerySet[Measure]:
    """Measures the user may see that the objective is not yet judged by."""
    return (
        access.scoped(Measure.objects.select_related("priority"), user)
        .exclude(objective_links__objective=objective)
        .order_by("priority__code", "name")
    )


def commitments_for_user(user: Any) -> QuerySet[ManifestoCommitment]:
    return access.scoped(
        ManifestoCommitment.objects.prefetch_related("departments"), user
    ).order_by("reference")


def commitment_for_user(user: Any, pk: Any) -> ManifestoCommitment:
    return access.get_for_user(ManifestoCommitment.objects.all(), user, pk=pk)


def task_forces_for_user(user: Any) -> QuerySet[Forum]:
    return access.scoped(Forum.objects.filter(kind=ForumKind.TASK_FORCE), user)


def task_force_for_user(user: Any, pk: Any) -> Forum:
    return access.get_for_user(Forum.objects.filter(kind=ForumKind.TASK_FORCE), user, pk=pk)


# --- the list of plans ------------------------------------------------------------------------


@dataclass
class PlanRow:
    plan: DepartmentalPlan
    in_force: PlanVersion | None
    draft: PlanVersion | None
    objective_count: int


def plan_rows(user: Any) -> list[PlanRow]:
    versions = _versions(user).prefetch_related("objectives").order_by("number")
    plans = plans_for_user(user).prefetch_related(Prefetch("versions", queryset=versions))
    rows = []
    for plan in plans:
        visible = list(plan.versions.all())
        published = [v for v in visible if v.is_published]
        draft = next((v for v in visible if not v.is_published), None)
        shown = published[-1] if published else draft
        rows.append(
            PlanRow(
                plan=plan,
                in_force=published[-1] if published else None,
                draft=draft,
                objective_count=len(shown.objectives.all()) if shown else 0,
            )
        )
    return rows


def version_shown(user: Any, plan: DepartmentalPlan) -> PlanVersion | None:
    """The version a plan's page opens on: the one in force (the latest published), or for the
    unit the draft while nothing is published yet."""
    visible = _versions(user).filter(plan=plan)
    return (
        visible.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()
        or visible.order_by("-number").first()
    )


# --- a plan version's page --------------------------------------------------------------------

_OBJECTIVE_PARTS: tuple[str | Prefetch, ...] = (
    Prefetch(
        "commitment_links",
        queryset=ObjectiveCommitment.objects.select_related("commitment").order_by(
            "commitment__reference"
        ),
    ),
    Prefetch(
        "measure_links",
        queryset=ObjectiveMeasure.objects.select_related("measure__priority").order_by(
            "order", "pk"
        ),
    ),
    Prefetch(
        "task_force_links",
        queryset=TaskForceObjective.objects.select_related("forum").order_by("forum__name"),
    ),
    Prefetch("timetable", queryset=TimetableItem.objects.order_by("due", "order", "pk")),
)


@dataclass
class MeasureStatus:
    link: ObjectiveMeasure
    series: MeasureSeries
    performance: Performance


@dataclass
class ObjectiveRow:
    objective: Objective
    commitments: list[ManifestoCommitment]
    measures: list[MeasureStatus]
    task_forces: list[Forum]
    late: int
    latest_return: QuarterlyReturn | None


@dataclass
class ObjectiveGroupRows:
    group: str
    label: str
    description: str
    rows: list[ObjectiveRow]


def _measure_statuses(links: list[ObjectiveMeasure]) -> dict[int, MeasureStatus]:
    priorities = {link.measure.priority_id: link.measure.priority for link in links}
    series = measure_series_for_priorities(priorities.values())
    return {
        link.pk: MeasureStatus(
            link=link,
            series=series[link.measure_id],
            performance=performance.assess(series[link.measure_id]),
        )
        for link in links
    }


def _met_and_missed(objective_ids: list[int]) -> tuple[set[int], set[int]]:
    """Timetable lines reported met, and missed, in submitted or agreed returns."""
    counted = QuarterlyReturn.objects.filter(
        objective_id__in=objective_ids,
        status__in=[ReturnStatus.SUBMITTED, ReturnStatus.AGREED],
    )
    met = set(
        TimetableItem.objects.filter(met_in__in=counted).values_list("pk", flat=True).distinct()
    )
    missed = set(
        TimetableItem.objects.filter(missed_in__in=counted).values_list("pk", flat=True).distinct()
    )
    return met, missed


def version_groups(version: PlanVersion) -> list[ObjectiveGroupRows]:
    """The version's objectives in their three groups, each with what the plan page shows."""
    objectives = list(
        version.objectives.prefetch_related(
            *_OBJECTIVE_PARTS,
            Prefetch("returns", queryset=QuarterlyReturn.objects.order_by("-quarter")),
        ).order_by("order", "code", "pk")
    )
    links = [link for objective in objectives for link in objective.measure_links.all()]
    statuses = _measure_statuses(links)
    met, _missed = _met_and_missed([o.pk for o in objectives])
    today = clock.today()
    by_group: dict[str, list[ObjectiveRow]] = defaultdict(list)
    for objective in objectives:
        returns = list(objective.returns.all())
        by_group[objective.group].append(
            ObjectiveRow(
                objective=objective,
                commitments=[link.commitment for link in objective.commitment_links.all()],
                measures=[statuses[link.pk] for link in objective.measure_links.all()],
                task_forces=[link.forum for link in objective.task_force_links.all()],
                late=sum(
                    1
                    for item in objective.timetable.all()
                    if timetable_status(item, met, today) == LATE
                ),
                latest_return=returns[0] if returns else None,
            )
        )
    return [
        ObjectiveGroupRows(
            group=value,
            label=str(label),
            description=GROUP_DESCRIPTIONS[value],
            rows=by_group[value],
        )
        for value, label in ObjectiveGroup.choices
    ]


# --- implementation timetables ----------------------------------------------------------------

MET = "met"
LATE = "late"
NOT_DUE = "not_due"
TIMETABLE_LABELS = {MET: "Met", LATE: "Late", NOT_DUE: "Not yet due"}
TIMETABLE_TAGS = {MET: "govuk-tag--green", LATE: "govuk-tag--red", NOT_DUE: "govuk-tag--grey"}


def timetable_status(item: TimetableItem, met: set[int], today: date) -> str:
    """Met when recorded met (before this version, or in a return); late when its due date has
    passed without that, judged against the business date."""
    if item.completed_on is not None or item.pk in met:
        return MET
    if item.due < today:
        return LATE
    return NOT_DUE


@dataclass
class TimetableRow:
    item: TimetableItem
    status: str
    reported_missed: bool

    @property
    def label(self) -> str:
        return TIMETABLE_LABELS[self.status]

    @property
    def tag(self) -> str:
        return TIMETABLE_TAGS[self.status]


def timetable_rows(objective: Objective) -> list[TimetableRow]:
    met, missed = _met_and_missed([objective.pk])
    today = clock.today()
    return [
        TimetableRow(
            item=item,
            status=timetable_status(item, met, today),
            reported_missed=item.pk in missed,
        )
        for item in objective.timetable.order_by("due", "order", "pk")
    ]


# --- an objective's page ----------------------------------------------------------------------


@dataclass
class MeasureChart:
    link: ObjectiveMeasure
    series: MeasureSeries
    performance: Performance
    figure: dict
    table_rows: list[dict]

    @property
    def figure_id(self) -> str:
        return f"figure-{self.link.pk}"


@dataclass
class ObjectivePage:
    objective: Objective
    commitments: list[ManifestoCommitment]
    measures: list[MeasureChart]
    task_forces: list[Forum]
    timetable: list[TimetableRow]
    returns: list[QuarterlyReturn]
    notes: list[InformalNote]
    earlier: list[Objective] = field(default_factory=list)


def objective_page(objective: Objective) -> ObjectivePage:
    objective = (
        Objective.objects.select_related("plan_version__plan__department", "priority")
        .prefetch_related(*_OBJECTIVE_PARTS)
        .get(pk=objective.pk)
    )
    links = list(objective.measure_links.all())
    statuses = _measure_statuses(links)
    charts_ = []
    for link in links:
        status = statuses[link.pk]
        charts_.append(
            MeasureChart(
                link=link,
                series=status.series,
                performance=status.performance,
                figure=charts.measure_figure(status.series, status.performance),
                table_rows=charts.table_rows(status.series, status.performance),
            )
        )
    returns = list(
        objective.returns.select_related("created_by", "submitted_by", "agreed_by")
        .prefetch_related("milestones_met", "milestones_missed")
        .order_by("-quarter")
    )
    return ObjectivePage(
        objective=objective,
        commitments=[link.commitment for link in objective.commitment_links.all()],
        measures=charts_,
        task_forces=[link.forum for link in objective.task_force_links.all()],
        timetable=timetable_rows(objective),
        returns=returns,
        notes=list(objective.notes.select_related("author").order_by("-noted_on", "-pk")),
    )


# --- coverage of manifesto commitments --------------------------------------------------------


@dataclass
class Overlap:
    subject: Any  # a commitment or a measure
    objectives: list[Objective]


@dataclass
class Coverage:
    version: PlanVersion
    responsible: list[ManifestoCommitment]
    uncovered: list[ManifestoCommitment]
    commitment_overlaps: list[Overlap]
    measure_overlaps: list[Overlap]
    strategic_without_commitment: list[Objective]
    without_measures: list[Objective]

    @property
    def covered_count(self) -> int:
        return len(self.responsible) - len(self.uncovered)

    @property
    def flags(self) -> int:
        return (
            len(self.uncovered)
            + len(self.commitment_overlaps)
            + len(self.measure_overlaps)
            + len(self.strategic_without_commitment)
        )


def coverage(version: PlanVersion) -> Coverage:
    """The coverage check of one plan version: the commitments the department is responsible
    for that no objective covers; objectives that overlap (two covering the same commitment, or
    judged by the same measure), flagged for review; strategic objectives that cover no
    commitment; objectives with no measure."""
    objectives = list(
        version.objectives.prefetch_related(
            Prefetch(
                "commitment_links",
                queryset=ObjectiveCommitment.objects.select_related("commitment"),
            ),
            Prefetch("measure_links", queryset=ObjectiveMeasure.objects.select_related("measure")),
        ).order_by("order", "code", "pk")
    )
    responsible = list(
        ManifestoCommitment.objects.filter(departments=version.plan.department_id).order_by(
            "reference"
        )
    )
    by_commitment: dict[int, list[Objective]] = defaultdict(list)
    by_measure: dict[int, list[Objective]] = defaultdict(list)
    commitments: dict[int, ManifestoCommitment] = {}
    measures: dict[int, Measure] = {}
    for objective in objectives:
        for link in objective.commitment_links.all():
            by_commitment[link.commitment_id].append(objective)
            commitments[link.commitment_id] = link.commitment
        for measure_link in objective.measure_links.all():
            by_measure[measure_link.measure_id].append(objective)
            measures[measure_link.measure_id] = measure_link.measure
    return Coverage(
        version=version,
        responsible=responsible,
        uncovered=[c for c in responsible if c.pk not in by_commitment],
        commitment_overlaps=[
            Overlap(commitments[pk], found)
            for pk, found in sorted(
                by_commitment.items(), key=lambda i: commitments[i[0]].reference
            )
            if len(found) > 1
        ],
        measure_overlaps=[
            Overlap(measures[pk], found)
            for pk, found in sorted(by_measure.items(), key=lambda i: measures[i[0]].name)
            if len(found) > 1
        ],
        strategic_without_commitment=[
            o
            for o in objectives
            if o.group == ObjectiveGroup.STRATEGIC and not o.commitment_links.all()
        ],
        without_measures=[o for o in objectives if not o.measure_links.all()],
    )


# --- the register of commitments ---------------------------------------------------------------


@dataclass
class CommitmentRow:
    commitment: ManifestoCommitment
    departments: list[Any]
    objectives: list[Objective]  # in force: in the latest published version of each plan


def in_force_versions() -> QuerySet[PlanVersion]:
    """The latest published version of each plan."""
    latest: dict[int, int] = {}
    for pk, plan_id, _number in (
        PlanVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .order_by("plan_id", "number")
        .values_list("pk", "plan_id", "number")
    ):
        latest[plan_id] = pk
    return PlanVersion.objects.filter(pk__in=latest.values())


def commitment_rows(user: Any) -> list[CommitmentRow]:
    commitments = list(commitments_for_user(user))
    links = (
        ObjectiveCommitment.objects.filter(
            commitment__in=commitments, objective__plan_version__in=in_force_versions()
        )
        .filter(
            objective__in=access.scoped(Objective.objects.all(), user),
        )
        .select_related("objective__plan_version__plan__department")
        .order_by("objective__code")
    )
    covering: dict[int, list[Objective]] = defaultdict(list)
    for link in links:
        covering[link.commitment_id].append(link.objective)
    return [
        CommitmentRow(
            commitment=commitment,
            departments=list(commitment.departments.all()),
            objectives=covering[commitment.pk],
        )
        for commitment in commitments
    ]


# --- task forces ------------------------------------------------------------------------------


def task_force_objectives(user: Any, forum: Forum) -> list[Objective]:
    """The objectives a task force drives, in the versions in force (for the unit, drafts too)
    that the user may see."""
    return list(
        objectives_for_user(user)
        .filter(task_force_links__forum=forum)
        .filter(Q(plan_version__in=in_force_versions()) | Q(plan_version__status="draft"))
        .order_by("plan_version__plan__department__name", "code")
    )
