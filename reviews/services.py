"""Writes to priority reviews and everything in them.

Each validates, writes in a transaction and records who made the change. A change to an
existing row carries the version the user started from, compared after the row is locked
(deliveryunit.editing.locked): a stale one raises ConflictError and nothing is written. Changes
to the shape of a list or tree (adding, moving, reordering, removing) lock the review's row
first, so two people rearranging the same review do so one after the other; that is also what
makes the issue tree's "not under itself" check safe. Accepting a recommendation creates its
action through stocktakes.services, the one way into the tracker.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Model
from django.utils import timezone

from deliveryunit.editing import attribute, bump, locked
from priorities.models import ChainLink, Measure, Priority
from stocktakes import services as stocktakes_services
from stocktakes.models import Action, ActionSource

from .images import CheckedImage
from .models import (
    STAGES,
    AnalysisPlanRow,
    ChartKind,
    Finding,
    FrontlineVisit,
    IssueNode,
    IssueStatus,
    PriorityReview,
    Recommendation,
    Stage,
    StageChange,
    TeamMember,
)

DUE_BEFORE_START = "The report cannot be due before the review starts."
STAGE_NOT_ADJACENT = "A review moves one stage at a time: from {current} it can go to {options}."
QUESTION_REQUIRED = "Write the question, phrased so that it can be answered yes or no."
EVIDENCE_REQUIRED = "Say what evidence supports or refutes the hypothesis before settling it."
MOVE_UNDER_ITSELF = (
    "A question cannot move under itself or under one of its own sub-questions. Choose a "
    "question elsewhere in the tree, or the top level."
)
OTHER_REVIEW = "Choose a question from this review's issue tree."
AT_THE_END = "This is already at that end of the list."
HAS_SUB_QUESTIONS = (
    "This question has sub-questions. Move or delete them first: only a question with none can "
    "be deleted."
)
ANALYSIS_REQUIRED = "Describe the analysis that will prove or disprove the hypothesis."
SITE_REQUIRED = "Say where the visit was."
LINK_NOT_IN_CHAIN = "Choose a link of this priority's delivery chain."
MEASURE_REQUIRED = "Choose the measure to chart."
MEASURE_NOT_IN_PRIORITY = "Choose a measure of the priority under review or of its sub-targets."
SAME_MEASURE = "Choose a different measure to compare with, or none."
IMAGE_REQUIRED = "Choose a PNG or JPEG image to upload."
IMAGE_DESCRIPTION_REQUIRED = "Describe what the image shows, for people who cannot see it."
HEADLINE_REQUIRED = "Write the finding in a sentence."
DESCRIPTION_REQUIRED = "Describe what is recommended."
ALREADY_ACCEPTED = (
    "This recommendation has been accepted and is now an action in the tracker: follow it up there."
)
MEMBER_NEEDS_SOMEONE = "Choose a workbench user or give the outside member's name."
MEMBER_ROLE_REQUIRED = "Say what this member brings to the review, for example regulator."
GONE = "Someone else removed this since you opened the page."
SOURCE_NOTE = "Priority review: {title}"


def _user(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def _locked_review(review: PriorityReview) -> PriorityReview:
    return locked(PriorityReview, review.pk)


def _locked[M: Model](model: type[M], obj: M, expected_version: int | None = None) -> M:
    """The row locked and checked against the version the user saw; one removed meanwhile is
    refused with a message rather than a 404."""
    try:
        if expected_version is None or not hasattr(obj, "version"):
            return model._default_manager.select_for_update().get(pk=obj.pk)
        return locked(model, obj.pk, expected_version)
    except model.DoesNotExist:  # type: ignore[attr-defined]
        raise ValidationError(GONE) from None


def _set(instance: Model, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


def _save_new(instance: Model, by: Any) -> None:
    instance.full_clean()
    attribute(instance, by)
    instance.save()


def _save_changed(instance: Model, by: Any) -> None:
    instance.full_clean()
    instance.version += 1  # type: ignore[attr-defined]
    attribute(instance, by)
    instance.save()


def _next(rows: Any, field: str) -> int:
    return (rows.aggregate(n=Max(field))["n"] or 0) + 1


def _renumber(rows: Iterable[Any], field: str, by: Any) -> None:
    for position, row in enumerate(rows, start=1):
        if getattr(row, field) != position:
            setattr(row, field, position)
            attribute(row, by)
            row.save(update_fields=[field])


def _swap(rows: list[Any], current: Any, field: str, up: bool, by: Any) -> None:
    """Move `current` one place up or down `rows` (in order) and renumber them."""
    index = next(i for i, row in enumerate(rows) if row.pk == current.pk)
    target = index - 1 if up else index + 1
    if not 0 <= target < len(rows):
        raise ValidationError(AT_THE_END)
    rows[index], rows[target] = rows[target], rows[index]
    _renumber(rows, field, by)


# --- the review ------------------------------------------------------------------------------


def _check_dates(review: PriorityReview) -> None:
    if review.start and review.report_due and review.report_due < review.start:
        raise ValidationError({"report_due": DUE_BEFORE_START})


@transaction.atomic
def review_create(*, priority: Priority, by: Any, **fields: Any) -> PriorityReview:
    """A new review, at the scoping stage."""
    review = PriorityReview(priority=priority, created_by=_user(by), **fields)
    review.stage = Stage.SCOPING
    _check_dates(review)
    _save_new(review, by)
    StageChange.objects.create(review=review, stage_to=Stage.SCOPING, by=_user(by))
    return review


@transaction.atomic
def review_update(
    *, review: PriorityReview, by: Any, expected_version: int | None, **fields: Any
) -> PriorityReview:
    """Change the review's details or its scope and problem statement (not its stage)."""
    fields.pop("stage", None)
    current = locked(PriorityReview, review.pk, expected_version)
    _set(current, fields)
    _check_dates(current)
    _save_changed(current, by)
    return current


