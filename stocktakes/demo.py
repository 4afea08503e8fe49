"""The demo forums, one for each era of the demo (see deliveryunit.demo for how it treats them):

- the Prime Minister's stocktake on asylum: two meetings in 2003, both held and minuted, every
  action agreed at them done or dropped that year;
- the "Earn or Learn" implementation task force: one meeting in March 2016, held and minuted,
  its actions done or dropped that year;
- the Prime Minister's stocktakes on urgent and planned care and on the legacy asylum backlog
  (2023, current as at the demo's date): a meeting held and minuted with its pack issued, the
  next one planned after 31 October 2023, and actions still outstanding, some owned by the
  departments' demo officials.

Every date is fixed here: nothing is worked out from the day the demo is loaded. Minutes,
action descriptions, their updates and terms of reference written for the demo say they are
illustrative (the task force's terms and members are the seed's). An action's updates carry
the date they describe in their note: the update's own timestamp is when the demo was loaded.

The task force's priority and its lead indicator are made here (the portfolio has no Work and
Pensions priority); its figures are illustrative, not published statistics, and say so.

Loading is idempotent: forums are matched by name, members by role, meetings by forum and date
(a meeting already there is left as it is), priorities by code, measures by name, actuals by
period. Every write goes through the services, as the system (access.SYSTEM) unless another
principal is given. Run after the portfolio (priorities.demo.load_priorities) and the
departments and users (deliveryunit.demo.load_foundation) are loaded.
"""

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Any

from django.db import transaction

from deliveryunit import access
from deliveryunit.demo import illustrative
from deliveryunit.models import Department, User
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
HEALTH_FORUM = "Prime Minister's stocktake: urgent and planned care"
BACKLOG_FORUM = "Prime Minister's stocktake: legacy asylum backlog"

TASK_FORCE_FIGURES = (
    "Illustrative figures made up for the demo, not published statistics: they show how a "
    "task force's lead indicator is tracked."
)


@dataclass(frozen=True)
class MemberSpec:
    role: str
    kind: str
    department: str | None = None
    is_chair: bool = False


@dataclass(frozen=True)
class ItemSpec:
    title: str
    lead: str
    minutes_allowed: int
    priority: str | None = None
    paper: str = ""
    # The minutes: record of discussion and decisions, written for the demo.
    record: str = ""
    decisions: str = ""


@dataclass(frozen=True)
class ActionSpec:
    description: str
    owner: str
    department: str
    due: date
    item: int
    priority: str | None = None
    # The demo user who may update it (an official of the department), if any.
    owner_user: str | None = None
    # What happened to it after the meeting, in order: (status, note saying when).
    updates: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class MeetingSpec:
    date: date
    start_time: time
    place: str
    items: list[ItemSpec]
    # A held meeting has its pack issued, attendance taken, minutes issued and its actions
    # agreed; otherwise it is planned, with its agenda.
    held: bool = False
    apologies: tuple[str, ...] = ()
    summary: str = ""
    distribution: str = ""
    actions: list[ActionSpec] = field(default_factory=list)


@dataclass(frozen=True)
class ForumSpec:
    name: str
    kind: str
    chair: str
    terms_of_reference: str
    cycle_weeks: int
    priorities: tuple[str, ...]
    members: list[MemberSpec]
    meetings: list[MeetingSpec]


DONE, DROPPED, IN_PROGRESS = ActionStatus.DONE, ActionStatus.DROPPED, ActionStatus.IN_PROGRESS


# --- 2003: the Prime Minister's stocktake on asylum -------------------------------------------

ASYLUM_CODES = ("PSA 7", "PSA 7.1", "PSA 7.2", "PSA 7.3", "PSA 7.4", "PSA 7.5", "PSA 7.6")

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

ASYLUM_TERMS = illustrative(
    "The Prime Minister reviews progress on the asylum priorities with the Home Secretary and "
    "senior officials: the latest data against trajectory, the Delivery Unit's assessment, and "
    "the actions needed to stay on track. Actions agreed are followed up at the next stocktake."
)

IND = "Director General, Immigration and Nationality Directorate"
HO_PERMANENT_SECRETARY = "Permanent Secretary, Home Office"
ASYLUM_DISTRIBUTION = "pmdu-secretariat@example.gov.uk\nho-private-office@example.gov.uk"

