"""The lists of a review's workspace that are edited the same way: the team, the analysis plan,
frontline visits, findings, recommendations and the priority's delivery chain. Each names its
model, its form, where its rows belong (the review, or for chain links the review's priority)
and the services that add, change, remove and reorder its rows. views_parts.py serves them all
through one set of views; the issue tree, whose rows also move between parents, has its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from priorities import services as priority_services
from priorities.models import ChainLink

from . import forms, services
from .models import (
    AnalysisPlanRow,
    Finding,
    FrontlineVisit,
    PriorityReview,
    Recommendation,
    TeamMember,
)

ADDED = "{noun} added."
SAVED = "{noun} saved."
REMOVED = "{noun} removed."
MOVED = "{noun} moved."


@dataclass(frozen=True)
class Part:
    section: str  # the workspace's partial and anchor, and the URL names' prefix
    slug: str  # in the URLs
    noun: str  # for messages: "Plan row"
    model: type[Model]
    form: type[forms.ReviewPartForm]
    add: Callable[..., Any]  # (review, by, **fields)
    remove: Callable[..., None]  # (row, by, expected_version)
    update: Callable[..., Any] | None = None  # (row, by, expected_version, **fields)
    reorder: Callable[..., Any] | None = None  # (row, by, expected_version, up)
    accepts_files: bool = False

    def owner(self, review: PriorityReview) -> dict[str, Any]:
        """The lookup that finds this part's rows of `review`."""
        if self.model is ChainLink:
            return {"priority_id": review.priority_id}
        return {"review": review}


PARTS: dict[str, Part] = {
    part.section: part
    for part in (
        Part(
            section="team",
            slug="team",
            noun="Team member",
            model=TeamMember,
            form=forms.TeamMemberForm,
            add=lambda review, by, **f: services.team_member_add(review=review, by=by, **f),
            remove=lambda row, by, version: services.team_member_remove(
                member=row, by=by, expected_version=version
            ),
        ),
        Part(
            section="chain",
            slug="chain",
            noun="Link of the delivery chain",
            model=ChainLink,
            form=forms.ChainLinkForm,
            add=lambda review, by, **f: priority_services.chain_link_add(
                priority=review.priority, by=by, **f
            ),
            update=lambda row, by, version, **f: priority_services.chain_link_update(
                link=row, by=by, expected_version=version, **f
            ),
            remove=lambda row, by, version: priority_services.chain_link_remove(
                link=row, by=by, expected_version=version
            ),
            reorder=lambda row, by, version, up: priority_services.chain_link_move(
                link=row, by=by, expected_version=version, towards_front_line=not up
            ),
        ),
        Part(
            section="plan",
            slug="plan",
            noun="Analysis",
            model=AnalysisPlanRow,
            form=forms.PlanRowForm,
            add=lambda review, by, **f: services.plan_row_add(review=review, by=by, **f),
            update=lambda row, by, version, **f: services.plan_row_update(
                row=row, by=by, expected_version=version, **f
            ),
            remove=lambda row, by, version: services.plan_row_delete(
                row=row, by=by, expected_version=version
            ),
        ),
        Part(
            section="visits",
            slug="visits",
            noun="Visit",
            model=FrontlineVisit,
            form=forms.VisitForm,
            add=lambda review, by, **f: services.visit_add(review=review, by=by, **f),
            update=lambda row, by, version, **f: services.visit_update(
                visit=row, by=by, expected_version=version, **f
            ),
            remove=lambda row, by, version: services.visit_delete(
                visit=row, by=by, expected_version=version
            ),
        ),
        Part(
            section="findings",
            slug="findings",
            noun="Finding",
            model=Finding,
            form=forms.FindingForm,
            add=lambda review, by, **f: services.finding_add(review=review, by=by, **f),
            update=lambda row, by, version, **f: services.finding_update(
                finding=row, by=by, expected_version=version, **f
            ),
            remove=lambda row, by, version: services.finding_delete(
                finding=row, by=by, expected_version=version
            ),
            accepts_files=True,
        ),
        Part(
            section="recommendations",
            slug="recommendations",
            noun="Recommendation",
            model=Recommendation,
            form=forms.RecommendationForm,
            add=lambda review, by, **f: services.recommendation_add(review=review, by=by, **f),
            update=lambda row, by, version, **f: services.recommendation_update(
                recommendation=row, by=by, expected_version=version, **f
            ),
            remove=lambda row, by, version: services.recommendation_delete(
                recommendation=row, by=by, expected_version=version
            ),
            reorder=lambda row, by, version, up: services.recommendation_reorder(
                recommendation=row, by=by, expected_version=version, up=up
            ),
        ),
    )
}
