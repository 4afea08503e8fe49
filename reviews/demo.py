"""The demo review: a priority review of asylum intake and screening (PSA 7) in spring 2003, at
the fieldwork stage, and the delivery chain of PSA 7 it walks along.

The review's questions, findings, visits and recommendations are made up for the demo to show
the workspace, and say so where a user reads them; the charts draw the real asylum series. The
chain's posts and bodies are the real ones of the time (Prime Minister, Home Secretary, Home
Office, the Immigration and Nationality Directorate, its screening units and caseworkers); the
strengths given to its links are our invention and say so.

Loading is idempotent: the chain is made only when PSA 7 has none, the review only when PSA 7
has no review of that title, and then all of it at once. Every write goes through the services,
attributed to no user (the system). Run after the portfolio, the users and the stocktakes.
"""

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from deliveryunit.models import Department
from priorities import services as priority_services
from priorities.models import LinkStrength, Measure, Priority
from stocktakes.models import ActionStatus
from stocktakes.services import action_update_status

from . import services
from .models import ChartKind, IssueNode, IssueStatus, PlanStatus, PriorityReview, Stage

PRIORITY = "PSA 7"
TITLE = "Asylum intake and screening"
MONTHLY = "Asylum applications per month (principal applicants)"
QUARTERLY = "Asylum applications per quarter (principal applicants)"

ILLUSTRATIVE = "Illustrative, made up for the demo."
CHAIN_NOTE = "Illustrative judgement made up for the demo, not a finding of the time."

# who, what they do for this priority, strength, note
CHAIN = [
    (
        "Prime Minister",
        "Set the pledge to halve asylum applications and holds stocktakes on it.",
        LinkStrength.STRONG,
        CHAIN_NOTE,
    ),
    (
        "Home Secretary",
        "Answers for the target; agrees the measures and the money.",
        LinkStrength.STRONG,
        CHAIN_NOTE,
    ),
    (
        "Home Office",
        "Turns the pledge into plans, budgets and legislation.",
        LinkStrength.ADEQUATE,
        CHAIN_NOTE,
    ),
    (
        "Immigration and Nationality Directorate (IND)",
        "Runs the asylum process: screening, casework, removals.",
        LinkStrength.ADEQUATE,
        CHAIN_NOTE,
    ),
    (
        "Asylum screening units",
        "Register each claim, take fingerprints, decide the route it takes.",
        LinkStrength.WEAK,
        CHAIN_NOTE + " Queues and paper files seen on the review's visit.",
    ),
    (
        "Asylum caseworkers",
        "Interview applicants and make the initial decisions.",
        LinkStrength.ADEQUATE,
        CHAIN_NOTE,
    ),
]

SCOPE = {
    "basic_question": (
        "What must change at the front door of the asylum system for applications to stay at "
        "half their October 2002 level through 2003?"
    ),
    "context": (
        f"{ILLUSTRATIVE} Situation: applications fell sharply after the February 2003 pledge. "
        "Complication: nobody can yet say which measures caused the fall, so nobody can say "
        "which must be kept up."
    ),
    "decision_makers": "The Prime Minister and the Home Secretary.",
    "success_criteria": (
        "An agreed account of what drives intake, and a short list of actions with owners and "
        "dates that the stocktake can follow up."
    ),
    "stakeholders": "IND, the Treasury, the Immigration Appellate Authority, local authorities.",
    "out_of_scope": "Appeals and removals, which other work covers.",
}

# question, hypothesis, status, evidence, children (the same shape)
TREE: list[tuple[str, str, str, str, list[Any]]] = [
    (
        "Will applications stay at half their October 2002 level?",
        "Yes, if screening keeps up and the new controls stay in force.",
        IssueStatus.OPEN,
        "",
        [
            (
                "Did the fall come from the new controls rather than from world events?",
                "Yes: the fall began with the controls, across most nationalities.",
                IssueStatus.SUPPORTED,
                f"{ILLUSTRATIVE} The monthly series falls from February 2003 for most "
                "nationalities at once.",
                [
                    (
                        "Did claims made in-country fall more than claims at ports?",
                        "Yes, because the controls bite on in-country claims.",
                        IssueStatus.OPEN,
                        "",
                        [],
                    ),
                ],
            ),
            (
                "Can the screening units keep pace with the claims they get?",
                "No: queues build up on Mondays and after holidays.",
                IssueStatus.OPEN,
                "",
                [
                    (
                        "Are screening interviews held on the day of the claim?",
                        "No, most wait overnight or longer.",
                        IssueStatus.REFUTED,
                        f"{ILLUSTRATIVE} Most claims seen on the visit were screened the same "
                        "day; the wait is for the file to reach a caseworker.",
                        [],
                    ),
                ],
            ),
        ],
    ),
]


def _load_chain(priority: Priority, by: Any) -> list[Any]:
    links = list(priority.chain_links.order_by("order", "pk"))
    if links:
        return links
    return [
        priority_services.chain_link_add(
            priority=priority, by=by, who=who, role=role, strength=strength, note=note
        )
        for who, role, strength, note in CHAIN
    ]


def _add_tree(review: PriorityReview, by: Any, nodes: list[Any], parent: Any = None) -> list[Any]:
    made = []
    for question, hypothesis, status, evidence, children in nodes:
        node = services.issue_add(
            review=review, by=by, question=question, parent=parent, hypothesis=hypothesis,
            status=status, evidence=evidence,
        )  # fmt: skip
        made.append(node)
        _add_tree(review, by, children, node)
    return made


