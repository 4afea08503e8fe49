"""The priority list and a priority page in a real browser: the plotly chart draws from our own
static files under the CSP, the data table is there, and axe finds nothing serious."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from deliveryunit.models import Role
from priorities import periods, services
from priorities.models import ActualStatus, MilestoneStatus, PriorityKind
from priorities.services import ActualData
from tests.factories import (
    PASSWORD,
    DepartmentFactory,
    MeasureFactory,
    MilestoneFactory,
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


def _portfolio():
    home_office = DepartmentFactory(name="Home Office", code="HO")
    health = DepartmentFactory(name="Department of Health", code="DH")
    analyst = UserFactory(username="analyst", role=Role.ANALYST)
    parent = PriorityFactory(
        code="PSA 7",
        title="Reduce unfounded asylum applications",
        lead_department=home_office,
    )
    priority = services.priority_create(
        by=analyst,
        code="PSA 7a",
        title="Halve monthly asylum applications",
        target_statement="Halve the October 2002 level of applications by September 2003.",
        lead_department=home_office,
        parent=parent,
        senior_responsible_owner="Director General, Immigration",
        minister="Home Secretary",
        kind=PriorityKind.PSA,
        start=date(2002, 10, 1),
        deadline=date(2003, 12, 31),
        delivery_chain=[health],
    )
    measure = MeasureFactory(
        priority=priority,
        name="Asylum applications a month",
        unit="applications",
        direction="lower",
        target_value=Decimal("4385"),
        target_date=date(2003, 9, 1),
        tolerance=Decimal("300"),
    )
    add_trajectory(
        measure,
        [(date(2002, 10, 1), 8770), (date(2003, 9, 1), 4385)],
        label="PSA 7 plan",
        agreed_on=date(2002, 11, 1),
    )
    values = [8770, 8500, 7900, 7400, 6800, 6300, 5900, 5400, 5000]
    for k, value in enumerate(values):
        services.actual_record(
            measure=measure,
            by=analyst,
            data=ActualData(
                period=periods.step(date(2002, 10, 1), periods.MONTHLY, k),
                value=Decimal(value),
                status=ActualStatus.PROVISIONAL if k == len(values) - 1 else ActualStatus.FINAL,
            ),
        )
    MilestoneFactory(
        priority=priority,
        title="Fast-track removals centre opens",
        due=date(2003, 3, 1),
        status=MilestoneStatus.ACHIEVED,
        owner="Immigration and Nationality Directorate",
    )
    UserFactory(username="minister", role=Role.MINISTER, department=home_office)
    return priority, measure


@pytest.mark.parametrize("username", ["analyst", "minister"])
def test_priority_list_and_page_draw_the_chart_and_table(page, base_url, username):
    priority, measure = _portfolio()
    sign_in(page, base_url, username, PASSWORD)

    page.goto(f"{base_url}/priorities/")
    assert page.get_by_role("heading", name="Priorities", exact=True).is_visible()
    row = page.locator('[data-testid="priority-row"][data-code="PSA 7a"]')
    assert row.locator(".du-indent-1").count() == 1
    assert row.get_by_text("Off track").is_visible() or row.get_by_text("On track").is_visible()
    assert axe_serious_violations(page) == []
    if username == "analyst":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "priority_list.png"), full_page=True)

    page.get_by_role("link", name="PSA 7a: Halve monthly asylum applications").click()
    page.wait_for_load_state("networkidle")
    chart = page.locator(f"#chart-{measure.pk} .main-svg").first
    chart.wait_for(state="visible")
    assert chart.is_visible()
    table = page.get_by_role("table", name="Planned and actual values of Asylum applications")
    assert table.is_visible()
    assert table.get_by_role("row").count() >= 10
    assert page.get_by_text("(provisional)").first.is_visible()
    assert axe_serious_violations(page) == []
    if username == "analyst":
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "priority_page.png"), full_page=True)


def test_out_of_scope_priority_is_not_found_for_a_scoped_minister(page, base_url):
    priority, _measure = _portfolio()
    health = DepartmentFactory(name="Department of Health", code="DH")
    UserFactory(username="dh_minister", role=Role.MINISTER, department=health)
    sign_in(page, base_url, "dh_minister", PASSWORD)
    # Health is in the delivery chain of PSA 7a, so its minister sees it, but not its parent.
    response = page.goto(f"{base_url}/priorities/{priority.pk}/")
    assert response.status == 200
    response = page.goto(f"{base_url}/priorities/{priority.parent_id}/")
    assert response.status == 404
