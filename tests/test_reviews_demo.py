"""The demo review of asylum intake and PSA 7's delivery chain: what a user finds in it, what
says it is illustrative, and that loading twice changes nothing."""

import pytest
from django.urls import reverse

from deliveryunit import access
from deliveryunit import demo as foundation
from priorities import demo as portfolio
from priorities.models import ChainLink, LinkStrength
from reviews import demo
from reviews.models import (
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
from stocktakes import demo as stocktakes_demo
from stocktakes.models import Action, ActionSource

COUNTED = [
    PriorityReview,
    StageChange,
    TeamMember,
    IssueNode,
    AnalysisPlanRow,
    FrontlineVisit,
    Finding,
    Recommendation,
    Action,
    ChainLink,
]


def _counts():
    counts = {model.__name__: model.objects.count() for model in COUNTED}
    for model in (PriorityReview, IssueNode, Recommendation, ChainLink):
        counts[f"history {model.__name__}"] = model.history.count()
    return counts


@pytest.fixture
def loaded(db):
    foundation.load_foundation()
    portfolio.load_priorities()
    stocktakes_demo.load_stocktakes(by=access.SYSTEM)
    demo.load_reviews()
    return PriorityReview.objects.get(title=demo.TITLE)


def _depth(node):
    children = list(node.children.all())
    return 1 + max((_depth(child) for child in children), default=0)


def test_the_asylum_review_is_at_fieldwork_with_every_part_filled(loaded):
    review = loaded
    assert review.priority.code == "PSA 7"
    assert review.stage == Stage.FIELDWORK
    assert [m.stage_to for m in review.moves.order_by("at", "pk")] == [
        Stage.SCOPING,
        Stage.FIELDWORK,
    ]
    # Spring 2003, between six and twelve weeks long.
    assert (review.start.year, review.report_due.year) == (2003, 2003)
    assert 6 * 7 <= (review.report_due - review.start).days <= 12 * 7
    top = review.issues.get(parent=None)
    assert _depth(top) == 3
    assert set(review.issues.values_list("status", flat=True)) == set(IssueStatus.values)
    assert review.plan.count() == 2
    assert review.team.filter(user__username="analyst").exists()
    assert review.team.filter(user=None).count() == 2


def test_visits_sit_on_the_chain_and_charts_draw_the_asylum_series(loaded):
    review = loaded
    chain = list(review.priority.chain_links.order_by("order"))
    assert [link.who for link in chain] == [who for who, *_ in demo.CHAIN]
    # The strengths are ours and every link says so.
    assert all("Illustrative" in link.note for link in chain)
    assert LinkStrength.WEAK in {link.strength for link in chain}
    visits = list(review.visits.order_by("date"))
    assert len(visits) == 2
    assert [v.chain_link.who for v in visits] == [
        "Asylum screening units",
        "Asylum caseworkers",
    ]
    assert all("illustrative" in v.site.lower() for v in visits)
    findings = list(review.findings.order_by("order"))
    assert len(findings) == 2
    assert {f.chart_kind for f in findings} == {ChartKind.MEASURE}
    assert findings[0].measure.name == demo.MONTHLY
    assert findings[1].compare_with.name == demo.QUARTERLY


def test_two_of_four_recommendations_are_in_the_tracker(loaded):
    review = loaded
    recommendations = list(review.recommendations.order_by("rank"))
    assert [r.rank for r in recommendations] == [1, 2, 3, 4]
    assert all("(illustrative)" in r.description for r in recommendations)
    accepted = [r for r in recommendations if r.action_id]
    assert len(accepted) == 2
    actions = Action.objects.filter(source=ActionSource.REVIEW)
    assert set(actions) == {r.action for r in accepted}
    assert {a.source_note for a in actions} == {f"Priority review: {demo.TITLE}"}
    assert {a.priority.code for a in actions} == {"PSA 7"}


def test_loading_twice_changes_nothing(loaded):
    before = _counts()
    assert before["PriorityReview"] == 1
    demo.load_reviews()
    assert _counts() == before


def test_an_analyst_sees_the_demo_review_on_the_list_and_its_workspace(loaded, client):
    from deliveryunit.models import User

    client.force_login(User.objects.get(username="analyst"))
    listing = client.get(reverse("reviews:review_list")).content.decode()
    assert demo.TITLE in listing
    page = client.get(reverse("reviews:review_detail", args=[loaded.pk])).content.decode()
    assert "Can the screening units keep pace" in page
    assert "Illustrative" in page
