"""The demo portfolio: real series (A&E four hours, RTT 18 weeks, asylum applications), the
seed's London schools example and a current Home Office pledge with illustrative figures, with
their trajectories and milestones.

The priorities of past eras (asylum 2002-2005, London schools 2003-2006) ended long before the
demo's "as at" date (deliveryunit.demo.AS_AT, 31 October 2023), so they are inactive: kept with
their data, off dashboards and out of the open round. Milestones carry their status as known on
that date. See deliveryunit.demo for how the demo treats its eras.

Figures live in demo_data/ in the project's own CSV format (period, value, status, source,
data_as_at, note). They were taken once from the public series described in
../shared/data/real/README.md; the loader never reads that folder.

Loading is idempotent: existing rows are matched (priority by code, measure by priority and
name, trajectory by version number, actual by period, milestone by priority and title), and a
service is called only where something differs, so a second load writes nothing and records no
history. Every write goes through priorities.services, as the system (access.SYSTEM).

Dates the sources give only to the month are stored as the first of that month.
"""

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from django.db import transaction

from deliveryunit import access
from deliveryunit.models import Department

from . import periods, services
from .models import (
    Actual,
    Direction,
    Frequency,
    IndicatorType,
    Measure,
    Milestone,
    MilestoneStatus,
    Priority,
    PriorityKind,
)

DATA_DIR = Path(__file__).resolve().parent / "demo_data"

PERCENT = Decimal("0.01")
WHOLE = Decimal("1")


@dataclass(frozen=True)
class TrajectorySpec:
    label: str
    agreed_on: date
    reason: str
    # (period label, value) anchors joined by straight lines, one point per period. A value of
    # None starts from the measure's actual for that period (the position when it was agreed).
    anchors: list[tuple[str, Decimal | None]]
    places: Decimal


@dataclass(frozen=True)
class MeasureSpec:
    name: str
    unit: str
    direction: str
    frequency: str
    data_file: str
    source: str
    # Later versions of some figures, in the same format: each is recorded after the figure it
    # revises, so the history keeps the figure as first published with its own "data as at".
    revisions_file: str = ""
    # For a figure taken from a later consolidated file: how many months after its period the
    # publisher first released it (on the second Thursday of that month), so a snapshot as at
    # an earlier date still counts it as known from its first release (0: the file's date).
    released_months_after: int = 0
    indicator_type: str = IndicatorType.OUTCOME
    target_value: Decimal | None = None
    target_date: date | None = None
    tolerance: Decimal = Decimal("0")
    trajectories: list[TrajectorySpec] = field(default_factory=list)


@dataclass(frozen=True)
class MilestoneSpec:
    title: str
    due: date
    owner: str
    status: str


@dataclass(frozen=True)
class PrioritySpec:
    code: str
    title: str
    target_statement: str
    lead: str
    senior_responsible_owner: str
    minister: str
    kind: str
    start: date
    deadline: date
    chain: tuple[str, ...] = ()
    parent: str | None = None
    active: bool = True
    measures: list[MeasureSpec] = field(default_factory=list)
    milestones: list[MilestoneSpec] = field(default_factory=list)


# --- A&E four hours -----------------------------------------------------------------------

