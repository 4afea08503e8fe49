"""Writes to plans, their versions and objectives, manifesto commitments, timetables and the
progress tracks.

Every write validates, runs in a transaction and is attributed to who made it. Edits carry the
version the user started from, compared under the row's lock (deliveryunit.editing). Writes to
a published plan version are refused here with a message, and by the models whatever path they
come by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from deliveryunit.editing import attribute, bump, locked
from deliveryunit.models import Department
from priorities.models import Measure, Priority, PriorityKind
from stocktakes.models import Forum, ForumKind

from .models import (
    DepartmentalPlan,
    InformalNote,
    ManifestoCommitment,
    Objective,
    ObjectiveCommitment,
    ObjectiveGroup,
    ObjectiveMeasure,
    PlanPublished,
    PlanVersion,
    QuarterlyReturn,
    ReturnStatus,
    TaskForceObjective,
    TimetableItem,
    VersionStatus,
)

NOT_A_DRAFT = "Only a draft version of a plan can be published."
DRAFT_EXISTS = "This plan already has a draft version: change that one."
NOTHING_PUBLISHED = "Publish the first version of the plan before drafting a refresh."
STRATEGIC_WITHOUT_COMMITMENT = (
    "{code} is a strategic objective but covers no manifesto commitment. Every strategic "
    "objective covers at least one."
)
NO_OBJECTIVES = "A plan version needs at least one objective before it can be published."
COMMITMENT_NOT_THE_DEPARTMENTS = (
    "{reference} is not one of the department's commitments: add the department to the "
    "commitment first."
)
NOT_A_TASK_FORCE = "{name} is not an implementation task force."
MEASURE_ALREADY_LINKED = "That measure is already one of this objective's measures."
RETURN_NEEDS_PUBLISHED = (
    "Quarterly returns are made against the published plan: publish this version first."
)
RETURN_NOT_IN_FORCE = (
    "A later version of this plan has been published: make the return against that version."
)
RETURN_EXISTS = "There is already a return for this objective for that quarter."
RETURN_NOT_DRAFT = "This return has been submitted and can no longer be changed."
RETURN_NOT_SUBMITTED = "Only a submitted return can be agreed."
QUARTER_START = "Give the first day of a quarter (1 January, 1 April, 1 July or 1 October)."
QUARTER_IN_FUTURE = "A return cannot be made for a quarter that has not started."
MILESTONE_NOT_THE_OBJECTIVES = "Choose milestones from this objective's timetable."
MET_AND_MISSED = "{title} cannot be both met and missed."
NOTE_EMPTY = "Write the note."
PERIOD_ORDER = "The last year cannot be before the first."
PLAN_EXISTS = "The department already has a plan for those years."

GROUP_PREFIXES = {
    ObjectiveGroup.STRATEGIC: "SO",
    ObjectiveGroup.OPERATIONAL: "OO",
    ObjectiveGroup.CORPORATE: "CO",
}
NO_OWNER = "Not yet named"


def _check_draft(version: PlanVersion) -> None:
    if version.is_published:
        raise PlanPublished()


def _draft_of(objective: Objective) -> PlanVersion:
    """The objective's plan version, locked, refused when it is published."""
    version = PlanVersion.objects.select_for_update().get(pk=objective.plan_version_id)
    _check_draft(version)
    return version


# --- plans and versions -----------------------------------------------------------------------


def plan_title(department: Department, first: int, last: int) -> str:
    return f"{department.name} Single Departmental Plan {first} to {last}"


@transaction.atomic
def plan_create(
    *, by: Any, department: Department, period_start: int, period_end: int, title: str = ""
) -> DepartmentalPlan:
    """A plan for a department and period, with an empty draft version 1."""
    if period_end < period_start:
        raise ValidationError({"period_end": PERIOD_ORDER})
    if DepartmentalPlan.objects.filter(
        department=department, period_start=period_start, period_end=period_end
    ).exists():
        raise ValidationError(PLAN_EXISTS)
    plan = DepartmentalPlan(
        department=department,
        period_start=period_start,
        period_end=period_end,
        title=title or plan_title(department, period_start, period_end),
    )
    plan.full_clean()
    plan.save()
    _version_create(plan=plan, number=1, by=by)
    return plan


