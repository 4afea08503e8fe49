"""Importing in a real browser: an analyst uploads a CSV, checks the preview, confirms, and finds
the new points on the priority page's chart and data table; an official of another department
cannot reach the import page."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from deliveryunit.models import Role
from priorities.models import Actual
from tests.factories import (
    PASSWORD,
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

CSV = (
    "period,value,status,note\n"
    "2023-01,91.5,final,\n"
    "2023-02,92.25,final,\n"
    "2023-03,93.75,provisional,Early figure\n"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def measure():
    health = DepartmentFactory(name="Department of Health", code="DH")
    measure = MeasureFactory(
        name="A&E patients seen within 4 hours",
        unit="%",
        priority__code="DH 1",
        priority__title="Four-hour A&E standard",
        priority__lead_department=health,
        priority__start=date(2023, 1, 1),
        priority__deadline=date(2023, 12, 31),
        target_date=date(2023, 12, 1),
        target_value=Decimal("95"),
    )
    add_trajectory(measure, [(date(2023, m, 1), 90 + m * 0.5) for m in range(1, 13)])
    return measure


def test_analyst_imports_a_csv_and_sees_it_on_the_chart(page, base_url, measure):
    UserFactory(username="analyst", role=Role.ANALYST)
    sign_in(page, base_url, "analyst", PASSWORD)
    page.goto(f"{base_url}/priorities/measures/{measure.pk}/import/")
    expect(page.get_by_role("heading", name=f"Import data for {measure.name}")).to_be_visible()
    assert axe_serious_violations(page) == []

    page.get_by_label("Upload a file").set_input_files(
        files=[{"name": "actuals.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.get_by_test_id("count-new")).to_have_text("3")
    expect(page.locator("#preview-table tbody tr")).to_have_count(3)
    assert axe_serious_violations(page) == []
    # Nothing is written until the user confirms.
    assert Actual.objects.filter(measure=measure).count() == 0

    page.get_by_role("button", name="Confirm and import").click()
    page.wait_for_url(f"{base_url}/priorities/{measure.priority_id}/")
    expect(page.get_by_text("Imported 3 new and 0 changed values")).to_be_visible()
    assert Actual.objects.filter(measure=measure).count() == 3

    # The chart has been drawn by plotly, with the imported actuals among its points.
    chart = page.locator(f"#chart-{measure.pk}")
    expect(page.locator(f"#chart-{measure.pk}.js-plotly-plot")).to_have_count(1)
    plotted = page.evaluate(
        """id => document.getElementById(id).data
              .flatMap(trace => (trace.y || []).map(Number))""",
        f"chart-{measure.pk}",
    )
    for value in (91.5, 92.25, 93.75):
        assert value in plotted
    # And the data table under it lists them.
    table = chart.locator("xpath=..").get_by_test_id("data-table")
    for label, text in (("2023-01", "91.5%"), ("2023-02", "92.25%"), ("2023-03", "93.75%")):
        row = table.locator("tr", has=page.get_by_role("rowheader", name=label, exact=False))
        expect(row).to_contain_text(text)
    expect(table.locator("tr", has_text="2023-03")).to_contain_text("provisional")


def test_official_of_another_department_cannot_reach_the_import_page(page, base_url, measure):
    home_office = DepartmentFactory(name="Home Office", code="HO")
    UserFactory(username="official", role=Role.OFFICIAL, department=home_office)
    sign_in(page, base_url, "official", PASSWORD)
    response = page.goto(f"{base_url}/priorities/measures/{measure.pk}/import/")
    assert response.status == 404
    assert "Import data" not in page.content()


def test_publisher_mapping_page_is_accessible(page, base_url, measure):
    from tests.test_imports import publisher_workbook

    UserFactory(username="analyst", role=Role.ANALYST)
    sign_in(page, base_url, "analyst", PASSWORD)
    page.goto(f"{base_url}/priorities/measures/{measure.pk}/import/")
    page.get_by_label("A spreadsheet as the publisher released it").check()
    page.get_by_label("Upload a file").set_input_files(
        files=[
            {
                "name": "release.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": publisher_workbook(),
            }
        ]
    )
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Choose the data in the spreadsheet")).to_be_visible()
    page.get_by_label("Sheet", exact=True).select_option("Performance")
    page.get_by_role("button", name="Show this sheet and header row").click()
    expect(page.get_by_label("Header row number")).to_have_value("5")
    assert axe_serious_violations(page) == []
    page.get_by_label("Value column").select_option(label="C: Percentage")
    page.get_by_label("Fractions to percentages").check()
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_test_id("count-new")).to_have_text("2")
    expect(page.locator("#preview-table")).to_contain_text("91.2346")
