"""Reads for assessment rounds: the list of rounds, a round's overview, the grid of judgements
across rounds, the movement report and the framework.

Rounds are not department-scoped themselves; the priorities and assessments shown inside them
are. Ministers and officials see published rounds only: draft and moderated judgements are the
unit's working papers until the round is published.

Every function here runs a fixed number of queries whatever the size of the portfolio: rounds,
priorities and assessments are each fetched in one query and put together in Python.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet
from django.http import Http404

from deliveryunit import access
from deliveryunit.models import Department
from deliveryunit.priority_facts import Likelihood
from priorities.models import Priority

from .models import (
    DIMENSION_ORDER,
    Area,
    Assessment,
    AssessmentRound,
    AssessmentStatus,
    Dimension,
    DimensionCode,
    RatingOption,
    RoundEvent,
    RoundStatus,
)

JUDGEMENTS = [str(code) for code in DIMENSION_ORDER]

# The RAG families have their own colour; the challenge and stage scales are drawn in one
# neutral shade, so colour never suggests that a hard target is a bad one.
_RAG_FAMILIES = {"red", "amber-red", "amber-green", "green"}

NOT_STARTED = "not_started"
STATUS_LABELS = {
    NOT_STARTED: "Not started",
    AssessmentStatus.DRAFT: "Draft",
    AssessmentStatus.SUBMITTED: "Submitted",
    AssessmentStatus.AGREED: "Agreed",
}
STATUS_TAGS = {
    NOT_STARTED: "govuk-tag--grey",
    AssessmentStatus.DRAFT: "govuk-tag--blue",
    AssessmentStatus.SUBMITTED: "govuk-tag--yellow",
    AssessmentStatus.AGREED: "govuk-tag--green",
}
ROUND_STATUS_TAGS = {
    RoundStatus.DRAFT: "govuk-tag--grey",
    RoundStatus.MODERATION: "govuk-tag--yellow",
    RoundStatus.PUBLISHED: "govuk-tag--green",
}


def rating_css(colour: str) -> str:
    family = colour if colour in _RAG_FAMILIES else "neutral"
    return f"du-rag du-rag--{family}"


def natural_key(priority: Priority) -> tuple:
    """Natural order of codes, so "PSA 7" comes before "PSA 10"."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", priority.code)
        if part
    )


# --- the framework's scales -------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    """One judgement as shown: its code, the scale's label for it and the cell's classes."""

    dimension: str
    code: str
    label: str
    css: str
    order: int


class Scales:
    """The framework's dimensions and their scales, fetched once."""

    def __init__(self, dimensions: list[Dimension]) -> None:
        self.dimensions = dimensions
        self._ratings: dict[tuple[str, str], Rating] = {}
        # A portfolio's thousands of assessments share a few hundred sets of five codes.
        self._judgements: dict[tuple[str, ...], list[Rating | None]] = {}
        for dimension in dimensions:
            for option in dimension.options.all():
                self._ratings[(dimension.code, option.code)] = Rating(
                    dimension=dimension.code,
                    code=option.code,
                    label=option.label,
                    css=rating_css(option.colour),
                    order=option.order,
                )

    def rating(self, dimension: str, code: str) -> Rating | None:
        if not code:
            return None
        found = self._ratings.get((dimension, code))
        if found is None:
            # A code no longer on the scale is still shown as recorded, never hidden.
            return Rating(dimension, code, code, rating_css(""), 0)
        return found

    def judgements(self, codes: Iterable[str]) -> list[Rating | None]:
        """The five judgements as Ratings. The list may be shared with other rows: read it,
        never change it."""
        codes = tuple(codes)
        found = self._judgements.get(codes)
        if found is None:
            found = self._judgements[codes] = [
                self.rating(dim, code) for dim, code in zip(JUDGEMENTS, codes, strict=True)
            ]
        return found

    def options(self, dimension: str) -> list[Rating]:
        return sorted(
            (r for (dim, _), r in self._ratings.items() if dim == dimension),
            key=lambda r: r.order,
        )

    @property
    def key(self) -> list[tuple[Dimension, list[Rating]]]:
        """Each dimension with its scale, for the key under a table of judgements."""
        return [(d, self.options(d.code)) for d in self.dimensions]


def scales() -> Scales:
    dimensions = sorted(
        Dimension.objects.prefetch_related(
            Prefetch("options", queryset=RatingOption.objects.order_by("order"))
        ),
        key=lambda d: JUDGEMENTS.index(d.code) if d.code in JUDGEMENTS else len(JUDGEMENTS),
    )
    return Scales(dimensions)


# --- rounds -----------------------------------------------------------------------------------