def _version_create(
    *, plan: DepartmentalPlan, number: int, by: Any, summary: str = ""
) -> PlanVersion:
    version = PlanVersion(
        plan=plan,
        number=number,
        summary=summary,
        created_by=by if getattr(by, "pk", None) else None,
    )
    version.full_clean()
    attribute(version, by)
    version.save()
    return version


@transaction.atomic
def version_update(
    *, plan_version: PlanVersion, by: Any, expected_version: int | None, summary: str
) -> PlanVersion:
    current = locked(PlanVersion, plan_version.pk, expected_version)
    _check_draft(current)
    current.summary = summary
    current.full_clean()
    bump(current, by, "summary")
    return current


def publish_problems(version: PlanVersion) -> list[str]:
    """What stops a draft being published: it needs objectives, and every strategic objective
    covers at least one manifesto commitment."""
    objectives = list(version.objectives.prefetch_related("commitment_links"))
    if not objectives:
        return [NO_OBJECTIVES]
    return [
        STRATEGIC_WITHOUT_COMMITMENT.format(code=objective.code)
        for objective in objectives
        if objective.group == ObjectiveGroup.STRATEGIC and not objective.commitment_links.all()
    ]


@transaction.atomic
def version_publish(
    *,
    plan_version: PlanVersion,
    by: Any,
    expected_version: int | None,
    published_at: datetime | None = None,
) -> PlanVersion:
    """Publish a draft: from now on it and everything in it are read-only. `published_at` is
    given only when loading the record of a publication made before (demonstration data): the
    public pages show the date, and a 2015 plan published today would mislead."""
    current = locked(PlanVersion, plan_version.pk, expected_version)
    if current.is_published:
        raise ValidationError(NOT_A_DRAFT)
    problems = publish_problems(current)
    if problems:
        raise ValidationError(problems)
    current.status = VersionStatus.PUBLISHED
    current.published_at = published_at or timezone.now()
    current.published_by = by if getattr(by, "pk", None) else None
    bump(current, by, "status", "published_at", "published_by")
    return current


@transaction.atomic
def version_new_draft(*, plan: DepartmentalPlan, by: Any) -> PlanVersion:
    """The next refresh: a draft that starts as a copy of the latest published version (its
    objectives with their measures, commitments, timetable and task forces). Timetable lines
    that returns have reported met carry the date they were met."""
    plan = DepartmentalPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.versions.filter(status=VersionStatus.DRAFT).exists():
        raise ValidationError(DRAFT_EXISTS)
    latest = plan.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()
    if latest is None:
        raise ValidationError(NOTHING_PUBLISHED)
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = _version_create(plan=plan, number=number, by=by, summary=latest.summary)
    met = _met_on(latest)
    for objective in latest.objectives.prefetch_related(
        "measure_links", "commitment_links", "timetable", "task_force_links"
    ):
        _copy_objective(objective, draft, by, met)
    return draft


def _met_on(version: PlanVersion) -> dict[int, date]:
    """Timetable lines of `version` reported met in a submitted or agreed return, with the last
    day of the quarter they were first reported in."""
    met: dict[int, date] = {}
    returns = QuarterlyReturn.objects.filter(
        objective__plan_version=version,
        status__in=[ReturnStatus.SUBMITTED, ReturnStatus.AGREED],
    ).prefetch_related("milestones_met")
    for quarterly in returns.order_by("quarter"):
        for item in quarterly.milestones_met.all():
            met.setdefault(item.pk, quarter_end(quarterly.quarter))
    return met


