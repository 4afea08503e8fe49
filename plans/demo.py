"""The demo Single Departmental Plans, 2015 to 2020: the Home Office, the Department of Health
and the Department for Work and Pensions, with a register of manifesto commitments.

- The commitments paraphrase the 2015 Conservative manifesto. No page numbers are given: they
  have not been checked against the printed document, and each says so. One Home Office
  commitment is left uncovered on purpose, so the coverage check has something to find.
- The Department of Health's operational objectives carry the existing A&E and waiting-list
  priorities and their measures, whose figures are real NHS England statistics; those measures
  are public, so the public progress pages show real figures against the standards.
- The Department for Work and Pensions' strategic objectives are the Earn or Learn task force's
  three (two million jobs, three million apprenticeships, every young person earning or
  learning). None of the real series the demo carries fits them: their measures are marked
  illustrative, say where real figures would come from, and only the one with figures (the
  task force's illustrative lead indicator) is shown publicly, labelled as illustrative.
- Each plan has a published version 1 with an implementation timetable; the Home Office has an
  agreed quarterly return and a note, the Department of Health a submitted return waiting for
  the unit and a draft refresh (version 2).

Loading is idempotent: commitments are matched by reference and a plan is built only when the
department has none for 2015 to 2020. Every write goes through the services, attributed to the
system. Run after the portfolio and the stocktakes demo (which makes the task force and its
priority).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from deliveryunit.models import Department
from priorities import services as priority_services
from priorities.models import Direction, Frequency, IndicatorType, Measure, Priority
from stocktakes.models import Forum

from . import services
from .models import DepartmentalPlan, ObjectiveGroup, Rag, TimetableKind

PERIOD = (2015, 2020)
MANIFESTO = "Conservative Party Manifesto 2015"
UNCHECKED_PAGE = (
    "Wording paraphrased from the manifesto; no page given because it has not been checked "
    "against the printed document."
)
# The first Single Departmental Plans were published in February 2016.
PUBLISHED_AT = datetime(2016, 2, 19, 9, 30, tzinfo=UTC)
TASK_FORCE = "Earn or Learn task force"
TASK_FORCE_PRIORITY = "TF-EOL-1"
EARN_OR_LEARN_MEASURE = "Young people neither earning nor learning (illustrative)"


@dataclass(frozen=True)
class CommitmentSpec:
    reference: str
    text: str
    departments: tuple[str, ...]


COMMITMENTS = [
    CommitmentSpec(
        "C15-HO-1",
        "Reduce net migration from the hundreds of thousands to the tens of thousands.",
        ("HO",),
    ),
    # No objective in the demo covers this one: the coverage check finds it.
    CommitmentSpec(
        "C15-HO-2",
        "Introduce new Banning Orders for extremist organisations that seek to undermine "
        "democracy or use hate speech in public places.",
        ("HO",),
    ),
    CommitmentSpec(
        "C15-DH-1",
        "A truly seven-day NHS: everyone able to see a GP and receive the hospital care they "
        "need seven days a week by 2020.",
        ("DH",),
    ),
    CommitmentSpec(
        "C15-DH-2",
        "Increase NHS spending in England by at least £8 billion above inflation by 2020 to "
        "fund the NHS's own plan, the Five Year Forward View.",
        ("DH",),
    ),
    CommitmentSpec("C15-DWP-1", "Help businesses create two million more jobs.", ("DWP",)),
    CommitmentSpec(
        "C15-DWP-2", "Deliver three million new apprenticeships in this Parliament.", ("DWP", "DfE")
    ),
    CommitmentSpec(
        "C15-DWP-3",
        "Young people aged 18 to 21 earn or learn: replace Jobseeker's Allowance for them with "
        "a Youth Allowance time-limited to six months, after which they take an apprenticeship, "
        "a traineeship or community work.",
        ("DWP",),
    ),
]


@dataclass(frozen=True)
class ItemSpec:
    kind: str
    title: str
    due: date
    owner: str = ""


@dataclass(frozen=True)
class MeasureLinkSpec:
    """A measure found by its priority's code and its name."""

    priority: str
    name: str
    public: bool = False
    illustrative: bool = False
    note: str = ""


