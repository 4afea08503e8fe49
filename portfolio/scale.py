"""A generated portfolio at the scale of a real one, for measuring pages and documents.

`generate(Options(...))` adds, beside whatever is in the database (the demo data included), a
made-up but realistically shaped portfolio: priorities spread unevenly over a dozen departments
(some with sub-targets, some with a delivery chain), measures with trajectories that go
somewhere (a quarter of them re-profiled once), monthly or quarterly actuals with noise around
the plan (some measures on track, some slipping, some off track, some recovering; the latest
point often provisional), milestones, published six-monthly assessment rounds judging every
priority (likelihood moving with performance from round to round), stocktakes and task forces
whose meetings cover every priority, and the actions agreed at them.

Decisions worth knowing:
- One call makes one *set*. Its codes and names carry the set's prefix, "G<seed>" (priority
  "G7 DH 12.1", round "June 2023 (G7)", forum "Stocktake: Department of Health (G7)"), so a
  second set made with another seed sits beside the first, distinctly coded. Asking for a seed
  whose set is already there is refused: the same seed always means the same data.
- Repeatable: everything comes from one random generator seeded with `seed` and from the "as
  at" date (the workbench's business date, `clock.today()`, unless given), so the same seed and
  date give the same rows, timestamps included.
- Written with bulk inserts, in one transaction: seconds for 300 priorities, where the services
  would take many minutes. Bulk inserts skip the services' checks and django-simple-history, so
  generated rows have no history; that is acceptable for generated data, which no one edits
  by hand, and every later change made through the pages is recorded as usual.
- Derived data stays consistent: each assessment's performance snapshot is computed with the
  same pure functions as the services use, and stored derived performance (when `priorities`
  has it) is refreshed for every generated measure before the transaction ends.
- It refuses to run in production (DJANGO_MODE=production): it makes up data.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model

from assessments.models import (
    Assessment,
    AssessmentRound,
    AssessmentStatus,
    KeyChallenge,
    RatingOption,
    RoundEvent,
    RoundStatus,
)
from deliveryunit import clock
from deliveryunit.models import Department
from priorities import performance as perf
from priorities import periods
from priorities import services as priority_services
from priorities.models import (
    Actual,
    ActualStatus,
    Direction,
    Frequency,
    IndicatorType,
    Measure,
    Milestone,
    MilestoneStatus,
    Priority,
    PriorityKind,
    Trajectory,
    TrajectoryPoint,
)
from priorities.series import Point, TrajectorySeries
from stocktakes.models import (
    Action,
    ActionStatus,
    ActionUpdate,
    AgendaItem,
    Attendee,
    AttendeeKind,
    Forum,
    ForumKind,
    ForumMember,
    Meeting,
    MeetingStatus,
    Minutes,
)

REFUSED_IN_PRODUCTION = (
    "seed_scale makes up data, so it does not run when DJANGO_MODE=production. Run it against "
    "a development or benchmark database."
)
ALREADY_GENERATED = (
    "A generated set with seed {seed} is already in the database (codes starting "
    '"{prefix} "). The same seed always gives the same data: run with another --seed to add a '
    "second set."
)
TOO_FEW_PRIORITIES = "Generate at least one priority."
TOO_FEW_MEASURES = "Give each priority at least one measure on average (--measures 1 or more)."
TOO_FEW_MONTHS = "Generate at least {months} months of actuals, so meetings and rounds have data."
TOO_FEW_ROUNDS = "Generate at least one assessment round."
TOO_FEW_ACTIONS = "The number of actions cannot be negative."

MIN_MONTHS = 6
# What every generated text says it is, where a user reads it.
ILLUSTRATIVE = "Generated, illustrative data"


class Refused(Exception):
    """The generator will not run: the message says why."""


@dataclass(frozen=True)
class Options:
    priorities: int = 300
    measures: float = 3.4  # on average per priority: 300 priorities give 1,020 measures
    months: int = 60  # of actuals, up to the "as at" date
    rounds: int = 10  # published six-monthly rounds, the latest on or before the "as at" date
    actions: int | None = None  # None: about 50 for every 3 priorities (5,000 for 300)
    seed: int = 1
    as_at: date | None = None  # None: clock.today()

    @property
    def action_count(self) -> int:
        return self.actions if self.actions is not None else round(self.priorities * 50 / 3)


@dataclass
class Generated:
    prefix: str
    as_at: date
    counts: dict[str, int] = field(default_factory=dict)


def prefix_for(seed: int) -> str:
    return f"G{seed}"


def generate(options: Options) -> Generated:
    """Add one generated set (see the module docstring); refuse with `Refused` when it may not."""
    if getattr(settings, "PRODUCTION", False):
        raise Refused(REFUSED_IN_PRODUCTION)
    _check(options)
    prefix = prefix_for(options.seed)
    if Priority.objects.filter(code__startswith=f"{prefix} ").exists():
        raise Refused(ALREADY_GENERATED.format(seed=options.seed, prefix=prefix))
    as_at = options.as_at or clock.today()
    with transaction.atomic():
        builder = _Builder(options, prefix, as_at)
        builder.build()
        _refresh_stored_performance([plan.measure.pk for plan in builder.measures])
    return Generated(prefix=prefix, as_at=as_at, counts=builder.counts)


def _check(options: Options) -> None:
    if options.priorities < 1:
        raise Refused(TOO_FEW_PRIORITIES)
    if options.measures < 1:
        raise Refused(TOO_FEW_MEASURES)
    if options.months < MIN_MONTHS:
        raise Refused(TOO_FEW_MONTHS.format(months=MIN_MONTHS))
    if options.rounds < 1:
        raise Refused(TOO_FEW_ROUNDS)
    if options.action_count < 0:
        raise Refused(TOO_FEW_ACTIONS)


def _published(period: date, frequency: str) -> date:
    """When a generated figure was first reported: 20 days after a month ends, 45 after a
    quarter or a year."""
    lag = 20 if frequency == Frequency.MONTHLY else 45
    return _period_end(period, frequency) + timedelta(days=lag)


def _refresh_stored_performance(measure_ids: list[int]) -> None:
    """Stored derived performance for the measures just written (bulk inserts bypass the
    services that would otherwise refresh it)."""
    priority_services.performance_refresh(measure_ids=measure_ids)


# --- the shape of the portfolio ---------------------------------------------------------------

# (code, name, weight, secretary of state's post): a dozen departments, weighted as a real
# portfolio is (Health and the Home Office carry many priorities, the Treasury few). The first
# five are the demo's departments; all are matched by code, then by name, before one is made.
DEPARTMENTS = [
    ("DH", "Department of Health", 16, "Secretary of State for Health and Social Care"),
    ("HO", "Home Office", 12, "Home Secretary"),
    ("DfE", "Department for Education", 11, "Secretary of State for Education"),
    ("DWP", "Department for Work and Pensions", 9, "Secretary of State for Work and Pensions"),
    ("CO", "Cabinet Office", 4, "Chancellor of the Duchy of Lancaster"),
    ("MoJ", "Ministry of Justice", 9, "Lord Chancellor and Secretary of State for Justice"),
    ("DfT", "Department for Transport", 8, "Secretary of State for Transport"),
    ("MHCLG", "Ministry of Housing, Communities and Local Government", 8, "Housing Secretary"),
    ("DESNZ", "Department for Energy Security and Net Zero", 7, "Energy Secretary"),
    ("Defra", "Department for Environment, Food and Rural Affairs", 6, "Environment Secretary"),
    ("DSIT", "Department for Science, Innovation and Technology", 5, "Science Secretary"),
    ("HMT", "HM Treasury", 5, "Chief Secretary to the Treasury"),
]

# Measure templates: (name, unit, direction, kind). The kind sets the scale of the numbers.
PCT_UP, PCT_DOWN, COUNT_UP, COUNT_DOWN, DAYS_DOWN = "pct+", "pct-", "count+", "count-", "days-"
_HIGHER, _LOWER = Direction.HIGHER, Direction.LOWER

# Per department, themes: (priority title, measure templates).
THEMES: dict[str, list[tuple[str, list[tuple[str, str, str, str]]]]] = {
    "DH": [
        (
            "Cut waiting times for planned hospital treatment",
            [
                ("Patients waiting under 18 weeks for treatment", "%", _HIGHER, PCT_UP),
                ("Patients waiting over 52 weeks", "patients", _LOWER, COUNT_DOWN),
                ("Elective procedures completed", "procedures", _HIGHER, COUNT_UP),
                ("Median wait for first appointment", "days", _LOWER, DAYS_DOWN),
            ],
        ),
        (
            "Speed up urgent and emergency care",
            [
                ("A&E attendances seen within four hours", "%", _HIGHER, PCT_UP),
                ("Ambulance handovers taking over an hour", "handovers", _LOWER, COUNT_DOWN),
                ("Category 2 ambulance response time", "minutes", _LOWER, DAYS_DOWN),
            ],
        ),
        (
            "Diagnose cancer earlier",
            [
                ("Cancers diagnosed at stage 1 or 2", "%", _HIGHER, PCT_UP),
                ("Patients told their diagnosis within 28 days", "%", _HIGHER, PCT_UP),
                ("Diagnostic tests carried out", "tests", _HIGHER, COUNT_UP),
            ],
        ),
    ],
    "HO": [
        (
            "Reduce neighbourhood crime",
            [
                ("Burglaries recorded by the police", "offences", _LOWER, COUNT_DOWN),
                ("Vehicle crimes recorded by the police", "offences", _LOWER, COUNT_DOWN),
                ("People who feel safe walking alone after dark", "%", _HIGHER, PCT_UP),
            ],
        ),
        (
            "Clear the asylum backlog",
            [
                ("Asylum claims awaiting an initial decision", "claims", _LOWER, COUNT_DOWN),
                ("Initial decisions made", "decisions", _HIGHER, COUNT_UP),
                ("Claims decided within six months", "%", _HIGHER, PCT_UP),
            ],
        ),
        (
            "Put more police officers on the beat",
            [
                ("Police officers in post", "officers", _HIGHER, COUNT_UP),
                ("Emergency calls answered within ten seconds", "%", _HIGHER, PCT_UP),
            ],
        ),
    ],
    "DfE": [
        (
            "Raise standards in primary schools",
            [
                ("Pupils meeting the expected standard in reading", "%", _HIGHER, PCT_UP),
                ("Pupils meeting the expected standard in maths", "%", _HIGHER, PCT_UP),
                ("Schools judged good or outstanding", "%", _HIGHER, PCT_UP),
            ],
        ),
        (
            "Get children back into school",
            [
                ("Pupils persistently absent", "%", _LOWER, PCT_DOWN),
                ("Sessions missed through absence", "%", _LOWER, PCT_DOWN),
            ],
        ),
        (
            "Expand childcare for working parents",
            [
                ("Funded childcare places taken up", "places", _HIGHER, COUNT_UP),
                ("Eligible families using their entitlement", "%", _HIGHER, PCT_UP),
            ],
        ),
    ],
    "DWP": [
        (
            "Help more people into work",
            [
                ("Employment rate, people aged 16 to 64", "%", _HIGHER, PCT_UP),
                ("Claimants moving into work within six months", "%", _HIGHER, PCT_UP),
                ("Young people not in education, employment or training", "%", _LOWER, PCT_DOWN),
            ],
        ),
        (
            "Pay benefit claims on time",
            [
                ("New claims paid in full and on time", "%", _HIGHER, PCT_UP),
                ("Average time to decide a disability claim", "days", _LOWER, DAYS_DOWN),
            ],
        ),
    ],
    "CO": [
        (
            "Move public services online",
            [
                ("Transactions completed online", "%", _HIGHER, PCT_UP),
                ("Users satisfied with online services", "%", _HIGHER, PCT_UP),
            ],
        ),
    ],
    "MoJ": [
        (
            "Reduce the Crown Court backlog",
            [
                ("Cases outstanding at the Crown Court", "cases", _LOWER, COUNT_DOWN),
                ("Cases waiting over a year", "cases", _LOWER, COUNT_DOWN),
                ("Median time from charge to completion", "days", _LOWER, DAYS_DOWN),
            ],
        ),
        (
            "Cut reoffending",
            [
                ("Proven reoffending rate, adults", "%", _LOWER, PCT_DOWN),
                ("Prison leavers in settled accommodation", "%", _HIGHER, PCT_UP),
            ],
        ),
    ],
    "DfT": [
        (
            "Make trains run on time",
            [
                ("Trains arriving within a minute of schedule", "%", _HIGHER, PCT_UP),
                ("Trains cancelled", "%", _LOWER, PCT_DOWN),
            ],
        ),
        (
            "Fix the roads",
            [
                ("Local roads in need of maintenance", "%", _LOWER, PCT_DOWN),
                ("Potholes repaired", "repairs", _HIGHER, COUNT_UP),
            ],
        ),
    ],
    "MHCLG": [
        (
            "Build more homes",
            [
                ("Net additional dwellings", "homes", _HIGHER, COUNT_UP),
                ("Planning decisions made on time", "%", _HIGHER, PCT_UP),
            ],
        ),
        (
            "End rough sleeping",
            [
                ("People sleeping rough on a single night", "people", _LOWER, COUNT_DOWN),
                ("Households in temporary accommodation", "households", _LOWER, COUNT_DOWN),
            ],
        ),
    ],
    "DESNZ": [
        (
            "Insulate homes and cut energy bills",
            [
                ("Homes insulated under the scheme", "homes", _HIGHER, COUNT_UP),
                ("Households in fuel poverty", "%", _LOWER, PCT_DOWN),
            ],
        ),
        (
            "Connect more clean power to the grid",
            [
                ("Electricity from low-carbon sources", "%", _HIGHER, PCT_UP),
                ("Average wait for a grid connection", "days", _LOWER, DAYS_DOWN),
            ],
        ),
    ],
    "Defra": [
        (
            "Clean up rivers and seas",
            [
                ("Storm overflow spills", "spills", _LOWER, COUNT_DOWN),
                ("Bathing waters rated good or excellent", "%", _HIGHER, PCT_UP),
            ],
        ),
    ],
    "DSIT": [
        (
            "Bring gigabit broadband to every home",
            [
                ("Premises with gigabit-capable broadband", "%", _HIGHER, PCT_UP),
                ("Rural premises connected", "premises", _HIGHER, COUNT_UP),
            ],
        ),
    ],
    "HMT": [
        (
            "Collect the tax that is owed",
            [
                ("Tax gap as a share of liabilities", "%", _LOWER, PCT_DOWN),
                ("Calls to the tax helpline answered", "%", _HIGHER, PCT_UP),
            ],
        ),
    ],
}

# (name, as the end of a priority's title)
REGIONS = [
    ("North East", "in the North East"),
    ("North West", "in the North West"),
    ("Yorkshire and the Humber", "in Yorkshire and the Humber"),
    ("East Midlands", "in the East Midlands"),
    ("West Midlands", "in the West Midlands"),
    ("East of England", "in the East of England"),
    ("London", "in London"),
    ("South East", "in the South East"),
    ("South West", "in the South West"),
    ("England", "across England"),
]

KINDS = [
    (PriorityKind.PSA, 45),
    (PriorityKind.STRATEGIC, 25),
    (PriorityKind.OPERATIONAL, 20),
    (PriorityKind.CORPORATE, 5),
    (PriorityKind.TASK_FORCE, 5),
]

# How a measure fares against its plan, with how often.
ON_TRACK, SLIPPING, OFF_TRACK, RECOVERING = "on_track", "slipping", "off_track", "recovering"
PROFILES = [(ON_TRACK, 40), (SLIPPING, 25), (OFF_TRACK, 25), (RECOVERING, 10)]

KEY_CHALLENGES = [
    "Recruiting and keeping enough front-line staff",
    "Getting data from the delivery chain on time",
    "Funding confirmed for one year only",
    "Demand rising faster than planned",
    "Local partners working to different priorities",
    "New IT system delayed",
    "Legislation needed before the next stage",
    "Variation in performance between areas",
]
ACTION_TEXTS = [
    "Send the Delivery Unit a recovery plan for {code} with monthly milestones",
    "Agree with the Treasury how the extra funding for {code} is released",
    "Visit the three worst-performing areas on {code} and report what is holding them back",
    "Set out the data the delivery chain will report on {code}, and when",
    "Bring forward options to close the gap to trajectory on {code}",
    "Write to local leaders about {code}, setting out what is expected of them",
    "Review the trajectory for {code} with the analysts and say whether to re-profile it",
    "Name a single senior owner for each strand of the {code} delivery plan",
]
PLACES = ["10 Downing Street, Cabinet Room", "70 Whitehall, Conference Room A", "By video call"]


def _weighted(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _month(day: date) -> date:
    return date(day.year, day.month, 1)


def _aware(day: date, hour: int = 10) -> datetime:
    # UTC, not the clock: generated timestamps are data, the same on every machine.
    return datetime.combine(day, time(hour), tzinfo=UTC)


# --- the numbers of one measure ---------------------------------------------------------------


@dataclass
class _MeasurePlan:
    measure: Measure
    kind: str
    profile: str
    # Each trajectory version with its points (the plan as agreed), oldest first.
    trajectories: list[tuple[Trajectory, list[Point]]] = field(default_factory=list)
    # (period, value, provisional), oldest first.
    actuals: list[tuple[date, Decimal, bool]] = field(default_factory=list)


def _places(kind: str) -> Decimal:
    return Decimal("1") if kind in (COUNT_UP, COUNT_DOWN) else Decimal("0.1")


def _numbers(rng: random.Random, kind: str) -> tuple[float, float, float]:
    """(baseline, target, tolerance) for a measure of this kind."""
    if kind == PCT_UP:
        baseline = rng.uniform(45, 82)
        target = min(98.0, baseline + rng.uniform(6, 18))
        return baseline, target, rng.choice([1.0, 1.5, 2.0, 2.5])
    if kind == PCT_DOWN:
        baseline = rng.uniform(12, 40)
        target = max(2.0, baseline - rng.uniform(4, 12))
        return baseline, target, rng.choice([0.5, 1.0, 1.5])
    if kind == COUNT_UP:
        baseline = rng.uniform(800, 40000)
        return baseline, baseline * rng.uniform(1.2, 1.6), baseline * rng.uniform(0.02, 0.05)
    if kind == COUNT_DOWN:
        baseline = rng.uniform(1500, 60000)
        return baseline, baseline * rng.uniform(0.55, 0.85), baseline * rng.uniform(0.02, 0.05)
    baseline = rng.uniform(20, 120)  # DAYS_DOWN: a duration
    return baseline, baseline * rng.uniform(0.6, 0.85), baseline * rng.uniform(0.03, 0.06)


def _gap(profile: str, t: float, size: float) -> float:
    """How far the actual sits from the plan, in tolerances (positive is better), at `t` from
    0 (the first actual) to 1 (the latest)."""
    if profile == ON_TRACK:
        return size * 0.6
    if profile == SLIPPING:
        return -size * 0.9 * t
    if profile == OFF_TRACK:
        return -(1.5 + size * 2.5) * t
    return -2.5 + 2.8 * t  # RECOVERING


def _clamp(kind: str, value: float) -> float:
    if kind in (PCT_UP, PCT_DOWN):
        return min(100.0, max(0.0, value))
    return max(0.0, value)


def _trajectory_points(
    start: date,
    start_value: float,
    end: date,
    end_value: float,
    *,
    frequency: str,
    shape: float,
    places: Decimal,
) -> list[Point]:
    """The plan from (start, start_value) to (end, end_value): a point each quarter for monthly
    and quarterly measures (each year for annual ones), bending by `shape` (1 is straight;
    above 1 a slow start, as plans often have). Values are rounded as they will be stored, so
    what is computed from them here is what the stored rows give."""
    step = 12 if frequency == periods.ANNUAL else 3
    total = (end.year - start.year) * 12 + end.month - start.month
    points = []
    months = 0
    while months < total:
        share = (months / total) ** shape
        value = start_value + (end_value - start_value) * share
        points.append(Point(periods.step(start, periods.MONTHLY, months), _round(value, places)))
        months += step
    points.append(Point(end, _round(end_value, places)))
    return points


def _plan_value(points: list[Point], period: date, before_start: float) -> float:
    """The plan at `period`, as perf.planned_at reads it (straight lines between points, level
    after the last), found by bisection: generation asks this for every period of every
    measure."""
    index = bisect.bisect_right(points, period, key=lambda p: p.period)
    if index == 0:
        return before_start
    if index == len(points):
        return points[-1].value
    before, after = points[index - 1], points[index]
    share = (period - before.period).days / (after.period - before.period).days
    return before.value + share * (after.value - before.value)


def _round(value: float, places: Decimal) -> float:
    return float(Decimal(str(value)).quantize(places))


# --- the builder ------------------------------------------------------------------------------


class _Builder:
    def __init__(self, options: Options, prefix: str, as_at: date) -> None:
        self.options = options
        self.prefix = prefix
        self.as_at = as_at
        self.rng = random.Random(options.seed)
        # The latest period with data: the month before the "as at" date (data lags).
        self.last_period = periods.step(_month(as_at), periods.MONTHLY, -1)
        self.first_period = periods.step(self.last_period, periods.MONTHLY, 1 - options.months)
        self.counts: dict[str, int] = {}
        self.departments: dict[str, Department] = {}
        self.posts: dict[str, str] = {}
        self.priorities: list[Priority] = []
        self.themes: dict[int, tuple[str, list]] = {}
        self.measures: list[_MeasurePlan] = []
        self.measures_of: dict[int, list[_MeasurePlan]] = defaultdict(list)
        self.rounds: list[AssessmentRound] = []

    def build(self) -> None:
        self._departments()
        self._priorities()
        self._measures()
        self._milestones()
        self._rounds()
        self._forums_and_actions()

    def _count(self, name: str, rows: list) -> list:
        self.counts[name] = self.counts.get(name, 0) + len(rows)
        return rows

    def _insert(
        self, model: type[Model], fields: list[str], rows: list[tuple], name: str = ""
    ) -> None:
        """Rows straight into the model's table, for the tables with tens of thousands of
        rows and nothing to read back: building a model instance a row costs more than the
        insert. Values are given ready for the database: numbers, strings, dates, Decimals, and
        datetimes passed through the backend's adapt_datetimefield_value."""
        meta = model._meta
        quote = connection.ops.quote_name
        columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
        table = quote(meta.db_table)
        values = ", ".join(["%s"] * len(fields))
        # Table and column names from the model's own metadata, quoted; values as parameters.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({values})"  # noqa: S608  # nosec B608  # quoted model names
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[start : start + 5000])
        name = name or str(meta.verbose_name_plural)
        self.counts[name] = self.counts.get(name, 0) + len(rows)

    # -- departments and priorities -------------------------------------------------------

    def _departments(self) -> None:
        existing = list(Department.objects.all())
        by_code = {d.code: d for d in existing}
        by_name = {d.name: d for d in existing}
        made = []
        for code, name, _, post in DEPARTMENTS:
            department = by_code.get(code) or by_name.get(name)
            if department is None:
                department = Department(code=code, name=name)
                made.append(department)
            self.departments[code] = department
            self.posts[code] = post
        Department.objects.bulk_create(self._count("departments", made))

    def _priorities(self) -> None:
        rng = self.rng
        count = self.options.priorities
        weights = [(code, weight) for code, _, weight, _ in DEPARTMENTS]
        # Departments in proportion to their weights, every one used once there are enough.
        leads = [_weighted(rng, weights) for _ in range(count)]
        if count >= len(DEPARTMENTS):
            leads[: len(DEPARTMENTS)] = [code for code, *_ in DEPARTMENTS]
            rng.shuffle(leads)
        numbers: dict[str, int] = defaultdict(int)
        top_level: dict[str, list[tuple[Priority, str]]] = defaultdict(list)
        specs = []
        for code in leads:
            department = self.departments[code]
            theme_title, templates = rng.choice(THEMES[code])
            siblings = top_level[code]
            # About one in six is a sub-target of an earlier priority of its department, which
            # a few of them (themselves sub-targets) take one level deeper.
            parent = None
            if siblings and rng.random() < 0.17:
                parent_spec = rng.choice(siblings[-6:])
                parent = parent_spec
            if parent is None:
                numbers[code] += 1
                priority_code = f"{self.prefix} {code} {numbers[code]}"
                title = f"{theme_title} {rng.choice(REGIONS)[1]}"
            else:
                parent_priority, parent_code = parent
                numbers[parent_code] += 1
                priority_code = f"{parent_code}.{numbers[parent_code]}"
                theme_title, templates = self.themes[id(parent_priority)]
                title = f"{theme_title}: the {rng.choice(REGIONS)[0]} contribution"
            start = periods.step(self.first_period, periods.MONTHLY, -rng.randint(0, 6))
            deadline_month = periods.step(self.as_at, periods.MONTHLY, rng.randint(6, 36))
            deadline = periods.step(_quarter_end(deadline_month), periods.MONTHLY, 1) - timedelta(
                days=1
            )
            priority = Priority(
                code=priority_code,
                title=title,
                target_statement=(
                    f"{title}, reaching the target for each measure by {deadline:%B %Y}. "
                    f"({ILLUSTRATIVE}.)"
                ),
                lead_department=department,
                senior_responsible_owner=f"Director General, {department.name}",
                minister=self.posts[code],
                kind=_weighted(rng, KINDS),
                start=start,
                deadline=deadline,
            )
            self.themes[id(priority)] = (theme_title, templates)
            specs.append((priority, parent))
            if parent is None or rng.random() < 0.3:
                siblings.append((priority, priority_code))
        # Parents come before their sub-targets in `specs`, so one insert per depth.
        depth_of: dict[int, int] = {}
        for priority, parent in specs:
            depth_of[id(priority)] = 0 if parent is None else depth_of[id(parent[0])] + 1
        for depth in sorted(set(depth_of.values())):
            level = [(p, parent) for p, parent in specs if depth_of[id(p)] == depth]
            for priority, parent in level:
                if parent is not None:
                    priority.parent = parent[0]
            Priority.objects.bulk_create([p for p, _ in level])
        self.priorities = [p for p, _ in specs]
        self.counts["priorities"] = len(self.priorities)

        links = []
        codes = [code for code, *_ in DEPARTMENTS]
        for priority in self.priorities:
            if rng.random() < 0.3:
                others = [c for c in codes if self.departments[c].pk != priority.lead_department_id]
                for other in rng.sample(others, rng.randint(1, 2)):
                    links.append((priority.pk, self.departments[other].pk))
        self._insert(
            Priority.delivery_chain.through,
            ["priority", "department"],
            links,
            "delivery chain links",
        )

    # -- measures, trajectories and actuals -----------------------------------------------

    def _measure_counts(self) -> list[int]:
        """Measures per priority: at least one each, exactly round(priorities x average) in
        all, the rest spread at random."""
        count = len(self.priorities)
        total = max(count, round(count * self.options.measures))
        each = [1] * count
        for _ in range(total - count):
            each[self.rng.randrange(count)] += 1
        return each

    def _measures(self) -> None:
        rng = self.rng
        for priority, how_many in zip(self.priorities, self._measure_counts(), strict=True):
            _, templates = self.themes[id(priority)]
            for n in range(how_many):
                name, unit, direction, kind = templates[n % len(templates)]
                if n >= len(templates):
                    name = f"{name} ({n // len(templates) + 1})"
                frequency = Frequency.QUARTERLY if rng.random() < 0.1 else Frequency.MONTHLY
                baseline, target, tolerance = _numbers(rng, kind)
                places = _places(kind)
                target_date = perf.period_of(priority.deadline, frequency)
                measure = Measure(
                    priority=priority,
                    name=name,
                    unit=unit,
                    direction=direction,
                    frequency=frequency,
                    indicator_type=(
                        IndicatorType.LEAD if rng.random() < 0.3 else IndicatorType.OUTCOME
                    ),
                    source=f"{ILLUSTRATIVE}: made up by seed_scale, not published statistics.",
                    target_value=Decimal(str(target)).quantize(places),
                    target_date=target_date,
                    tolerance=Decimal(str(tolerance)).quantize(places) or places,
                )
                plan = _MeasurePlan(measure, kind, _weighted(rng, PROFILES))
                self._series(plan, baseline, float(measure.target_value), float(measure.tolerance))
                self.measures.append(plan)
                self.measures_of[id(priority)].append(plan)
        Measure.objects.bulk_create(self._count("measures", [p.measure for p in self.measures]))

        trajectories = []
        for plan in self.measures:
            for trajectory, _ in plan.trajectories:
                trajectory.measure = plan.measure
                trajectories.append(trajectory)
        Trajectory.objects.bulk_create(self._count("trajectories", trajectories))
        points, actuals = [], []
        for plan in self.measures:
            places = _places(plan.kind)
            for trajectory, trajectory_points in plan.trajectories:
                points.extend(
                    (trajectory.pk, p.period, Decimal(str(p.value)).quantize(places))
                    for p in trajectory_points
                )
            frequency = plan.measure.frequency
            for period, value, provisional in plan.actuals:
                published = _published(period, frequency)
                actuals.append(
                    (
                        plan.measure.pk,
                        period,
                        value,
                        ActualStatus.PROVISIONAL if provisional else ActualStatus.FINAL,
                        ILLUSTRATIVE,
                        min(published, self.as_at),
                        "",
                        1,
                    )
                )
        self._insert(TrajectoryPoint, ["trajectory", "period", "value"], points)
        self._insert(
            Actual,
            ["measure", "period", "value", "status", "source", "data_as_at", "note", "version"],
            actuals,
        )

    def _series(self, plan: _MeasurePlan, baseline: float, target: float, tolerance: float) -> None:
        """The measure's trajectory versions and actuals, kept in `plan` (as unsaved rows and
        plain values) for the snapshots and judgements made later."""
        rng = self.rng
        measure = plan.measure
        frequency = measure.frequency
        first = perf.period_of(self.first_period, frequency)
        last = perf.period_of(self.last_period, frequency)
        target_period = measure.target_date
        shape = rng.uniform(0.8, 1.5)
        places = _places(plan.kind)
        plan_v1 = _trajectory_points(
            first, baseline, target_period, target, frequency=frequency, shape=shape, places=places
        )
        versions: list[tuple[date, TrajectorySeries]] = [
            (first, TrajectorySeries(1, "", first, "", plan_v1, True))
        ]
        plan.trajectories.append(
            (
                Trajectory(
                    number=1,
                    label="Delivery plan",
                    agreed_on=first,
                    created_at=_aware(first),
                ),
                plan_v1,
            )
        )
        history = []
        period = first
        while period <= last:
            history.append(period)
            period = periods.step(period, frequency)
        reprofile_at = None
        if len(history) >= 8 and rng.random() < 0.25:
            reprofile_at = history[rng.randint(len(history) // 3, 2 * len(history) // 3)]

        size = rng.uniform(0.2, 1.0)
        noise = tolerance * 0.35
        better = 1 if measure.direction == Direction.HIGHER else -1
        span = max(len(history) - 1, 1)
        for index, period in enumerate(history):
            if reprofile_at is not None and period == reprofile_at:
                # Re-profiled from where the measure had got to, to the same target a little
                # later: the plan follows the data, as a re-profile does.
                latest = float(plan.actuals[-1][1]) if plan.actuals else baseline
                end = periods.step(target_period, frequency, rng.randint(1, 3))
                plan_v2 = _trajectory_points(
                    period, latest, end, target, frequency=frequency, shape=1.0, places=places
                )
                versions.append((period, TrajectorySeries(2, "", period, "", plan_v2, True)))
                plan.trajectories.append(
                    (
                        Trajectory(
                            number=2,
                            label="Re-profiled plan",
                            agreed_on=period,
                            reason=(
                                "Re-profiled from the latest position after the stocktake "
                                f"agreed a later date for the target. ({ILLUSTRATIVE}.)"
                            ),
                            created_at=_aware(period),
                        ),
                        plan_v2,
                    )
                )
            planned = _plan_value(versions[-1][1].points, period, baseline)
            gap = _gap(plan.profile, index / span, size)
            value = planned + better * gap * tolerance + rng.gauss(0, noise)
            value = _clamp(plan.kind, value)
            plan.actuals.append((period, Decimal(str(value)).quantize(places), False))
        # The latest figure is often provisional, sometimes the one before it too.
        if plan.actuals and rng.random() < 0.6:
            period, value, _ = plan.actuals[-1]
            plan.actuals[-1] = (period, value, True)
            if len(plan.actuals) > 1 and rng.random() < 0.3:
                period, value, _ = plan.actuals[-2]
                plan.actuals[-2] = (period, value, True)

    # -- milestones -----------------------------------------------------------------------

    def _milestones(self) -> None:
        rng = self.rng
        steps = [
            "Delivery plan agreed with the department",
            "Data collection in place across the delivery chain",
            "First areas go live",
            "Mid-point review of progress",
            "Every area live",
            "Target date",
        ]
        rows = []
        for priority in self.priorities:
            chosen = sorted(rng.sample(range(len(steps)), rng.randint(2, 4)))
            span = (priority.deadline - priority.start).days
            for position, index in enumerate(chosen):
                due = priority.start + timedelta(days=span * (position + 1) // (len(chosen) + 1))
                if due < self.as_at:
                    status = _weighted(
                        rng, [(MilestoneStatus.ACHIEVED, 75), (MilestoneStatus.MISSED, 15)]
                    )
                    if rng.random() < 0.1:
                        status = MilestoneStatus.IN_PROGRESS  # late: overdue
                else:
                    status = _weighted(
                        rng, [(MilestoneStatus.PLANNED, 70), (MilestoneStatus.IN_PROGRESS, 30)]
                    )
                rows.append(
                    Milestone(
                        priority=priority,
                        title=steps[index],
                        due=due,
                        owner=f"Programme director, {priority.lead_department.name}",
                        status=status,
                    )
                )
        Milestone.objects.bulk_create(self._count("milestones", rows))

    # -- assessment rounds ----------------------------------------------------------------

    def _scales(self) -> dict[str, list[str]]:
        scales: dict[str, list[str]] = defaultdict(list)
        for dimension, code in RatingOption.objects.order_by(
            "dimension__order", "order"
        ).values_list("dimension__code", "code"):
            scales[dimension].append(code)
        return scales

    def _round_dates(self) -> list[date]:
        """Six-monthly, the latest at the end of June or December on or before the as-at
        date; oldest first."""
        day = self.as_at
        latest = date(day.year, 12, 31) if day >= date(day.year, 12, 31) else None
        if latest is None:
            latest = (
                date(day.year, 6, 30)
                if day >= date(day.year, 6, 30)
                else date(day.year - 1, 12, 31)
            )
        dates = [latest]
        while len(dates) < self.options.rounds:
            previous = dates[-1]
            dates.append(
                date(previous.year, 6, 30)
                if previous.month == 12
                else date(previous.year - 1, 12, 31)
            )
        return dates[::-1]

    def _rounds(self) -> None:
        rng = self.rng
        scales = self._scales()
        challenge = scales.get("challenge") or ["L", "M", "H", "VH"]
        rag = scales.get("likelihood") or ["R", "AR", "AG", "G"]
        planning_scale = scales.get("planning") or rag
        capacity_scale = scales.get("capacity") or rag
        stages = scales.get("stage") or ["1", "2", "3", "4"]
        for day in self._round_dates():
            self.rounds.append(
                AssessmentRound(
                    name=f"{day:%B %Y} ({self.prefix})",
                    date=day,
                    status=RoundStatus.PUBLISHED,
                    published_at=_aware(day + timedelta(days=45)),
                )
            )
        AssessmentRound.objects.bulk_create(self._count("assessment rounds", self.rounds))
        RoundEvent.objects.bulk_create(
            [
                RoundEvent(round=r, kind=RoundEvent.Kind.PUBLISHED, at=r.published_at)
                for r in self.rounds
            ]
        )
        self._insert(
            AssessmentRound.priorities.through,
            ["assessmentround", "priority"],
            [(r.pk, p.pk) for r in self.rounds for p in self.priorities],
            "priorities in rounds",
        )

        assessments = []
        for priority in self.priorities:
            level = {
                "challenge": rng.randrange(len(challenge)),
                "planning": rng.randrange(len(planning_scale)),
                "capacity": rng.randrange(len(capacity_scale)),
                "stage": rng.randrange(min(2, len(stages))),
                "likelihood": 1,
            }
            for round_ in self.rounds:
                snapshot = self._snapshot(priority, round_.date)
                off = sum(1 for row in snapshot if row["status"] == perf.OFF_TRACK)
                share_ok = 1 - off / len(snapshot) if snapshot else 0.5
                # Likelihood follows performance, with inertia: it moves a step at a time.
                aim = round(share_ok * (len(rag) - 1) + rng.uniform(-0.8, 0.8))
                aim = min(len(rag) - 1, max(0, aim))
                if aim != level["likelihood"] and rng.random() < 0.7:
                    level["likelihood"] += 1 if aim > level["likelihood"] else -1
                for name, scale in (("planning", planning_scale), ("capacity", capacity_scale)):
                    if rng.random() < 0.3:
                        level[name] = min(len(scale) - 1, max(0, level[name] + rng.choice((-1, 1))))
                if rng.random() < 0.3:
                    level["stage"] = min(len(stages) - 1, level["stage"] + 1)
                codes = {
                    "challenge": challenge[level["challenge"]],
                    "planning": planning_scale[level["planning"]],
                    "capacity": capacity_scale[level["capacity"]],
                    "stage": stages[level["stage"]],
                    "likelihood": rag[level["likelihood"]],
                }
                assessments.append(
                    Assessment(
                        round=round_,
                        priority=priority,
                        **codes,
                        challenge_rationale=f"{ILLUSTRATIVE}: the target asks for a sustained "
                        "change across a long delivery chain.",
                        planning_rationale=f"{ILLUSTRATIVE}: the plan names owners and "
                        "milestones; some strands lack a trajectory.",
                        capacity_rationale=f"{ILLUSTRATIVE}: leadership is in place; analysis "
                        "of front-line data is stretched.",
                        stage_rationale=f"{ILLUSTRATIVE}: the main policies are in place and "
                        "being rolled out.",
                        likelihood_rationale=(
                            f"{ILLUSTRATIVE}: {len(snapshot) - off} of {len(snapshot)} measures "
                            f"within tolerance of trajectory at {round_.date:%B %Y}."
                        ),
                        performance_snapshot=snapshot,
                        performance_commentary=f"{ILLUSTRATIVE}: see the measures' charts.",
                        narrative=(
                            f"{ILLUSTRATIVE}. {priority.title}: progress is "
                            f"{'steady' if off == 0 else 'uneven'}; the delivery plan is being "
                            "followed up at the stocktake."
                        ),
                        status=AssessmentStatus.AGREED,
                    )
                )
        Assessment.objects.bulk_create(self._count("assessments", assessments), 1000)
        latest = self.rounds[-1].pk
        challenges = []
        for assessment in assessments:
            if assessment.round_id != latest and rng.random() < 0.5:
                continue
            for order, title in enumerate(rng.sample(KEY_CHALLENGES, 2), start=1):
                progress = f"{ILLUSTRATIVE}: some progress since the last round."
                challenges.append((assessment.pk, order, title, progress, 1))
        self._insert(
            KeyChallenge, ["assessment", "order", "title", "progress", "version"], challenges
        )

    def _snapshot(self, priority: Priority, day: date) -> list[dict[str, Any]]:
        """As assessments.services.performance_snapshot records it, from the plans in memory:
        each measure's latest figure known on `day` against the trajectory then in force."""
        rows = []
        for plan in self.measures_of[id(priority)]:
            measure = plan.measure
            trajectory = None
            for version, points in plan.trajectories:
                if version.agreed_on <= day:
                    trajectory = TrajectorySeries(
                        version.number, version.label, version.agreed_on, "", points, True
                    )
            latest = None
            for period, value, _ in plan.actuals:
                # As the services record it: the figures known on `day` (priorities.known_at).
                if min(_published(period, measure.frequency), self.as_at) <= day:
                    latest = (period, float(value))
            if latest is None:
                status = perf.NO_DATA
                planned = None
            else:
                planned = perf.planned_at(trajectory, latest[0])
                status = perf.status_of(
                    measure.direction, latest[1], planned, float(measure.tolerance)
                )
            rows.append(
                {
                    "measure": measure.name,
                    "unit": measure.unit,
                    "period": latest[0].isoformat() if latest else None,
                    "actual": latest[1] if latest else None,
                    "planned": planned,
                    "status": status,
                    "status_label": perf.STATUS_LABELS[status],
                }
            )
        return rows

    # -- forums, meetings and actions -----------------------------------------------------

    def _forums_and_actions(self) -> None:
        rng = self.rng
        by_department: dict[int, list[Priority]] = defaultdict(list)
        for priority in self.priorities:
            by_department[priority.lead_department_id].append(priority)
        forums: list[tuple[Forum, list[Priority], list[ForumMember]]] = []
        for code, name, _, post in DEPARTMENTS:
            department = self.departments[code]
            covered = by_department.get(department.pk)
            if not covered:
                continue
            forum = Forum(
                name=f"Stocktake: {name} ({self.prefix})",
                kind=ForumKind.STOCKTAKE,
                chair="Prime Minister",
                terms_of_reference=(
                    f"The Prime Minister reviews the {name}'s priorities with the Secretary of "
                    f"State and senior officials. ({ILLUSTRATIVE}.)"
                ),
                cycle_weeks=rng.choice((6, 8)),
            )
            members = [
                ForumMember(role="Prime Minister", kind=AttendeeKind.MINISTER, is_chair=True),
                ForumMember(role=post, kind=AttendeeKind.MINISTER, department=department, order=1),
                ForumMember(
                    role=f"Permanent Secretary, {name}",
                    kind=AttendeeKind.OFFICIAL,
                    department=department,
                    order=2,
                ),
                ForumMember(
                    role="Head of the Delivery Unit",
                    kind=AttendeeKind.SECRETARIAT,
                    department=self.departments["CO"],
                    order=3,
                ),
            ]
            forums.append((forum, covered, members))
        # One task force for the task-force priorities of every department.
        task_force = [p for p in self.priorities if p.kind == PriorityKind.TASK_FORCE]
        if task_force:
            forum = Forum(
                name=f"Implementation task force ({self.prefix})",
                kind=ForumKind.TASK_FORCE,
                chair="Minister for the Cabinet Office",
                terms_of_reference=f"Clears obstacles that cross departments. ({ILLUSTRATIVE}.)",
                cycle_weeks=6,
            )
            members = [
                ForumMember(
                    role="Minister for the Cabinet Office",
                    kind=AttendeeKind.MINISTER,
                    department=self.departments["CO"],
                    is_chair=True,
                ),
                ForumMember(
                    role="Delivery Unit lead for task forces",
                    kind=AttendeeKind.SECRETARIAT,
                    department=self.departments["CO"],
                    order=1,
                ),
            ]
            forums.append((forum, task_force, members))
        Forum.objects.bulk_create(self._count("forums", [f for f, _, _ in forums]))
        self._insert(
            Forum.priorities.through,
            ["forum", "priority"],
            [(f.pk, p.pk) for f, covered, _ in forums for p in covered],
            "priorities in forums",
        )
        for forum, _, members in forums:
            for member in members:
                member.forum = forum
        ForumMember.objects.bulk_create([m for _, _, members in forums for m in members])

        meetings: list[tuple[Meeting, Forum, list[Priority], list[ForumMember]]] = []
        for forum, covered, members in forums:
            day = self.first_period + timedelta(days=rng.randint(7, 40))
            while True:
                if day > self.as_at:
                    status = MeetingStatus.PLANNED
                elif (self.as_at - day).days < 21 and rng.random() < 0.5:
                    status = MeetingStatus.HELD
                else:
                    status = MeetingStatus.MINUTED
                meeting = Meeting(
                    forum=forum,
                    date=day,
                    start_time=time(rng.choice((9, 10, 14, 16))),
                    place=rng.choice(PLACES),
                    status=status,
                )
                meetings.append((meeting, forum, covered, members))
                if day > self.as_at:
                    break
                day += timedelta(weeks=forum.cycle_weeks)
        Meeting.objects.bulk_create(self._count("meetings", [m for m, *_ in meetings]), 1000)

        attendees, items, minutes = [], [], []
        for meeting, _, covered, members in meetings:
            held = meeting.status != MeetingStatus.PLANNED
            for member in members:
                attendees.append(
                    (
                        meeting,
                        "",
                        member.role,
                        member.kind,
                        member.department.pk if member.department else None,
                        (rng.random() < 0.9) if held else None,
                        member.order,
                        1,
                    )
                )
            for order, priority in enumerate(rng.sample(covered, min(3, len(covered))), 1):
                items.append(
                    AgendaItem(
                        meeting=meeting,
                        order=order,
                        title=f"{priority.code}: progress against trajectory",
                        lead=f"Director General, {priority.lead_department.name}",
                        minutes_allowed=20,
                        priority=priority,
                        record=(
                            f"{ILLUSTRATIVE}: the department set out progress; the Delivery "
                            "Unit presented the latest data against trajectory."
                            if meeting.status == MeetingStatus.MINUTED
                            else ""
                        ),
                        decisions=(
                            "Actions agreed as below."
                            if meeting.status == MeetingStatus.MINUTED
                            else ""
                        ),
                    )
                )
            if meeting.status == MeetingStatus.MINUTED:
                minutes.append(
                    Minutes(
                        meeting=meeting,
                        summary=f"{ILLUSTRATIVE}: a stocktake of progress and risks.",
                        distribution="private.office@example.gov.uk",
                        issued_at=_aware(meeting.date + timedelta(days=5), 17),
                    )
                )
        AgendaItem.objects.bulk_create(self._count("agenda items", items), 2000)
        self._insert(
            Attendee,
            ["meeting", "name", "role", "kind", "department", "present", "order", "version"],
            [(meeting.pk, *rest) for meeting, *rest in attendees],
        )
        Minutes.objects.bulk_create(self._count("minutes", minutes), 1000)
        self._actions([i for i in items if i.meeting.status != MeetingStatus.PLANNED])

    def _actions(self, items: list[AgendaItem]) -> None:
        rng = self.rng
        actions, updates = [], []
        if not items:
            self.counts["actions"] = 0
            return
        for _ in range(self.options.action_count):
            item = rng.choice(items)
            meeting = item.meeting
            priority = item.priority
            due = meeting.date + timedelta(weeks=rng.randint(2, 12))
            weeks_late = (self.as_at - due).days / 7
            if weeks_late > 8:
                choices = [
                    (ActionStatus.DONE, 78),
                    (ActionStatus.DROPPED, 7),
                    (ActionStatus.IN_PROGRESS, 5),
                    (ActionStatus.OPEN, 10),
                ]
            elif weeks_late > 0:
                choices = [
                    (ActionStatus.DONE, 45),
                    (ActionStatus.IN_PROGRESS, 25),
                    (ActionStatus.OPEN, 30),
                ]
            else:
                choices = [
                    (ActionStatus.OPEN, 60),
                    (ActionStatus.IN_PROGRESS, 35),
                    (ActionStatus.DONE, 5),
                ]
            status = _weighted(rng, choices)
            action = Action(
                description=rng.choice(ACTION_TEXTS).format(code=priority.code)
                + f". ({ILLUSTRATIVE}.)",
                owner=f"Director General, {priority.lead_department.name}",
                department=priority.lead_department,
                due=due,
                status=status,
                meeting=meeting,
                agenda_item=item,
                priority=priority,
                created_at=_aware(meeting.date, 12),
            )
            actions.append(action)
            if status != ActionStatus.OPEN:
                updated = min(due + timedelta(days=rng.randint(-14, 21)), self.as_at)
                at = connection.ops.adapt_datetimefield_value(
                    _aware(max(updated, meeting.date), 15)
                )
                note = f"{ILLUSTRATIVE}: update from the owner."
                updates.append((action, at, ActionStatus.OPEN, status, note))
        Action.objects.bulk_create(self._count("actions", actions), 1000)
        self._insert(
            ActionUpdate,
            ["action", "at", "status_from", "status_to", "note"],
            [(action.pk, *rest) for action, *rest in updates],
        )


def _quarter_end(day: date) -> date:
    """The first day of the last month of `day`'s quarter."""
    return date(day.year, (day.month - 1) // 3 * 3 + 3, 1)


def _period_end(period: date, frequency: str) -> date:
    return periods.step(period, frequency) - timedelta(days=1)


def describe(counts: dict[str, int]) -> list[str]:
    """Lines for the command's report: each kind of row and how many were made."""
    width = max((len(name) for name in counts), default=0)
    return [f"  {name:<{width}} {count:>8,}" for name, count in counts.items()]