def next_stages(stage: str) -> list[str]:
    """Where a review at `stage` may go: on to the next stage, or back to the one before."""
    index = STAGES.index(stage)
    return [STAGES[i] for i in (index + 1, index - 1) if 0 <= i < len(STAGES)]


@transaction.atomic
def review_move_stage(
    *, review: PriorityReview, by: Any, expected_version: int | None, stage: str
) -> PriorityReview:
    current = locked(PriorityReview, review.pk, expected_version)
    allowed = next_stages(current.stage)
    if stage not in allowed:
        labels = dict(Stage.choices)
        raise ValidationError(
            STAGE_NOT_ADJACENT.format(
                current=labels[current.stage].lower(),
                options=" or ".join(labels[s].lower() for s in allowed),
            )
        )
    StageChange.objects.create(
        review=current, stage_from=current.stage, stage_to=stage, by=_user(by)
    )
    current.stage = stage
    bump(current, by, "stage")
    return current


# --- the team --------------------------------------------------------------------------------


@transaction.atomic
def team_member_add(
    *, review: PriorityReview, by: Any, role: str, user: Any = None, name: str = ""
) -> TeamMember:
    review = _locked_review(review)
    if user is None and not name.strip():
        raise ValidationError(MEMBER_NEEDS_SOMEONE)
    if not role.strip():
        raise ValidationError({"role": MEMBER_ROLE_REQUIRED})
    member = TeamMember(
        review=review,
        user=user,
        name="" if user is not None else name.strip(),
        role=role.strip(),
        order=_next(review.team, "order"),
    )
    _save_new(member, by)
    return member


@transaction.atomic
def team_member_remove(*, member: TeamMember, by: Any, expected_version: int | None) -> None:
    review = _locked_review(member.review)
    current = _locked(TeamMember, member, expected_version)
    attribute(current, by)
    current.delete()
    _renumber(review.team.order_by("order", "pk"), "order", by)


# --- the issue tree --------------------------------------------------------------------------


def _siblings(review: PriorityReview, parent_id: int | None) -> list[IssueNode]:
    return list(
        IssueNode.objects.select_for_update()
        .filter(review=review, parent_id=parent_id)
        .order_by("position", "pk")
    )


