"""A priority review in a real browser: an analyst scopes the review, builds a two-level issue
tree in place (adds, moves and settles questions), adds a finding with a measure chart, and
accepts two recommendations, which then show in the tracker and on the next stocktake's pack.
The workspace has no serious accessibility faults."""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from deliveryunit.models import Role
from reviews import services
from reviews.models import IssueNode, IssueStatus
from reviews.views_parts import ACCEPTED
from stocktakes import services as stocktake_services
from stocktakes.models import Action, ActionSource, ForumKind

from ..factories import (
    PASSWORD,
    DepartmentFactory,
    MeasureFactory,
    PriorityFactory,
    UserFactory,
    add_trajectory,
)
from .conftest import axe_serious_violations, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TOP = "Will applications stay at half their 2002 level?"
CHILD = "Can screening keep pace with the claims?"
SECOND = "Did the controls cause the fall?"
RECOMMENDATIONS = ("Double the screening staff", "Publish weekly intake figures")


@pytest.fixture
def world():
    home_office = DepartmentFactory(name="Home Office", code="HO")
    analyst = UserFactory(username="analyst", role=Role.ANALYST)
    UserFactory(username="ho_official", role=Role.OFFICIAL, department=home_office)
    priority = PriorityFactory(code="PSA 7", title="Asylum", lead_department=home_office)
    measure = MeasureFactory(priority=priority, name="Applications per month")
    add_trajectory(measure, [(date(2002, 10, 1), 8770), (date(2003, 9, 1), 4385)])
    review = services.review_create(
        priority=priority, by=analyst, title="Asylum screening", commissioner="Prime Minister",
        start=date(2003, 3, 3), report_due=date(2003, 5, 12),
    )  # fmt: skip
    for description in RECOMMENDATIONS:
        services.recommendation_add(
            review=review, by=analyst, description=description, owner="Director, IND",
            department=home_office, due=date(2003, 7, 31),
        )  # fmt: skip
    forum = stocktake_services.forum_create(
        by=analyst, name="PM stocktake: asylum", kind=ForumKind.STOCKTAKE,
        chair="Prime Minister", priorities=[priority],
    )  # fmt: skip
    meeting = stocktake_services.meeting_schedule(forum=forum, by=analyst, date=date(2099, 9, 1))
    return {"review": review, "meeting": meeting, "measure": measure}


def _issues(page):
    return page.locator("#issues")


def _add_question(page, question, under=None):
    link = "Add a question at the top level" if under is None else f"Add a sub-question to {under}"
    _issues(page).get_by_role("link", name=link, exact=True).click()
    field = _issues(page).get_by_label("Question", exact=True)
    field.fill(question)
    _issues(page).get_by_role("button", name="Add the question").click()
    expect(_issues(page).get_by_test_id("issue-tree")).to_contain_text(question)


def test_analyst_scopes_builds_the_tree_charts_a_finding_and_sends_actions_to_the_tracker(
    page, base_url, world
):
    review = world["review"]
    workspace = base_url + reverse("reviews:review_detail", args=[review.pk])
    sign_in(page, base_url, "analyst", PASSWORD)
    page.goto(workspace)

    # Scope: the basic question, saved in place.
    page.get_by_role("link", name="Change the scope and problem statement").click()
    page.locator("#id_scope-basic_question").fill("Can screening keep pace with the pledge?")
    page.get_by_role("button", name="Save the scope").click()
    expect(page.locator("#scope")).to_contain_text("Can screening keep pace with the pledge?")

    # The tree: two top-level questions and a sub-question, then the second moved under the
    # first, then the sub-question settled.
    _add_question(page, TOP)
    _add_question(page, CHILD, under="question 1")
    _add_question(page, SECOND)
    _issues(page).get_by_role("link", name="Change question 2", exact=True).click()
    panel = _issues(page).get_by_test_id("issue-edit")
    panel.get_by_label("Move under").select_option(label=f"1 {TOP}")
    panel.get_by_role("button", name="Move the question").click()
    tree = _issues(page).get_by_test_id("issue-tree")
    expect(tree.locator('[data-number="1.2"]')).to_contain_text(SECOND)
    _issues(page).get_by_role("link", name="Change question 1.1", exact=True).click()
    panel = _issues(page).get_by_test_id("issue-edit")
    panel.get_by_label("Supported").check()
    panel.get_by_label("Evidence").fill("Screening logs: same-day interviews.")
    panel.get_by_role("button", name="Save the question").click()
    expect(_issues(page).get_by_test_id("issue-edit")).to_have_count(0)
    expect(tree.locator('[data-number="1.1"] .govuk-tag')).to_have_text("Supported")
    assert IssueNode.objects.get(question=CHILD).status == IssueStatus.SUPPORTED
    assert IssueNode.objects.get(question=SECOND).parent.question == TOP
    # The tree is nested lists: 1.1 and 1.2 sit in a list inside question 1's item.
    assert tree.locator('li[data-number="1"] > ol > li').count() == 2

    # A finding with the measure's chart.
    page.locator("#findings").get_by_role("link", name="Add a finding").click()
    page.locator("#id_new-findings-headline").fill("Intake is falling to plan")
    page.locator("#findings").get_by_label("A measure's chart").check()
    page.locator("#id_new-findings-measure").select_option(value=str(world["measure"].pk))
    page.locator("#findings").get_by_role("button", name="Add the finding").click()
    finding = page.locator("#findings")
    expect(finding).to_contain_text("Intake is falling to plan")
    expect(finding.locator("svg, img").first).to_be_visible()

    # Two recommendations accepted into the tracker.
    for rank in (1, 2):
        page.locator("#recommendations").get_by_role(
            "button", name=f"Accept recommendation {rank} into the tracker"
        ).click()
        expect(page.locator("#recommendations")).to_contain_text(ACCEPTED.format(rank=rank))
    actions = Action.objects.filter(source=ActionSource.REVIEW)
    assert sorted(actions.values_list("description", flat=True)) == sorted(RECOMMENDATIONS)

    page.goto(workspace)
    assert axe_serious_violations(page) == []

    # The tracker says where they came from; the next stocktake's pack lists them.
    page.goto(base_url + reverse("stocktakes:action_list"))
    for description in RECOMMENDATIONS:
        row = page.get_by_test_id("action-row").filter(has_text=description)
        expect(row).to_contain_text("Priority review: Asylum screening")
    page.goto(base_url + reverse("stocktakes:pack_issue", args=[world["meeting"].pk]))
    outstanding = page.get_by_test_id("outstanding")
    for description in RECOMMENDATIONS:
        expect(outstanding).to_contain_text(description)
