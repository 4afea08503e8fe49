"""Importing actuals and trajectory points from CSV and Excel files.

An import runs in three steps, and nothing is written before the last:

1. *Read*: the upload is read into rows (`read_table`), either in the project's own format (a
   header row naming the columns `measure`, `period`, `value`, `status`, `source`,
   `data_as_at`, `note`) or through a *mapping* of a publisher's spreadsheet as released
   (sheet, header row, period and value columns, scale). Each row is parsed and checked on its
   own (`ParsedRow.errors`); problems with the whole file (a missing column, too many rows)
   stop the import there.
2. *Preview*: the parsed rows are compared with the stored data (`build_preview`): new,
   changed (old -> new) or unchanged, or the row's error. The preview carries a fingerprint of
   the rows and of the stored data they touch.
3. *Confirm*: `apply` re-reads the stored data inside one transaction, refuses if any row has an
   error or the fingerprint moved (someone saved in between), and writes everything through
   `services.actuals_import` / `services.trajectory_create`, or nothing.

Between the steps the upload lives server-side in a `PendingImport` (MEDIA_ROOT/imports/<token>/)
that only the user who uploaded it can open.

In a portfolio-wide import the `measure` column names each row's measure by its id (the number
shown in the list of measures on the import page) or by its exact name; a name that more than
one measure shares must be given as the id.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from . import periods, services
from .models import VALUE_DIGITS, Actual, ActualStatus, Measure, Trajectory

# --- limits and messages ------------------------------------------------------------------

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Rows read from a sheet before giving up, blank ones included: publisher sheets carry title
# rows and notes around the data, and a crafted file can hold millions of empty rows.
MAX_SCAN_ROWS = MAX_ROWS * 4
MAX_COLUMNS = 60
VALUE_PLACES = VALUE_DIGITS["decimal_places"]
MAX_WHOLE_DIGITS = VALUE_DIGITS["max_digits"] - VALUE_PLACES

FILE_TOO_LARGE = "The file is larger than 2 MB. Split it into smaller files and import each one."
TOO_MANY_ROWS = (
    "The file has more than 5,000 rows of data. Split it into smaller files and import each one."
)
FILE_EMPTY = "The file has no rows of data."
FILE_UNREADABLE = (
    "The file could not be read. Upload a CSV file or an Excel workbook (.xlsx or .xls)."
)
MISSING_COLUMN = (
    "The file has no '{column}' column. The first row must name the columns {required}."
)
UNKNOWN_MEASURE = (
    "There is no measure '{measure}' that you can import data for. Use a measure id from the list."
)
AMBIGUOUS_MEASURE = "More than one measure is called '{measure}'. Use the measure id instead."
MEASURE_NOT_YOURS = "You can only submit data for measures of your own department's priorities."
MEASURE_EMPTY = "The measure is empty."
VALUE_EMPTY = "The value is empty."
VALUE_NOT_NUMBER = "'{value}' is not a number."
VALUE_TOO_LARGE = "'{value}' is too large: at most 14 digits before the decimal point."
DUPLICATE_PERIOD = "{period} appears more than once in the file (first in row {row})."
STATUS_INVALID = "'{status}' is not a status: use provisional or final."
DATA_AS_AT_INVALID = "'{value}' in data_as_at is not a date: use for example 2023-10-12."
SOURCE_TOO_LONG = "The source is longer than 300 characters."
CONFIRM_WITH_ERRORS = (
    "Nothing has been imported because some rows have errors. Correct the file and upload it again."
)
CONFLICT = (
    "The stored data changed after this preview was made (someone else saved a change). "
    "Nothing has been imported. Check the updated preview below and confirm again."
)
PENDING_MISSING = "This import has expired or is already finished. Upload the file again."
NOTHING_TO_CHANGE = "Nothing to import: every row matches the data already stored."
HEADER_ROW_RANGE = "The sheet has {rows} rows: choose a header row between 1 and {rows}."
SAME_COLUMN = "Choose different columns for the period and the value."
NO_DATA_AFTER_HEADER = "There are no rows of data below the header row."

ACTUALS = "actuals"
TRAJECTORY = "trajectory"

SCALE_AS_PUBLISHED = "as_published"
SCALE_FRACTION_TO_PERCENT = "fraction_to_percent"
SCALE_PERCENT_TO_FRACTION = "percent_to_fraction"
SCALES = {
    SCALE_AS_PUBLISHED: Decimal(1),
    SCALE_FRACTION_TO_PERCENT: Decimal(100),
    SCALE_PERCENT_TO_FRACTION: Decimal("0.01"),
}

# What publishers put in a cell that has no figure: ONS and NHS England conventions.
NO_VALUE_MARKERS = frozenset({"", "-", "\u2013", "\u2014", "..", "...", ":", "n/a", "na", "x", "*"})
# Cells that a spreadsheet would run as a formula; exports prefix them with an apostrophe.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

STATUS_WORDS = {"provisional": ActualStatus.PROVISIONAL, "final": ActualStatus.FINAL}
OPTIONAL_COLUMNS = ("status", "source", "data_as_at", "note")
SOURCE_MAX = 300


class ImportProblem(Exception):
    """An import that cannot go ahead; the message is for the user."""


class ImportRefused(ImportProblem):
    pass


class ImportConflict(ImportProblem):
    pass


# --- reading files ------------------------------------------------------------------------

CSV, XLSX, XLS = "csv", "xlsx", "xls"


def file_kind(data: bytes) -> str:
    """What the bytes are, from their signature rather than the name the user gave them."""
    if data.startswith(b"PK\x03\x04"):
        return XLSX
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return XLS
    return CSV


@dataclass
class Table:
    rows: list[list[Any]]
    truncated: bool = False  # more than MAX_SCAN_ROWS rows


def _clean_cell(value: Any) -> Any:
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise ImportRefused(FILE_UNREADABLE)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # CSV saved from Excel on Windows.
        return data.decode("cp1252", errors="strict")


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    try:
        text = _decode(data)
    except UnicodeDecodeError as exc:
        raise ImportRefused(FILE_UNREADABLE) from exc
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            yield [_clean_cell(cell) for cell in row[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise ImportRefused(FILE_UNREADABLE) from exc


def _xlsx_book(data: bytes) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error on a malformed file
        raise ImportRefused(FILE_UNREADABLE) from exc


def _xls_book(data: bytes) -> Any:
    import xlrd

    try:
        return xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as exc:  # as above, for xlrd
        raise ImportRefused(FILE_UNREADABLE) from exc


def _xls_cell(book: Any, cell: Any) -> Any:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    return _clean_cell(cell.value)


def sheet_names(data: bytes) -> list[str]:
    """The sheets of a workbook; a CSV file has one, unnamed."""
    kind = file_kind(data)
    if kind == XLSX:
        book = _xlsx_book(data)
        try:
            return list(book.sheetnames)
        finally:
            book.close()
    if kind == XLS:
        book = _xls_book(data)
        try:
            return list(book.sheet_names())
        finally:
            book.release_resources()
    return [""]


def _sheet_rows(data: bytes, sheet: str | None) -> Iterator[list[Any]]:
    kind = file_kind(data)
    if kind == CSV:
        yield from _csv_rows(data)
        return
    if kind == XLSX:
        book = _xlsx_book(data)
        try:
            worksheet = book[sheet] if sheet else book.worksheets[0]
            for row in worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
                yield [_clean_cell(cell) for cell in row]
        except KeyError as exc:
            raise ImportRefused(FILE_UNREADABLE) from exc
        except ImportRefused:
            raise
        except Exception as exc:  # a damaged sheet inside a readable workbook
            raise ImportRefused(FILE_UNREADABLE) from exc
        finally:
            book.close()
        return
    book = _xls_book(data)
    try:
        worksheet = book.sheet_by_name(sheet) if sheet else book.sheet_by_index(0)
        for index in range(worksheet.nrows):
            yield [_xls_cell(book, cell) for cell in worksheet.row(index)[:MAX_COLUMNS]]
    except ImportRefused:
        raise
    except Exception as exc:
        raise ImportRefused(FILE_UNREADABLE) from exc
    finally:
        book.release_resources()


def read_table(data: bytes, sheet: str | None = None) -> Table:
    """The rows of one sheet (the first if none is named), blank cells as None, trailing blank
    rows dropped. Raises ImportRefused when the file cannot be read."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(FILE_TOO_LARGE)
    rows: list[list[Any]] = []
    truncated = False
    for row in _sheet_rows(data, sheet):
        if len(rows) >= MAX_SCAN_ROWS:
            truncated = True
            break
        rows.append(row)
    while rows and _blank(rows[-1]):
        rows.pop()
    return Table(rows=rows, truncated=truncated)