AE = PrioritySpec(
    code="DH-AE-4H",
    title="Cut waiting times in A&E",
    target_statement=(
        "Patients who come to A&E are admitted, transferred or discharged within four hours of "
        "arriving. The standard was 98% of patients from 2004 and became a 95% operational "
        "standard in 2010; the recovery plan set interim levels of 76% by March 2024 and 78% by "
        "March 2025."
    ),
    lead="DH",
    senior_responsible_owner="National Director for Urgent and Emergency Care, NHS England",
    minister="Secretary of State for Health and Social Care",
    kind=PriorityKind.OPERATIONAL,
    start=date(2004, 1, 1),
    deadline=date(2025, 3, 31),
    measures=[
        MeasureSpec(
            name="A&E attendances seen within four hours, England (all types)",
            unit="%",
            direction=Direction.HIGHER,
            frequency=Frequency.MONTHLY,
            data_file="ae_4hr_england.csv",
            released_months_after=1,
            source=(
                "NHS England, A&E Attendances and Emergency Admissions, monthly time series "
                "(September 2023 edition, published 12 October 2023): England, all A&E types, "
                "share of attendances admitted, transferred or discharged within four hours. "
                "November 2010 to May 2015 are NHS England estimates apportioned from weekly "
                "data. The series starts in November 2010, so the years of the 98% standard "
                "(2004 to 2010) have no monthly figures here. Each month's figure counts as known "
                "from its first monthly release, on the second Thursday of the following month."
            ),
            target_value=Decimal("78"),
            target_date=date(2025, 3, 1),
            tolerance=Decimal("1"),
            trajectories=[
                TrajectorySpec(
                    label="95% operational standard",
                    agreed_on=date(2010, 6, 1),
                    reason="",
                    anchors=[("2010-06", Decimal("95")), ("2025-03", Decimal("95"))],
                    places=PERCENT,
                ),
                TrajectorySpec(
                    label="Recovery plan: 76% by March 2024, 78% by March 2025",
                    agreed_on=date(2023, 1, 30),
                    reason=(
                        "Urgent and emergency care recovery plan: performance had fallen far "
                        "below 95%, so the trajectory now climbs from the January 2023 level "
                        "to interim levels of 76% by March 2024 and 78% by March 2025."
                    ),
                    anchors=[
                        ("2023-01", None),
                        ("2024-03", Decimal("76")),
                        ("2025-03", Decimal("78")),
                    ],
                    places=PERCENT,
                ),
            ],
        )
    ],
    milestones=[
        MilestoneSpec(
            "98% four-hour standard in force", date(2004, 1, 1), "Department of Health", "achieved"
        ),
        MilestoneSpec(
            "Standard relaxed to 95% as an operational standard",
            date(2010, 6, 1),
            "Department of Health",
            "achieved",
        ),
        MilestoneSpec(
            "Urgent and emergency care recovery plan published",
            date(2023, 1, 30),
            "NHS England",
            "achieved",
        ),
        # Still ahead on the demo's "as at" date (the outturn, 74.2% in March 2024 and 75.0% in
        # March 2025, came later).
        MilestoneSpec("Interim level of 76% reached", date(2024, 3, 31), "NHS England", "planned"),
        MilestoneSpec("Interim level of 78% reached", date(2025, 3, 31), "NHS England", "planned"),
    ],
)

# --- RTT 18 weeks ------------------------------------------------------------------------

RTT_SOURCE = (
    "NHS England, Referral to Treatment (RTT) waiting times, overview time series to October "
    "2022: England, incomplete pathways (patients still waiting to start consultant-led "
    "treatment). Each month's figure counts as known from its first monthly release, on the "
    "second Thursday of the second month after. "
)
ELECTIVE_PLAN = date(2022, 2, 8)