ASYLUM_MEETINGS = [
    MeetingSpec(
        date=date(2003, 5, 20),
        start_time=time(8, 30),
        place="10 Downing Street",
        held=True,
        apologies=("Minister of State for Citizenship and Immigration",),
        items=[
            ItemSpec(
                "Asylum intake against the trajectory to halve applications",
                "Home Secretary",
                25,
                "PSA 7",
                "Delivery Unit note on intake",
                record=illustrative(
                    "Intake is falling in line with the trajectory; the monthly figures should "
                    "reach the Delivery Unit earlier."
                ),
                decisions=illustrative(
                    "Intake figures to be reported monthly ahead of each stocktake."
                ),
            ),
            ItemSpec(
                "Removals of failed asylum seekers",
                IND,
                20,
                "PSA 7.6",
                "Home Office paper on removals",
                record=illustrative("Removals remain well below what is needed."),
                decisions=illustrative(
                    "A plan with monthly milestones to come to the next stocktake."
                ),
            ),
            ItemSpec("Actions and next stocktake", "Prime Minister", 5),
        ],
        summary=illustrative(
            "The Prime Minister reviewed intake and removals against their trajectories."
        ),
        distribution=ASYLUM_DISTRIBUTION,
        actions=[
            ActionSpec(
                illustrative(
                    "Report monthly intake figures to the Delivery Unit a week before each "
                    "stocktake."
                ),
                IND,
                "HO",
                date(2003, 6, 30),
                item=0,
                priority="PSA 7",
                updates=(
                    (
                        DONE,
                        illustrative(
                            "27 June 2003: figures now reach the Delivery Unit by the 20th of "
                            "each month."
                        ),
                    ),
                ),
            ),
            ActionSpec(
                illustrative(
                    "Bring a plan to raise removals, with monthly milestones, to the next "
                    "stocktake."
                ),
                HO_PERMANENT_SECRETARY,
                "HO",
                date(2003, 7, 1),
                item=1,
                priority="PSA 7.6",
                updates=(
                    (
                        DONE,
                        illustrative(
                            "1 July 2003: the plan went to the Prime Minister as the paper for "
                            "the stocktake of 8 July."
                        ),
                    ),
                ),
            ),
        ],
    ),
    MeetingSpec(
        date=date(2003, 7, 8),
        start_time=time(8, 30),
        place="10 Downing Street",
        held=True,
        items=[
            ItemSpec(
                "Asylum intake: holding the fall",
                "Home Secretary",
                20,
                "PSA 7.1",
                "Delivery Unit note on intake",
                record=illustrative(
                    "Applications have stayed close to half the October 2002 level since "
                    "February. The risk is a rise over the summer."
                ),
                decisions=illustrative("Keep the monthly report; no new measures for now."),
            ),
            ItemSpec(
                "The plan to raise removals",
                HO_PERMANENT_SECRETARY,
                25,
                "PSA 7.6",
                "Home Office plan for removals, with monthly milestones",
                record=illustrative(
                    "The plan is credible, but travel documents from a few countries hold up "
                    "most removals."
                ),
                decisions=illustrative(
                    "Agree a country-by-country approach to travel documents with the Foreign "
                    "Office; review the fast track's reach."
                ),
            ),
            ItemSpec("Actions and next stocktake", "Prime Minister", 5),
        ],
        summary=illustrative(
            "The Prime Minister welcomed the fall in intake and agreed the removals plan."
        ),
        distribution=ASYLUM_DISTRIBUTION,
        actions=[
            ActionSpec(
                illustrative(
                    "Agree with the Foreign Office how travel documents are to be obtained for "
                    "the ten countries with most failed claims."
                ),
                IND,
                "HO",
                date(2003, 9, 30),
                item=1,
                priority="PSA 7.6",
                updates=(
                    (IN_PROGRESS, illustrative("5 August 2003: talks with the Foreign Office.")),
                    (
                        DONE,
                        illustrative(
                            "26 September 2003: agreed; each country has a named lead in both "
                            "departments."
                        ),
                    ),
                ),
            ),
            ActionSpec(
                illustrative("Set out the case for widening the fast track to more nationalities."),
                HO_PERMANENT_SECRETARY,
                "HO",
                date(2003, 10, 31),
                item=1,
                priority="PSA 7.2",
                updates=(
                    (
                        DROPPED,
                        illustrative(
                            "15 October 2003: dropped; the new five-year strategy takes the "
                            "question up."
                        ),
                    ),
                ),
            ),
        ],
    ),
]

