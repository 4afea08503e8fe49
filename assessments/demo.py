"""Demo assessments: the seed's asylum example over three published rounds (2002-2003); the
Health priorities judged in December 2022 and June 2023 (published), each round dated when the
data it judges existed; and an open round, October 2023, dated the demo's "as at" date, with
judgements in progress for the current portfolio. Past-era priorities are inactive, so the open
round leaves them out (see deliveryunit.demo for how the demo treats its eras).

Judgements, rationales, narratives and key challenges written for the demo say they are
illustrative; the asylum ratings, the December 2003 narrative and its key challenges are the
seed's, and performance commentaries state published figures.

The judgements of the asylum rounds are the seed's "Regular assessment and follow-up" table,
cell for cell. Two readings of that table: its middle column is headed "July 02" but sits
between December 2002 and December 2003, so it is the July 2003 round; and one degree-of-
challenge cell there reads "N", which is not on the scale, so it is recorded as M (the rating
the same sub-target has in the next round) and the challenge rationale says so.

Runs after deliveryunit.demo.load_foundation() (the "analyst" and "unitlead" users) and
priorities.demo.load_priorities() (the priorities, by code). Loading is idempotent: a service is
called only where the stored state differs from what is written here, so a second load writes
nothing and records no history. A published round that matches is left alone; one that does
not (someone reopened and changed it) is reopened with a recorded reason, restored and
published again. Every write goes through assessments.services.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from deliveryunit.demo import illustrative
from deliveryunit.models import User
from priorities.models import Priority

from . import services
from .models import Assessment, AssessmentRound, AssessmentStatus, RoundStatus

AUTHOR = "analyst"
MODERATOR = "unitlead"

# The seed table's rows, in its order: the priority and then its six sub-targets.
ASYLUM_CODES = ["PSA 7", "PSA 7.1", "PSA 7.2", "PSA 7.3", "PSA 7.4", "PSA 7.5", "PSA 7.6"]

ROUNDS = [
    ("December 2002", date(2002, 12, 31)),
    ("July 2003", date(2003, 7, 31)),
    ("December 2003", date(2003, 12, 31)),
]

# Per row, per round: challenge, planning, capacity, stage, likelihood.
SEED_TABLE = {
    "PSA 7": ("H AR R 2 R", "H AG AG 2 AG", "H AG AG 3 G"),
    "PSA 7.1": ("H AR R 2 R", "H G G 3 AG", "H AG G 3 G"),
    "PSA 7.2": ("H AR R 1 AR", "H AG AR 2 AR", "H AR AG 2 AR"),
    "PSA 7.3": ("L G G 3 G", "L G G 3 G", "L G G 4 G"),
    # The seed's July cell for challenge reads "N"; see the module docstring.
    "PSA 7.4": ("H R R 2 R", "M AR AR 2 AR", "M G G 2 AG"),
    "PSA 7.5": ("M AR R 1 R", "L G G 3 G", "L G G 3 G"),
    "PSA 7.6": ("H R R 2 R", "M AR AR 2 AR", "M G AG 3 G"),
}

N_READ_AS_M = (
    "Recorded as Medium. The July 2003 table showed 'N' here, which is not a point on the "
    "scale; we read it as Medium, the rating this sub-target was given in December 2003."
)

# The open round is dated the demo's "as at" date (deliveryunit.demo.AS_AT).
CURRENT_ROUND = ("October 2023", date(2023, 10, 31))
RESTORE_REASON = "Demo data restored to its published state."

JUDGEMENTS = ["challenge", "planning", "capacity", "stage", "likelihood"]

LABELS = {
    "challenge": {"L": "Low", "M": "Medium", "H": "High", "VH": "Very high"},
    "rag": {"R": "Red", "AR": "Amber-Red", "AG": "Amber-Green", "G": "Green"},
    "stage": {"1": "stage 1", "2": "stage 2", "3": "stage 3", "4": "stage 4"},
}

# Rationales for the four judgements of the asylum rows, by rating. The likelihood rationale is
# written for each row and round (LIKELIHOOD_RATIONALES), since it is the judgement people read.
CHALLENGE_TEXT = {
    "L": "Within reach: the work is in the department's own hands and performance is already "
    "close to the target.",
    "M": "Achievable, but it relies on faster casework and on partners outside the department "
    "playing their part.",
    "H": "Demanding: it needs a sharp change in numbers driven largely by events abroad, "
    "through a long chain of agencies.",
}
PLANNING_TEXT = {
    "R": "No plan links actions to the target: no trajectory, unclear owners and no routine "
    "review of progress.",
    "AR": "A plan exists, but the link from actions to results is weak and progress is not yet "
    "reviewed against milestones.",
    "AG": "A sound plan with owners and milestones, reviewed regularly; performance data does "
    "not yet drive action everywhere.",
    "G": "A clear plan with a trajectory, owners and milestones, reviewed monthly against "
    "reliable data, with action taken when it slips.",
}
CAPACITY_TEXT = {
    "R": "Leadership attention is elsewhere and the teams lack the people and skills to change "
    "course.",
    "AR": "Leaders are engaged, but the teams are stretched and management below the top is "
    "uneven.",
    "AG": "Strong leadership with clear accountability; some gaps in middle management remain.",
    "G": "Well led and resourced, with managers who own the target and can solve problems as "
    "they arise.",
}
STAGE_TEXT = {
    "1": "Still at the design stage: the key changes are agreed in principle but not yet in "
    "operation.",
    "2": "The main changes are in place and being rolled out; their effect on the front line is "
    "still building.",
    "3": "The changes reach every part of the process; the task now is to raise quality and close "
    "the remaining gaps.",
    "4": "The new way of working is established and results would hold without the centre's "
    "attention.",
}
TEXTS = {
    "challenge": CHALLENGE_TEXT,
    "planning": PLANNING_TEXT,
    "capacity": CAPACITY_TEXT,
    "stage": STAGE_TEXT,
}

LIKELIHOOD_RATIONALES = {
    "PSA 7": (
        "Intake is rising and neither the plans nor the capacity to turn it round are in place "
        "yet: urgent action is needed across the asylum system.",
        "A marked improvement: lower intake is taking hold and programme boards now manage "
        "performance, though the speed of decisions and removals still lags.",
        "The organisation has been transformed over the year; most sub-targets are on course "
        "and the remaining risks are known and owned.",
    ),
    "PSA 7.1": (
        "Monthly applications are at a record level and the measures to cut unfounded claims are "
        "still being designed.",
        "Applications have fallen sharply since the February pledge; the question is whether the "
        "fall holds as the new controls bed in.",
        "The pledge to halve monthly applications has been met and the controls behind it are now "
        "part of routine operations.",
    ),
    "PSA 7.2": (
        "Fast-track processing is limited to a small pilot; without more capacity few clearly "
        "unfounded cases are turned round quickly.",
        "Fast-track capacity has grown, but appeals still hold cases up; more is needed before "
        "the target is in sight.",
        "Cases in the fast track are turned round quickly, but it covers a small share of claims "
        "and the plan to expand it is weak.",
    ),
    "PSA 7.3": (
        "Initial decisions are already close to the two-month standard and casework is on top "
        "of intake.",
        "Performance remains at or near the standard; keep watching as intake changes.",
        "The standard is met consistently and the process is stable.",
    ),
    "PSA 7.4": (
        "The end-to-end target is not yet defined, the appeal stage is outside the department's "
        "control and there is no joint plan.",
        "Work with the appeals system has started, but the share to be met is still to be agreed "
        "and progress is hard to measure.",
        "A joint plan with the appeals system is in place and times are falling; the final appeal "
        "stage is still untested, which keeps this short of green.",
    ),
    "PSA 7.5": (
        "Quality is not measured systematically and many initial decisions are overturned on "
        "appeal.",
        "Quality assurance is in place and more decisions are upheld on appeal.",
        "Quality checks are routine and the results are holding.",
    ),
    "PSA 7.6": (
        "Removals are far below the number of failed claims and no plan links enforcement effort "
        "to the target.",
        "Removals are rising from a low base, but travel documents and detention space still "
        "limit progress.",
        "Removals are rising in line with a credible plan; the main constraints now have owners "
        "and actions.",
    ),
}

PERFORMANCE_COMMENTARY = {
    "PSA 7.1": (
        "Applications reached 8,770 in October 2002, the highest month in the series, with no "
        "sign yet of a fall.",
        "Applications fell to 4,255 in February and 4,565 in March 2003, close to half the "
        "October 2002 level within weeks of the pledge.",
        "At 4,225 in September 2003, monthly applications were below 4,385, half the October 2002 "
        "level: the pledge has been met.",
    ),
}

# December 2002 and July 2003 are written for the demo; December 2003 is the seed's.
NARRATIVES = {
    "PSA 7": (
        illustrative(
            "The asylum system is not yet under control. Intake is high, plans do not connect "
            "actions to outcomes, and leadership has little capacity to drive change. Building "
            "that capacity comes first."
        ),
        illustrative(
            "Real progress in six months. Intake has fallen sharply and programme boards now "
            "test performance. The organisation's capacity to deliver is the next thing to "
            "secure."
        ),
        "The asylum organisation is now well run, and its gains look lasting. Over the year its "
        "capacity and performance have been transformed: the leadership rightly put its effort "
        "into building the capacity to deliver, and there has been strong progress on every "
        "challenge we set out in the last report. The task now is to carry that rigour into the "
        "new strategy, above all on cutting intake further.",
    ),
}

# The challenges for the priority in December 2003: titles as the unit named them in the
# previous report, with this round's progress note.
KEY_CHALLENGES = [
    (
        "Maintain ambition and challenge",
        "The board leads by example and has used evaluations of key projects to test its "
        "priorities, structures and processes. That testing has to carry through into the new "
        "strategy, which should make clear that intake must fall further.",
    ),
    (
        "Accelerate effective performance management",
        "Programme boards now question performance properly, start new actions and raise "
        "strategic issues. A review found no good way yet to handle issues that cut across the "
        "boards; the most important is a country-by-country view of strategy, action and "
        "impact.",
    ),
    (
        "Establish effective corporate management to join up the organisation",
        "The board works together better and is more focused on performance. It still needs a "
        "way to lead issues and projects that cut across the organisation.",
    ),
    (
        "Engage and energise staff",
        "Senior staff are more engaged, but most staff are not yet lined up behind the clearer "
        "priorities. Better internal communication and a more deliberate approach to "
        "developing the organisation, steered by the board, are needed.",
    ),
    (
        "Strengthen and develop middle management",
        "Good progress: strong new managers are in place in the business areas that matter most.",
    ),
    (
        "Re-build the big picture to shape the next delivery plan",
        "Under way as part of the strategic planning cycle. Good evaluations of recent "
        "initiatives give the new delivery plan a firm base, but too few people support "
        "strategic thinking and cross-cutting work.",
    ),
    (
        "Managing the impact of the spending settlement",
        "The board has faced the limits of the settlement in a mature and realistic way.",
    ),
]


@dataclass(frozen=True)
class AssessmentSpec:
    code: str
    judgements: dict[str, str]
    texts: dict[str, str]
    # The status to bring it to: draft, submitted or agreed.
    status: str
    key_challenges: list[tuple[str, str]] = field(default_factory=list)


# --- the Health priorities: two published rounds ------------------------------------------

HEALTH_CODES = ["DH-AE-4H", "DH-RTT-18W"]

# Each judges the figures for periods up to the month it is named after, so it is dated after
# that month's figures were first released (A&E on the second Thursday of the next month): the
# snapshot as at the round's date then holds them.
HEALTH_ROUNDS = [
    ("December 2022", date(2023, 1, 31)),
    ("June 2023", date(2023, 7, 31)),
]


def _judged(
    code: str,
    ratings: str,
    rationales: tuple[str, str, str, str, str],
    *,
    narrative: str = "",
    commentary: str = "",
    key_challenges: list[tuple[str, str]] | None = None,
    status: str = AssessmentStatus.AGREED,
) -> AssessmentSpec:
    """An assessment written for the demo: the ratings as "challenge planning capacity stage
    likelihood" (a blank one as "-"), the five rationales in that order, marked illustrative.
    `commentary` states published figures only, so it is not marked."""
    judgements = {
        name: "" if value == "-" else value
        for name, value in zip(JUDGEMENTS, ratings.split(), strict=True)
    }
    texts = {
        f"{name}_rationale": illustrative(text) if text else ""
        for name, text in zip(JUDGEMENTS, rationales, strict=True)
    }
    texts["narrative"] = illustrative(narrative) if narrative else ""
    texts["performance_commentary"] = commentary
    return AssessmentSpec(
        code=code,
        judgements=judgements,
        texts=texts,
        status=status,
        key_challenges=[(title, illustrative(note)) for title, note in key_challenges or []],
    )


HEALTH_ASSESSMENTS = {
    "December 2022": [
        _judged(
            "DH-AE-4H",
            "VH R AR 1 R",
            (
                "Attendances are at record levels and patients who are fit to leave hospital "
                "wait for social care, so the front door backs up: the standard depends on the "
                "whole system, not A&E alone.",
                "There is no agreed plan to recover the standard: no level short of 95% to aim "
                "for, no trajectory to it and no routine review of each system's position.",
                "National leaders are engaged, but winter pressures and industrial action leave "
                "little room to drive change, and grip varies widely between systems.",
                "Recovery is still being designed: the urgent and emergency care plan is due in "
                "the new year.",
                "Performance is the lowest since the series began and there is no credible route "
                "back to 95%. Urgent and decisive action is needed: an interim level that can be "
                "reached, and a plan to reach it.",
            ),
            narrative=(
                "Performance has fallen every winter since 2021 and is now far below the "
                "standard. NHS England and the department should agree an interim level that "
                "can be reached, with a trajectory, and hold each system to it month by month."
            ),
            commentary=(
                "In December 2022, 65.2% of A&E attendances were admitted, transferred or "
                "discharged within four hours, the lowest figure since the series began in "
                "November 2010, against the 95% standard."
            ),
            key_challenges=[
                (
                    "Set an interim level and a trajectory to it",
                    "Not started: the recovery plan is being prepared.",
                ),
                (
                    "Free up beds by speeding discharge",
                    "Discharge funding is agreed for the winter; no effect is visible yet.",
                ),
            ],
        ),
        _judged(
            "DH-RTT-18W",
            "VH AR AR 2 AR",
            (
                "The waiting list is far longer than before the pandemic and referrals keep "
                "rising: 92% within 18 weeks needs years of activity above demand.",
                "The elective recovery plan sets clear end dates for the longest waits but no "
                "trajectory back to the 18-week standard.",
                "Workforce gaps and industrial action limit the extra activity the plan depends "
                "on.",
                "Surgical hubs and the independent sector are in use; their effect shows so far "
                "in the longest waits only.",
                "Waits of two years are nearly gone, but the share within 18 weeks is far from "
                "92% and still falling. Substantial attention is needed, and urgent action on "
                "the 78-week milestone.",
            ),
            narrative=(
                "The longest waits are falling as planned; the 18-week standard is not. The plan "
                "needs a trajectory for the standard itself, and the April 2023 milestone for "
                "78-week waits needs a month-by-month profile."
            ),
            commentary=(
                "In October 2022, 60.2% of patients waiting to start treatment had waited under "
                "18 weeks, against 92%. 1,907 had waited over 104 weeks, down from 23,778 in "
                "January 2022; 50,124 had waited over 78 weeks."
            ),
            key_challenges=[
                (
                    "Profile the 78-week milestone month by month",
                    "Not started.",
                ),
                (
                    "Protect planned activity through industrial action",
                    "Trusts report cancellations weekly; no plan to recover lost activity yet.",
                ),
            ],
        ),
    ],
    "June 2023": [
        _judged(
            "DH-AE-4H",
            "H AR AG 2 AR",
            (
                "Still demanding, but the recovery plan's interim level of 76% by March 2024 is "
                "within reach of where performance now stands.",
                "The recovery plan sets a national trajectory to 76%, but local plans do not yet "
                "show how each trust will get there.",
                "The plan has clear national ownership and monthly reviews; the capacity to act "
                "on what they show is growing, unevenly.",
                "The plan's main changes (more beds, more ambulances, care outside hospital) are "
                "being put in place.",
                "Performance has recovered from the winter low and is close to the trajectory, "
                "but reaching 76% needs a further rise through the winter, the hardest months. "
                "Substantial attention is needed.",
            ),
            narrative=(
                "Real improvement since the winter: the recovery plan has given the service a "
                "level it can reach and a trajectory to track. The risk is this winter; local "
                "plans must show how each trust will hold the gains and build on them."
            ),
            commentary=(
                "In June 2023, 73.3% of attendances were seen within four hours, up from 65.2% in "
                "December 2022 and within one point of the recovery plan's trajectory."
            ),
            key_challenges=[
                (
                    "Set an interim level and a trajectory to it",
                    "Done: 76% by March 2024 and 78% by March 2025, in the recovery plan of 30 "
                    "January 2023.",
                ),
                (
                    "Free up beds by speeding discharge",
                    "Some progress; delayed discharges remain the main limit on flow.",
                ),
                (
                    "Plan the winter trust by trust",
                    "Plans are due in September.",
                ),
            ],
        ),
        _judged(
            "DH-RTT-18W",
            "VH AG AR 2 AR",
            (
                "Unchanged: demand keeps rising and the list is still growing.",
                "The plan is now reviewed monthly with each region against milestones for the "
                "longest waits.",
                "Industrial action has cancelled planned activity month after month: capacity is "
                "the binding constraint.",
                "As in December: the changes are in place and their effect on the standard is "
                "still to come.",
                "The plan is sound, but the activity it needs is not happening. The figures held "
                "here stop at October 2022, so recent progress cannot be judged from them: the "
                "latest months are needed before the next stocktake.",
            ),
            narrative=(
                "Planning has improved, but the standard is out of reach without a lasting rise "
                "in activity. The unit cannot judge recent progress on its own figures, which "
                "end in October 2022; the department should send the months since."
            ),
            commentary=(
                "The latest figures held are for October 2022: 60.2% within 18 weeks, 1,907 "
                "waiting over 104 weeks and 50,124 over 78 weeks. Later months have not been "
                "entered."
            ),
            key_challenges=[
                (
                    "Profile the 78-week milestone month by month",
                    "Done for each region; the April 2023 milestone was missed.",
                ),
                (
                    "Protect planned activity through industrial action",
                    "Lost activity is now tracked nationally; recovering it is the open question.",
                ),
            ],
        ),
    ],
}


# --- the open round: a mix of not started, draft and submitted ------------------------------

CURRENT_ASSESSMENTS = [
    _judged(
        "DH-AE-4H",
        "H AR AG - -",
        (
            "Demand keeps rising and flow out of hospital depends on social care, outside the "
            "NHS's direct control.",
            "The recovery plan sets interim levels, but local plans do not yet show how each "
            "trust will reach them.",
            "National leadership is clear and engaged; urgent care boards vary in their grip.",
            "",
            "",
        ),
        commentary=(
            "In September 2023, 71.6% of attendances were seen within four hours, below the "
            "recovery plan's trajectory."
        ),
        status=AssessmentStatus.DRAFT,
    ),
    _judged(
        "DH-RTT-18W",
        "VH AG AR 2 AR",
        (
            "The waiting list is far larger than before the pandemic and must fall while new "
            "referrals keep growing.",
            "The elective recovery plan has clear milestones for the longest waits and is "
            "reviewed monthly with each region.",
            "Workforce gaps and industrial action have cut the activity the plan relies on.",
            "Surgical hubs and the independent sector are in use; the effect on the 18-week "
            "standard is still to come.",
            "The longest waits are falling, but the 92% standard is out of reach without a "
            "lasting rise in activity.",
        ),
        status=AssessmentStatus.SUBMITTED,
    ),
]


def _asylum_specs(round_index: int) -> list[AssessmentSpec]:
    specs = []
    for code in ASYLUM_CODES:
        judgements = dict(zip(JUDGEMENTS, SEED_TABLE[code][round_index].split(), strict=True))
        previous = (
            dict(zip(JUDGEMENTS, SEED_TABLE[code][round_index - 1].split(), strict=True))
            if round_index
            else None
        )
        texts = {
            f"{name}_rationale": _rationale(name, judgements[name], previous, round_index)
            for name in TEXTS
        }
        if code == "PSA 7.4" and round_index == 1:
            texts["challenge_rationale"] = N_READ_AS_M
        texts["likelihood_rationale"] = illustrative(LIKELIHOOD_RATIONALES[code][round_index])
        texts["performance_commentary"] = PERFORMANCE_COMMENTARY.get(code, ("", "", ""))[
            round_index
        ]
        texts["narrative"] = NARRATIVES.get(code, ("", "", ""))[round_index]
        last_round = round_index == len(ROUNDS) - 1
        specs.append(
            AssessmentSpec(
                code=code,
                judgements=judgements,
                texts=texts,
                status=AssessmentStatus.AGREED,
                key_challenges=KEY_CHALLENGES if code == "PSA 7" and last_round else [],
            )
        )
    return specs


def _label(name: str, code: str) -> str:
    scale = "rag" if name in ("planning", "capacity") else name
    return LABELS[scale][code]


def _rationale(name: str, code: str, previous: dict[str, str] | None, round_index: int) -> str:
    text = TEXTS[name][code]
    if previous is None:
        return illustrative(text)
    before = ROUNDS[round_index - 1][0]
    if previous[name] == code:
        return illustrative(f"{text} Unchanged since {before}.")
    return illustrative(f"{text} It was {_label(name, previous[name])} in {before}.")


# --- loading ------------------------------------------------------------------------------


@transaction.atomic
def load_assessments() -> None:
    """Create, or bring back to the demo state, the asylum rounds, the Health rounds and the
    open round."""
    author = User.objects.get(username=AUTHOR)
    moderator = User.objects.get(username=MODERATOR)
    by_code = {p.code: p for p in Priority.objects.filter(code__in=ASYLUM_CODES + HEALTH_CODES)}
    asylum = [by_code[code] for code in ASYLUM_CODES]
    for index, (name, day) in enumerate(ROUNDS):
        _published_round(name, day, asylum, _asylum_specs(index), author, moderator)
    health = [by_code[code] for code in HEALTH_CODES]
    for name, day in HEALTH_ROUNDS:
        _published_round(name, day, health, HEALTH_ASSESSMENTS[name], author, moderator)
    _current_round(author, moderator)


def _published_round(
    name: str,
    day: date,
    priorities: list[Priority],
    specs: list[AssessmentSpec],
    author: User,
    moderator: User,
) -> None:
    round_ = AssessmentRound.objects.filter(name=name).first()
    if round_ is None:
        round_ = services.round_create(by=moderator, name=name, date=day, priorities=priorities)
    elif round_.status == RoundStatus.PUBLISHED:
        if all(_matches(round_, spec) for spec in specs):
            return
        round_ = services.round_reopen(round_=round_, by=moderator, reason=RESTORE_REASON)
    for spec in specs:
        _assessment(round_, _find(priorities, spec.code), spec, author, moderator)
    round_ = services.round_to_moderation(round_=round_, by=moderator)
    services.round_publish(round_=round_, by=moderator)


def _find(priorities: list[Priority], code: str) -> Priority:
    return next(p for p in priorities if p.code == code)


def _current_round(author: User, moderator: User) -> None:
    name, day = CURRENT_ROUND
    round_ = AssessmentRound.objects.filter(name=name).first()
    if round_ is None:
        round_ = services.round_create(
            by=moderator, name=name, date=day, priorities=_current_scope()
        )
    if round_.status == RoundStatus.PUBLISHED:
        # Someone has taken the demo's current round through to publication: leave it be.
        return
    in_scope = {p.code: p for p in round_.priorities.all()}
    for spec in CURRENT_ASSESSMENTS:
        if spec.code in in_scope:
            _assessment(round_, in_scope[spec.code], spec, author, moderator)


def _current_scope() -> list[Priority]:
    """Every active priority: the current era's (past eras' priorities are inactive)."""
    return list(Priority.objects.filter(active=True).order_by("code"))


def _matches(round_: AssessmentRound, spec: AssessmentSpec) -> bool:
    assessment = Assessment.objects.filter(round=round_, priority__code=spec.code).first()
    if assessment is None or assessment.status != spec.status:
        return False
    wanted = {**spec.judgements, **spec.texts}
    if any(getattr(assessment, name) != value for name, value in wanted.items()):
        return False
    return _challenges(assessment) == spec.key_challenges


def _challenges(assessment: Assessment) -> list[tuple[str, str]]:
    return [(c.title, c.progress) for c in assessment.key_challenges.order_by("order", "pk")]


def _assessment(
    round_: AssessmentRound,
    priority: Priority,
    spec: AssessmentSpec,
    author: User,
    moderator: User,
) -> None:
    assessment = services.assessment_start(round_=round_, priority=priority, by=author)
    assessment = services.assessment_save(
        assessment=assessment,
        by=author,
        expected_version=None,
        judgements=spec.judgements,
        texts=spec.texts,
    )
    _key_challenges(assessment, spec.key_challenges, author)
    assessment.refresh_from_db()
    order = [AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED, AssessmentStatus.AGREED]
    if order.index(assessment.status) > order.index(spec.status):
        # Further on than the demo wants (e.g. a draft of the current round submitted by
        # someone trying the demo): moderation sends it back, and it is brought on from there.
        assessment = services.assessment_return(
            assessment=assessment, by=moderator, expected_version=None
        )
    if assessment.status == AssessmentStatus.DRAFT and spec.status != AssessmentStatus.DRAFT:
        assessment = services.assessment_submit(
            assessment=assessment, by=author, expected_version=None
        )
    if assessment.status == AssessmentStatus.SUBMITTED and spec.status == AssessmentStatus.AGREED:
        services.assessment_agree(assessment=assessment, by=moderator, expected_version=None)


def _key_challenges(assessment: Assessment, wanted: list[tuple[str, str]], by: User) -> None:
    stored = list(assessment.key_challenges.order_by("order", "pk"))
    if [c.title for c in stored] != [title for title, _ in wanted]:
        for challenge in stored:
            services.key_challenge_remove(challenge=challenge, by=by, expected_version=None)
        for title, progress in wanted:
            services.key_challenge_add(assessment=assessment, by=by, title=title, progress=progress)
        return
    for challenge, (title, progress) in zip(stored, wanted, strict=True):
        if challenge.progress != progress:
            services.key_challenge_update(
                challenge=challenge, by=by, expected_version=None, title=title, progress=progress
            )