def rounds_for_user(user: Any) -> QuerySet[AssessmentRound]:
    """The rounds a user may see: all for editors, the published ones for everyone else."""
    return AssessmentRound.objects.filter(access.visible_rounds(user)).order_by("-date", "-pk")


def round_for_user(user: Any, pk: Any) -> AssessmentRound:
    """One round the user may see, or 404."""
    try:
        return rounds_for_user(user).select_related("published_by").get(pk=pk)
    except (AssessmentRound.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def visible_priorities(user: Any) -> QuerySet[Priority]:
    return access.scoped(Priority.objects.all(), user)


@dataclass
class RoundSummary:
    round: AssessmentRound
    in_scope: int
    agreed: int

    @property
    def status_tag(self) -> str:
        return ROUND_STATUS_TAGS.get(self.round.status, "govuk-tag--grey")


def _membership() -> Any:
    return AssessmentRound.priorities.through.objects


def round_list(user: Any) -> list[RoundSummary]:
    """The rounds newest first, each with how many of the user's priorities it covers and how
    many of those have an agreed assessment."""
    rounds = list(rounds_for_user(user))
    ids = [r.pk for r in rounds]
    visible = visible_priorities(user).values("pk")
    in_scope = dict(
        _membership()
        .filter(assessmentround_id__in=ids, priority_id__in=visible)
        .values("assessmentround_id")
        .annotate(n=Count("pk"))
        .values_list("assessmentround_id", "n")
    )
    agreed = dict(
        Assessment.objects.filter(
            round_id__in=ids,
            status=AssessmentStatus.AGREED,
            priority_id__in=visible,
            priority__assessment_rounds=F("round_id"),
        )
        .values("round_id")
        .annotate(n=Count("pk"))
        .values_list("round_id", "n")
    )
    return [RoundSummary(r, in_scope.get(r.pk, 0), agreed.get(r.pk, 0)) for r in rounds]


def _tree(priorities: Iterable[Priority]) -> list[tuple[Priority, int]]:
    """(priority, depth) in hierarchy order: each priority followed by its sub-targets, any
    depth, in natural code order. A priority whose parent is not among `priorities` starts a
    tree of its own."""
    by_id = {p.pk: p for p in priorities}
    children: dict[int | None, list[Priority]] = defaultdict(list)
    for priority in by_id.values():
        children[priority.parent_id if priority.parent_id in by_id else None].append(priority)
    ordered: list[tuple[Priority, int]] = []
    seen: set[int] = set()

    def walk(parent_id: int | None, depth: int) -> None:
        for priority in sorted(children[parent_id], key=natural_key):
            if priority.pk in seen:
                continue
            seen.add(priority.pk)
            ordered.append((priority, depth))
            walk(priority.pk, depth + 1)

    walk(None, 0)
    return ordered


# --- the round overview -----------------------------------------------------------------------

# The long texts an overview never shows.
_OVERVIEW_DEFERRED = (
    *[f"{code}_rationale" for code in JUDGEMENTS],
    "performance_snapshot",
    "performance_commentary",
    "narrative",
)


@dataclass
class OverviewRow:
    priority: Priority
    depth: int
    assessment: Assessment | None
    judgements: list[Rating | None]

    @property
    def status(self) -> str:
        return self.assessment.status if self.assessment else NOT_STARTED

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS[self.status]

    @property
    def indent(self) -> int:
        return min(self.depth, 3)


@dataclass
class RoundOverview:
    round: AssessmentRound
    rows: list[OverviewRow]
    events: list[RoundEvent]
    scales: Scales
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def in_scope(self) -> int:
        return len(self.rows)

    @property
    def status_tag(self) -> str:
        return ROUND_STATUS_TAGS.get(self.round.status, "govuk-tag--grey")


def round_overview(user: Any, round_: AssessmentRound) -> RoundOverview:
    """Every priority of the round the user may see, in hierarchy order, with its five
    judgements and its assessment's status; the round's counts and its event log."""
    priorities = list(
        access.scoped(round_.priorities.all(), user).select_related("lead_department")
    )
    assessments = {
        a.priority_id: a
        for a in Assessment.objects.filter(round=round_, priority_id__in=[p.pk for p in priorities])
        .select_related("author")
        .defer(*_OVERVIEW_DEFERRED)
    }
    scale = scales()
    rows = []
    for priority, depth in _tree(priorities):
        assessment = assessments.get(priority.pk)
        judgements = (
            scale.judgements(assessment.judgement(code) for code in JUDGEMENTS)
            if assessment
            else [None] * len(JUDGEMENTS)
        )
        rows.append(OverviewRow(priority, depth, assessment, judgements))
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for row in rows:
        counts[row.status] += 1
    return RoundOverview(
        round=round_,
        rows=rows,
        events=list(round_.events.select_related("by")),
        scales=scale,
        counts={str(k): v for k, v in counts.items()},
    )


# --- the grid across rounds -------------------------------------------------------------------


@dataclass
class GridRow:
    priority: Priority
    depth: int
    # Per round, oldest first: the five judgement codes in DIMENSION_ORDER, or None where the
    # priority had no assessment in that round. A judgement not yet made is "".
    cells: list[tuple[str, ...] | None]
    # The same, as Ratings for display.
    ratings: list[list[Rating | None] | None]
    # Shown only so that a sub-target sits under its parent: the parent is outside the
    # department filter.
    context_only: bool = False

    @property
    def indent(self) -> int:
        return min(self.depth, 3)


@dataclass
class Grid:
    rounds: list[AssessmentRound]  # oldest first
    rows: list[GridRow]
    scales: Scales
    department: Department | None

    @property
    def dimensions(self) -> list[Dimension]:
        return self.scales.dimensions


def grid(user: Any, department: Department | int | None = None, rounds: int = 3) -> Grid:
    """The judgements of the last `rounds` rounds the user may see, a row per priority and
    sub-target in hierarchy order.

    Rows are the priorities covered by (or assessed in) any of those rounds, led by
    `department` when one is given, that the user may see; a visible parent outside the
    department filter is kept as a context row so its sub-targets stay under it.
    """
    department_id = department.pk if isinstance(department, Department) else department
    visible = visible_priorities(user)
    candidates = visible
    available = rounds_for_user(user)
    if department_id is not None:
        candidates = candidates.filter(lead_department_id=department_id)
        # A department's grid shows the rounds that judged its priorities, not rounds that
        # happen to be newer but cover other departments only.
        available = available.filter(
            pk__in=_membership()
            .filter(priority_id__in=candidates.values("pk"))
            .values("assessmentround_id")
        )
    shown = list(available[: max(rounds, 0)])
    shown.reverse()
    round_ids = [r.pk for r in shown]

    assessed: dict[tuple[int, int], tuple[str, ...]] = {}
    for round_id, priority_id, *codes in Assessment.objects.filter(
        round_id__in=round_ids, priority_id__in=candidates.values("pk")
    ).values_list("round_id", "priority_id", *JUDGEMENTS):
        assessed[(round_id, priority_id)] = tuple(codes)
    matching = {priority_id for _, priority_id in assessed}
    matching.update(
        _membership()
        .filter(assessmentround_id__in=round_ids, priority_id__in=candidates.values("pk"))
        .values_list("priority_id", flat=True)
    )

    # Ancestors at any depth from one query of two integers a row.
    parent_of: dict[int, int | None] = dict(visible.values_list("pk", "parent_id"))
    needed = set(matching)
    for pk in matching:
        parent = parent_of.get(pk)
        while parent is not None and parent in parent_of and parent not in needed:
            needed.add(parent)
            parent = parent_of[parent]

    priorities = Priority.objects.filter(pk__in=needed).select_related("lead_department")
    scale = scales()
    rows = []
    for priority, depth in _tree(priorities):
        cells = [assessed.get((r.pk, priority.pk)) for r in shown]
        rows.append(
            GridRow(
                priority=priority,
                depth=depth,
                cells=cells,
                ratings=[scale.judgements(c) if c is not None else None for c in cells],
                context_only=priority.pk not in matching,
            )
        )
    found_department = None
    if department_id is not None:
        found_department = (
            department
            if isinstance(department, Department)
            else Department.objects.filter(pk=department_id).first()
        )
    return Grid(rounds=shown, rows=rows, scales=scale, department=found_department)


# --- the movement report ----------------------------------------------------------------------

IMPROVED = "improved"
WORSENED = "worsened"


@dataclass
class Movement:
    priority: Priority
    before: Rating
    after: Rating
    direction: str  # IMPROVED or WORSENED
    rationale: str  # the later round's likelihood rationale

    @property
    def arrow(self) -> str:
        return "↑" if self.direction == IMPROVED else "↓"


@dataclass
class MovementReport:
    earlier: AssessmentRound
    later: AssessmentRound
    moved: list[Movement]
    unchanged: int
    # Assessed in only one of the two rounds, or without a likelihood in one of them.
    not_compared: int

    @property
    def improved(self) -> int:
        return sum(1 for m in self.moved if m.direction == IMPROVED)

    @property
    def worsened(self) -> int:
        return sum(1 for m in self.moved if m.direction == WORSENED)


def default_movement_rounds(user: Any) -> tuple[AssessmentRound, AssessmentRound] | None:
    """The two latest published rounds or, failing those, the two latest the user may see."""
    rounds = list(rounds_for_user(user)[:50])
    published = [r for r in rounds if r.status == RoundStatus.PUBLISHED]
    pair = published[:2] if len(published) >= 2 else rounds[:2]
    if len(pair) < 2:
        return None
    return pair[1], pair[0]


def movement(user: Any, first: AssessmentRound, second: AssessmentRound) -> MovementReport:
    """Which of the user's priorities' likelihood of delivery moved between two rounds."""
    earlier, later = sorted((first, second), key=lambda r: (r.date, r.pk))
    rows = (
        access.scoped(Assessment.objects.all(), user)
        .filter(round_id__in=[earlier.pk, later.pk])
        .select_related("priority")
        .only(
            "pk",
            "round_id",
            "priority_id",
            "likelihood",
            "likelihood_rationale",
            "priority__code",
            "priority__title",
            "priority__parent_id",
        )
    )
    before: dict[int, Assessment] = {}
    after: dict[int, Assessment] = {}
    for assessment in rows:
        (before if assessment.round_id == earlier.pk else after)[assessment.priority_id] = (
            assessment
        )
    scale = scales()
    likelihood = str(DimensionCode.LIKELIHOOD)
    moved, unchanged, not_compared = [], 0, 0
    for priority_id in set(before) | set(after):
        old, new = before.get(priority_id), after.get(priority_id)
        if not (old and new and old.likelihood and new.likelihood):
            not_compared += 1
            continue
        if old.likelihood == new.likelihood:
            unchanged += 1
            continue
        was = scale.rating(likelihood, old.likelihood)
        now = scale.rating(likelihood, new.likelihood)
        if was is None or now is None:
            continue
        moved.append(
            Movement(
                priority=new.priority,
                before=was,
                after=now,
                direction=IMPROVED if now.order > was.order else WORSENED,
                rationale=new.likelihood_rationale,
            )
        )
    moved.sort(key=lambda m: natural_key(m.priority))
    return MovementReport(earlier, later, moved, unchanged, not_compared)


# --- each priority's latest likelihood -------------------------------------------------------


def published_assessments(user: Any) -> QuerySet[Assessment]:
    """Assessments in published rounds that `user` may see (the round rule, access's; the
    priority's department scoping is the caller's, who passes the priorities)."""
    return Assessment.objects.filter(
        round__in=rounds_for_user(user).filter(status=RoundStatus.PUBLISHED).values("pk")
    )


def latest_likelihoods(user: Any, priority_ids: Iterable[int]) -> dict[int, Likelihood]:
    """Each priority's likelihood of delivery in the latest published round that judged it,
    with the judgement before that, in two queries (the scale and the judgements) whatever the
    number of priorities or rounds."""
    rows = (
        published_assessments(user)
        .filter(priority_id__in=list(priority_ids))
        .exclude(likelihood="")
        .order_by("priority_id", "-round__date", "-round_id")
        .values_list("priority_id", "likelihood", "round__name", "round__date")
    )
    latest: dict[int, list[tuple[str, str, Any]]] = defaultdict(list)
    for priority_id, code, round_name, round_date in rows:
        if len(latest[priority_id]) < 2:
            latest[priority_id].append((code, round_name, round_date))
    if not latest:
        return {}
    scale = scales()
    dimension = str(DimensionCode.LIKELIHOOD)
    found = {}
    for priority_id, judgements in latest.items():
        (code, round_name, round_date), *before = judgements
        now = scale.rating(dimension, code)
        was = scale.rating(dimension, before[0][0]) if before else None
        if now is None:
            continue
        found[priority_id] = Likelihood(
            code=now.code,
            label=now.label,
            css=now.css,
            round_name=round_name,
            round_date=round_date,
            order=now.order,
            previous_code=was.code if was else "",
            previous_label=was.label if was else "",
            previous_order=was.order if was else None,
            previous_round_name=before[0][1] if before else "",
        )
    return found


# --- the framework ----------------------------------------------------------------------------


def framework() -> list[Dimension]:
    """The dimensions in grid order, each with its scale and its areas to consider."""
    dimensions = sorted(
        Dimension.objects.prefetch_related(
            Prefetch("options", queryset=RatingOption.objects.order_by("order")),
            Prefetch("areas", queryset=Area.objects.order_by("order")),
        ),
        key=lambda d: (d.order, d.pk),
    )
    for dimension in dimensions:
        for option in dimension.options.all():
            option.css = rating_css(option.colour)  # type: ignore[attr-defined]
    return dimensions
