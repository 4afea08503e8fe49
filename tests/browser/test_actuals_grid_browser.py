"""The actuals grid in a real browser: a row saves with htmx, in place, without a page load."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from deliveryunit.models import Role
from priorities.forms import NOT_A_NUMBER
from priorities.models import Actual
from tests.factories import (
    PASSWORD,
    ActualFactory,
    DepartmentFactory,
    MeasureFactory,
    UserFactory,
    add_trajectory,
)

from .conftest import axe_serious_violations, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path("/tmp/shots")


@pytest.fixture
def measure():
    home_office = DepartmentFactory(name="Home Office", code="HO")
    measure = MeasureFactory(
        name="Monthly asylum applications",
        unit="applications",
        direction="lower",
        priority__code="PSA 7",
        priority__lead_department=home_office,
        priority__start=date(2023, 1, 1),
        priority__deadline=date(2023, 12, 31),
        target_date=date(2023, 12, 1),
        target_value=Decimal("4385"),
    )
    add_trajectory(measure, [(date(2023, m, 1), 8800 - 350 * m) for m in range(1, 13)])
    ActualFactory(measure=measure, period=date(2023, 1, 1), value=Decimal("8770"))
    ActualFactory(measure=measure, period=date(2023, 2, 1), value=Decimal("8120"))
    return measure


def save_row_in_place(page, label: str, value: str) -> None:
    # A marker on the window survives only if the page is not reloaded.
    page.evaluate("window.__sameDocument = true")
    page.get_by_label(f"Actual for {label}").fill(value)
    page.get_by_role("button", name=f"Save {label}").click()
    expect(page.locator(f"#row-{label} [role=status]")).to_have_text(f"Saved {label}.")
    assert page.evaluate("window.__sameDocument === true")


def test_analyst_saves_a_cell_in_place(page, base_url, measure):
    UserFactory(username="analyst", role=Role.ANALYST)
    sign_in(page, base_url, "analyst", PASSWORD)
    grid = f"{base_url}/priorities/measures/{measure.pk}/actuals/"
    page.goto(grid)
    expect(
        page.get_by_role("heading", name="Actuals for Monthly asylum applications")
    ).to_be_visible()

    save_row_in_place(page, "2023-03", "7,450")

    assert page.url == grid
    assert Actual.objects.get(measure=measure, period=date(2023, 3, 1)).value == Decimal("7450")
    # The swapped row is ready for the next save: it carries the new version.
    assert page.locator("#cell-2023-03 input[name=version]").input_value() == "1"

    # A bad value comes back in the row, and nothing is written.
    page.get_by_label("Actual for 2023-04").fill("about 7000")
    page.get_by_role("button", name="Save 2023-04").click()
    expect(page.locator("#row-2023-04")).to_contain_text(NOT_A_NUMBER)
    expect(page.get_by_label("Actual for 2023-04")).to_have_value("about 7000")
    assert not Actual.objects.filter(measure=measure, period=date(2023, 4, 1)).exists()

    # Clearing a stored value asks first, then deletes it.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Actual for 2023-02").fill("")
    page.get_by_role("button", name="Save 2023-02").click()
    expect(page.locator("#row-2023-02 [role=status]")).to_have_text(
        "Deleted the value for 2023-02."
    )
    assert not Actual.objects.filter(measure=measure, period=date(2023, 2, 1)).exists()

    assert axe_serious_violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "actuals_grid.png"), full_page=True)


def test_official_of_the_lead_department_saves_a_cell(page, base_url, measure):
    official = UserFactory(
        username="official",
        role=Role.OFFICIAL,
        department=measure.priority.lead_department,
    )
    sign_in(page, base_url, "official", PASSWORD)
    page.goto(f"{base_url}/priorities/measures/{measure.pk}/actuals/")

    save_row_in_place(page, "2023-05", "6900")

    actual = Actual.objects.get(measure=measure, period=date(2023, 5, 1))
    assert actual.value == Decimal("6900")
    assert actual.history.first().history_user == official


def test_priority_form_has_no_serious_accessibility_violations(page, base_url, measure):
    UserFactory(username="analyst", role=Role.ANALYST)
    sign_in(page, base_url, "analyst", PASSWORD)
    page.goto(f"{base_url}/priorities/new/")
    expect(page.get_by_role("heading", name="Add a priority")).to_be_visible()
    assert axe_serious_violations(page) == []

    # With errors showing, too.
    page.get_by_role("button", name="Save priority").click()
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    assert axe_serious_violations(page) == []

    page.goto(f"{base_url}/priorities/measures/{measure.pk}/trajectory/new/")
    assert axe_serious_violations(page) == []
