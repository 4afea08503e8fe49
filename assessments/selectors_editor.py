"""Reads for the assessment editor and an assessment's own pages: the assessment, key challenge
or round and priority in the user's scope (404 outside it), what the editor page draws on, and
the assessment's history.

How those reads are drawn (the judgement panels, the snapshot table, the key challenges) is in
editor.py.
"""

import ast
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from deliveryunit import access
from deliveryunit.editing import format_number
from deliveryunit.models import User
from priorities.models import Priority
from priorities.selectors import HistoryEntry, history_entries, newest_first

from .models import (
    DIMENSION_ORDER,
    Area,
    AreaRating,
    Assessment,
    AssessmentRound,
    Dimension,
    KeyChallenge,
    RatingOption,
)

# --- in the user's scope ----------------------------------------------------------------------


def assessment_for_user(user: Any, pk: int) -> Assessment:
    return access.get_for_user(Assessment.objects.select_related("round", "priority"), user, pk=pk)


def key_challenge_for_user(user: Any, pk: int) -> KeyChallenge:
    """A key challenge of an assessment the user may see."""
    return access.get_for_user(
        KeyChallenge.objects.select_related("assessment", "assessment__round"), user, pk=pk
    )


def round_and_priority_for_user(
    user: Any, round_pk: int, priority_pk: int
) -> tuple[AssessmentRound, Priority]:
    """The round and a priority in the user's scope that the round judges (or once judged: an
    assessment made before the priority left the round still opens)."""
    round_ = get_object_or_404(
        AssessmentRound.objects.filter(access.visible_rounds(user)), pk=round_pk
    )
    priority = access.get_for_user(
        Priority.objects.select_related("lead_department"), user, pk=priority_pk
    )
    in_round = round_.priorities.filter(pk=priority.pk).exists()
    if not in_round and not Assessment.objects.filter(round=round_, priority=priority).exists():
        raise Http404
    return round_, priority


# --- the editor page --------------------------------------------------------------------------


@dataclass
class EditorPage:
    """One priority in one round: its assessment (None until first saved), the framework, and
    the assessment of the last round that judged the priority."""

    round: AssessmentRound
    priority: Priority
    assessment: Assessment | None
    dimensions: list[Dimension]
    last: Assessment | None


def framework_dimensions() -> list[Dimension]:
    """The dimensions in the grid's order, with their scales and areas."""
    dimensions = Dimension.objects.prefetch_related(
        Prefetch("options", queryset=RatingOption.objects.order_by("order")),
        Prefetch("areas", queryset=Area.objects.order_by("order")),
    )
    position = {str(code): i for i, code in enumerate(DIMENSION_ORDER)}
    return sorted(dimensions, key=lambda d: position.get(d.code, len(position)))


def assessments_with_parts() -> QuerySet[Assessment]:
    """Assessments with everything the editor shows: area ratings and ordered key challenges."""
    return Assessment.objects.select_related(
        "round", "priority", "priority__lead_department", "author", "moderator"
    ).prefetch_related(
        "area_ratings",
        Prefetch("key_challenges", queryset=KeyChallenge.objects.order_by("order", "pk")),
    )


def editor_page(round_: AssessmentRound, priority: Priority) -> EditorPage:
    assessment = assessments_with_parts().filter(round=round_, priority=priority).first()
    # Last round: the latest earlier round, by date, in which this priority was assessed.
    last = (
        Assessment.objects.filter(priority=priority, round__date__lt=round_.date)
        .select_related("round")
        .order_by("-round__date")
        .first()
    )
    return EditorPage(round_, priority, assessment, framework_dimensions(), last)


# --- history ----------------------------------------------------------------------------------


def assessment_history_entries(assessment: Assessment) -> list[HistoryEntry]:
    """Every recorded change to the assessment, its area ratings and its key challenges,
    newest first, with who made it and each field before and after."""
    assessment_records = list(
        Assessment.history.filter(id=assessment.pk).select_related("history_user")  # type: ignore[attr-defined]
    )
    area_records = list(
        AreaRating.history.filter(assessment_id=assessment.pk).select_related("history_user")  # type: ignore[attr-defined]
    )
    challenge_records = list(
        KeyChallenge.history.filter(assessment_id=assessment.pk).select_related("history_user")  # type: ignore[attr-defined]
    )
    user_ids = {r.author_id for r in assessment_records} | {
        r.moderator_id for r in assessment_records
    }
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids - {None})}
    own = {assessment.pk: str(assessment)}
    area_names = dict(
        Area.objects.filter(pk__in={r.area_id for r in area_records}).values_list("pk", "name")
    )
    entries = history_entries(
        assessment_records,
        Assessment,
        lambda r: "Assessment",
        {
            "round": {assessment.round_id: assessment.round.name},
            "priority": {assessment.priority_id: assessment.priority.code},
            "author": users,
            "moderator": users,
        },
    )
    entries += history_entries(
        area_records,
        AreaRating,
        lambda r: f"Area: {area_names.get(r.area_id, r.area_id)}",
        {"assessment": own, "area": area_names},
    )
    entries += history_entries(
        challenge_records,
        KeyChallenge,
        lambda r: f"Key challenge: {r.title}",
        {"assessment": own},
    )
    for entry in entries:
        entry.changes = [
            type(change)(change.field, _snapshot_text(change.before), _snapshot_text(change.after))
            if change.field == "Performance snapshot"
            else change
            for change in entry.changes
        ]
    return newest_first(entries)


def _snapshot_text(text: str) -> str:
    """A stored performance snapshot as a person reads it: one line per measure."""
    if not text:
        return ""
    try:
        items = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if not isinstance(items, list):
        return text
    lines = []
    for item in items:
        if not isinstance(item, dict):
            continue
        value = item.get("actual")
        shown = "no data" if value is None else format_number(value)
        lines.append(
            f"{item.get('measure', '')}: {shown} ({item.get('status_label') or 'no data'})"
        )
    return "\n".join(lines)