@dataclass(frozen=True)
class ObjectiveSpec:
    group: str
    title: str
    target: str
    owner: str
    deadline: date
    commitments: tuple[str, ...] = ()
    priority: str = ""
    measures: tuple[MeasureLinkSpec, ...] = ()
    task_force: bool = False
    timetable: tuple[ItemSpec, ...] = ()


@dataclass(frozen=True)
class PlanSpec:
    department: str
    summary: str
    objectives: list[ObjectiveSpec] = field(default_factory=list)


AE_NOTE = (
    "NHS England, A&E Attendances and Emergency Admissions (monthly; England, all A&E types). "
    "Published statistics."
)
RTT_NOTE = (
    "NHS England, Referral to Treatment waiting times (monthly; England, incomplete "
    "pathways). Published statistics."
)
JOBS_NOTE = (
    "No figures shown yet: real figures would come from the ONS Labour Force Survey "
    "(employment level, seasonally adjusted), counted from May 2015."
)
APPRENTICESHIPS_NOTE = (
    "No figures shown yet: real figures would come from the Department for Education's "
    "apprenticeship starts statistics (FE data library), counted from May 2015."
)
EARN_OR_LEARN_NOTE = (
    "Made up for the demonstration. Real figures would come from the ONS Labour Force "
    "Survey: young people not in education, employment or training (NEET)."
)

HOME_OFFICE = PlanSpec(
    department="HO",
    summary=(
        "How the Home Office will keep the country safe and control immigration in this "
        "Parliament, and how it runs its own business."
    ),
    objectives=[
        ObjectiveSpec(
            group=ObjectiveGroup.STRATEGIC,
            title="Control immigration",
            target="Net migration reduced to the tens of thousands by 2020, measured by the "
            "ONS long-term international migration estimates.",
            owner="Director General, Immigration Enforcement",
            deadline=date(2020, 3, 31),
            commitments=("C15-HO-1",),
            timetable=(
                ItemSpec(
                    TimetableKind.POLICY,
                    "Immigration Bill introduced",
                    date(2015, 9, 30),
                    "Director, Immigration Policy",
                ),
                ItemSpec(
                    TimetableKind.MILESTONE,
                    "Right to rent checks in force across England",
                    date(2016, 2, 1),
                    "Director, Immigration Policy",
                ),
                ItemSpec(
                    TimetableKind.DELIVERABLE,
                    "Employer skills charge introduced",
                    date(2017, 4, 6),
                    "Director, Work Immigration",
                ),
            ),
        ),
        ObjectiveSpec(
            group=ObjectiveGroup.OPERATIONAL,
            title="Process visa applications within the service standards",
            target="Settlement visa applications decided within 12 weeks in every quarter.",
            owner="Director General, UK Visas and Immigration",
            deadline=date(2020, 3, 31),
            timetable=(
                ItemSpec(
                    TimetableKind.PROGRAMME,
                    "Online application for every visa route",
                    date(2018, 3, 31),
                    "Director, Digital Services at the Border",
                ),
            ),
        ),
        ObjectiveSpec(
            group=ObjectiveGroup.CORPORATE,
            title="A smaller, more efficient department",
            target="Administration budget reduced in line with the 2015 Spending Review by "
            "March 2020.",
            owner="Chief Operating Officer",
            deadline=date(2020, 3, 31),
        ),
    ],
)