RTT = PrioritySpec(
    code="DH-RTT-18W",
    title="Cut waiting times for planned hospital treatment",
    target_statement=(
        "92% of patients waiting to start consultant-led treatment have waited less than 18 "
        "weeks, the NHS Constitution standard; and the longest waits are ended: no one waiting "
        "over 104 weeks by July 2022, 78 weeks by April 2023, 65 weeks by March 2024 and 52 "
        "weeks by March 2025."
    ),
    lead="DH",
    senior_responsible_owner="National Director for Elective Recovery, NHS England",
    minister="Minister of State for Health",
    kind=PriorityKind.OPERATIONAL,
    start=date(2012, 4, 1),
    deadline=date(2025, 3, 31),
    measures=[
        MeasureSpec(
            name="Incomplete pathways within 18 weeks, England",
            unit="%",
            direction=Direction.HIGHER,
            frequency=Frequency.MONTHLY,
            data_file="rtt_incomplete_18wk_england.csv",
            released_months_after=2,
            source=RTT_SOURCE
            + "Share of patients waiting who had waited under 18 weeks, excluding estimates "
            "for trusts that did not report. Monthly from August 2007.",
            target_value=Decimal("92"),
            target_date=date(2025, 3, 1),
            tolerance=Decimal("1"),
            trajectories=[
                TrajectorySpec(
                    label="92% standard for incomplete pathways",
                    agreed_on=date(2012, 4, 1),
                    reason="",
                    anchors=[("2012-04", Decimal("92")), ("2025-03", Decimal("92"))],
                    places=PERCENT,
                )
            ],
        ),
        MeasureSpec(
            name="Patients waiting over 104 weeks, England",
            unit="patients",
            direction=Direction.LOWER,
            frequency=Frequency.MONTHLY,
            data_file="rtt_incomplete_over_104wk_england.csv",
            released_months_after=2,
            source=RTT_SOURCE
            + "Number waiting over 104 weeks, including NHS England estimates for trusts that "
            "did not report. Published from April 2021.",
            target_value=Decimal("0"),
            target_date=date(2022, 7, 1),
            tolerance=Decimal("500"),
            trajectories=[
                TrajectorySpec(
                    label="Elective recovery plan: none over 104 weeks by July 2022",
                    agreed_on=ELECTIVE_PLAN,
                    reason="",
                    # The plan set the end point only: a straight line from the position when
                    # it was published is the demo's profile.
                    anchors=[("2022-02", None), ("2022-07", Decimal("0"))],
                    places=WHOLE,
                )
            ],
        ),
        MeasureSpec(
            name="Patients waiting over 78 weeks, England",
            unit="patients",
            direction=Direction.LOWER,
            frequency=Frequency.MONTHLY,
            data_file="rtt_incomplete_over_78wk_england.csv",
            released_months_after=2,
            source=RTT_SOURCE
            + "Number waiting over 78 weeks, including NHS England estimates for trusts that "
            "did not report. Published from April 2021.",
            target_value=Decimal("0"),
            target_date=date(2023, 4, 1),
            tolerance=Decimal("2000"),
            trajectories=[
                TrajectorySpec(
                    label="Elective recovery plan: none over 78 weeks by April 2023",
                    agreed_on=ELECTIVE_PLAN,
                    reason="",
                    anchors=[("2022-02", None), ("2023-04", Decimal("0"))],
                    places=WHOLE,
                )
            ],
        ),
    ],
    milestones=[
        MilestoneSpec("Elective recovery plan published", ELECTIVE_PLAN, "NHS England", "achieved"),
    ],
)

# --- PSA 7: asylum ------------------------------------------------------------------------
# The hierarchy follows the seed's delivery assessment table: one top-level priority and its six
# sub-targets. The applications measures sit on "Reducing significantly unfounded asylum
# claims", because intake is what that sub-target (and the Prime Minister's pledge) is about;
# the top priority is judged from its sub-targets rather than from one series.

HOME_SECRETARY = "Home Secretary"
IMMIGRATION_MINISTER = "Minister of State for Immigration"
PSA7_START = date(2002, 7, 1)
PSA7_END = date(2005, 12, 31)
PLEDGE = date(2003, 2, 7)

ASYLUM_SOURCE = (
    "Home Office asylum statistics: applications from principal applicants (excluding "
    "dependants), as first published and therefore provisional; later revisions are noted "
    "against each figure. Collected from Hansard written answers and press reports of Home "
    "Office releases. "
)

PSA7 = PrioritySpec(
    code="PSA 7",
    title="Ensure effective asylum process",
    target_statement=(
        "By 2005, concentrate the asylum system on people genuinely fleeing persecution: make "
        "decisions quickly and well, and substantially cut the number of unfounded claims."
    ),
    lead="HO",
    # Cutting the pull of unfounded claims relied on checks on access to work and benefits.
    chain=("DWP",),
    senior_responsible_owner="Director General, Immigration and Nationality Directorate",
    minister=HOME_SECRETARY,
    kind=PriorityKind.PSA,
    start=PSA7_START,
    deadline=PSA7_END,
    # Ended in 2005: a past era as at the demo's date.
    active=False,
)

