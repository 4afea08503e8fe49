"""The assessment round in a real browser, end to end: an analyst fills an assessment using
the guidance panel and submits it; the unit lead agrees it and publishes the round; the grid
shows the judgements."""

import importlib
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from playwright.sync_api import expect

from assessments import services
from assessments.models import Area, Assessment, AssessmentStatus, RoundStatus
from assessments.views_challenges import CHALLENGE_ADDED
from assessments.views_editor import AGREED, SAVED, SUBMITTED
from deliveryunit.models import Role
from tests.factories import (
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

SHOTS = Path("/tmp/shots")

# What the analyst picks: degree of challenge, planning, capacity, stage, likelihood.
JUDGEMENTS = {
    "challenge": "H",
    "planning": "AG",
    "capacity": "AR",
    "stage": "2",
    "likelihood": "AG",
}


@pytest.fixture
def framework():
    """The framework as its data migration loads it: a transactional test empties the tables
    between tests, so load it again (the loader updates in place, so this is safe to repeat)."""
    migration = importlib.import_module("assessments.migrations.0002_framework")
    migration.load(django_apps, None)


@pytest.fixture
def draft_round(framework):
    home_office = DepartmentFactory(name="Home Office", code="HO")
    analyst = UserFactory(username="analyst", role=Role.ANALYST)
    lead = UserFactory(username="unitlead", role=Role.UNIT_LEAD)
    priority = PriorityFactory(
        code="PSA 7", title="Ensure effective asylum process", lead_department=home_office
    )
    measure = MeasureFactory(priority=priority, name="Initial decisions within two months")
    add_trajectory(measure, [(date(2003, 1, 1), 60), (date(2003, 12, 1), 80)])
    round_ = services.round_create(
        by=lead, name="December 2003", date=date(2003, 12, 31), priorities=[priority]
    )
    return {"round": round_, "priority": priority, "analyst": analyst, "lead": lead}


def test_analyst_assesses_unit_lead_agrees_and_publishes_and_grid_shows_it(
    page, base_url, draft_round
):
    round_, priority = draft_round["round"], draft_round["priority"]
    editor = base_url + reverse("assessments:assessment_edit", args=[round_.pk, priority.pk])

    # The analyst opens the editor and reads the guidance for the degree of challenge.
    sign_in(page, base_url, "analyst", PASSWORD)
    page.goto(editor)
    area = Area.objects.filter(dimension__code="challenge").order_by("order").first()
    guidance = page.get_by_test_id("guidance-challenge")
    expect(guidance.get_by_text(area.question)).to_be_hidden()
    guidance.locator("summary").click()
    expect(guidance.get_by_text(area.question)).to_be_visible()
    expect(guidance.get_by_text(area.worst_case)).to_be_visible()

    # The five judgements, each with its reasons.
    for code, value in JUDGEMENTS.items():
        page.locator(f'input[name="{code}"][value="{value}"]').check()
        page.locator(f"#id_{code}_rationale").fill(f"Our reasons for {value} on {code}.")
    page.locator("#id_narrative").fill("Improving steadily; the backlog is the main risk.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(SAVED)).to_be_visible()

    # A key challenge, added in place with htmx: the page is not reloaded.
    page.evaluate("window.__sameDocument = true")
    page.locator("#new-challenge-title").fill("Clear the backlog of older cases")
    page.locator("#new-challenge-progress").fill("Down by a third since July.")
    page.get_by_role("button", name="Add key challenge").click()
    expect(page.get_by_test_id("challenge-notice")).to_have_text(CHALLENGE_ADDED)
    expect(page.get_by_test_id("challenge-title")).to_have_text("Clear the backlog of older cases")
    assert page.evaluate("window.__sameDocument === true")

    # The editor as an analyst sees it mid-way, with one guidance panel open.
    page.get_by_test_id("guidance-planning").locator("summary").click()
    assert axe_serious_violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "assessment_editor.png"), full_page=True)

    # Submitting after the htmx change meets no conflict: the form's version followed it.
    page.get_by_role("button", name="Save and submit").click()
    expect(page.get_by_text(SUBMITTED)).to_be_visible()
    assessment = Assessment.objects.get(round=round_, priority=priority)
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert assessment.key_challenges.get().title == "Clear the backlog of older cases"

    # The unit lead agrees it, moves the round to moderation and publishes it.
    page.context.clear_cookies()
    sign_in(page, base_url, "unitlead", PASSWORD)
    page.goto(editor)
    page.get_by_role("button", name="Agree").click()
    expect(page.get_by_text(AGREED)).to_be_visible()
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.AGREED

    page.goto(base_url + reverse("assessments:round_detail", args=[round_.pk]))
    move = page.get_by_role("button", name="Move to moderation")
    if move.count():
        move.click()
        page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Publish the round").first.click()
    page.wait_for_load_state("networkidle")
    # Publishing builds the round's delivery reports in-process when no broker is configured
    # (charts and PDFs), so this one request may take well beyond Playwright's default wait.
    page.get_by_test_id("publish-form").get_by_role("button", name="Publish the round").click(
        timeout=300_000
    )
    page.wait_for_load_state("networkidle", timeout=300_000)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PUBLISHED

    # The grid shows the letters in the priority's row.
    page.goto(base_url + reverse("assessments:grid"))
    row = page.locator(f'tr[data-priority="{priority.pk}"]')
    expect(row).to_be_visible()
    cells = [text.strip() for text in row.locator("td").all_inner_texts()]
    assert cells[-5:] == list(JUDGEMENTS.values())