HEALTH = PlanSpec(
    department="DH",
    summary=(
        "How the Department of Health and the NHS will deliver a seven-day service and meet "
        "the standards patients are promised. The A&E and waiting-list figures are NHS "
        "England's published statistics."
    ),
    objectives=[
        ObjectiveSpec(
            group=ObjectiveGroup.STRATEGIC,
            title="A seven-day NHS",
            target="Everyone able to see a GP and receive the hospital care they need seven days "
            "a week by March 2020, funded by at least £8 billion more a year above inflation.",
            owner="Director General, NHS Group",
            deadline=date(2020, 3, 31),
            commitments=("C15-DH-1", "C15-DH-2"),
            timetable=(
                ItemSpec(
                    TimetableKind.MILESTONE,
                    "Seven-day hospital services standards agreed",
                    date(2016, 3, 31),
                    "NHS England Medical Director",
                ),
                ItemSpec(
                    TimetableKind.DELIVERABLE,
                    "Extended GP access for a quarter of the population",
                    date(2017, 3, 31),
                    "NHS England Director of Primary Care",
                ),
                ItemSpec(
                    TimetableKind.DELIVERABLE,
                    "Extended GP access for everyone",
                    date(2019, 3, 31),
                    "NHS England Director of Primary Care",
                ),
            ),
        ),
        ObjectiveSpec(
            group=ObjectiveGroup.OPERATIONAL,
            title="Patients in A&E seen within four hours",
            target="95% of patients who come to A&E admitted, transferred or discharged within "
            "four hours (the operational standard), every month to March 2020.",
            owner="National Director for Urgent and Emergency Care, NHS England",
            deadline=date(2020, 3, 31),
            priority="DH-AE-4H",
            measures=(
                MeasureLinkSpec(
                    "DH-AE-4H",
                    "A&E attendances seen within four hours, England (all types)",
                    public=True,
                    note=AE_NOTE,
                ),
            ),
        ),
        ObjectiveSpec(
            group=ObjectiveGroup.OPERATIONAL,
            title="Planned hospital treatment within 18 weeks",
            target="92% of patients waiting to start consultant-led treatment have waited less "
            "than 18 weeks (the NHS Constitution standard), every month to March 2020.",
            owner="National Director for Elective Recovery, NHS England",
            deadline=date(2020, 3, 31),
            priority="DH-RTT-18W",
            measures=(
                MeasureLinkSpec(
                    "DH-RTT-18W",
                    "Incomplete pathways within 18 weeks, England",
                    public=True,
                    note=RTT_NOTE,
                ),
            ),
        ),
    ],
)

WORK_AND_PENSIONS = PlanSpec(
    department="DWP",
    summary=(
        "How the Department for Work and Pensions will help people into work. Its strategic "
        "objectives are driven by the Earn or Learn implementation task force; their measures "
        "are illustrative in this demonstration."
    ),
    objectives=[
        ObjectiveSpec(
            group=ObjectiveGroup.STRATEGIC,
            title="Two million more jobs",
            target="Employment two million higher in 2020 than in May 2015.",
            owner="Director General, Work and Welfare",
            deadline=date(2020, 3, 31),
            commitments=("C15-DWP-1",),
            measures=(
                MeasureLinkSpec(
                    TASK_FORCE_PRIORITY,
                    "Jobs created since May 2015 (illustrative)",
                    illustrative=True,
                    note=JOBS_NOTE,
                ),
            ),
            task_force=True,
            timetable=(
                ItemSpec(
                    TimetableKind.PROGRAMME,
                    "Work and Health Programme open across Great Britain",
                    date(2017, 11, 30),
                    "Director, Employment",
                ),
            ),
        ),
        ObjectiveSpec(
            group=ObjectiveGroup.STRATEGIC,
            title="Three million apprenticeships",
            target="Three million apprenticeship starts in England between May 2015 and March "
            "2020.",
            owner="Director, Apprenticeships",
            deadline=date(2020, 3, 31),
            commitments=("C15-DWP-2",),
            measures=(
                MeasureLinkSpec(
                    TASK_FORCE_PRIORITY,
                    "Apprenticeship starts since May 2015 (illustrative)",
                    illustrative=True,
                    note=APPRENTICESHIPS_NOTE,
                ),
            ),
            task_force=True,
            timetable=(
                ItemSpec(
                    TimetableKind.POLICY,
                    "Apprenticeship levy in force",
                    date(2017, 4, 6),
                    "Director, Apprenticeships",
                ),
            ),
        ),
        ObjectiveSpec(
            group=ObjectiveGroup.STRATEGIC,
            title="Every young person earning or learning",
            target="Every young person aged 18 to 21 in work, in education or in training, "
            "with the share neither earning nor learning down to 10% by 2020.",
            owner="Director General, Work and Welfare",
            deadline=date(2020, 3, 31),
            commitments=("C15-DWP-3",),
            priority=TASK_FORCE_PRIORITY,
            measures=(
                MeasureLinkSpec(
                    TASK_FORCE_PRIORITY,
                    EARN_OR_LEARN_MEASURE,
                    public=True,
                    illustrative=True,
                    note=EARN_OR_LEARN_NOTE,
                ),
            ),
            task_force=True,
            timetable=(
                ItemSpec(
                    TimetableKind.POLICY,
                    "Youth Obligation support programme in Jobcentres",
                    date(2017, 4, 30),
                    "Director, Work Services",
                ),
            ),
        ),
    ],
)