def _blank(row: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# --- parsing cells ------------------------------------------------------------------------


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime) and cell.time() == datetime.min.time():
        return cell.date().isoformat()
    return str(cell).strip()


def _undo_export_escape(text: str) -> str:
    """Our exports put an apostrophe before text a spreadsheet would run; take it off again so
    that an export imported back changes nothing."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text


_MIDNIGHT = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[ T]00:00(?::00(?:\.0+)?)?$")


def parse_period(cell: Any, frequency: str) -> date:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, str) and (m := _MIDNIGHT.match(cell.strip())):
        cell = m[1]
    return periods.parse(cell, frequency)


def names_a_date(cell: Any) -> bool:
    """Whether the cell names a day or period at all (whatever the measure's frequency): the
    mapping step skips rows where it does not, such as notes and sub-headings."""
    if isinstance(cell, date):
        return True
    if cell is None:
        return False
    text = _text(cell)
    for frequency in (periods.MONTHLY, periods.QUARTERLY, periods.ANNUAL):
        try:
            parse_period(text, frequency)
            return True
        except periods.PeriodError:
            pass
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def parse_value(cell: Any, scale: Decimal = SCALES[SCALE_AS_PUBLISHED]) -> Decimal:
    """A stored value from a cell: a number, scaled, rounded to the stored decimal places
    (publisher files carry floating-point fractions such as 0.9718742234272824)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        raise ValueError(VALUE_EMPTY)
    if isinstance(cell, (bool, date, datetime)):
        raise ValueError(VALUE_NOT_NUMBER.format(value=_text(cell)))
    if isinstance(cell, float):
        number = Decimal(repr(cell))
    elif isinstance(cell, int):
        number = Decimal(cell)
    else:
        text = _text(cell)
        try:
            number = Decimal(text.replace(",", "").replace(" ", ""))
        except InvalidOperation as exc:
            raise ValueError(VALUE_NOT_NUMBER.format(value=text)) from exc
    if not number.is_finite():
        raise ValueError(VALUE_NOT_NUMBER.format(value=_text(cell)))
    number = number * scale
    if abs(number) >= Decimal(10) ** MAX_WHOLE_DIGITS:
        raise ValueError(VALUE_TOO_LARGE.format(value=_text(cell)))
    return number.quantize(Decimal(1).scaleb(-VALUE_PLACES), rounding=ROUND_HALF_UP)


def _parse_day(cell: Any) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = _text(cell)
    if m := _MIDNIGHT.match(text):
        text = m[1]
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007 - a calendar day
    except ValueError as exc:
        raise ValueError(DATA_AS_AT_INVALID.format(value=text)) from exc


def show_number(value: Decimal | str | None) -> str:
    if value is None:
        return ""
    number = Decimal(value)
    text = f"{number.normalize():f}" if number else "0"
    return text


# --- parsed rows --------------------------------------------------------------------------


@dataclass
class ParsedRow:
    """One row of the file as read, with its problems. Dates and numbers are kept as text so the
    row can be stored as JSON between preview and confirm."""

    row: int  # as the spreadsheet numbers it
    measure_id: int | None
    measure_text: str
    period: str | None  # ISO date of the period start
    period_text: str
    value: str | None
    value_text: str
    fields: dict[str, str | None] = field(default_factory=dict)  # optional columns given
    errors: list[str] = field(default_factory=list)

    @property
    def period_date(self) -> date | None:
        return date.fromisoformat(self.period) if self.period else None


MeasureResolver = Callable[[str], tuple[Measure | None, str | None]]


def measure_resolver(measures: Iterable[Measure], can_submit: Callable[[Measure], bool]):  # type: ignore[no-untyped-def]
    """Look measures up by id or exact name (case and surrounding spaces ignored) among those the
    user can see; ones they see but may not submit data for get their own message."""
    by_id: dict[str, Measure] = {}
    by_name: dict[str, list[Measure]] = {}
    for measure in measures:
        by_id[str(measure.pk)] = measure
        by_name.setdefault(measure.name.strip().casefold(), []).append(measure)

    def resolve(text: str) -> tuple[Measure | None, str | None]:
        if not text:
            return None, MEASURE_EMPTY
        measure = by_id.get(text)
        if measure is None:
            named = by_name.get(text.casefold(), [])
            if len(named) > 1:
                return None, AMBIGUOUS_MEASURE.format(measure=text)
            measure = named[0] if named else None
        if measure is None:
            return None, UNKNOWN_MEASURE.format(measure=text)
        if not can_submit(measure):
            return None, MEASURE_NOT_YOURS
        return measure, None

    return resolve


def _normalise_header(cell: Any) -> str:
    return re.sub(r"[\s\-]+", "_", _text(cell).casefold())


def _read_row(
    number: int,
    *,
    measure: Measure | None,
    measure_text: str,
    measure_error: str | None,
    period_cell: Any,
    value_cell: Any,
    scale: Decimal,
    extra: dict[str, Any],
) -> ParsedRow:
    parsed = ParsedRow(
        row=number,
        measure_id=measure.pk if measure else None,
        measure_text=measure.name if measure else measure_text,
        period=None,
        period_text=_text(period_cell),
        value=None,
        value_text=_text(value_cell),
    )
    if measure_error:
        parsed.errors.append(measure_error)
    if measure is not None:
        try:
            day = parse_period(period_cell, measure.frequency)
            parsed.period = day.isoformat()
            parsed.period_text = periods.label(day, measure.frequency)
        except periods.PeriodError as exc:
            parsed.errors.append(str(exc))
    try:
        parsed.value = str(parse_value(value_cell, scale))
    except ValueError as exc:
        parsed.errors.append(str(exc))
    for name, cell in extra.items():
        text = _undo_export_escape(_text(cell))
        if not text:
            continue  # a blank cell leaves the stored value as it is
        if name == "status":
            status = STATUS_WORDS.get(text.casefold())
            if status is None:
                parsed.errors.append(STATUS_INVALID.format(status=text))
            else:
                parsed.fields["status"] = str(status)
        elif name == "data_as_at":
            try:
                parsed.fields["data_as_at"] = _parse_day(cell).isoformat()
            except ValueError as exc:
                parsed.errors.append(str(exc))
        elif name == "source":
            if len(text) > SOURCE_MAX:
                parsed.errors.append(SOURCE_TOO_LONG)
            else:
                parsed.fields["source"] = text
        else:
            parsed.fields[name] = text
    return parsed


def _mark_duplicates(rows: list[ParsedRow]) -> None:
    first: dict[tuple[int | None, str], int] = {}
    for row in rows:
        if row.period is None:
            continue
        key = (row.measure_id, row.period)
        if key in first:
            row.errors.append(DUPLICATE_PERIOD.format(period=row.period_text, row=first[key]))
        else:
            first[key] = row.row


def parse_own_format(
    table: Table,
    *,
    kind: str,
    measure: Measure | None = None,
    resolve: MeasureResolver | None = None,
) -> MappedRows:
    """Rows of a file in the project's own format: the first non-blank row names the columns.
    Give `measure` for one measure's import, or `resolve` for a portfolio-wide one (whose file
    has a `measure` column). Rows with no value are left out and counted, so that an export
    (which lists trajectory-only periods) imports back cleanly. Raises ImportRefused for
    problems with the whole file."""
    if table.truncated:
        raise ImportRefused(TOO_MANY_ROWS)
    header_index = next((i for i, row in enumerate(table.rows) if not _blank(row)), None)
    if header_index is None:
        raise ImportRefused(FILE_EMPTY)
    names = [_normalise_header(cell) for cell in table.rows[header_index]]
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        columns.setdefault(name, index)
    required = (["measure"] if resolve else []) + ["period", "value"]
    missing = [name for name in required if name not in columns]
    if missing:
        raise ImportRefused(MISSING_COLUMN.format(column=missing[0], required=", ".join(required)))
    optional = [name for name in OPTIONAL_COLUMNS if name in columns] if kind == ACTUALS else []

    def cell(row: list[Any], name: str) -> Any:
        index = columns[name]
        return row[index] if index < len(row) else None

    parsed: list[ParsedRow] = []
    skipped = 0
    for offset, row in enumerate(table.rows[header_index + 1 :]):
        if _blank(row):
            continue
        if not _text(cell(row, "value")):
            skipped += 1
            continue
        if len(parsed) >= MAX_ROWS:
            raise ImportRefused(TOO_MANY_ROWS)
        number = header_index + offset + 2
        row_measure, measure_text, measure_error = measure, "", None
        if resolve is not None:
            measure_text = _text(cell(row, "measure"))
            row_measure, measure_error = resolve(measure_text)
        parsed.append(
            _read_row(
                number,
                measure=row_measure,
                measure_text=measure_text,
                measure_error=measure_error,
                period_cell=cell(row, "period"),
                value_cell=cell(row, "value"),
                scale=SCALES[SCALE_AS_PUBLISHED],
                extra={name: cell(row, name) for name in optional},
            )
        )
    if not parsed:
        raise ImportRefused(FILE_EMPTY)
    _mark_duplicates(parsed)
    return MappedRows(rows=parsed, skipped=skipped)


@dataclass
class Mapping:
    """How to read a publisher's sheet. Rows and columns count as the spreadsheet shows them:
    rows from 1, columns from 0 (shown as letters)."""

    sheet: str
    header_row: int
    period_column: int
    value_column: int
    scale: str = SCALE_AS_PUBLISHED
    skip_non_dates: bool = True
    skip_no_value: bool = True


@dataclass
class MappedRows:
    rows: list[ParsedRow]
    skipped: int


def parse_mapped(table: Table, *, mapping: Mapping, measure: Measure) -> MappedRows:
    """Rows of a publisher's sheet read through a mapping: the rows below the header row, the
    period and value from the chosen columns."""
    if table.truncated:
        raise ImportRefused(TOO_MANY_ROWS)
    if not 1 <= mapping.header_row <= len(table.rows):
        raise ImportRefused(HEADER_ROW_RANGE.format(rows=len(table.rows)))
    scale = SCALES[mapping.scale]
    parsed: list[ParsedRow] = []
    skipped = 0
    for offset, row in enumerate(table.rows[mapping.header_row :]):
        if _blank(row):
            continue
        period_cell = row[mapping.period_column] if mapping.period_column < len(row) else None
        value_cell = row[mapping.value_column] if mapping.value_column < len(row) else None
        if mapping.skip_non_dates and not names_a_date(period_cell):
            skipped += 1
            continue
        if mapping.skip_no_value and _text(value_cell).casefold() in NO_VALUE_MARKERS:
            skipped += 1
            continue
        if len(parsed) >= MAX_ROWS:
            raise ImportRefused(TOO_MANY_ROWS)
        parsed.append(
            _read_row(
                mapping.header_row + offset + 1,
                measure=measure,
                measure_text="",
                measure_error=None,
                period_cell=period_cell,
                value_cell=value_cell,
                scale=scale,
                extra={},
            )
        )
    if not parsed:
        raise ImportRefused(NO_DATA_AFTER_HEADER)
    _mark_duplicates(parsed)
    return MappedRows(rows=parsed, skipped=skipped)


def guess_mapping(table: Table) -> tuple[int, int | None]:
    """A first guess at (header row, period column): the row above the first date in the sheet,
    which is where publishers put the column headings."""
    for index, row in enumerate(table.rows):
        for column, cell in enumerate(row):
            if isinstance(cell, (date, datetime)):
                return max(index, 1), column
    return 1, None


def column_choices(table: Table, header_row: int) -> list[tuple[int, str]]:
    """Columns of the sheet, labelled with their letter and, where there is one, the heading in
    the header row."""
    width = max((len(row) for row in table.rows), default=0)
    header = table.rows[header_row - 1] if 1 <= header_row <= len(table.rows) else []
    choices = []
    for index in range(width):
        heading = _text(header[index]) if index < len(header) else ""
        letter = column_letter(index)
        choices.append((index, f"{letter}: {heading[:80]}" if heading else letter))
    return choices


# --- preview ------------------------------------------------------------------------------

NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


@dataclass
class PreviewLine:
    row: int
    measure: str
    period: str
    value: str
    change: str  # NEW, CHANGED, UNCHANGED or ERROR
    old_value: str = ""
    details: list[str] = field(default_factory=list)  # what else changes, old -> new
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    lines: list[PreviewLine]
    fingerprint: str
    # Trajectory imports: points of the current version that the new version leaves out.
    dropped: list[str] = field(default_factory=list)
    trajectory_number: int | None = None  # the version the import would add

    def count(self, change: str) -> int:
        return sum(1 for line in self.lines if line.change == change)

    @property
    def counts(self) -> dict[str, int]:
        return {name: self.count(name) for name in (NEW, CHANGED, UNCHANGED, ERROR)}

    @property
    def has_errors(self) -> bool:
        return self.count(ERROR) > 0

    @property
    def changes_anything(self) -> bool:
        return bool(self.count(NEW) or self.count(CHANGED) or self.dropped)


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _actual_data(row: ParsedRow, existing: Actual | None) -> services.ActualData:
    """What the actual will be after the import: the file's values over the stored ones."""

    def pick(name: str, default: Any) -> Any:
        if name in row.fields:
            value = row.fields[name]
            return date.fromisoformat(value) if name == "data_as_at" and value else value
        return getattr(existing, name) if existing is not None else default

    assert row.period_date is not None
    assert row.value is not None
    return services.ActualData(
        period=row.period_date,
        value=Decimal(row.value),
        status=pick("status", ActualStatus.FINAL),
        source=pick("source", ""),
        data_as_at=pick("data_as_at", None),
        note=pick("note", ""),
    )


FIELD_LABELS = {"status": "status", "source": "source", "data_as_at": "data as at", "note": "note"}


def _actuals_preview(rows: list[ParsedRow], *, lock: bool) -> tuple[Preview, list]:
    measure_ids = {row.measure_id for row in rows if row.measure_id}
    measures = Measure.objects.in_bulk(measure_ids)
    queryset = Actual.objects.filter(
        measure_id__in=measure_ids, period__in={row.period_date for row in rows if row.period}
    )
    if lock:
        queryset = queryset.select_for_update()
    stored = {(a.measure_id, a.period): a for a in queryset}
    lines: list[PreviewLine] = []
    writes: list[tuple[Measure, services.ActualData]] = []
    touched: list[tuple[int, str, int, int]] = []
    for row in rows:
        line = PreviewLine(
            row=row.row,
            measure=row.measure_text,
            period=row.period_text,
            value=show_number(row.value) if row.value is not None else row.value_text,
            change=ERROR,
            errors=list(row.errors),
        )
        lines.append(line)
        if row.errors or row.measure_id not in measures:
            continue
        measure = measures[row.measure_id]  # type: ignore[index]
        existing = stored.get((measure.pk, row.period_date))
        data = _actual_data(row, existing)
        writes.append((measure, data))
        if existing is None:
            line.change = NEW
            touched.append((measure.pk, row.period or "", 0, 0))
            continue
        touched.append((measure.pk, row.period or "", existing.pk, existing.version))
        line.old_value = show_number(existing.value)
        if Decimal(existing.value) != data.value:
            line.details.append(f"value {show_number(existing.value)} \u2192 {line.value}")
        for name in OPTIONAL_COLUMNS:
            old, new = getattr(existing, name), getattr(data, name)
            if old != new:
                line.details.append(
                    f"{FIELD_LABELS[name]}: {old or '(blank)'} \u2192 {new or '(blank)'}"
                )
        line.change = CHANGED if line.details else UNCHANGED
    preview = Preview(lines=lines, fingerprint=_digest([[asdict(r) for r in rows], touched]))
    return preview, writes


def _trajectory_preview(
    rows: list[ParsedRow], *, measure: Measure, meta: dict[str, str]
) -> tuple[Preview, list[tuple[date, Decimal]]]:
    current = (
        Trajectory.objects.filter(measure=measure).order_by("-number").prefetch_related("points")
    ).first()
    stored = {point.period: point.value for point in current.points.all()} if current else {}
    lines: list[PreviewLine] = []
    points: list[tuple[date, Decimal]] = []
    in_file: set[date] = set()
    for row in rows:
        line = PreviewLine(
            row=row.row,
            measure=measure.name,
            period=row.period_text,
            value=show_number(row.value) if row.value is not None else row.value_text,
            change=ERROR,
            errors=list(row.errors),
        )
        lines.append(line)
        if row.errors:
            continue
        day, value = row.period_date, Decimal(row.value or "0")
        assert day is not None
        in_file.add(day)
        points.append((day, value))
        if day not in stored:
            line.change = NEW
        elif Decimal(stored[day]) != value:
            line.change = CHANGED
            line.old_value = show_number(stored[day])
            line.details.append(f"value {line.old_value} \u2192 {line.value}")
        else:
            line.change = UNCHANGED
            line.old_value = show_number(stored[day])
    dropped = [
        f"{periods.label(day, measure.frequency)}: {show_number(value)}"
        for day, value in sorted(stored.items())
        if day not in in_file
    ]
    latest = current.number if current else 0
    preview = Preview(
        lines=lines,
        fingerprint=_digest([[asdict(r) for r in rows], meta, latest]),
        dropped=dropped,
        trajectory_number=latest + 1,
    )
    return preview, points


def build_preview(pending: PendingImport) -> Preview:
    if pending.kind == TRAJECTORY:
        measure = Measure.objects.get(pk=pending.measure_id)
        return _trajectory_preview(pending.parsed_rows, measure=measure, meta=pending.trajectory)[0]
    return _actuals_preview(pending.parsed_rows, lock=False)[0]


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    trajectory: Trajectory | None = None


def apply(pending: PendingImport, *, by: Any, fingerprint: str) -> Outcome:
    """Write the import in one transaction, or nothing: refused while any row has an error, and
    a conflict when the stored data no longer matches the preview the user confirmed."""
    with transaction.atomic():
        if pending.kind == TRAJECTORY:
            measure = Measure.objects.select_for_update().get(pk=pending.measure_id)
            preview, points = _trajectory_preview(
                pending.parsed_rows, measure=measure, meta=pending.trajectory
            )
            _check(preview, fingerprint)
            if not preview.changes_anything:
                return Outcome(unchanged=len(points))
            meta = pending.trajectory
            trajectory = services.trajectory_create(
                measure=measure,
                by=by,
                label=meta["label"],
                agreed_on=date.fromisoformat(meta["agreed_on"]),
                reason=meta.get("reason", ""),
                points=points,
            )
            return Outcome(created=len(points), trajectory=trajectory)
        preview, writes = _actuals_preview(pending.parsed_rows, lock=True)
        _check(preview, fingerprint)
        counts = services.actuals_import(measure_rows=writes, by=by)
        return Outcome(
            created=counts["created"], updated=counts["updated"], unchanged=counts["unchanged"]
        )


def _check(preview: Preview, fingerprint: str) -> None:
    if preview.has_errors:
        raise ImportRefused(CONFIRM_WITH_ERRORS)
    if not secrets.compare_digest(preview.fingerprint, fingerprint or ""):
        raise ImportConflict(CONFLICT)


# --- pending imports, kept server-side between the steps ----------------------------------

PENDING_MAX_AGE_SECONDS = 24 * 60 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
MAP, PREVIEW = "map", "preview"


@dataclass
class PendingImport:
    token: str
    user_id: int
    kind: str
    measure_id: int | None  # None for a portfolio-wide import
    stage: str  # MAP (publisher file awaiting its mapping) or PREVIEW
    filename: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    trajectory: dict[str, str] = field(default_factory=dict)  # label, agreed_on, reason
    mapping: dict[str, Any] = field(default_factory=dict)
    skipped: int = 0
    has_upload: bool = False
    created: float = field(default_factory=time.time)

    @property
    def parsed_rows(self) -> list[ParsedRow]:
        return [ParsedRow(**row) for row in self.rows]

    def set_rows(self, rows: list[ParsedRow]) -> None:
        self.rows = [asdict(row) for row in rows]

    # Storage -------------------------------------------------------------------------------

    @property
    def folder(self) -> Path:
        return pending_root() / self.token

    def upload(self) -> bytes:
        return (self.folder / "upload").read_bytes()

    def save(self, upload: bytes | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if upload is not None:
            (self.folder / "upload").write_bytes(upload)
            self.has_upload = True
        meta = self.folder / "meta.json.tmp"
        meta.write_text(json.dumps(asdict(self)))
        os.replace(meta, self.folder / "meta.json")

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def pending_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def pending_create(
    *, user: Any, kind: str, measure: Measure | None, filename: str
) -> PendingImport:
    prune_pending()
    return PendingImport(
        token=secrets.token_urlsafe(24),
        user_id=user.pk,
        kind=kind,
        measure_id=measure.pk if measure else None,
        stage=PREVIEW,
        filename=filename[:200],
    )


def pending_load(token: str, *, user: Any, measure: Measure | None) -> PendingImport | None:
    """The user's own pending import for this measure (or the portfolio), or None: another
    user's token, a token for another measure and an expired one all look the same."""
    if not token or not _TOKEN.match(token):
        return None
    try:
        data = json.loads((pending_root() / token / "meta.json").read_text())
        pending = PendingImport(**data)
    except (OSError, ValueError, TypeError):
        return None
    if pending.user_id != user.pk or pending.measure_id != (measure.pk if measure else None):
        return None
    if time.time() - pending.created > PENDING_MAX_AGE_SECONDS:
        pending.discard()
        return None
    return pending


def prune_pending() -> None:
    root = pending_root()
    if not root.is_dir():
        return
    cutoff = time.time() - PENDING_MAX_AGE_SECONDS
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def latest_trajectory_number(measure: Measure) -> int:
    return measure.trajectories.aggregate(n=Max("number"))["n"] or 0