# --- 2016: the Earn or Learn task force -------------------------------------------------------

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

TASK_FORCE_MEETINGS = [
    MeetingSpec(
        date=date(2016, 3, 8),
        start_time=time(9, 0),
        place="70 Whitehall",
        held=True,
        apologies=("Chief Secretary to the Treasury",),
        items=[
            ItemSpec(
                "Young people earning or learning: the lead indicator",
                "Minister of State for Employment",
                20,
                TASK_FORCE_PRIORITY,
                record=illustrative(
                    "The share of young people neither earning nor learning is falling in "
                    "line with the plan."
                ),
                decisions=illustrative("Report the indicator by region from the next meeting."),
            ),
            ItemSpec(
                "Apprenticeship starts and employer demand",
                "Secretary of State for Education",
                20,
                TASK_FORCE_PRIORITY,
                record=illustrative(
                    "Starts are below the profile needed for three million; employers want "
                    "clarity on the levy."
                ),
                decisions=illustrative("Set out levy guidance for employers before the summer."),
            ),
            ItemSpec(
                "Actions from departments", "Parliamentary Secretary for the Cabinet Office", 10
            ),
        ],
        summary=illustrative(
            "The task force reviewed the lead indicator and apprenticeship starts."
        ),
        distribution="implementation-unit@example.gov.uk\ndwp-private-office@example.gov.uk",
        actions=[
            ActionSpec(
                illustrative("Report the lead indicator by region to each meeting."),
                "Director General, Work and Welfare",
                "DWP",
                date(2016, 4, 19),
                item=0,
                priority=TASK_FORCE_PRIORITY,
                updates=(
                    (
                        DONE,
                        illustrative("19 April 2016: regional figures included in the pack."),
                    ),
                ),
            ),
            ActionSpec(
                illustrative("Publish guidance on the apprenticeship levy for employers."),
                "Director General, Education and Skills",
                "DfE",
                date(2016, 6, 30),
                item=1,
                priority=TASK_FORCE_PRIORITY,
                updates=(
                    (
                        DROPPED,
                        illustrative(
                            "14 July 2016: dropped here; the levy moved to the new "
                            "department's programme after the machinery of government change."
                        ),
                    ),
                ),
            ),
        ],
    ),
]

# Quarterly share of 16 to 24 year olds neither earning nor learning, in per cent.
TASK_FORCE_ACTUALS = [
    (date(2015, 7, 1), Decimal("14.6")),
    (date(2015, 10, 1), Decimal("14.3")),
    (date(2016, 1, 1), Decimal("14.1")),
    (date(2016, 4, 1), Decimal("13.6")),
    (date(2016, 7, 1), Decimal("13.5")),
]
TASK_FORCE_PLAN = [(date(2015, 7, 1), Decimal("14.6")), (date(2020, 1, 1), Decimal("10"))]

# --- 2023: the Prime Minister's stocktakes on urgent and planned care, and the backlog ----------

DELIVERY_UNIT_HEAD = "Head of the Delivery Unit"
NHS_CHIEF_EXECUTIVE = "Chief Executive, NHS England"
DH_PERMANENT_SECRETARY = "Permanent Secretary, Department of Health"

HEALTH_MEMBERS = [
    MemberSpec("Prime Minister", AttendeeKind.MINISTER, is_chair=True),
    MemberSpec("Secretary of State for Health and Social Care", AttendeeKind.MINISTER, "DH"),
    MemberSpec("Minister of State for Health", AttendeeKind.MINISTER, "DH"),
    MemberSpec(DH_PERMANENT_SECRETARY, AttendeeKind.OFFICIAL, "DH"),
    MemberSpec(NHS_CHIEF_EXECUTIVE, AttendeeKind.OFFICIAL, "DH"),
    MemberSpec(DELIVERY_UNIT_HEAD, AttendeeKind.SECRETARIAT, "CO"),
    MemberSpec("Delivery Unit lead for health", AttendeeKind.SECRETARIAT, "CO"),
]

HEALTH_TERMS = illustrative(
    "The Prime Minister reviews A&E and planned-care waiting times with the Health Secretary and "
    "NHS England: performance against the recovery trajectories, the Delivery Unit's latest "
    "judgements, and the actions needed before the next stocktake."
)

HEALTH_DISTRIBUTION = "delivery-unit@example.gov.uk\ndh-private-office@example.gov.uk"
HEALTH_OFFICIAL = "official_health"


