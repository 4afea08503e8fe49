"""The review workspace: what each of its sections shows, and in which state (reading, adding a
row, changing one, with a message or a conflict).

The page is one template (reviews/review_detail.html) with a partial per section. A full page
draws every section; an htmx request draws only the section it changed (and any section that
shows the same rows, out of band), so each section's context is built on its own. Every section
is a fixed number of queries whatever the size of the review: the issue tree is one query
however deep, and the measures behind the findings' charts are read once for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format

from deliveryunit import access
from priorities import charts, page_parts

from . import forms, selectors, services
from .models import STAGES, PriorityReview, Stage

SECTIONS = (
    "details",
    "team",
    "scope",
    "chain",
    "issues",
    "plan",
    "visits",
    "findings",
    "recommendations",
    "report",
)
# Sections that show rows of another: a visit moved on the chain changes the chain's marks.
ALSO_SHOWS = {"visits": ("chain",), "chain": ("visits",)}

VISIT_MARK = "Visit: {site}, {date}"
STAGE_WORDS = {
    Stage.SCOPING: "Agree the question, the scope and the team.",
    Stage.FIELDWORK: "Gather the evidence: data, and visits down the delivery chain.",
    Stage.ANALYSIS: "Test each hypothesis against the evidence.",
    Stage.REPORTING: "Tell the story: findings, the charts that show them, the action plan.",
    Stage.COMPLETE: "Reported. Accepted recommendations are followed up in the tracker.",
}


@dataclass
class SectionState:
    """How one section is drawn: reading (the default), or adding (editing="new") or changing
    a row (editing=its pk) with `form`, and any message, error or conflict to show."""

    form: Any = None
    editing: int | str | None = None
    parent: int | None = None  # the issue tree: adding a sub-question under this question
    move_form: Any = None  # the issue tree: where to move the question being changed
    saved: str = ""
    error: str = ""
    conflict: Any = None


def _details(review: PriorityReview, user: Any, today: date) -> dict[str, Any]:
    labels = dict(Stage.choices)
    here = STAGES.index(review.stage)
    return {
        "warnings": selectors.warnings_for(review, today),
        "late": review.is_late(today),
        "moves": selectors.stage_moves(review),
        "next_stages": [
            {"value": s, "label": labels[s], "forward": STAGES.index(s) > here}
            for s in services.next_stages(review.stage)
        ],
        "stages": [
            {"value": value, "label": label, "current": value == review.stage}
            for value, label in Stage.choices
        ],
        "stage_words": STAGE_WORDS.get(review.stage, ""),  # type: ignore[call-overload]
    }


def _team(review: PriorityReview, user: Any, today: date) -> dict[str, Any]:
    return {"team": selectors.team(review)}


def _scope(review: PriorityReview, user: Any, today: date) -> dict[str, Any]:
    fields = forms.ScopeForm.Meta.fields
    return {
        "scope": [
            {
                "name": name,
                "label": str(PriorityReview._meta.get_field(name).verbose_name).capitalize(),
                "value": getattr(review, name),
                "guidance": forms.GUIDANCE[name],
            }
            for name in fields
        ]
    }


def _chain(review: PriorityReview, user: Any, today: date) -> dict[str, Any]:
    visits = selectors.visits(review)
    marks = [
        page_parts.ChainMark(
            link_id=visit.chain_link_id,
            label=VISIT_MARK.format(site=visit.site, date=date_format(visit.date, "j M Y")),
            url=f"#visit-{visit.pk}",
        )
        for visit in visits
        if visit.chain_link_id
    ]
    rows = page_parts.chain_rows(selectors.chain_links(review), marks)
    if access.is_editor(user):
        for row in rows:
            args = [review.pk, row.link.pk]
            row.controls = {
                "edit": reverse("reviews:chain_edit", args=args),
                "move": reverse("reviews:chain_reorder", args=args),
                "remove": reverse("reviews:chain_delete", args=args),
            }
    return {
        "chain": rows,
        "chain_label": f"Delivery chain of {review.priority.code}, from the minister to the "
        "front line",
    }


def _issues(review: PriorityReview, user: Any, today: date) -> dict[str, Any]:
    return {"issue_rows": selectors.issue_rows(selectors.review_issues(review))}


def _plan(review: PriorityReview, user: Any, today: date) -> dict[str, Any]:
    labels = {"due": "Timing", "end_product": "End product"}
    return {
        "plan_rows": selectors.plan_rows(review),
        "plan_guidance": [
            (labels.get(name, name.capitalize()), text)
            for name, text in forms.PLAN_GUIDANCE.items()
        ],
    }


def _visits(review: PriorityReview, user: Any, today: date) -> dict[str, Any]:
    return {"visits": selectors.visits(review)}


def _findings(review: PriorityReview, user: Any, today: date) -> dict[str, Any]:
    return {"findings": selectors.finding_views(selectors.findings(review))}


def _recommendations(review: PriorityReview, user: Any, today: date) -> dict[str, Any]:
    rows = selectors.recommendations(review)
    return {
        "recommendations": rows,
        "accepted_count": sum(1 for r in rows if r.is_accepted),
        "overdue_ids": {r.pk for r in rows if r.action and r.action.is_overdue(today)},
    }


def _report(review: PriorityReview, user: Any, today: date) -> dict[str, Any]:
    documents = selectors.report_documents(review, user)
    return {
        "report_documents": documents,
        "report_building": any(d.is_active for d in documents),
    }


BUILDERS: dict[str, Callable[[PriorityReview, Any, date], dict[str, Any]]] = {
    "details": _details,
    "team": _team,
    "scope": _scope,
    "chain": _chain,
    "issues": _issues,
    "plan": _plan,
    "visits": _visits,
    "findings": _findings,
    "recommendations": _recommendations,
    "report": _report,
}


def context(
    user: Any,
    review: PriorityReview,
    today: date,
    states: dict[str, SectionState] | None = None,
    only: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """What the workspace template needs: every section, or `only` some of them."""
    states = states or {}
    result: dict[str, Any] = {
        "nav_reviews": True,
        "review": review,
        "priority": review.priority,
        "can_edit": access.is_editor(user),
        "state": {section: states.get(section) or SectionState() for section in SECTIONS},
    }
    for section in only or SECTIONS:
        result.update(BUILDERS[section](review, user, today))
    editing = result["state"]["issues"].editing
    if "issue_rows" in result and isinstance(editing, int):
        result["move_targets"] = move_targets(result["issue_rows"], editing)
    if "findings" in result:
        result["plot_config"] = charts.PLOT_CONFIG
    return result


def move_targets(rows: list[selectors.IssueRow], node_id: int) -> list[selectors.IssueRow]:
    """Where a question may move: anywhere but itself and its own sub-questions (which follow
    it in reading order, deeper than it)."""
    targets = []
    inside: int | None = None
    for row in rows:
        if inside is not None and row.depth > inside:
            continue
        inside = None
        if row.node.pk == node_id:
            inside = row.depth
            continue
        targets.append(row)
    return targets