PLANS = [HOME_OFFICE, HEALTH, WORK_AND_PENSIONS]

# The Earn or Learn objectives' extra measures: none has figures, only where they would come
# from (see the notes above).
ILLUSTRATIVE_MEASURES = [
    ("Jobs created since May 2015 (illustrative)", "jobs", JOBS_NOTE, Decimal("2000000")),
    (
        "Apprenticeship starts since May 2015 (illustrative)",
        "starts",
        APPRENTICESHIPS_NOTE,
        Decimal("3000000"),
    ),
]


@transaction.atomic
def load_plans(by: Any = None) -> None:
    """Create the demo commitments and plans if missing. Safe to run any number of times."""
    departments = {d.code: d for d in Department.objects.all()}
    commitments = {spec.reference: _commitment(spec, departments, by) for spec in COMMITMENTS}
    _illustrative_measures(by)
    task_force = Forum.objects.filter(name=TASK_FORCE).first()
    for spec in PLANS:
        department = departments[spec.department]
        if DepartmentalPlan.objects.filter(
            department=department, period_start=PERIOD[0], period_end=PERIOD[1]
        ).exists():
            continue
        _plan(spec, department, commitments, task_force, by)


def _commitment(spec: CommitmentSpec, departments: dict[str, Department], by: Any) -> Any:
    from .models import ManifestoCommitment

    found = ManifestoCommitment.objects.filter(reference=spec.reference).first()
    if found is not None:
        return found
    return services.commitment_create(
        by=by,
        departments=[departments[code] for code in spec.departments],
        reference=spec.reference,
        text=spec.text,
        source_document=MANIFESTO,
        provenance=UNCHECKED_PAGE,
    )


def _illustrative_measures(by: Any) -> None:
    priority = Priority.objects.filter(code=TASK_FORCE_PRIORITY).first()
    if priority is None:
        return
    for name, unit, note, target in ILLUSTRATIVE_MEASURES:
        if not priority.measures.filter(name=name).exists():
            priority_services.measure_create(
                priority=priority,
                by=by,
                name=name,
                unit=unit,
                direction=Direction.HIGHER,
                frequency=Frequency.QUARTERLY,
                indicator_type=IndicatorType.OUTCOME,
                source=note,
                target_value=target,
                target_date=date(2020, 3, 31),
            )


def _measure(spec: MeasureLinkSpec) -> Measure | None:
    return Measure.objects.filter(priority__code=spec.priority, name=spec.name).first()


def _plan(
    spec: PlanSpec,
    department: Department,
    commitments: dict[str, Any],
    task_force: Forum | None,
    by: Any,
) -> DepartmentalPlan:
    plan = services.plan_create(
        by=by, department=department, period_start=PERIOD[0], period_end=PERIOD[1]
    )
    version = plan.versions.get()
    version = services.version_update(
        plan_version=version, by=by, expected_version=None, summary=spec.summary
    )
    objectives = []
    for objective_spec in spec.objectives:
        objective = services.objective_create(
            plan_version=version,
            by=by,
            group=objective_spec.group,
            title=objective_spec.title,
            target=objective_spec.target,
            owner=objective_spec.owner,
            deadline=objective_spec.deadline,
            priority=Priority.objects.filter(code=objective_spec.priority).first()
            if objective_spec.priority
            else None,
            commitments=[commitments[ref] for ref in objective_spec.commitments],
            task_forces=[task_force] if objective_spec.task_force and task_force else [],
        )
        for link in objective_spec.measures:
            measure = _measure(link)
            if measure is not None:
                services.objective_measure_link(
                    objective=objective,
                    by=by,
                    measure=measure,
                    public=link.public,
                    illustrative=link.illustrative,
                    public_note=link.note,
                )
        for item in objective_spec.timetable:
            services.timetable_item_add(
                objective=objective,
                by=by,
                kind=item.kind,
                title=item.title,
                due=item.due,
                owner=item.owner,
            )
        objectives.append(objective)
    services.version_publish(
        plan_version=version, by=by, expected_version=None, published_at=PUBLISHED_AT
    )
    _progress(spec.department, plan, objectives, by)
    return plan


