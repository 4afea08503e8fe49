"""A departmental plan built through the services, for the plans tests and the permission
matrix: one strategic objective covering a commitment (with a measure, a timetable line due in
the past and one in the future, and the task force that drives it), one operational objective
on the same measure, and a commitment the department is responsible for that nothing covers."""

from dataclasses import dataclass
from datetime import date

from plans import services
from plans.models import (
    DepartmentalPlan,
    ManifestoCommitment,
    Objective,
    ObjectiveGroup,
    ObjectiveMeasure,
    PlanVersion,
    TimetableItem,
    TimetableKind,
)
from stocktakes import services as stocktake_services
from stocktakes.models import Forum, ForumKind

from .factories import MeasureFactory, PriorityFactory, add_trajectory


@dataclass
class PlanWorld:
    plan: DepartmentalPlan
    version: PlanVersion
    strategic: Objective
    operational: Objective
    commitment: ManifestoCommitment
    uncovered: ManifestoCommitment
    link: ObjectiveMeasure
    past_item: TimetableItem
    future_item: TimetableItem
    task_force: Forum


def build_plan(department, by, *, publish: bool = True, tag: str = "") -> PlanWorld:
    tag = tag or department.code
    priority = PriorityFactory(
        code=f"PL-{tag}", title=f"Plan priority {tag}", lead_department=department
    )
    measure = MeasureFactory(priority=priority, name=f"Plan measure {tag}")
    add_trajectory(measure, [(date(2016, 1, 1), 50), (date(2016, 12, 1), 60)])
    commitment = services.commitment_create(
        by=by,
        departments=[department],
        reference=f"T-{tag}-1",
        text=f"Commitment covered {tag}",
        source_document="Test manifesto",
        page=12,
    )
    uncovered = services.commitment_create(
        by=by,
        departments=[department],
        reference=f"T-{tag}-2",
        text=f"Commitment uncovered {tag}",
        source_document="Test manifesto",
    )
    task_force = stocktake_services.forum_create(
        by=by,
        name=f"Task force {tag}",
        kind=ForumKind.TASK_FORCE,
        chair="Minister for the Cabinet Office",
        terms_of_reference="Drive it.",
        cycle_weeks=6,
        priorities=[priority],
    )
    plan = services.plan_create(by=by, department=department, period_start=2015, period_end=2020)
    version = plan.versions.get()
    strategic = services.objective_create(
        plan_version=version,
        by=by,
        group=ObjectiveGroup.STRATEGIC,
        title=f"Strategic objective {tag}",
        target="Reach 60 by December 2016.",
        owner="Director General",
        deadline=date(2016, 12, 31),
        priority=priority,
        commitments=[commitment],
        task_forces=[task_force],
        measures=[measure],
    )
    operational = services.objective_create(
        plan_version=version,
        by=by,
        group=ObjectiveGroup.OPERATIONAL,
        title=f"Operational objective {tag}",
        target="Keep services running.",
        owner="Chief Operating Officer",
        deadline=date(2020, 3, 31),
        measures=[measure],
    )
    link = strategic.measure_links.get()
    past_item = services.timetable_item_add(
        objective=strategic,
        by=by,
        kind=TimetableKind.MILESTONE,
        title=f"Pilot launched {tag}",
        due=date(2016, 3, 31),
        owner="Programme director",
    )
    future_item = services.timetable_item_add(
        objective=strategic,
        by=by,
        kind=TimetableKind.DELIVERABLE,
        title=f"Rolled out everywhere {tag}",
        due=date(2099, 3, 31),
    )
    if publish:
        version = services.version_publish(plan_version=version, by=by, expected_version=None)
    return PlanWorld(
        plan=plan,
        version=version,
        strategic=strategic,
        operational=operational,
        commitment=commitment,
        uncovered=uncovered,
        link=link,
        past_item=past_item,
        future_item=future_item,
        task_force=task_force,
    )