PSA7_SUBS = [
    PrioritySpec(
        code="PSA 7.1",
        title="Reducing significantly unfounded asylum claims",
        target_statement=(
            "Substantially fewer claims without foundation; in February 2003 the Prime Minister "
            "pledged to halve monthly applications from the October 2002 level by September "
            "2003."
        ),
        lead="HO",
        chain=("DWP",),
        parent="PSA 7",
        senior_responsible_owner="Director, Asylum Policy, Immigration and Nationality Directorate",
        minister=IMMIGRATION_MINISTER,
        kind=PriorityKind.PSA,
        start=PSA7_START,
        deadline=PSA7_END,
        active=False,
        measures=[
            MeasureSpec(
                name="Asylum applications per month (principal applicants)",
                unit="applications",
                direction=Direction.LOWER,
                frequency=Frequency.MONTHLY,
                data_file="asylum_applications_monthly.csv",
                source=ASYLUM_SOURCE
                + "Only six months are available: February and March 2000, October 2002 (the "
                "pledge's baseline), February, March and September 2003.",
                target_value=Decimal("4385"),
                target_date=date(2003, 9, 1),
                tolerance=Decimal("200"),
                trajectories=[
                    TrajectorySpec(
                        label="Prime Minister's pledge: halve monthly applications by September "
                        "2003",
                        agreed_on=PLEDGE,
                        reason="",
                        anchors=[("2002-10", Decimal("8770")), ("2003-09", Decimal("4385"))],
                        places=WHOLE,
                    )
                ],
            ),
            MeasureSpec(
                name="Asylum applications per quarter (principal applicants)",
                unit="applications",
                direction=Direction.LOWER,
                frequency=Frequency.QUARTERLY,
                data_file="asylum_applications_quarterly.csv",
                revisions_file="asylum_applications_quarterly_revisions.csv",
                source=ASYLUM_SOURCE
                + "Quarterly from 1997 Q4 to 2005 Q1; 2003 Q4 to 2004 Q2 are missing.",
            ),
        ],
        milestones=[
            MilestoneSpec(
                "Non-suspensive appeals in force for claims from designated safe countries",
                date(2002, 11, 7),
                "Director, Asylum Policy",
                "achieved",
            ),
            MilestoneSpec(
                "Prime Minister's pledge to halve monthly applications announced",
                PLEDGE,
                "Prime Minister's Office",
                "achieved",
            ),
            MilestoneSpec(
                "List of designated safe countries extended",
                date(2003, 4, 1),
                "Director, Asylum Policy",
                "achieved",
            ),
            MilestoneSpec(
                "Monthly applications at or below 4,385 (half the October 2002 level)",
                date(2003, 9, 30),
                "Director General, Immigration and Nationality Directorate",
                "achieved",
            ),
        ],
    ),
    PrioritySpec(
        code="PSA 7.2",
        title="Fast turnaround of manifestly unfounded cases",
        target_statement=(
            "Claims that are clearly unfounded are decided, and any appeal heard, quickly: fast-"
            "track processing with appeals heard from abroad where the law allows."
        ),
        lead="HO",
        parent="PSA 7",
        senior_responsible_owner="Director, Asylum Casework, Immigration and Nationality "
        "Directorate",
        minister=IMMIGRATION_MINISTER,
        kind=PriorityKind.PSA,
        start=PSA7_START,
        deadline=PSA7_END,
        active=False,
    ),
    PrioritySpec(
        code="PSA 7.3",
        title="By 2004 75% of substantive asylum applications are decided within 2 months",
        target_statement=(
            "Three in every four substantive applications receive an initial decision within "
            "two months of being made, by 2004."
        ),
        lead="HO",
        parent="PSA 7",
        senior_responsible_owner="Director, Asylum Casework, Immigration and Nationality "
        "Directorate",
        minister=IMMIGRATION_MINISTER,
        kind=PriorityKind.PSA,
        start=PSA7_START,
        deadline=date(2004, 12, 31),
        active=False,
    ),
    PrioritySpec(
        code="PSA 7.4",
        title="By 2004 a proportion (tba) of substantive asylum applications including final "
        "appeal, are decided within 6 months",
        target_statement=(
            "A share of substantive applications, still to be set, is settled within six months "
            "including any final appeal, by 2004."
        ),
        lead="HO",
        parent="PSA 7",
        senior_responsible_owner="Director, Appeals, Immigration and Nationality Directorate",
        minister=IMMIGRATION_MINISTER,
        kind=PriorityKind.PSA,
        start=PSA7_START,
        deadline=date(2004, 12, 31),
        active=False,
    ),
    PrioritySpec(
        code="PSA 7.5",
        title="Taking high quality decisions",
        target_statement="Initial decisions are sound and stand up when appealed.",
        lead="HO",
        parent="PSA 7",
        senior_responsible_owner="Director, Asylum Casework, Immigration and Nationality "
        "Directorate",
        minister=IMMIGRATION_MINISTER,
        kind=PriorityKind.PSA,
        start=PSA7_START,
        deadline=PSA7_END,
        active=False,
    ),
    PrioritySpec(
        code="PSA 7.6",
        title="Remove a greater proportion of failed asylum seekers",
        target_statement=(
            "More of the people whose claims have finally failed leave the UK, by removal or "
            "voluntary return."
        ),
        lead="HO",
        parent="PSA 7",
        senior_responsible_owner="Director, Enforcement and Removals, Immigration and "
        "Nationality Directorate",
        minister=IMMIGRATION_MINISTER,
        kind=PriorityKind.PSA,
        start=PSA7_START,
        deadline=PSA7_END,
        active=False,
    ),
]

