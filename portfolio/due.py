"""What is due from the signed-in analyst or official: the "due from me" part of their
dashboard. Ministers have nothing due from them here (they read).

- Judgements to write: the user's own draft assessments in draft (open) rounds and, for
  analysts and the unit lead, priorities in a draft round that nobody has taken yet.
- Data due: measures the user submits data for (access.importable, the queryset form of
  access.import_kinds: editors every measure, officials their department's) whose next period
  should have been published by now (see `data_due`).
- Actions they own (Action.owner_user) that are overdue or due within DUE_SOON.

Each list is read in one query whatever the size of the portfolio, and shows its first
SHOWN items with a count of the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse

from assessments.models import Assessment, AssessmentRound, AssessmentStatus, RoundStatus
from deliveryunit import access, clock
from priorities import charts, periods
from priorities.models import Measure
from priorities.selectors import stored_performance
from stocktakes.models import OUTSTANDING, Action

# How long after a period ends its figures are normally published: data for a period is due
# once the period is over and this long has passed.
PUBLICATION_LAG = {
    periods.MONTHLY: timedelta(days=30),
    periods.QUARTERLY: timedelta(days=45),
    periods.ANNUAL: timedelta(days=90),
}
DUE_SOON = timedelta(days=14)
SHOWN = 10


def period_end(start: date, frequency: str) -> date:
    return periods.step(start, frequency) - timedelta(days=1)


def data_due(
    frequency: str, last_period: date | None, plan_start: date | None, today: date
) -> date | None:
    """The period whose data is due and not yet received, or None.

    The next period after the last one received (or, with none received, the first period of
    the plan) is due once it has ended and its publication lag has passed: a monthly measure is
    due when its last actual is more than one month plus the lag behind today. A measure with
    neither data nor a plan is not yet expected to report."""
    expected = periods.step(last_period, frequency) if last_period else plan_start
    if expected is None:
        return None
    if today > period_end(expected, frequency) + PUBLICATION_LAG[frequency]:
        return expected
    return None


@dataclass(frozen=True)
class Judgement:
    round: AssessmentRound
    priority: Any
    unassigned: bool  # nobody has taken it yet
    url: str


@dataclass(frozen=True)
class DataDue:
    measure: Measure
    period: date
    last_period: date | None
    url: str

    @property
    def period_text(self) -> str:
        return charts.spark_period(self.period, self.measure.frequency)

    @property
    def last_text(self) -> str:
        if self.last_period is None:
            return "none received yet"
        return charts.spark_period(self.last_period, self.measure.frequency)


@dataclass
class DueList:
    items: list[Any] = field(default_factory=list)
    more: int = 0

    @classmethod
    def of(cls, items: list[Any]) -> DueList:
        return cls(items=items[:SHOWN], more=max(len(items) - SHOWN, 0))

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass
class DueFromMe:
    judgements: DueList
    data: DueList
    actions: DueList
    actions_url: str
    today: date

    @property
    def anything(self) -> bool:
        return bool(self.judgements or self.data or self.actions)


def _judgements(user: Any) -> list[Judgement]:
    if not access.is_editor(user):
        return []
    mine = [
        Judgement(
            round=a.round,
            priority=a.priority,
            unassigned=False,
            url=reverse("assessments:assessment_edit", args=[a.round_id, a.priority_id]),
        )
        for a in Assessment.objects.filter(
            round__status=RoundStatus.DRAFT, author=user, status=AssessmentStatus.DRAFT
        )
        .select_related("round", "priority")
        .order_by("round__date", "priority__code")
    ]
    taken = Assessment.objects.filter(
        round_id=OuterRef("assessmentround_id"),
        priority_id=OuterRef("priority_id"),
        author__isnull=False,
    )
    unassigned = [
        Judgement(
            round=link.assessmentround,
            priority=link.priority,
            unassigned=True,
            url=reverse(
                "assessments:assessment_edit", args=[link.assessmentround_id, link.priority_id]
            ),
        )
        for link in AssessmentRound.priorities.through.objects.filter(
            assessmentround__status=RoundStatus.DRAFT
        )
        .exclude(Exists(taken))
        .select_related("assessmentround", "priority")
        .order_by("assessmentround__date", "priority__code")
    ]
    return mine + unassigned


def _data(user: Any, today: date) -> list[DataDue]:
    due = []
    measures = (
        access.importable(Measure.objects.filter(priority__active=True), user)
        .select_related("priority", "stored_performance")
        .order_by("priority__code", "pk")
    )
    for measure in measures:
        stored = stored_performance(measure)
        period = data_due(measure.frequency, stored.latest_period, stored.plan_start, today)
        if period is not None:
            due.append(
                DataDue(
                    measure=measure,
                    period=period,
                    last_period=stored.latest_period,
                    url=reverse("priorities:actuals_grid", args=[measure.pk]),
                )
            )
    return due


def _actions(user: Any, today: date) -> list[Action]:
    actions = list(
        access.scoped(
            Action.objects.filter(
                owner_user=user, status__in=OUTSTANDING, due__lte=today + DUE_SOON
            ),
            user,
        )
        .select_related("priority")
        .order_by("due", "pk")
    )
    for action in actions:
        action.overdue = action.is_overdue(today)  # type: ignore[attr-defined]
    return actions


def due_from(user: Any) -> DueFromMe | None:
    """What is due from `user`, or None for those who submit and write nothing (ministers)."""
    if not (access.is_editor(user) or access.may_import(user)):
        return None
    today = clock.today()
    return DueFromMe(
        judgements=DueList.of(_judgements(user)),
        data=DueList.of(_data(user, today)),
        actions=DueList.of(_actions(user, today)),
        actions_url=reverse("stocktakes:action_list") + "?owner=mine",
        today=today,
    )