def _copy_objective(
    objective: Objective, draft: PlanVersion, by: Any, met: dict[int, date]
) -> None:
    copy = Objective(
        plan_version=draft,
        group=objective.group,
        code=objective.code,
        title=objective.title,
        target=objective.target,
        owner=objective.owner,
        deadline=objective.deadline,
        priority=objective.priority,
        order=objective.order,
        copied_from=objective,
    )
    attribute(copy, by)
    copy.save()
    for link in objective.measure_links.all():
        new_link = ObjectiveMeasure(
            objective=copy,
            measure_id=link.measure_id,
            public=link.public,
            illustrative=link.illustrative,
            public_note=link.public_note,
            order=link.order,
        )
        attribute(new_link, by)
        new_link.save()
    for commitment_link in objective.commitment_links.all():
        ObjectiveCommitment(objective=copy, commitment_id=commitment_link.commitment_id).save()
    for item in objective.timetable.all():
        new_item = TimetableItem(
            objective=copy,
            kind=item.kind,
            title=item.title,
            due=item.due,
            owner=item.owner,
            completed_on=item.completed_on or met.get(item.pk),
            order=item.order,
            copied_from=item,
        )
        attribute(new_item, by)
        new_item.save()
    for task_force_link in objective.task_force_links.all():
        TaskForceObjective(objective=copy, forum_id=task_force_link.forum_id).save()


# --- objectives -------------------------------------------------------------------------------


def next_code(version: PlanVersion, group: str) -> str:
    prefix = GROUP_PREFIXES[group]  # type: ignore[index]
    taken = set(version.objectives.values_list("code", flat=True))
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def _check_commitments(version: PlanVersion, commitments: list[ManifestoCommitment]) -> None:
    department_id = PlanVersion.objects.filter(pk=version.pk).values_list(
        "plan__department_id", flat=True
    )[0]
    errors = [
        COMMITMENT_NOT_THE_DEPARTMENTS.format(reference=commitment.reference)
        for commitment in commitments
        if not commitment.departments.filter(pk=department_id).exists()
    ]
    if errors:
        raise ValidationError({"commitments": errors})


def _check_task_forces(forums: list[Forum]) -> None:
    errors = [
        NOT_A_TASK_FORCE.format(name=forum.name)
        for forum in forums
        if forum.kind != ForumKind.TASK_FORCE
    ]
    if errors:
        raise ValidationError({"task_forces": errors})


def _set_links(
    objective: Objective,
    commitments: list[ManifestoCommitment] | None,
    task_forces: list[Forum] | None,
) -> None:
    """Replace the objective's commitments and task forces, row by row so that each write goes
    through the models' guard on published versions."""
    if commitments is not None:
        wanted = {commitment.pk for commitment in commitments}
        for link in objective.commitment_links.exclude(commitment_id__in=wanted):
            link.delete()
        have = set(objective.commitment_links.values_list("commitment_id", flat=True))
        for pk in sorted(wanted - have):
            ObjectiveCommitment(objective=objective, commitment_id=pk).save()
    if task_forces is not None:
        wanted = {forum.pk for forum in task_forces}
        for link in objective.task_force_links.exclude(forum_id__in=wanted):
            link.delete()
        have = set(objective.task_force_links.values_list("forum_id", flat=True))
        for pk in sorted(wanted - have):
            TaskForceObjective(objective=objective, forum_id=pk).save()


@transaction.atomic
def objective_create(
    *,
    plan_version: PlanVersion,
    by: Any,
    commitments: list[ManifestoCommitment] | None = None,
    task_forces: list[Forum] | None = None,
    measures: list[Measure] | None = None,
    code: str = "",
    **fields: Any,
) -> Objective:
    version = PlanVersion.objects.select_for_update().get(pk=plan_version.pk)
    _check_draft(version)
    _check_commitments(version, commitments or [])
    _check_task_forces(task_forces or [])
    if "order" not in fields:
        fields["order"] = version.objectives.count() + 1
    objective = Objective(
        plan_version=version, code=code or next_code(version, fields["group"]), **fields
    )
    objective.full_clean()
    attribute(objective, by)
    objective.save()
    _set_links(objective, commitments or [], task_forces or [])
    for order, measure in enumerate(measures or [], start=1):
        link = ObjectiveMeasure(objective=objective, measure=measure, order=order)
        attribute(link, by)
        link.save()
    return objective


