"""The demo forums: a prime-ministerial stocktake on asylum, with one meeting in 2003 held and
minuted, and the "Earn or Learn" implementation task force, with one meeting planned.

The task force's priority and its lead indicator are made here (the portfolio has no Work and
Pensions priority); its figures are illustrative, not published statistics, and say so.

Loading is idempotent: forums are matched by name, members by role, priorities by code,
measures by name, actuals by period; meetings are made only when the forum has none. Every
write goes through the services, attributed to no user (the system). Run after the portfolio
(priorities.demo.load_priorities) and the departments are loaded.
"""

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any

from django.db import transaction

from deliveryunit.models import Department
from priorities import services as priority_services
from priorities.models import Direction, Frequency, IndicatorType, Priority, PriorityKind

from . import selectors, services, services_forums
from .models import (
    ActionStatus,
    AttendeeKind,
    Forum,
    ForumKind,
    Meeting,
)

ASYLUM_FORUM = "Prime Minister's stocktake: asylum"
TASK_FORCE = "Earn or Learn task force"
TASK_FORCE_PRIORITY = "TF-EOL-1"

ILLUSTRATIVE = (
    "Illustrative figures made up for the demo, not published statistics: they show how a "
    "task force's lead indicator is tracked."
)


@dataclass(frozen=True)
class MemberSpec:
    role: str
    kind: str
    department: str | None = None
    is_chair: bool = False


ASYLUM_MEMBERS = [
    MemberSpec("Prime Minister", AttendeeKind.MINISTER, is_chair=True),
    MemberSpec("Home Secretary", AttendeeKind.MINISTER, "HO"),
    MemberSpec("Minister of State for Citizenship and Immigration", AttendeeKind.MINISTER, "HO"),
    MemberSpec("Permanent Secretary, Home Office", AttendeeKind.OFFICIAL, "HO"),
    MemberSpec(
        "Director General, Immigration and Nationality Directorate", AttendeeKind.OFFICIAL, "HO"
    ),
    MemberSpec("Head of the Prime Minister's Delivery Unit", AttendeeKind.SECRETARIAT, "CO"),
    MemberSpec("Delivery Unit lead for asylum", AttendeeKind.SECRETARIAT, "CO"),
]

# The task force's members as the seed lists them, by post.
TASK_FORCE_MEMBERS = [
    MemberSpec("Minister for the Cabinet Office", AttendeeKind.MINISTER, "CO", is_chair=True),
    MemberSpec("Chancellor of the Duchy of Lancaster", AttendeeKind.MINISTER, "CO"),
    MemberSpec("Secretary of State for Work and Pensions", AttendeeKind.MINISTER, "DWP"),
    MemberSpec("Secretary of State for Communities and Local Government", AttendeeKind.MINISTER),
    MemberSpec("Secretary of State for Education", AttendeeKind.MINISTER, "DfE"),
    MemberSpec("Chief Secretary to the Treasury", AttendeeKind.MINISTER),
    MemberSpec("Minister of State for Employment", AttendeeKind.MINISTER, "DWP"),
    MemberSpec("Minister of State for Business, Innovation and Skills", AttendeeKind.MINISTER),
    MemberSpec("Parliamentary Secretary for the Cabinet Office", AttendeeKind.MINISTER, "CO"),
]

TASK_FORCE_TERMS = (
    "Drive delivery of the government's commitments on work and skills for young people: "
    "help businesses create two million jobs, deliver three million apprenticeships, and see "
    "that every young person is either earning or learning. The task force tracks progress "
    "against the lead indicators every six weeks, clears obstacles that cross departmental "
    "lines, and agrees actions with named owners."
)

ASYLUM_TERMS = (
    "The Prime Minister reviews progress on the asylum priorities with the Home Secretary and "
    "senior officials: the latest data against trajectory, the Delivery Unit's assessment, and "
    "the actions needed to stay on track. Actions agreed are followed up at the next stocktake."
)

# Quarterly share of 16 to 24 year olds neither earning nor learning, in per cent.
TASK_FORCE_ACTUALS = [
    (date(2015, 7, 1), Decimal("14.6")),
    (date(2015, 10, 1), Decimal("14.3")),
    (date(2016, 1, 1), Decimal("14.1")),
    (date(2016, 4, 1), Decimal("13.6")),
    (date(2016, 7, 1), Decimal("13.5")),
]
TASK_FORCE_PLAN = [(date(2015, 7, 1), Decimal("14.6")), (date(2020, 1, 1), Decimal("10"))]