def _check_question(node: IssueNode) -> None:
    if not node.question.strip():
        raise ValidationError({"question": QUESTION_REQUIRED})
    if node.status != IssueStatus.OPEN and not node.evidence.strip():
        raise ValidationError({"evidence": EVIDENCE_REQUIRED})


def _check_parent(review: PriorityReview, parent: IssueNode | None) -> None:
    if parent is not None and parent.review_id != review.pk:
        raise ValidationError({"parent": OTHER_REVIEW})


@transaction.atomic
def issue_add(
    *,
    review: PriorityReview,
    by: Any,
    question: str,
    parent: IssueNode | None = None,
    **fields: Any,
) -> IssueNode:
    """A question at the end of its parent's sub-questions (or of the top level)."""
    review = _locked_review(review)
    _check_parent(review, parent)
    siblings = _siblings(review, parent.pk if parent else None)
    node = IssueNode(
        review=review,
        parent=parent,
        position=len(siblings) + 1,
        question=question.strip(),
        **fields,
    )
    _check_question(node)
    _save_new(node, by)
    return node


@transaction.atomic
def issue_update(
    *, node: IssueNode, by: Any, expected_version: int | None, **fields: Any
) -> IssueNode:
    """Change a question, its hypothesis, or settle it (supported or refuted, with the
    evidence that settled it)."""
    fields.pop("parent", None)
    current = _locked(IssueNode, node, expected_version)
    _set(current, fields)
    current.question = current.question.strip()
    _check_question(current)
    _save_changed(current, by)
    return current


def _ancestors(review: PriorityReview, node_id: int | None) -> list[int]:
    """The ids from `node_id` up to the top of the tree, read in one query."""
    parent_of = dict(IssueNode.objects.filter(review=review).values_list("pk", "parent_id"))
    chain: list[int] = []
    while node_id is not None and node_id not in chain:
        chain.append(node_id)
        node_id = parent_of.get(node_id)
    return chain


@transaction.atomic
def issue_move(
    *, node: IssueNode, by: Any, expected_version: int | None, parent: IssueNode | None
) -> IssueNode:
    """Move a question (with its sub-questions) under another, or to the top level, as the
    last of its new siblings. Refused if that would put it under itself."""
    review = _locked_review(node.review)
    current = _locked(IssueNode, node, expected_version)
    _check_parent(review, parent)
    if parent is not None and current.pk in _ancestors(review, parent.pk):
        raise ValidationError({"parent": MOVE_UNDER_ITSELF})
    old_parent = current.parent_id
    new_parent = parent.pk if parent else None
    if old_parent == new_parent:
        return current
    current.parent = parent
    current.position = len(_siblings(review, new_parent)) + 1
    _save_changed(current, by)
    _renumber(_siblings(review, old_parent), "position", by)
    return current


@transaction.atomic
def issue_reorder(*, node: IssueNode, by: Any, expected_version: int | None, up: bool) -> IssueNode:
    """Swap a question with the sibling before (up) or after it."""
    review = _locked_review(node.review)
    current = _locked(IssueNode, node, expected_version)
    _swap(_siblings(review, current.parent_id), current, "position", up, by)
    current.refresh_from_db()
    bump(current, by)
    return current


@transaction.atomic
def issue_delete(*, node: IssueNode, by: Any, expected_version: int | None) -> None:
    """Delete a question that has no sub-questions."""
    review = _locked_review(node.review)
    current = _locked(IssueNode, node, expected_version)
    if IssueNode.objects.filter(parent=current).exists():
        raise ValidationError(HAS_SUB_QUESTIONS)
    parent_id = current.parent_id
    attribute(current, by)
    current.delete()
    _renumber(_siblings(review, parent_id), "position", by)


# --- the analysis and fieldwork plan --------------------------------------------------------


def _check_plan_row(row: AnalysisPlanRow) -> None:
    if not row.analysis.strip():
        raise ValidationError({"analysis": ANALYSIS_REQUIRED})
    if row.issue_id is not None and row.issue.review_id != row.review_id:  # type: ignore[union-attr]
        raise ValidationError({"issue": OTHER_REVIEW})


