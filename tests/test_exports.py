"""Exporting a measure's data as CSV and Excel: content, scoping and formula-injection safety."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from priorities import services
from priorities.models import Frequency

from .factories import MeasureFactory, PriorityFactory, add_trajectory

INJECTIONS = [
    '=HYPERLINK("http://example.com","click")',
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\tcmd",
    "\rcmd",
]


@pytest.fixture
def measure(world, analyst):
    priority = PriorityFactory(code="HO-9", lead_department=world.own)
    measure = MeasureFactory(priority=priority, name="Share seen in 4 hours", frequency="monthly")
    add_trajectory(
        measure, [(date(2023, 1, 1), 90), (date(2023, 2, 1), 91), (date(2023, 3, 1), 92)]
    )
    add_trajectory(
        measure,
        [(date(2023, 1, 1), 88), (date(2023, 2, 1), 89.5), (date(2023, 4, 1), 93)],
        reason="Re-profiled",
    )
    services.actual_record(
        measure=measure,
        by=analyst,
        data=services.ActualData(
            period=date(2023, 1, 1),
            value=Decimal("87.25"),
            status="provisional",
            source="Monthly return",
            data_as_at=date(2023, 2, 10),
            note="First month",
        ),
    )
    services.actual_record(
        measure=measure,
        by=analyst,
        data=services.ActualData(period=date(2023, 2, 1), value=Decimal("-3")),
    )
    return measure


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_has_actuals_and_the_current_trajectory(client, analyst, measure):
    client.force_login(analyst)
    response = client.get(reverse("priorities:measure_export_csv", args=[measure.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="measure-{measure.pk}-share-seen-in-4-hours.csv"'
    )
    assert csv_rows(response) == [
        ["period", "value", "status", "source", "data_as_at", "note", "trajectory"],
        ["2023-01", "87.25", "provisional", "Monthly return", "2023-02-10", "First month", "88"],
        ["2023-02", "-3", "final", "", "", "", "89.5"],
        # Only the current (second) version's periods: March was in the first version only.
        ["2023-04", "", "", "", "", "", "93"],
    ]


def test_xlsx_has_the_same_rows(client, analyst, measure):
    from openpyxl import load_workbook

    client.force_login(analyst)
    response = client.get(reverse("priorities:measure_export_xlsx", args=[measure.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["period", "value", "status", "source", "data_as_at", "note", "trajectory"]
    assert rows[1][:3] == ["2023-01", 87.25, "provisional"]
    assert rows[1][4].date() == date(2023, 2, 10)
    assert rows[1][6] == 88
    assert rows[2][:2] == ["2023-02", -3]
    assert rows[3] == ["2023-04", None, None, None, None, None, 93]


def test_text_that_a_spreadsheet_would_run_is_written_as_text(client, analyst, measure):
    for month, text in enumerate(INJECTIONS, start=5):
        services.actual_record(
            measure=measure,
            by=analyst,
            data=services.ActualData(
                period=date(2023, month, 1),
                value=Decimal("1"),
                # A source is one line (control characters are refused); a note may have several.
                source=text if text.isprintable() else "",
                note=text,
            ),
        )
    client.force_login(analyst)

    rows = csv_rows(client.get(reverse("priorities:measure_export_csv", args=[measure.pk])))
    exported = {row[0]: row for row in rows[1:]}
    for month, text in enumerate(INJECTIONS, start=5):
        row = exported[f"2023-{month:02d}"]
        assert row[3] == ("'" + text if text.isprintable() else "")
        assert row[5] == "'" + text
    # A negative number is a number, not text: it is left as it is.
    assert exported["2023-02"][1] == "-3"

    from openpyxl import load_workbook

    response = client.get(reverse("priorities:measure_export_xlsx", args=[measure.pk]))
    raw = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in raw
    assert b"<f " not in raw
    sheet = load_workbook(io.BytesIO(response.content)).active
    by_period = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    for month, text in enumerate(INJECTIONS, start=5):
        row = by_period[f"2023-{month:02d}"]
        cells = (row[3], row[5]) if text.isprintable() else (row[5],)
        for cell in cells:
            assert cell.data_type == "s"
            assert cell.value == text
            assert cell.quotePrefix is True


def test_exports_are_scoped(client, world, measure):
    other = MeasureFactory(
        priority=PriorityFactory(code="DH-9", lead_department=world.other),
        frequency=Frequency.MONTHLY,
    )
    client.force_login(world.users["official"])
    for name in ("priorities:measure_export_csv", "priorities:measure_export_xlsx"):
        assert client.get(reverse(name, args=[measure.pk])).status_code == 200
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    client.force_login(world.users["minister"])
    assert (
        client.get(reverse("priorities:measure_export_csv", args=[measure.pk])).status_code == 200
    )
    assert client.get(reverse("priorities:measure_export_csv", args=[other.pk])).status_code == 404


def test_a_measure_with_no_data_exports_the_header(client, analyst, world):
    empty = MeasureFactory(priority=PriorityFactory(lead_department=world.own), name="Empty")
    client.force_login(analyst)
    rows = csv_rows(client.get(reverse("priorities:measure_export_csv", args=[empty.pk])))
    assert rows == [["period", "value", "status", "source", "data_as_at", "note", "trajectory"]]