@transaction.atomic
def load_stocktakes(by: Any = None) -> None:
    """Create the demo forums and meetings if missing. Safe to run any number of times."""
    departments = {d.code: d for d in Department.objects.all()}
    asylum_priorities = sorted(
        Priority.objects.filter(code__startswith="PSA 7"), key=selectors.code_key
    )
    asylum = _forum(
        by,
        name=ASYLUM_FORUM,
        kind=ForumKind.STOCKTAKE,
        chair="Prime Minister",
        terms_of_reference=ASYLUM_TERMS,
        cycle_weeks=6,
        priorities=asylum_priorities,
    )
    _members(asylum, ASYLUM_MEMBERS, departments, by)
    if not asylum.meetings.exists():
        _asylum_meeting(asylum, asylum_priorities, departments, by)

    priority = _task_force_priority(departments, by)
    task_force = _forum(
        by,
        name=TASK_FORCE,
        kind=ForumKind.TASK_FORCE,
        chair="Minister for the Cabinet Office",
        terms_of_reference=TASK_FORCE_TERMS,
        cycle_weeks=6,
        priorities=[priority],
    )
    _members(task_force, TASK_FORCE_MEMBERS, departments, by)
    if not task_force.meetings.exists():
        _task_force_meeting(task_force, priority, by)


def _forum(by: Any, *, name: str, priorities: list[Priority], **fields: Any) -> Forum:
    forum = Forum.objects.filter(name=name).first()
    if forum is None:
        return services.forum_create(by=by, name=name, priorities=priorities, **fields)
    changed = {k: v for k, v in fields.items() if getattr(forum, k) != v}
    priorities_changed = {p.pk for p in forum.priorities.all()} != {p.pk for p in priorities}
    if changed or priorities_changed:
        forum = services.forum_update(
            forum=forum,
            by=by,
            expected_version=None,
            priorities=priorities if priorities_changed else None,
            **changed,
        )
    return forum


def _members(
    forum: Forum, specs: list[MemberSpec], departments: dict[str, Department], by: Any
) -> None:
    have = set(forum.members.values_list("role", flat=True))
    for order, spec in enumerate(specs, start=1):
        if spec.role in have:
            continue
        services_forums.forum_member_add(
            forum=forum,
            by=by,
            # The demo loader is the only writer: no user's version to check.
            expected_version=None,
            role=spec.role,
            kind=spec.kind,
            department=departments.get(spec.department) if spec.department else None,
            is_chair=spec.is_chair,
            order=order,
        )


def _asylum_meeting(
    forum: Forum, priorities: list[Priority], departments: dict[str, Department], by: Any
) -> Meeting:
    """The 2003 stocktake, taken through its whole cycle: pack, held, attendance, minutes with
    two actions, issued."""
    headline = next((p for p in priorities if p.code == "PSA 7"), None)
    removals = next((p for p in priorities if p.code == "PSA 7.6"), headline)
    meeting = services.meeting_schedule(
        forum=forum,
        by=by,
        date=date(2003, 5, 20),
        start_time=time(8, 30),
        place="10 Downing Street",
    )
    intake = services.agenda_item_add(
        meeting=meeting,
        by=by,
        title="Asylum intake against the trajectory to halve applications",
        lead="Home Secretary",
        minutes_allowed=25,
        priority=headline,
        paper="Delivery Unit note on intake",
    )
    removals_item = services.agenda_item_add(
        meeting=meeting,
        by=by,
        title="Removals of failed asylum seekers",
        lead="Director General, Immigration and Nationality Directorate",
        minutes_allowed=20,
        priority=removals,
        paper="Home Office paper on removals",
    )
    services.agenda_item_add(
        meeting=meeting,
        by=by,
        title="Actions and next stocktake",
        lead="Prime Minister",
        minutes_allowed=5,
    )
    services.pack_issue(meeting=meeting, by=by, expected_version=None)
    meeting = services.meeting_mark_held(meeting=meeting, by=by, expected_version=None)
    apologies = "Minister of State for Citizenship and Immigration"
    services.attendance_record(
        meeting=meeting,
        by=by,
        answers={a.pk: (a.role != apologies, None) for a in meeting.attendees.all()},
    )
    home_office = departments["HO"]
    reporting = services.action_create(
        by=by,
        description="Report monthly intake figures to the Delivery Unit a week before each "
        "stocktake.",
        owner="Director General, Immigration and Nationality Directorate",
        department=home_office,
        due=date(2003, 6, 30),
        meeting=meeting,
        agenda_item=intake,
        priority=headline,
    )
    services.action_create(
        by=by,
        description="Bring a plan to raise removals, with monthly milestones, to the next "
        "stocktake.",
        owner="Permanent Secretary, Home Office",
        department=home_office,
        due=date(2003, 7, 1),
        status=ActionStatus.OPEN,
        meeting=meeting,
        agenda_item=removals_item,
        priority=removals,
    )
    services.minutes_save(
        meeting=meeting,
        by=by,
        expected_version=None,
        summary="The Prime Minister reviewed intake and removals against their trajectories.",
        distribution="pmdu-secretariat@example.gov.uk\nho-private-office@example.gov.uk",
        items={
            intake.pk: (
                "Intake is falling in line with the trajectory; the monthly figures should reach "
                "the Delivery Unit earlier.",
                "Intake figures to be reported monthly ahead of each stocktake.",
            ),
            removals_item.pk: (
                "Removals remain well below what is needed.",
                "A plan with monthly milestones to come to the next stocktake.",
            ),
        },
    )
    services.minutes_issue(meeting=meeting, by=by, expected_version=None)
    services.action_update_status(
        action=reporting,
        by=by,
        expected_version=None,
        status=ActionStatus.DONE,
        note="Figures now reach the Delivery Unit by the 20th of each month.",
    )
    return meeting