@transaction.atomic
def plan_row_add(*, review: PriorityReview, by: Any, **fields: Any) -> AnalysisPlanRow:
    review = _locked_review(review)
    row = AnalysisPlanRow(review=review, order=_next(review.plan, "order"), **fields)
    _check_plan_row(row)
    _save_new(row, by)
    return row


@transaction.atomic
def plan_row_update(
    *, row: AnalysisPlanRow, by: Any, expected_version: int | None, **fields: Any
) -> AnalysisPlanRow:
    current = _locked(AnalysisPlanRow, row, expected_version)
    _set(current, fields)
    _check_plan_row(current)
    _save_changed(current, by)
    return current


@transaction.atomic
def plan_row_delete(*, row: AnalysisPlanRow, by: Any, expected_version: int | None) -> None:
    review = _locked_review(row.review)
    current = _locked(AnalysisPlanRow, row, expected_version)
    attribute(current, by)
    current.delete()
    _renumber(review.plan.order_by("order", "pk"), "order", by)


# --- frontline visits -----------------------------------------------------------------------


def _check_visit(visit: FrontlineVisit, review: PriorityReview) -> None:
    if not visit.site.strip():
        raise ValidationError({"site": SITE_REQUIRED})
    link: ChainLink | None = visit.chain_link
    if link is not None and link.priority_id != review.priority_id:
        raise ValidationError({"chain_link": LINK_NOT_IN_CHAIN})


@transaction.atomic
def visit_add(*, review: PriorityReview, by: Any, **fields: Any) -> FrontlineVisit:
    visit = FrontlineVisit(review=review, **fields)
    _check_visit(visit, review)
    _save_new(visit, by)
    return visit


@transaction.atomic
def visit_update(
    *, visit: FrontlineVisit, by: Any, expected_version: int | None, **fields: Any
) -> FrontlineVisit:
    current = _locked(FrontlineVisit, visit, expected_version)
    _set(current, fields)
    _check_visit(current, current.review)
    _save_changed(current, by)
    return current


@transaction.atomic
def visit_delete(*, visit: FrontlineVisit, by: Any, expected_version: int | None) -> None:
    current = _locked(FrontlineVisit, visit, expected_version)
    attribute(current, by)
    current.delete()


# --- findings ---------------------------------------------------------------------------------