def _health_items(
    ae_paper: str,
    rtt_paper: str,
    ae_minutes: tuple[str, str] = ("", ""),
    rtt_minutes: tuple[str, str] = ("", ""),
) -> list[ItemSpec]:
    """The stocktake's standing agenda, with the papers and, once held, the minutes (record,
    decisions) of its two items."""
    return [
        ItemSpec(
            "A&E: four-hour performance against the recovery trajectory",
            "Secretary of State for Health and Social Care",
            25,
            "DH-AE-4H",
            ae_paper,
            *ae_minutes,
        ),
        ItemSpec(
            "Planned care: the longest waits and the 18-week standard",
            "Minister of State for Health",
            25,
            "DH-RTT-18W",
            rtt_paper,
            *rtt_minutes,
        ),
        ItemSpec("Actions and next stocktake", "Prime Minister", 5),
    ]


HEALTH_MEETINGS = [
    MeetingSpec(
        date=date(2023, 8, 15),
        start_time=time(10, 0),
        place="10 Downing Street",
        held=True,
        apologies=(DH_PERMANENT_SECRETARY,),
        items=_health_items(
            "Delivery Unit note: A&E against the recovery plan",
            "NHS England paper on elective recovery",
            ae_minutes=(
                illustrative(
                    "Performance has held close to the trajectory since the spring; winter is "
                    "the test. Discharge delays are the main limit on flow."
                ),
                illustrative(
                    "Each trust's winter plan to be published; discharge funding to be agreed "
                    "with local government."
                ),
            ),
            rtt_minutes=(
                illustrative(
                    "The longest waits are falling, but industrial action keeps cancelling "
                    "planned activity. The Delivery Unit's figures stop at October 2022."
                ),
                illustrative(
                    "A month-by-month plan for waits over 65 weeks to come to the next "
                    "stocktake; the department to send the figures since October 2022."
                ),
            ),
        ),
        summary=illustrative(
            "The Prime Minister reviewed A&E and planned care against the recovery plans."
        ),
        distribution=HEALTH_DISTRIBUTION,
        actions=[
            ActionSpec(
                illustrative("Publish each trust's winter plan for reaching 76% by March 2024."),
                NHS_CHIEF_EXECUTIVE,
                "DH",
                date(2023, 9, 29),
                item=0,
                priority="DH-AE-4H",
                updates=(
                    (DONE, illustrative("28 September 2023: every system's plan published.")),
                ),
            ),
            ActionSpec(
                illustrative("Agree discharge funding for the winter with local government."),
                DH_PERMANENT_SECRETARY,
                "DH",
                date(2023, 12, 15),
                item=0,
                priority="DH-AE-4H",
            ),
            ActionSpec(
                illustrative(
                    "Send the Delivery Unit the monthly waiting-time figures since October 2022."
                ),
                "Grace Adeyemi, Performance Analysis, Department of Health",
                "DH",
                date(2023, 10, 20),
                item=1,
                priority="DH-RTT-18W",
                owner_user=HEALTH_OFFICIAL,
            ),
            ActionSpec(
                illustrative(
                    "Bring a month-by-month plan to end waits over 65 weeks by March 2024 to "
                    "the next stocktake."
                ),
                "Grace Adeyemi, Performance Analysis, Department of Health",
                "DH",
                date(2023, 11, 1),
                item=1,
                priority="DH-RTT-18W",
                owner_user=HEALTH_OFFICIAL,
                updates=(
                    (
                        IN_PROGRESS,
                        illustrative("16 October 2023: a draft is with NHS England's regions."),
                    ),
                ),
            ),
        ],
    ),
    # The next stocktake, twelve weeks on: after the demo's date, so still planned.
    MeetingSpec(
        date=date(2023, 11, 7),
        start_time=time(10, 0),
        place="10 Downing Street",
        items=_health_items(
            "Delivery Unit note: A&E going into winter",
            "NHS England plan for waits over 65 weeks",
        ),
    ),
]

BACKLOG_MEMBERS = [
    MemberSpec("Prime Minister", AttendeeKind.MINISTER, is_chair=True),
    MemberSpec("Home Secretary", AttendeeKind.MINISTER, "HO"),
    MemberSpec("Minister of State for Immigration", AttendeeKind.MINISTER, "HO"),
    MemberSpec(HO_PERMANENT_SECRETARY, AttendeeKind.OFFICIAL, "HO"),
    MemberSpec("Director General, UK Visas and Immigration", AttendeeKind.OFFICIAL, "HO"),
    MemberSpec(DELIVERY_UNIT_HEAD, AttendeeKind.SECRETARIAT, "CO"),
]

