"""Reads for priority reviews, scoped to the user, each in a fixed number of queries.

Reviews are scoped through their priority (deliveryunit.access, `DEPARTMENT_PATHS`): officials
and department ministers see the reviews of their department's priorities, the unit and
unscoped ministers all of them. Everything inside a review is read through the review, so an
out-of-scope review's questions, visits, images and report do not exist for the user.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.formats import date_format

from deliveryunit import access
from deliveryunit.models import DocumentKind, GeneratedDocument
from deliveryunit.priority_facts import ReviewUnderWay
from priorities import charts, performance
from priorities.models import ChainLink, Priority
from priorities.selectors import measure_series_for_priorities
from priorities.series import MeasureSeries, as_it_stood

from .models import (
    ChartKind,
    Finding,
    FrontlineVisit,
    IssueNode,
    PriorityReview,
    Recommendation,
    Stage,
    StageChange,
    TeamMember,
)

LENGTH_WARNING = (
    "Planned to take {weeks:g} weeks: a review works best reported in six to twelve weeks."
)
LATE_WARNING = "The report was due on {due} and the review is not complete."


def _reviews() -> QuerySet[PriorityReview]:
    return PriorityReview.objects.select_related("priority__lead_department")


def reviews_for_user(user: Any) -> QuerySet[PriorityReview]:
    return access.scoped(_reviews(), user)


def review_for_user(user: Any, pk: Any) -> PriorityReview:
    """One review the user may see, or 404."""
    return access.get_for_user(_reviews(), user, pk=pk)


def part_of(
    review: PriorityReview, model: type[Any], pk: Any, owner: dict[str, Any] | None = None
) -> Any:
    """A row inside `review` (already scoped), or 404. `owner` is the lookup from the row to
    the review when it is not a plain "review" foreign key (chain links: the priority)."""
    return get_object_or_404(model, pk=pk, **(owner or {"review": review}))


def reviews_under_way_count(user: Any) -> int:
    return reviews_for_user(user).exclude(stage=Stage.COMPLETE).count()


def warnings_for(review: PriorityReview, today: date) -> list[str]:
    """Why a review needs attention: its planned length, and whether it is late."""
    found = []
    if review.length_out_of_range:
        found.append(LENGTH_WARNING.format(weeks=review.planned_weeks))
    if review.is_late(today):
        found.append(LATE_WARNING.format(due=date_format(review.report_due, "j F Y")))
    return found


@dataclass
class ReviewRow:
    review: PriorityReview
    warnings: list[str]
    late: bool


def review_list(user: Any, today: date, stage: str = "") -> list[ReviewRow]:
    """The reviews the user may see, newest first, with their warnings. One query."""
    reviews = reviews_for_user(user)
    if stage:
        reviews = reviews.filter(stage=stage)
    return [
        ReviewRow(review, warnings_for(review, today), review.is_late(today))
        for review in reviews.order_by("-start", "-pk")
    ]


def reviews_of_priority(user: Any, priority: Priority) -> list[PriorityReview]:
    return list(reviews_for_user(user).filter(priority=priority).order_by("-start", "-pk"))


# --- the issue tree --------------------------------------------------------------------------


@dataclass
class IssueRow:
    """A question as the tree draws it, flattened in reading order. `closes` is how many levels
    of the nested list end after this row, so a tree of any depth is drawn without recursion."""

    node: IssueNode
    number: str
    depth: int
    has_children: bool
    first: bool
    last: bool
    closes: range = field(default_factory=lambda: range(0))


def issue_rows(nodes: list[IssueNode]) -> list[IssueRow]:
    """The questions of one review in tree order, numbered 1, 1.1, 1.1.1..."""
    children: dict[int | None, list[IssueNode]] = defaultdict(list)
    ids = {node.pk for node in nodes}
    for node in nodes:
        # A parent that is not in the list (which the services never allow) puts the question
        # at the top level rather than losing it.
        children[node.parent_id if node.parent_id in ids else None].append(node)
    for siblings in children.values():
        siblings.sort(key=lambda n: (n.position, n.pk))

    rows: list[IssueRow] = []
    seen: set[int] = set()
    stack: list[tuple[IssueNode, str, int, bool, bool]] = [
        (node, str(i), 0, i == 1, i == len(children[None]))
        for i, node in reversed(list(enumerate(children[None], start=1)))
    ]
    while stack:
        node, number, depth, first, last = stack.pop()
        if node.pk in seen:
            continue
        seen.add(node.pk)
        kids = [kid for kid in children.get(node.pk, []) if kid.pk not in seen]
        rows.append(IssueRow(node, number, depth, bool(kids), first, last))
        for i, kid in reversed(list(enumerate(kids, start=1))):
            stack.append((kid, f"{number}.{i}", depth + 1, i == 1, i == len(kids)))
    for index, row in enumerate(rows):
        if not row.has_children:
            following = rows[index + 1].depth if index + 1 < len(rows) else 0
            row.closes = range(row.depth - following)
    return rows


def review_issues(review: PriorityReview) -> list[IssueNode]:
    return list(IssueNode.objects.filter(review=review).order_by("position", "pk"))


# --- findings and their charts ---------------------------------------------------------------


@dataclass
class FindingView:
    finding: Finding
    figure: dict[str, Any] | None = None
    summary: str = ""
    # The measures' series as charted (as at the finding's date), for documents.
    series: list[MeasureSeries] = field(default_factory=list)

    @property
    def figure_id(self) -> str:
        return f"finding-figure-{self.finding.pk}"


def _chart_summary(series: list[MeasureSeries], as_at: date | None) -> str:
    names = " and ".join(s.name for s in series)
    when = f", as at {date_format(as_at, 'j F Y')}" if as_at else ""
    points = sum(len(s.actuals) for s in series)
    return f"Chart of {names}{when}: {points} actual value{'s' if points != 1 else ''}."


def finding_views(findings: list[Finding]) -> list[FindingView]:
    """Each finding with its measure chart's figure, drawn from the same figures as the
    priority pages. The measures' data is read once for all of them."""
    measure_ids = {
        pk
        for f in findings
        if f.chart_kind == ChartKind.MEASURE
        for pk in (f.measure_id, f.compare_with_id)
        if pk
    }
    series: dict[int, MeasureSeries] = {}
    if measure_ids:
        priorities = Priority.objects.filter(measures__pk__in=measure_ids).distinct()
        series = measure_series_for_priorities(priorities)
    views = []
    for finding in findings:
        view = FindingView(finding)
        if finding.chart_kind == ChartKind.MEASURE and finding.measure_id in series:
            chosen = [series[finding.measure_id]]
            if finding.compare_with_id in series:
                chosen.append(series[finding.compare_with_id])  # type: ignore[index]
            if finding.chart_as_at:
                chosen = [as_it_stood(s, finding.chart_as_at) for s in chosen]
            view.series = chosen
            view.figure = figure_of(chosen, finding.chart_as_at)
            view.summary = _chart_summary(chosen, finding.chart_as_at)
        views.append(view)
    return views