def _link(links: list[Any], starts: str) -> Any:
    return next((link for link in links if link.who.startswith(starts)), None)


CLOSED_NOTE = "Done in 2003, as the review reported (illustrative)."


@transaction.atomic
def load_reviews(by: Any = None) -> None:
    """Create PSA 7's delivery chain and the demo review if missing. Safe to run again."""
    priority = Priority.objects.filter(code=PRIORITY).first()
    if priority is None:
        return
    links = _load_chain(priority, by)
    if PriorityReview.objects.filter(priority=priority, title=TITLE).exists():
        return
    home_office = Department.objects.get(code="HO")
    measures = {m.name: m for m in Measure.objects.filter(name__in=[MONTHLY, QUARTERLY])}
    review = services.review_create(
        priority=priority, by=by, title=TITLE, commissioner="Prime Minister",
        start=date(2003, 3, 3), report_due=date(2003, 5, 9),
    )  # fmt: skip
    review = services.review_update(review=review, by=by, expected_version=None, **SCOPE)
    analyst = get_user_model().objects.filter(username="analyst").first()
    if analyst is not None:
        services.team_member_add(review=review, by=by, user=analyst, role="Team leader")
    services.team_member_add(
        review=review, by=by, name="Head of an asylum screening unit (illustrative)",
        role="Frontline manager",
    )  # fmt: skip
    services.team_member_add(
        review=review, by=by, name="Inspector of immigration services (illustrative)",
        role="Regulator",
    )  # fmt: skip

    tops = _add_tree(review, by, TREE)
    first_level = list(IssueNode.objects.filter(parent=tops[0]).order_by("position"))
    for issue, analysis, source, who, due, product, status in (
        (first_level[0], "Applications by month and nationality, before and after February",
         "IND asylum statistics", "Delivery Unit analyst", date(2003, 3, 28),
         "Chart and a one-page note", PlanStatus.DONE),
        (first_level[1], "Time from claim to screening and to first interview, one week's "
         "claims", "Screening unit logs", "IND performance team", date(2003, 4, 11),
         "Table of waits by unit", PlanStatus.UNDER_WAY),
    ):  # fmt: skip
        services.plan_row_add(
            review=review, by=by, issue=issue, hypothesis=issue.hypothesis, analysis=analysis,
            source=source, responsibility=who, due=due, end_product=product, status=status,
        )  # fmt: skip

    for day, site, link, findings in (
        (date(2003, 3, 20), "Asylum screening unit, Croydon (illustrative visit)",
         _link(links, "Asylum screening"),
         f"{ILLUSTRATIVE} Claims screened the same day, but files wait days for a caseworker."),
        (date(2003, 4, 2), "Asylum casework team, Croydon (illustrative visit)",
         _link(links, "Asylum caseworkers"),
         f"{ILLUSTRATIVE} Caseworkers keep their own lists of files; nobody sees the whole "
         "queue."),
    ):  # fmt: skip
        services.visit_add(
            review=review, by=by, date=day, site=site, chain_link=link,
            visitors="Delivery Unit analyst, IND lead", findings=findings,
            notes=ILLUSTRATIVE,
        )  # fmt: skip

    monthly, quarterly = measures.get(MONTHLY), measures.get(QUARTERLY)
    if monthly is not None:
        services.finding_add(
            review=review, by=by, headline="Applications halved within months of the pledge",
            evidence="Monthly applications fell from 8,770 in October 2002 to 4,255 in "
            "February 2003 (provisional figures as first published).",
            chart_kind=ChartKind.MEASURE, measure=monthly, chart_as_at=date(2003, 3, 31),
        )  # fmt: skip
        services.finding_add(
            review=review, by=by, headline="The quarterly series tells the same story",
            evidence=f"{ILLUSTRATIVE} Read together, the two series show the fall is not a "
            "blip of one month.",
            chart_kind=ChartKind.MEASURE, measure=monthly, compare_with=quarterly,
            chart_as_at=date(2003, 3, 31),
        )  # fmt: skip

    recommendations = [
        services.recommendation_add(
            review=review, by=by, description=description, owner=owner,
            department=home_office, due=due,
        )  # fmt: skip
        for description, owner, due in (
            ("One list of screened claims waiting for a caseworker, seen by every team "
             "(illustrative)", "Director, Asylum Casework, IND", date(2003, 6, 30)),
            ("Weekly intake figures to the Home Secretary and the Delivery Unit "
             "(illustrative)", "Director, Asylum Policy, IND", date(2003, 5, 31)),
            ("Extra screening staff on Mondays and after holidays (illustrative)",
             "Head of screening, IND", date(2003, 7, 31)),
            ("Review the controls' effect on in-country claims by nationality (illustrative)",
             "Home Office Research, Development and Statistics", date(2003, 9, 30)),
        )
    ]  # fmt: skip
    for recommendation in recommendations[:2]:
        action = services.recommendation_accept(
            recommendation=recommendation, by=by, expected_version=None
        )
        # The review belongs to 2003: its actions were done then, so nothing of it is overdue
        # on the demo's date (the tracker keeps them under "done", with where they came from).
        action_update_status(
            action=action, by=by, expected_version=None, status=ActionStatus.DONE, note=CLOSED_NOTE
        )
    services.review_move_stage(review=review, by=by, expected_version=None, stage=Stage.FIELDWORK)