BACKLOG_TERMS = illustrative(
    "The Prime Minister reviews progress on the pledge to decide every legacy asylum claim by "
    "the end of 2023: decisions against the trajectory, casework capacity, and the actions "
    "agreed last time."
)

HOME_OFFICIAL = "official"
HOME_OFFICIAL_OWNER = "Tom Okafor, Asylum Performance, Home Office"

BACKLOG_MEETINGS = [
    MeetingSpec(
        date=date(2023, 9, 19),
        start_time=time(9, 30),
        place="10 Downing Street",
        held=True,
        items=[
            ItemSpec(
                "Legacy claims decided against the trajectory",
                "Home Secretary",
                30,
                "HO-ASY-LEG",
                "Delivery Unit note on the legacy backlog",
                record=illustrative(
                    "Decisions have risen each month, but the backlog is well above the "
                    "trajectory; at this rate it will not be cleared by December."
                ),
                decisions=illustrative(
                    "Monthly figures to reach the Delivery Unit within ten working days of the "
                    "month end; a plan for the hardest cases to come to the next stocktake."
                ),
            ),
            ItemSpec("Actions and next stocktake", "Prime Minister", 5),
        ],
        summary=illustrative(
            "The Prime Minister reviewed progress on the legacy backlog against the pledge."
        ),
        distribution="delivery-unit@example.gov.uk\nho-private-office@example.gov.uk",
        actions=[
            ActionSpec(
                illustrative("Train and deploy the new decision makers recruited in the summer."),
                HO_PERMANENT_SECRETARY,
                "HO",
                date(2023, 10, 13),
                item=0,
                priority="HO-ASY-LEG",
                updates=(
                    (DONE, illustrative("12 October 2023: all in post and deciding claims.")),
                ),
            ),
            ActionSpec(
                illustrative(
                    "Send the Delivery Unit the August and September figures for legacy claims."
                ),
                HOME_OFFICIAL_OWNER,
                "HO",
                date(2023, 11, 3),
                item=0,
                priority="HO-ASY-LEG",
                owner_user=HOME_OFFICIAL,
                updates=(
                    (
                        IN_PROGRESS,
                        illustrative("13 October 2023: August's figures are being checked."),
                    ),
                ),
            ),
            ActionSpec(
                illustrative(
                    "Bring a plan for the claims that cannot be decided by December to the "
                    "next stocktake."
                ),
                HOME_OFFICIAL_OWNER,
                "HO",
                date(2023, 11, 7),
                item=0,
                priority="HO-ASY-LEG",
                owner_user=HOME_OFFICIAL,
            ),
        ],
    ),
    # Eight weeks on: after the demo's date, so still planned.
    MeetingSpec(
        date=date(2023, 11, 14),
        start_time=time(9, 30),
        place="10 Downing Street",
        items=[
            ItemSpec(
                "Legacy claims decided against the trajectory",
                "Home Secretary",
                30,
                "HO-ASY-LEG",
                "Delivery Unit note on the legacy backlog",
            ),
            ItemSpec(
                "The plan for claims that cannot be decided by December",
                "Director General, UK Visas and Immigration",
                20,
                "HO-ASY-LEG",
                "Home Office plan",
            ),
            ItemSpec("Actions and next stocktake", "Prime Minister", 5),
        ],
    ),
]

FORUMS = [
    ForumSpec(
        name=ASYLUM_FORUM,
        kind=ForumKind.STOCKTAKE,
        chair="Prime Minister",
        terms_of_reference=ASYLUM_TERMS,
        cycle_weeks=6,
        priorities=ASYLUM_CODES,
        members=ASYLUM_MEMBERS,
        meetings=ASYLUM_MEETINGS,
    ),
    ForumSpec(
        name=TASK_FORCE,
        kind=ForumKind.TASK_FORCE,
        chair="Minister for the Cabinet Office",
        terms_of_reference=TASK_FORCE_TERMS,
        cycle_weeks=6,
        priorities=(TASK_FORCE_PRIORITY,),
        members=TASK_FORCE_MEMBERS,
        meetings=TASK_FORCE_MEETINGS,
    ),
    ForumSpec(
        name=HEALTH_FORUM,
        kind=ForumKind.STOCKTAKE,
        chair="Prime Minister",
        terms_of_reference=HEALTH_TERMS,
        cycle_weeks=12,
        priorities=("DH-AE-4H", "DH-RTT-18W"),
        members=HEALTH_MEMBERS,
        meetings=HEALTH_MEETINGS,
    ),
    ForumSpec(
        name=BACKLOG_FORUM,
        kind=ForumKind.STOCKTAKE,
        chair="Prime Minister",
        terms_of_reference=BACKLOG_TERMS,
        cycle_weeks=8,
        priorities=("HO-ASY-LEG",),
        members=BACKLOG_MEMBERS,
        meetings=BACKLOG_MEETINGS,
    ),
]