def figure_of(chosen: list[MeasureSeries], as_at: date | None) -> dict[str, Any]:
    if len(chosen) == 1:
        return charts.measure_figure(chosen[0], performance.assess(chosen[0], as_at=as_at))
    return charts.comparison_figure(chosen)


# --- the workspace's reads -------------------------------------------------------------------


def team(review: PriorityReview) -> list[TeamMember]:
    return list(review.team.select_related("user").order_by("order", "pk"))


def stage_moves(review: PriorityReview) -> list[StageChange]:
    return list(review.moves.select_related("by").order_by("at", "pk"))


def plan_rows(review: PriorityReview) -> list[Any]:
    return list(review.plan.select_related("issue").order_by("order", "pk"))


def visits(review: PriorityReview) -> list[FrontlineVisit]:
    return list(review.visits.select_related("chain_link").order_by("date", "pk"))


def findings(review: PriorityReview) -> list[Finding]:
    return list(
        review.findings.select_related("measure__priority", "compare_with__priority").order_by(
            "order", "pk"
        )
    )


def recommendations(review: PriorityReview) -> list[Recommendation]:
    return list(
        review.recommendations.select_related("department", "action").order_by("rank", "pk")
    )


def chain_links(review: PriorityReview) -> list[ChainLink]:
    return list(ChainLink.objects.filter(priority_id=review.priority_id).order_by("order", "pk"))


def visits_on_chain(priority: Priority, user: Any) -> dict[int, list[FrontlineVisit]]:
    """The frontline visits of the priority's reviews (those the user may see), by chain link."""
    placed: dict[int, list[FrontlineVisit]] = defaultdict(list)
    for visit in (
        FrontlineVisit.objects.filter(
            review__in=reviews_for_user(user).filter(priority=priority).values("pk"),
            chain_link__isnull=False,
        )
        .select_related("review")
        .order_by("date", "pk")
    ):
        placed[visit.chain_link_id].append(visit)  # type: ignore[index]
    return placed


REPORT_KEY = "review={pk}"


def report_documents(review: PriorityReview, user: Any) -> list[GeneratedDocument]:
    """The review report's builds the user may download, newest first."""
    return list(
        access.scoped(
            GeneratedDocument.objects.filter(
                kind=DocumentKind.REVIEW_REPORT, subject_key=REPORT_KEY.format(pk=review.pk)
            ),
            user,
        )
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")[:10]
    )


def with_team(queryset: QuerySet[PriorityReview]) -> QuerySet[PriorityReview]:
    return queryset.prefetch_related(
        Prefetch("team", queryset=TeamMember.objects.select_related("user"))
    )


def under_way_by_priority(user: Any, priority_ids: Iterable[int]) -> dict[int, ReviewUnderWay]:
    """For the dashboard's review column: the latest review under way on each of the given
    priorities that the user may see (one query)."""
    found: dict[int, ReviewUnderWay] = {}
    rows = (
        reviews_for_user(user)
        .filter(priority_id__in=list(priority_ids))
        .exclude(stage=Stage.COMPLETE)
        .order_by("priority_id", "-start", "-pk")
    )
    for review in rows:
        found.setdefault(
            review.priority_id,
            ReviewUnderWay(
                title=review.title,
                stage=review.get_stage_display(),
                url=reverse("reviews:review_detail", args=[review.pk]),
            ),
        )
    return found
