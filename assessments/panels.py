"""The priority page's assessment history (a panel: see deliveryunit/panels.py).

Registered by AssessmentsConfig.ready(). Three queries whatever the number of rounds: the
assessments of the priority in the rounds the user may see, and the framework's scales.
"""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from deliveryunit.panels import Panel
from priorities.models import Priority

from .models import Assessment
from .selectors import JUDGEMENTS, Rating, rounds_for_user, scales

TEMPLATE = "assessments/priority_panel.html#history"


@dataclass
class HistoryRow:
    assessment: Assessment
    judgements: list[Rating | None]
    url: str


def assessment_history_panel(user: Any, priority: Priority) -> Panel | None:
    """Each round that judged the priority, oldest first, its five judgements in a row as the
    grid draws them, and the latest likelihood rationale; only rounds the user may see."""
    assessments = list(
        Assessment.objects.filter(
            priority_id=priority.pk, round__in=rounds_for_user(user).values("pk")
        )
        .select_related("round")
        .only(
            "pk",
            "round__id",
            "round__name",
            "round__date",
            "round__status",
            "status",
            "likelihood_rationale",
            *JUDGEMENTS,
        )
        .order_by("round__date", "round_id")
    )
    if not assessments:
        return Panel(template=TEMPLATE, context={"priority": priority, "rows": []})
    scale = scales()
    rows = [
        HistoryRow(
            assessment=assessment,
            judgements=scale.judgements(assessment.judgement(code) for code in JUDGEMENTS),
            url=reverse("assessments:assessment_detail", args=[assessment.pk]),
        )
        for assessment in assessments
    ]
    latest = next((a for a in reversed(assessments) if a.likelihood_rationale.strip()), None)
    return Panel(
        template=TEMPLATE,
        context={
            "priority": priority,
            "rows": rows,
            "dimensions": scale.dimensions,
            "latest_rationale": latest.likelihood_rationale if latest else "",
            "latest_round": latest.round if latest else None,
        },
    )