@transaction.atomic
def load_stocktakes(by: Any = access.SYSTEM) -> None:
    """Create the demo forums and meetings if missing. Safe to run any number of times."""
    departments = {d.code: d for d in Department.objects.all()}
    _task_force_priority(departments, by)
    for spec in FORUMS:
        priorities = sorted(
            Priority.objects.filter(code__in=spec.priorities), key=selectors.code_key
        )
        forum = _forum(
            by,
            name=spec.name,
            kind=spec.kind,
            chair=spec.chair,
            terms_of_reference=spec.terms_of_reference,
            cycle_weeks=spec.cycle_weeks,
            priorities=priorities,
        )
        _members(forum, spec.members, departments, by)
        held_on = set(forum.meetings.values_list("date", flat=True))
        by_code = {p.code: p for p in priorities}
        for meeting in spec.meetings:
            if meeting.date not in held_on:
                _meeting(forum, meeting, by_code, departments, by)


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


def _meeting(
    forum: Forum,
    spec: MeetingSpec,
    priorities: dict[str, Priority],
    departments: dict[str, Department],
    by: Any,
) -> Meeting:
    """One meeting, taken as far through its cycle as the spec says, in the order it happened:
    agenda; then, for a held meeting, the pack, attendance, actions, minutes issued, and what
    happened to the actions afterwards (so the next meeting's pack shows them as they stood)."""
    meeting = services.meeting_schedule(
        forum=forum, by=by, date=spec.date, start_time=spec.start_time, place=spec.place
    )
    items = [
        services.agenda_item_add(
            meeting=meeting,
            by=by,
            title=item.title,
            lead=item.lead,
            minutes_allowed=item.minutes_allowed,
            priority=priorities.get(item.priority) if item.priority else None,
            paper=item.paper,
        )
        for item in spec.items
    ]
    if not spec.held:
        return meeting
    services.pack_issue(meeting=meeting, by=by, expected_version=None)
    meeting = services.meeting_mark_held(meeting=meeting, by=by, expected_version=None)
    services.attendance_record(
        meeting=meeting,
        by=by,
        answers={a.pk: (a.role not in spec.apologies, None) for a in meeting.attendees.all()},
    )
    users = {u.username: u for u in User.objects.filter(username__in=_owners(spec))}
    actions = [
        (
            action,
            services.action_create(
                by=by,
                description=action.description,
                owner=action.owner,
                owner_user=users.get(action.owner_user) if action.owner_user else None,
                department=departments[action.department],
                due=action.due,
                meeting=meeting,
                agenda_item=items[action.item],
                priority=priorities.get(action.priority) if action.priority else None,
            ),
        )
        for action in spec.actions
    ]
    services.minutes_save(
        meeting=meeting,
        by=by,
        expected_version=None,
        summary=spec.summary,
        distribution=spec.distribution,
        items={
            stored.pk: (item.record, item.decisions)
            for item, stored in zip(spec.items, items, strict=True)
            if item.record or item.decisions
        },
    )
    services.minutes_issue(meeting=meeting, by=by, expected_version=None)
    for action_spec, action in actions:
        for status, note in action_spec.updates:
            action = services.action_update_status(
                action=action, by=by, expected_version=None, status=status, note=note
            )
    return meeting


def _owners(spec: MeetingSpec) -> set[str]:
    return {a.owner_user for a in spec.actions if a.owner_user}


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
            # Ended in 2020: a past era as at the demo's date.
            active=False,
        )
    elif priority.active:
        priority = priority_services.priority_update(
            priority=priority, by=by, expected_version=None, active=False
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
            source=TASK_FORCE_FIGURES,
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
                    period=period, value=value, source="Illustrative", note=TASK_FORCE_FIGURES
                ),
            )
    return priority