def priority_tree_ids(priority_id: int) -> set[int]:
    """The priority and its sub-targets at any depth, read in one query."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Priority.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found = {priority_id}
    stack = [priority_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _check_chart(finding: Finding, review: PriorityReview, image: CheckedImage | None) -> None:
    if not finding.headline.strip():
        raise ValidationError({"headline": HEADLINE_REQUIRED})
    if finding.chart_kind == ChartKind.MEASURE:
        if finding.measure is None:
            raise ValidationError({"measure": MEASURE_REQUIRED})
        allowed = priority_tree_ids(review.priority_id)
        for name in ("measure", "compare_with"):
            measure: Measure | None = getattr(finding, name)
            if measure is not None and measure.priority_id not in allowed:
                raise ValidationError({name: MEASURE_NOT_IN_PRIORITY})
        if finding.compare_with_id is not None and finding.compare_with_id == finding.measure_id:
            raise ValidationError({"compare_with": SAME_MEASURE})
    else:
        finding.measure = finding.compare_with = finding.chart_as_at = None
    if finding.chart_kind == ChartKind.IMAGE:
        if image is None and not finding.image:
            raise ValidationError({"image": IMAGE_REQUIRED})
        if not finding.image_description.strip():
            raise ValidationError({"image_description": IMAGE_DESCRIPTION_REQUIRED})


def _save_finding(finding: Finding, by: Any, image: CheckedImage | None, new: bool) -> None:
    """Validate, then store the image (through the storage API) and the row; an image stored
    for a row that then fails to save is removed again."""
    if finding.chart_kind == ChartKind.IMAGE and image is not None:
        finding.image.save(image.stored_name(), ContentFile(image.content), save=False)
        finding.image_type = image.content_type
    try:
        if new:
            _save_new(finding, by)
        else:
            _save_changed(finding, by)
    except Exception:
        if image is not None and finding.image:
            with contextlib.suppress(OSError):
                finding.image.delete(save=False)
        raise


@transaction.atomic
def finding_add(
    *, review: PriorityReview, by: Any, image: CheckedImage | None = None, **fields: Any
) -> Finding:
    review = _locked_review(review)
    finding = Finding(review=review, order=_next(review.findings, "order"), **fields)
    _check_chart(finding, review, image)
    _save_finding(finding, by, image, new=True)
    return finding


@transaction.atomic
def finding_update(
    *,
    finding: Finding,
    by: Any,
    expected_version: int | None,
    image: CheckedImage | None = None,
    **fields: Any,
) -> Finding:
    current = _locked(Finding, finding, expected_version)
    _set(current, fields)
    _check_chart(current, current.review, image)
    _save_finding(current, by, image, new=False)
    return current


@transaction.atomic
def finding_delete(*, finding: Finding, by: Any, expected_version: int | None) -> None:
    review = _locked_review(finding.review)
    current = _locked(Finding, finding, expected_version)
    attribute(current, by)
    current.delete()
    _renumber(review.findings.order_by("order", "pk"), "order", by)


# --- recommendations and the action plan -----------------------------------------------------


def _unaccepted(recommendation: Recommendation) -> None:
    if recommendation.is_accepted:
        raise ValidationError(ALREADY_ACCEPTED)


def _check_recommendation(recommendation: Recommendation) -> None:
    if not recommendation.description.strip():
        raise ValidationError({"description": DESCRIPTION_REQUIRED})


@transaction.atomic
def recommendation_add(*, review: PriorityReview, by: Any, **fields: Any) -> Recommendation:
    """A recommendation at the bottom of the action plan."""
    review = _locked_review(review)
    recommendation = Recommendation(
        review=review, rank=_next(review.recommendations, "rank"), **fields
    )
    _check_recommendation(recommendation)
    _save_new(recommendation, by)
    return recommendation


@transaction.atomic
def recommendation_update(
    *, recommendation: Recommendation, by: Any, expected_version: int | None, **fields: Any
) -> Recommendation:
    current = _locked(Recommendation, recommendation, expected_version)
    _unaccepted(current)
    _set(current, fields)
    _check_recommendation(current)
    _save_changed(current, by)
    return current


@transaction.atomic
def recommendation_reorder(
    *, recommendation: Recommendation, by: Any, expected_version: int | None, up: bool
) -> Recommendation:
    review = _locked_review(recommendation.review)
    current = _locked(Recommendation, recommendation, expected_version)
    rows = list(review.recommendations.select_for_update().order_by("rank", "pk"))
    _swap(rows, current, "rank", up, by)
    current.refresh_from_db()
    bump(current, by)
    return current


@transaction.atomic
def recommendation_delete(
    *, recommendation: Recommendation, by: Any, expected_version: int | None
) -> None:
    review = _locked_review(recommendation.review)
    current = _locked(Recommendation, recommendation, expected_version)
    _unaccepted(current)
    attribute(current, by)
    current.delete()
    _renumber(review.recommendations.order_by("rank", "pk"), "rank", by)


@transaction.atomic
def recommendation_accept(
    *, recommendation: Recommendation, by: Any, expected_version: int | None
) -> Action:
    """Accept a recommendation: it becomes an action in the one tracker, about the review's
    priority and saying where it came from, so stocktakes follow it up."""
    review = _locked_review(recommendation.review)
    current = _locked(Recommendation, recommendation, expected_version)
    _unaccepted(current)
    action = stocktakes_services.action_create(
        by=by,
        description=current.description,
        owner=current.owner,
        department=current.department,
        due=current.due,
        source=ActionSource.REVIEW,
        priority=review.priority,
        rank=current.rank,
        source_note=SOURCE_NOTE.format(title=review.title)[:300],
    )
    current.action = action
    current.accepted_at = timezone.now()
    current.accepted_by = _user(by)
    bump(current, by, "action", "accepted_at", "accepted_by")
    return action