# --- the legacy asylum backlog (current, illustrative figures) -----------------------------
# The pledge is public; the monthly figures are made up for the demo. It gives the Home Office a
# priority in the current era, with data its official submits.

BACKLOG_SOURCE = (
    "Illustrative figures made up for the demo, not published statistics: they show how a "
    "department's monthly figures are tracked against a pledge. The pledge (13 December 2022) "
    "is public."
)

BACKLOG = PrioritySpec(
    code="HO-ASY-LEG",
    title="Clear the backlog of legacy asylum claims",
    target_statement=(
        "Every asylum claim made before 28 June 2022 (the legacy backlog) has an initial "
        "decision by the end of 2023, as the Prime Minister pledged on 13 December 2022."
    ),
    lead="HO",
    senior_responsible_owner="Director General, UK Visas and Immigration",
    minister=HOME_SECRETARY,
    kind=PriorityKind.OPERATIONAL,
    start=date(2022, 12, 13),
    deadline=date(2023, 12, 31),
    measures=[
        MeasureSpec(
            name="Legacy asylum claims awaiting an initial decision (illustrative)",
            unit="claims",
            direction=Direction.LOWER,
            frequency=Frequency.MONTHLY,
            data_file="asylum_legacy_backlog.csv",
            source=BACKLOG_SOURCE,
            target_value=Decimal("0"),
            target_date=date(2023, 12, 1),
            tolerance=Decimal("2000"),
            trajectories=[
                TrajectorySpec(
                    label="Pledge: every legacy claim decided by December 2023",
                    agreed_on=date(2022, 12, 13),
                    reason="",
                    anchors=[("2022-12", None), ("2023-12", Decimal("0"))],
                    places=WHOLE,
                )
            ],
        )
    ],
    milestones=[
        MilestoneSpec(
            "Prime Minister's pledge to clear the legacy backlog by the end of 2023",
            date(2022, 12, 13),
            "Prime Minister's Office",
            "achieved",
        ),
        MilestoneSpec(
            "Every legacy claim has an initial decision",
            date(2023, 12, 31),
            "Director General, UK Visas and Immigration",
            "planned",
        ),
    ],
)

# --- London schools -----------------------------------------------------------------------

LONDON = PrioritySpec(
    code="DfE-LON-1",
    title="Improve the performance of London schools",
    target_statement=(
        "Close the gap for 60 London schools that were 17.5 percentage points behind, at least "
        "halving it within three years, with support packages built for each school by expert "
        "practitioners, most of them serving head teachers."
    ),
    lead="DfE",
    # The schools were identified jointly with the Prime Minister's Delivery Unit.
    chain=("CO",),
    senior_responsible_owner="Chief Adviser for London Schools",
    minister="Minister of State for School Standards",
    kind=PriorityKind.STRATEGIC,
    start=date(2003, 1, 1),
    deadline=date(2006, 12, 31),
    active=False,
    measures=[
        MeasureSpec(
            name="Performance gap of the 60 schools",
            unit="percentage points",
            direction=Direction.LOWER,
            frequency=Frequency.ANNUAL,
            data_file="london_schools_gap.csv",
            source=(
                "Illustrative series. The PMDU account gives only the starting gap (17.5 "
                "percentage points) and the outcome (more than halved in three years); the "
                "years and the figures in between are illustrative, not published statistics."
            ),
            target_value=Decimal("8.75"),
            target_date=date(2006, 1, 1),
            tolerance=Decimal("1"),
            trajectories=[
                TrajectorySpec(
                    label="Halve the gap in three years",
                    agreed_on=date(2003, 1, 1),
                    reason="",
                    anchors=[("2003", Decimal("17.5")), ("2006", Decimal("8.75"))],
                    places=PERCENT,
                )
            ],
        )
    ],
    milestones=[
        MilestoneSpec(
            "Gap at least halved, to 8.75 points or less (illustrative date)",
            date(2006, 12, 31),
            "Chief Adviser for London Schools",
            "achieved",
        ),
    ],
)

