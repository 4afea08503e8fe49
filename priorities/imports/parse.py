"""Rows of a table to validated values: a period of the measure's frequency, a number that fits
the stored field, and the optional columns (status, source, data as at, note).

Each row is checked on its own and keeps its problems (`ParsedRow.errors`), so the preview can
show every one of them; problems with the whole file (a missing column, too many rows) raise
ImportRefused and stop the import there.

In a portfolio-wide import the `measure` column names each row's measure by its id (the number
shown in the list of measures on the import page) or by its exact name; a name that more than
one measure shares must be given as the id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet

from deliveryunit import access

from .. import periods
from ..models import VALUE_DIGITS, ActualStatus, Measure
from .readers import MAX_ROWS, ImportRefused, Table, blank, cell_text, column_letter

# --- what an import holds, and its messages -----------------------------------------------

ACTUALS = access.IMPORT_ACTUALS
TRAJECTORY = access.IMPORT_TRAJECTORY

VALUE_PLACES = VALUE_DIGITS["decimal_places"]
MAX_WHOLE_DIGITS = VALUE_DIGITS["max_digits"] - VALUE_PLACES

TOO_MANY_ROWS = (
    "The file has more than 5,000 rows of data. Split it into smaller files and import each one."
)
FILE_EMPTY = "The file has no rows of data."
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
COMMA_NOT_THOUSANDS = (
    "'{value}' has a comma that is not a thousands separator (as in 1,234 or 1,234,567.5). Use "
    "a full stop as the decimal mark, or save the file separated by semicolons if the comma is "
    "the decimal mark."
)
AMBIGUOUS_NUMBER = (
    "'{value}' could be two different numbers: in a file separated by semicolons the comma is "
    "the decimal mark, but this looks like a thousands separator (1,234 could be 1.234 or "
    "1234, 1.234 could be 1234 or 1.234). Write the number with no thousands separator, for "
    "example 1234 or 1234,5."
)
DUPLICATE_HEADER = (
    "The first row names the column '{column}' more than once (names are compared ignoring "
    "case, spaces and hyphens). Keep one of them and import the file again."
)
BLANK_HEADER = (
    "Column {column} has data but no name in the first row. Name the column, or delete it, and "
    "import the file again."
)
VALUE_TOO_LARGE = "'{value}' is too large: at most 14 digits before the decimal point."
DUPLICATE_PERIOD = "{period} appears more than once in the file (first in row {row})."
STATUS_INVALID = "'{status}' is not a status: use provisional or final."
DATA_AS_AT_INVALID = "'{value}' in data_as_at is not a date: use for example 2023-10-12."
SOURCE_TOO_LONG = "The source is longer than 300 characters."
HEADER_ROW_RANGE = "The sheet has {rows} rows: choose a header row between 1 and {rows}."
SAME_COLUMN = "Choose different columns for the period and the value."
NO_DATA_AFTER_HEADER = "There are no rows of data below the header row."

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


# --- cells --------------------------------------------------------------------------------


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
    text = cell_text(cell)
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


# How numbers are written, read strictly: a decimal point or (in a file separated by
# semicolons) a decimal comma, and thousands separators only in whole groups of three.
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
_THOUSANDS_COMMA = re.compile(r"^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$", re.ASCII)
_THOUSANDS_COMMA_WHOLE = re.compile(r"^[+-]?[1-9]\d{0,2}(,\d{3})+$", re.ASCII)
_THOUSANDS_DOT_WHOLE = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+$", re.ASCII)
_THOUSANDS_SPACE = re.compile(r"^[+-]?[1-9]\d{0,2}([ \u00a0\u202f]\d{3})+([.,]\d+)?$", re.ASCII)
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$", re.ASCII)


def number_text(text: str, *, decimal_comma: bool = False) -> str:
    """The text of a number as Decimal reads it, or ValueError with the reason it is not one.

    A comma is a thousands separator only in the 1,234 / 1,234,567.5 pattern; any other comma is
    refused rather than dropped (`71,2` is not 712). In a file separated by semicolons (what
    Excel writes where the comma is the decimal mark) a single comma is the decimal mark, and a
    number that could be read either way there (`1,234`, `1.234`, or both marks at once) is
    refused with the reason. Spaces group thousands only in groups of three."""
    given = text
    if _THOUSANDS_SPACE.match(text):
        text = re.sub(r"[ \u00a0\u202f]", "", text)
    if decimal_comma:
        if ("," in text and "." in text) or _THOUSANDS_COMMA_WHOLE.match(text):
            raise ValueError(AMBIGUOUS_NUMBER.format(value=given))
        if _THOUSANDS_DOT_WHOLE.match(text):
            raise ValueError(AMBIGUOUS_NUMBER.format(value=given))
        if _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
    elif "," in text:
        if not _THOUSANDS_COMMA.match(text):
            raise ValueError(COMMA_NOT_THOUSANDS.format(value=given))
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.match(text):
        raise ValueError(VALUE_NOT_NUMBER.format(value=given))
    return text


def parse_value(
    cell: Any, scale: Decimal = SCALES[SCALE_AS_PUBLISHED], *, decimal_comma: bool = False
) -> Decimal:
    """A stored value from a cell: a number, scaled, rounded to the stored decimal places
    (publisher files carry floating-point fractions such as 0.9718742234272824). Text is read
    by `number_text`; `decimal_comma` for a CSV file separated by semicolons."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        raise ValueError(VALUE_EMPTY)
    if isinstance(cell, (bool, date, datetime)):
        raise ValueError(VALUE_NOT_NUMBER.format(value=cell_text(cell)))
    if isinstance(cell, float):
        number = Decimal(repr(cell))
    elif isinstance(cell, int):
        number = Decimal(cell)
    else:
        text = cell_text(cell)
        try:
            number = Decimal(number_text(text, decimal_comma=decimal_comma))
        except InvalidOperation as exc:
            raise ValueError(VALUE_NOT_NUMBER.format(value=text)) from exc
    if not number.is_finite():
        raise ValueError(VALUE_NOT_NUMBER.format(value=cell_text(cell)))
    number = number * scale
    if abs(number) >= Decimal(10) ** MAX_WHOLE_DIGITS:
        raise ValueError(VALUE_TOO_LARGE.format(value=cell_text(cell)))
    return number.quantize(Decimal(1).scaleb(-VALUE_PLACES), rounding=ROUND_HALF_UP)