@transaction.atomic
def objective_update(
    *,
    objective: Objective,
    by: Any,
    expected_version: int | None,
    commitments: list[ManifestoCommitment] | None = None,
    task_forces: list[Forum] | None = None,
    **fields: Any,
) -> Objective:
    current = locked(Objective, objective.pk, expected_version)
    version = _draft_of(current)
    if commitments is not None:
        _check_commitments(version, commitments)
    if task_forces is not None:
        _check_task_forces(task_forces)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.version += 1
    attribute(current, by)
    current.save()
    _set_links(current, commitments, task_forces)
    return current


@transaction.atomic
def objective_remove(*, objective: Objective, by: Any, expected_version: int | None) -> None:
    current = locked(Objective, objective.pk, expected_version)
    _draft_of(current)
    for part in (
        *current.measure_links.all(),
        *current.commitment_links.all(),
        *current.timetable.all(),
        *current.task_force_links.all(),
    ):
        attribute(part, by)
        part.delete()
    attribute(current, by)
    current.delete()


@transaction.atomic
def objective_measure_link(
    *,
    objective: Objective,
    by: Any,
    measure: Measure,
    public: bool = False,
    illustrative: bool = False,
    public_note: str = "",
) -> ObjectiveMeasure:
    current = Objective.objects.select_for_update().get(pk=objective.pk)
    _draft_of(current)
    if current.measure_links.filter(measure=measure).exists():
        raise ValidationError({"measure": MEASURE_ALREADY_LINKED})
    link = ObjectiveMeasure(
        objective=current,
        measure=measure,
        public=public,
        illustrative=illustrative,
        public_note=public_note,
        order=current.measure_links.count() + 1,
    )
    link.full_clean()
    attribute(link, by)
    link.save()
    return link


@transaction.atomic
def objective_measure_update(
    *, link: ObjectiveMeasure, by: Any, expected_version: int | None, **fields: Any
) -> ObjectiveMeasure:
    """Change how a measure is shown: public or not, illustrative or not, the public note.
    Only the unit calls this (the views ask access.is_editor)."""
    current = locked(ObjectiveMeasure, link.pk, expected_version)
    _draft_of(current.objective)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.version += 1
    attribute(current, by)
    current.save()
    return current


@transaction.atomic
def objective_measure_unlink(
    *, link: ObjectiveMeasure, by: Any, expected_version: int | None
) -> None:
    current = locked(ObjectiveMeasure, link.pk, expected_version)
    _draft_of(current.objective)
    attribute(current, by)
    current.delete()


@transaction.atomic
def objectives_adopt_priorities(*, by: Any) -> list[Objective]:
    """The rule of migration 0002 for priorities entered since: each priority of kind
    strategic, operational or corporate objective that no objective carries yet gets one in the
    draft of its lead department's latest plan overlapping its years (a new draft copied from
    the published version if the plan has none; a new plan for its own years if the department
    has none), linked to its measures."""
    adopted = []
    carried = Objective.objects.filter(priority__isnull=False).values("priority_id")
    kinds = [PriorityKind.STRATEGIC, PriorityKind.OPERATIONAL, PriorityKind.CORPORATE]
    waiting = (
        Priority.objects.filter(kind__in=kinds)
        .exclude(pk__in=carried)
        .select_related("lead_department")
        .prefetch_related("measures")
    )
    this_year = timezone.localdate().year
    for priority in sorted(waiting, key=lambda p: (_years(p, this_year), p.code)):
        first, last = _years(priority, this_year)
        plan = (
            DepartmentalPlan.objects.filter(
                department=priority.lead_department, period_start__lte=last, period_end__gte=first
            )
            .order_by("-period_start", "-pk")
            .first()
        )
        if plan is None:
            plan = plan_create(
                by=by, department=priority.lead_department, period_start=first, period_end=last
            )
        draft = plan.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is None:
            draft = version_new_draft(plan=plan, by=by)
        adopted.append(
            objective_create(
                plan_version=draft,
                by=by,
                group=priority.kind,
                title=priority.title[:300],
                target=priority.target_statement or priority.title,
                owner=priority.senior_responsible_owner or NO_OWNER,
                deadline=priority.deadline or date(last, 12, 31),
                priority=priority,
                measures=list(priority.measures.all()),
            )
        )
    return adopted


