"""A measure's data as CSV and Excel: its actuals and the current trajectory, a row per period.

The columns are those of the import format (period, value, status, source, data_as_at, note),
plus the current trajectory's value, so an exported file can be edited and imported back.
Text a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return)
is written as text: with an apostrophe in front in CSV, as a string cell marked
"quote prefix" in Excel. The import takes that apostrophe off again.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.text import slugify

from . import periods
from .imports import FORMULA_PREFIXES
from .models import Actual, Measure, Trajectory

COLUMNS = ("period", "value", "status", "source", "data_as_at", "note", "trajectory")


@dataclass(frozen=True)
class ExportRow:
    period: str
    value: Decimal | None
    status: str
    source: str
    data_as_at: date | None
    note: str
    trajectory: Decimal | None


def measure_rows(measure: Measure) -> list[ExportRow]:
    """Every period that has an actual or a point of the current trajectory, in order."""
    actuals = {actual.period: actual for actual in Actual.objects.filter(measure=measure)}
    current = Trajectory.objects.filter(measure=measure).order_by("-number").first()
    planned = {point.period: point.value for point in current.points.all()} if current else {}
    rows = []
    for day in sorted(set(actuals) | set(planned)):
        actual = actuals.get(day)
        rows.append(
            ExportRow(
                period=periods.label(day, measure.frequency),
                value=actual.value if actual else None,
                status=actual.status if actual else "",
                source=actual.source if actual else "",
                data_as_at=actual.data_as_at if actual else None,
                note=actual.note if actual else "",
                trajectory=planned.get(day),
            )
        )
    return rows


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES)


def safe_csv_text(text: str) -> str:
    return f"'{text}" if is_formula_like(text) else text


def _number(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}" if value else "0"


def filename(measure: Measure, extension: str) -> str:
    return f"measure-{measure.pk}-{slugify(measure.name)[:60] or 'data'}.{extension}"


def to_csv(rows: list[ExportRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                safe_csv_text(row.period),
                _number(row.value),
                safe_csv_text(row.status),
                safe_csv_text(row.source),
                row.data_as_at.isoformat() if row.data_as_at else "",
                safe_csv_text(row.note),
                _number(row.trajectory),
            ]
        )
    # A byte-order mark so that Excel reads the file as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[ExportRow], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, row in enumerate(rows, start=2):
        values = [
            row.period,
            row.value,
            row.status,
            row.source,
            row.data_as_at,
            row.note,
            row.trajectory,
        ]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=index, column=column)
            if isinstance(value, str):
                _set_text(cell, value)
            elif value is not None:
                cell.value = value
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["D"].width = 30
    sheet.column_dimensions["F"].width = 40
    book.properties.title = title[:200]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _set_text(cell, text: str) -> None:  # type: ignore[no-untyped-def]
    if not text:
        return
    cell.value = text
    # openpyxl makes a formula of any string starting with "="; the explicit string type and
    # the quote prefix keep every such cell as the text the user typed.
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True