def _parse_day(cell: Any) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = cell_text(cell)
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


@dataclass
class MappedRows:
    rows: list[ParsedRow]
    skipped: int


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


def importable_measures(user: Any) -> QuerySet[Measure]:
    """Measures `user` may import actual data for (see access.import_kinds)."""
    return access.importable(Measure.objects.select_related("priority"), user)


def portfolio_resolver(user: Any) -> MeasureResolver:
    """The measures of a portfolio-wide import, as `user` may import them."""
    return measure_resolver(  # type: ignore[no-any-return]
        access.scoped(Measure.objects.select_related("priority"), user),
        can_submit=lambda measure: ACTUALS in access.import_kinds(user, measure),
    )


def _normalise_header(cell: Any) -> str:
    return re.sub(r"[\s\-]+", "_", cell_text(cell).casefold())


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
    decimal_comma: bool = False,
) -> ParsedRow:
    parsed = ParsedRow(
        row=number,
        measure_id=measure.pk if measure else None,
        measure_text=measure.name if measure else measure_text,
        period=None,
        period_text=cell_text(period_cell),
        value=None,
        value_text=cell_text(value_cell),
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
        parsed.value = str(parse_value(value_cell, scale, decimal_comma=decimal_comma))
    except ValueError as exc:
        parsed.errors.append(str(exc))
    for name, cell in extra.items():
        text = _undo_export_escape(cell_text(cell))
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


# --- our own format -----------------------------------------------------------------------


def _columns(names: list[str], rows: list[list[Any]]) -> dict[str, int]:
    """Where each named column is. A name given twice (`value` and ` Value` included) or data
    in a column with no name refuses the file: which of them is meant would be a guess."""
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            continue
        if name in columns:
            raise ImportRefused(DUPLICATE_HEADER.format(column=name))
        columns[name] = index
    for row in rows:
        for index, value in enumerate(row):
            if (index >= len(names) or not names[index]) and cell_text(value):
                raise ImportRefused(BLANK_HEADER.format(column=column_letter(index)))
    return columns


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
    header_index = next((i for i, row in enumerate(table.rows) if not blank(row)), None)
    if header_index is None:
        raise ImportRefused(FILE_EMPTY)
    names = [_normalise_header(cell) for cell in table.rows[header_index]]
    columns = _columns(names, table.rows[header_index + 1 :])
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
        if blank(row):
            continue
        if not cell_text(cell(row, "value")):
            skipped += 1
            continue
        if len(parsed) >= MAX_ROWS:
            raise ImportRefused(TOO_MANY_ROWS)
        number = header_index + offset + 2
        row_measure, measure_text, measure_error = measure, "", None
        if resolve is not None:
            measure_text = cell_text(cell(row, "measure"))
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
                decimal_comma=table.decimal_comma,
            )
        )
    if not parsed:
        raise ImportRefused(FILE_EMPTY)
    _mark_duplicates(parsed)
    return MappedRows(rows=parsed, skipped=skipped)


# --- a publisher's sheet through a mapping ------------------------------------------------


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
        if blank(row):
            continue
        period_cell = row[mapping.period_column] if mapping.period_column < len(row) else None
        value_cell = row[mapping.value_column] if mapping.value_column < len(row) else None
        if mapping.skip_non_dates and not names_a_date(period_cell):
            skipped += 1
            continue
        if mapping.skip_no_value and cell_text(value_cell).casefold() in NO_VALUE_MARKERS:
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
                decimal_comma=table.decimal_comma,
            )
        )
    if not parsed:
        raise ImportRefused(NO_DATA_AFTER_HEADER)
    _mark_duplicates(parsed)
    return MappedRows(rows=parsed, skipped=skipped)