def _years(priority: Priority, fallback_year: int) -> tuple[int, int]:
    start = priority.start.year if priority.start else None
    end = priority.deadline.year if priority.deadline else None
    start = start or end or fallback_year
    end = end or start
    return min(start, end), max(start, end)


# --- manifesto commitments --------------------------------------------------------------------


@transaction.atomic
def commitment_create(
    *, by: Any, departments: list[Department], **fields: Any
) -> ManifestoCommitment:
    commitment = ManifestoCommitment(**fields)
    commitment.full_clean()
    attribute(commitment, by)
    commitment.save()
    commitment.departments.set(departments)
    return commitment


@transaction.atomic
def commitment_update(
    *,
    commitment: ManifestoCommitment,
    by: Any,
    expected_version: int | None,
    departments: list[Department] | None = None,
    **fields: Any,
) -> ManifestoCommitment:
    current = locked(ManifestoCommitment, commitment.pk, expected_version)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.version += 1
    attribute(current, by)
    current.save()
    if departments is not None:
        current.departments.set(departments)
    return current


# --- implementation timetables ----------------------------------------------------------------


@transaction.atomic
def timetable_item_add(*, objective: Objective, by: Any, **fields: Any) -> TimetableItem:
    current = Objective.objects.select_for_update().get(pk=objective.pk)
    _draft_of(current)
    if "order" not in fields:
        fields["order"] = current.timetable.count() + 1
    item = TimetableItem(objective=current, **fields)
    item.full_clean()
    attribute(item, by)
    item.save()
    return item


@transaction.atomic
def timetable_item_update(
    *, item: TimetableItem, by: Any, expected_version: int | None, **fields: Any
) -> TimetableItem:
    current = locked(TimetableItem, item.pk, expected_version)
    _draft_of(current.objective)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.version += 1
    attribute(current, by)
    current.save()
    return current


@transaction.atomic
def timetable_item_remove(*, item: TimetableItem, by: Any, expected_version: int | None) -> None:
    current = locked(TimetableItem, item.pk, expected_version)
    _draft_of(current.objective)
    attribute(current, by)
    current.delete()


# --- the formal track: quarterly returns ------------------------------------------------------


def is_quarter_start(day: date) -> bool:
    return day.day == 1 and day.month in (1, 4, 7, 10)


def quarter_end(start: date) -> date:
    following = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return following - timedelta(days=1)


@dataclass(frozen=True)
class ReturnData:
    quarter: date
    rag: str
    commentary: str
    milestones_met: list[TimetableItem]
    milestones_missed: list[TimetableItem]


def _check_return(objective: Objective, data: ReturnData, today: date) -> None:
    errors: dict[str, list[str]] = {}
    if not is_quarter_start(data.quarter):
        errors.setdefault("quarter", []).append(QUARTER_START)
    elif data.quarter > today:
        errors.setdefault("quarter", []).append(QUARTER_IN_FUTURE)
    for name in ("milestones_met", "milestones_missed"):
        if any(item.objective_id != objective.pk for item in getattr(data, name)):
            errors.setdefault(name, []).append(MILESTONE_NOT_THE_OBJECTIVES)
    both = {item.pk for item in data.milestones_met} & {item.pk for item in data.milestones_missed}
    for item in data.milestones_met:
        if item.pk in both:
            errors.setdefault("milestones_missed", []).append(MET_AND_MISSED.format(title=item))
    if errors:
        raise ValidationError(errors)