PORTFOLIO = [AE, RTT, BACKLOG, PSA7, *PSA7_SUBS, LONDON]

PRIORITY_FIELDS = (
    "title",
    "target_statement",
    "senior_responsible_owner",
    "minister",
    "kind",
    "start",
    "deadline",
    "active",
)
MEASURE_FIELDS = (
    "unit",
    "direction",
    "frequency",
    "indicator_type",
    "source",
    "target_value",
    "target_date",
    "tolerance",
)


# --- loading ------------------------------------------------------------------------------


@transaction.atomic
def load_priorities(by: Any = access.SYSTEM) -> None:
    """Create or bring up to date the demo portfolio. Safe to run any number of times."""
    departments = {d.code: d for d in Department.objects.all()}
    existing = {p.code: p for p in Priority.objects.prefetch_related("delivery_chain")}
    for spec in PORTFOLIO:
        priority = _priority(spec, departments, existing, by)
        existing[spec.code] = priority
        measures = {m.name: m for m in priority.measures.all()}
        for measure_spec in spec.measures:
            measure = _measure(priority, measure_spec, measures.get(measure_spec.name), by)
            figures = read_actuals(
                measure_spec.data_file, measure.frequency, measure_spec.released_months_after
            )
            revisions = (
                read_actuals(measure_spec.revisions_file, measure.frequency)
                if measure_spec.revisions_file
                else []
            )
            _trajectories(measure, measure_spec, figures, by)
            _actuals(measure, figures, by, revisions)
        _milestones(priority, spec.milestones, by)


def _differs(current: Any, wanted: Any) -> bool:
    if isinstance(wanted, Decimal) and current is not None:
        return Decimal(current) != wanted
    return current != wanted


def _priority(
    spec: PrioritySpec, departments: dict[str, Department], existing: dict[str, Priority], by: Any
) -> Priority:
    fields: dict[str, Any] = {name: getattr(spec, name) for name in PRIORITY_FIELDS}
    fields["lead_department"] = departments[spec.lead]
    fields["parent"] = existing[spec.parent] if spec.parent else None
    chain = [departments[code] for code in spec.chain]
    priority = existing.get(spec.code)
    if priority is None:
        return services.priority_create(by=by, code=spec.code, delivery_chain=chain, **fields)
    changed = {
        name: value
        for name, value in fields.items()
        if (
            getattr(priority, f"{name}_id") != (value.pk if value else None)
            if name in ("lead_department", "parent")
            else _differs(getattr(priority, name), value)
        )
    }
    chain_changed = {d.pk for d in priority.delivery_chain.all()} != {d.pk for d in chain}
    if changed or chain_changed:
        priority = services.priority_update(
            priority=priority,
            by=by,
            expected_version=None,
            delivery_chain=chain if chain_changed else None,
            **changed,
        )
    return priority


def _measure(priority: Priority, spec: MeasureSpec, measure: Measure | None, by: Any) -> Measure:
    fields = {name: getattr(spec, name) for name in MEASURE_FIELDS}
    if measure is None:
        return services.measure_create(priority=priority, by=by, name=spec.name, **fields)
    changed = {
        name: value for name, value in fields.items() if _differs(getattr(measure, name), value)
    }
    if changed:
        measure = services.measure_update(measure=measure, by=by, expected_version=None, **changed)
    return measure