def _task_force_priority(departments: dict[str, Department], by: Any) -> Priority:
    priority = Priority.objects.filter(code=TASK_FORCE_PRIORITY).first()
    if priority is None:
        priority = priority_services.priority_create(
            by=by,
            code=TASK_FORCE_PRIORITY,
            title="Earn or Learn: young people earning or learning",
            target_statement=(
                "Every young person is either in work or in education or training, with "
                "two million new jobs and three million apprenticeships as the routes."
            ),
            lead_department=departments["DWP"],
            delivery_chain=[departments["DfE"], departments["CO"]],
            senior_responsible_owner="Director General, Work and Welfare",
            minister="Minister of State for Employment",
            kind=PriorityKind.STRATEGIC,
            start=date(2015, 7, 1),
            deadline=date(2020, 3, 31),
        )
    name = "Young people neither earning nor learning (illustrative)"
    measure = priority.measures.filter(name=name).first()
    if measure is None:
        measure = priority_services.measure_create(
            priority=priority,
            by=by,
            name=name,
            unit="%",
            direction=Direction.LOWER,
            frequency=Frequency.QUARTERLY,
            indicator_type=IndicatorType.LEAD,
            source=ILLUSTRATIVE,
            target_value=Decimal("10"),
            target_date=date(2020, 1, 1),
            tolerance=Decimal("0.3"),
        )
    if not measure.trajectories.exists():
        priority_services.trajectory_create(
            measure=measure,
            by=by,
            label="Illustrative plan",
            agreed_on=date(2015, 7, 1),
            points=TASK_FORCE_PLAN,
        )
    have = set(measure.actuals.values_list("period", flat=True))
    for period, value in TASK_FORCE_ACTUALS:
        if period not in have:
            priority_services.actual_record(
                measure=measure,
                by=by,
                data=priority_services.ActualData(
                    period=period, value=value, source="Illustrative", note=ILLUSTRATIVE
                ),
            )
    return priority


def _task_force_meeting(forum: Forum, priority: Priority, by: Any) -> Meeting:
    """One meeting planned on the cycle (six weeks from the day the demo is loaded)."""
    meeting = services.meeting_schedule(
        forum=forum, by=by, start_time=time(9, 0), place="70 Whitehall"
    )
    for title, lead, minutes, with_priority in [
        (
            "Young people earning or learning: the lead indicator",
            "Minister of State for Employment",
            20,
            True,
        ),
        ("Apprenticeship starts and employer demand", "Secretary of State for Education", 20, True),
        ("Actions from departments", "Parliamentary Secretary for the Cabinet Office", 10, False),
    ]:
        services.agenda_item_add(
            meeting=meeting,
            by=by,
            title=title,
            lead=lead,
            minutes_allowed=minutes,
            priority=priority if with_priority else None,
        )
    return meeting