def _in_force(objective: Objective) -> None:
    version = objective.plan_version
    if not version.is_published:
        raise ValidationError(RETURN_NEEDS_PUBLISHED)
    if version.plan.versions.filter(
        status=VersionStatus.PUBLISHED, number__gt=version.number
    ).exists():
        raise ValidationError(RETURN_NOT_IN_FORCE)


@transaction.atomic
def return_create(
    *, objective: Objective, by: Any, data: ReturnData, today: date
) -> QuarterlyReturn:
    objective = Objective.objects.select_related("plan_version__plan").get(pk=objective.pk)
    _in_force(objective)
    _check_return(objective, data, today)
    if QuarterlyReturn.objects.filter(objective=objective, quarter=data.quarter).exists():
        raise ValidationError({"quarter": RETURN_EXISTS})
    quarterly = QuarterlyReturn(
        objective=objective,
        quarter=data.quarter,
        rag=data.rag,
        commentary=data.commentary,
        created_by=by if getattr(by, "pk", None) else None,
    )
    quarterly.full_clean()
    attribute(quarterly, by)
    quarterly.save()
    quarterly.milestones_met.set(data.milestones_met)
    quarterly.milestones_missed.set(data.milestones_missed)
    return quarterly


@transaction.atomic
def return_update(
    *,
    quarterly: QuarterlyReturn,
    by: Any,
    expected_version: int | None,
    data: ReturnData,
    today: date,
) -> QuarterlyReturn:
    current = locked(QuarterlyReturn, quarterly.pk, expected_version)
    if current.status != ReturnStatus.DRAFT:
        raise ValidationError(RETURN_NOT_DRAFT)
    objective = Objective.objects.select_related("plan_version__plan").get(pk=current.objective_id)
    _check_return(objective, data, today)
    clash = QuarterlyReturn.objects.filter(objective=objective, quarter=data.quarter).exclude(
        pk=current.pk
    )
    if clash.exists():
        raise ValidationError({"quarter": RETURN_EXISTS})
    current.quarter, current.rag, current.commentary = data.quarter, data.rag, data.commentary
    current.full_clean()
    bump(current, by, "quarter", "rag", "commentary")
    current.milestones_met.set(data.milestones_met)
    current.milestones_missed.set(data.milestones_missed)
    return current


@transaction.atomic
def return_submit(
    *, quarterly: QuarterlyReturn, by: Any, expected_version: int | None
) -> QuarterlyReturn:
    current = locked(QuarterlyReturn, quarterly.pk, expected_version)
    if current.status != ReturnStatus.DRAFT:
        raise ValidationError(RETURN_NOT_DRAFT)
    current.status = ReturnStatus.SUBMITTED
    current.submitted_at = timezone.now()
    current.submitted_by = by if getattr(by, "pk", None) else None
    bump(current, by, "status", "submitted_at", "submitted_by")
    return current


@transaction.atomic
def return_agree(
    *, quarterly: QuarterlyReturn, by: Any, expected_version: int | None
) -> QuarterlyReturn:
    current = locked(QuarterlyReturn, quarterly.pk, expected_version)
    if current.status != ReturnStatus.SUBMITTED:
        raise ValidationError(RETURN_NOT_SUBMITTED)
    current.status = ReturnStatus.AGREED
    current.agreed_at = timezone.now()
    current.agreed_by = by if getattr(by, "pk", None) else None
    bump(current, by, "status", "agreed_at", "agreed_by")
    return current


# --- the informal track -----------------------------------------------------------------------


@transaction.atomic
def note_add(*, objective: Objective, by: Any, text: str, noted_on: date) -> InformalNote:
    if not text.strip():
        raise ValidationError({"text": NOTE_EMPTY})
    note = InformalNote(
        objective=objective,
        text=text.strip(),
        noted_on=noted_on,
        author=by if getattr(by, "pk", None) else None,
    )
    note.full_clean()
    note.save()
    return note