def trajectory_points(
    spec: TrajectorySpec, frequency: str, figures: list[services.ActualData]
) -> list[tuple[date, Decimal]]:
    """One point per period along straight lines between the anchors, rounded to the spec's
    places (the anchors themselves are kept exactly)."""
    actual = {data.period: data.value for data in figures}
    anchors = []
    for label, value in spec.anchors:
        period = periods.parse(label, frequency)
        anchors.append((period, actual[period] if value is None else value))
    points = [(anchors[0][0], anchors[0][1])]
    for (start, start_value), (end, end_value) in pairwise(anchors):
        steps = 0
        while periods.step(start, frequency, steps) < end:
            steps += 1
        for i in range(1, steps + 1):
            value = start_value + (end_value - start_value) * i / steps
            places = spec.places if i < steps else Decimal("0.0001")
            points.append(
                (periods.step(start, frequency, i), value.quantize(places, ROUND_HALF_UP))
            )
    return points


def _trajectories(
    measure: Measure, spec: MeasureSpec, figures: list[services.ActualData], by: Any
) -> None:
    # Versions are never edited once agreed, so an existing version number is left as it is.
    have = set(measure.trajectories.values_list("number", flat=True))
    for number, trajectory in enumerate(spec.trajectories, start=1):
        if number in have:
            continue
        services.trajectory_create(
            measure=measure,
            by=by,
            label=trajectory.label,
            agreed_on=trajectory.agreed_on,
            reason=trajectory.reason,
            points=trajectory_points(trajectory, measure.frequency, figures),
        )


def second_thursday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 7)


def first_release(period: date, months_after: int) -> date:
    """The day a monthly figure was first released: the second Thursday of the month
    `months_after` months after its period (NHS England's monthly statistics calendar)."""
    index = period.year * 12 + period.month - 1 + months_after
    return second_thursday(index // 12, index % 12 + 1)


def read_actuals(
    data_file: str, frequency: str, released_months_after: int = 0
) -> list[services.ActualData]:
    """The figures in one demo data file, in the project's own CSV format. With
    `released_months_after`, each figure's "data as at" is its first release, where that came
    before the file it was taken from."""
    figures = []
    with open(DATA_DIR / data_file, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            period = periods.parse(row["period"], frequency)
            as_at = date.fromisoformat(row["data_as_at"]) if row["data_as_at"] else None
            if released_months_after and as_at is not None:
                as_at = min(as_at, first_release(period, released_months_after))
            figures.append(
                services.ActualData(
                    period=period,
                    value=Decimal(row["value"]),
                    status=row["status"],
                    source=row["source"],
                    data_as_at=as_at,
                    note=row["note"],
                )
            )
    return figures


def _actuals(
    measure: Measure,
    figures: list[services.ActualData],
    by: Any,
    revisions: list[services.ActualData] | None = None,
) -> None:
    """Record each figure, then its revisions in turn, unless what is stored is already the
    last of them (so a second load writes nothing)."""
    stored = {a.period: a for a in Actual.objects.filter(measure=measure)}
    later: dict[date, list[services.ActualData]] = {}
    for revision in sorted(revisions or [], key=lambda r: r.data_as_at or date.min):
        later.setdefault(revision.period, []).append(revision)
    for data in figures:
        versions = [data, *later.get(data.period, [])]
        actual = stored.get(data.period)
        if actual is not None:
            same = [not _actual_differs(actual, version) for version in versions]
            if same[-1]:
                continue
            # Go on from the version that is stored, or else put the latest one in.
            versions = versions[same.index(True) + 1 :] if True in same else versions[-1:]
        for version in versions:
            services.actual_record(measure=measure, by=by, data=version)


def _actual_differs(actual: Actual, data: services.ActualData) -> bool:
    return any(
        _differs(getattr(actual, name), getattr(data, name)) for name in services.RECORDED_FIELDS
    )


def _milestones(priority: Priority, specs: list[MilestoneSpec], by: Any) -> None:
    stored = {m.title: m for m in Milestone.objects.filter(priority=priority)}
    for spec in specs:
        fields = {"due": spec.due, "owner": spec.owner, "status": MilestoneStatus(spec.status)}
        milestone = stored.get(spec.title)
        if milestone is None:
            services.milestone_create(priority=priority, by=by, title=spec.title, **fields)
            continue
        changed = {name: v for name, v in fields.items() if getattr(milestone, name) != v}
        if changed:
            services.milestone_update(milestone=milestone, by=by, expected_version=None, **changed)