@dataclass(frozen=True)
class ReturnSpec:
    department: str
    objective: str
    quarter: date
    rag: str
    commentary: str
    met: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    agreed: bool = True


# The formal track. Lines of a timetable no return reports met show as late once their date
# has passed: the visa programme and the Work and Health Programme are left so on purpose.
RETURNS = [
    ReturnSpec(
        "HO",
        "Control immigration",
        date(2016, 1, 1),
        Rag.AMBER,
        "The Immigration Bill is before Parliament and right to rent checks started on 1 "
        "February. Net migration remains well above the ambition.",
        met=("Immigration Bill introduced", "Right to rent checks in force across England"),
    ),
    ReturnSpec(
        "HO",
        "Control immigration",
        date(2017, 4, 1),
        Rag.RED,
        "The employer skills charge is in force. Net migration is still above 200,000 a year.",
        met=("Employer skills charge introduced",),
    ),
    ReturnSpec(
        "DH",
        "A seven-day NHS",
        date(2016, 1, 1),
        Rag.AMBER,
        "Standards for seven-day hospital services are agreed. Extended GP access is behind "
        "plan in two regions.",
        met=("Seven-day hospital services standards agreed",),
    ),
    ReturnSpec(
        "DH",
        "A seven-day NHS",
        date(2017, 1, 1),
        Rag.AMBER,
        "Extended GP access reached a quarter of the population in March.",
        met=("Extended GP access for a quarter of the population",),
    ),
    ReturnSpec(
        "DH",
        "A seven-day NHS",
        date(2019, 1, 1),
        Rag.RED,
        "Extended GP access will not cover everyone by the end of March: the last areas start "
        "in October. The unit is asked to agree a revised date in the refresh.",
        missed=("Extended GP access for everyone",),
        agreed=False,
    ),
    ReturnSpec(
        "DWP",
        "Three million apprenticeships",
        date(2017, 4, 1),
        Rag.AMBER,
        "The levy is in force from 6 April. Starts are expected to dip while employers adjust.",
        met=("Apprenticeship levy in force",),
    ),
    ReturnSpec(
        "DWP",
        "Every young person earning or learning",
        date(2017, 4, 1),
        Rag.GREEN,
        "The Youth Obligation support programme started in every Jobcentre in April.",
        met=("Youth Obligation support programme in Jobcentres",),
    ),
]


def _progress(code: str, plan: DepartmentalPlan, objectives: list[Any], by: Any) -> None:
    """Returns and a note for the plan's objectives; the Department of Health's refresh is
    under way (a draft version 2)."""
    by_title = {objective.title: objective for objective in objectives}
    for spec in RETURNS:
        if spec.department != code:
            continue
        objective = by_title[spec.objective]
        items = {item.title: item for item in objective.timetable.all()}
        quarterly = services.return_create(
            objective=objective,
            by=by,
            data=services.ReturnData(
                quarter=spec.quarter,
                rag=spec.rag,
                commentary=spec.commentary,
                milestones_met=[items[title] for title in spec.met],
                milestones_missed=[items[title] for title in spec.missed],
            ),
            # The quarter is over by the time its return is made.
            today=services.quarter_end(spec.quarter),
        )
        quarterly = services.return_submit(quarterly=quarterly, by=by, expected_version=None)
        if spec.agreed:
            services.return_agree(quarterly=quarterly, by=by, expected_version=None)
    if code == "HO":
        services.note_add(
            objective=by_title["Control immigration"],
            by=by,
            noted_on=date(2016, 5, 10),
            text="Spoke to the Director, Immigration Policy: the employer skills charge may "
            "slip to April 2017.",
        )
    if code == "DH":
        services.version_new_draft(plan=plan, by=by)
