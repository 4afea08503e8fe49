"""Reading an upload into rows: CSV, Excel workbooks (.xlsx and .xls) and the sheets of a
publisher's spreadsheet as released.

What a file is comes from its bytes, not from the name the user gave it. Cells come back as
Python values (text, numbers, dates), blank cells as None; nothing here knows about measures.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

# --- limits and messages ------------------------------------------------------------------

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Rows read from a sheet before giving up, blank ones included: publisher sheets carry title
# rows and notes around the data, and a crafted file can hold millions of empty rows.
MAX_SCAN_ROWS = MAX_ROWS * 4
MAX_COLUMNS = 60
# What an .xlsx may unpack to, checked from the zip's directory before any XML is parsed: a
# 300 KB workbook can hold a sheet of millions of cells or millions of shared strings, which
# took the parser half a minute and gigabytes. A sheet of MAX_SCAN_ROWS rows of ordinary data
# stays well inside these; the whole is bounded too, and so is the number of parts.
MAX_XLSX_ENTRIES = 300
MAX_XLSX_UNPACKED = 48 * 1024 * 1024
MAX_SHEET_UNPACKED = 16 * 1024 * 1024
MAX_SHARED_STRINGS_UNPACKED = 8 * 1024 * 1024

FILE_TOO_LARGE = "The file is larger than 2 MB. Split it into smaller files and import each one."
WORKBOOK_TOO_BIG = (
    "The workbook unpacks to more than this service reads. Copy the sheet with the data into a "
    "new workbook, or save it as CSV, and import that."
)
FILE_UNREADABLE = (
    "The file could not be read. Upload a CSV file or an Excel workbook (.xlsx or .xls)."
)
AMBIGUOUS_DELIMITER = (
    "The columns of this CSV file could be separated by {first} or by {second}. Save it again "
    "with one separator between columns (a comma, a semicolon, a tab or |) and import that."
)

# What may separate the columns of a CSV file. Which one a file uses is read from the file (see
# csv_delimiter); a semicolon is what Excel writes where the decimal mark is a comma, so in a
# file separated by semicolons a comma in a number is its decimal mark (see parse.parse_value).
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "| characters"}
# Rows looked at to decide the delimiter.
DELIMITER_SAMPLE_ROWS = 50


class ImportProblem(Exception):
    """An import that cannot go ahead; the message is for the user."""


class ImportRefused(ImportProblem):
    pass


# --- files --------------------------------------------------------------------------------

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
    # A CSV file separated by semicolons, where a comma in a number is the decimal mark.
    decimal_comma: bool = False


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


def _csv_text(data: bytes) -> str:
    try:
        return _decode(data)
    except UnicodeDecodeError as exc:
        raise ImportRefused(FILE_UNREADABLE) from exc


def csv_delimiter(text: str) -> str:
    """The delimiter of a CSV file, never a guess between two. Each candidate splits the first
    rows into fields; the usual number of fields (more than one) is what that delimiter makes of
    the file, and the candidate that gives it on the most rows wins. Two that do equally well
    refuse the file: `a,b;c` could be either. A file that no candidate splits is one column."""
    scores: dict[str, int] = {}
    for delimiter in DELIMITERS:
        counts: dict[int, int] = {}
        try:
            reader = csv.reader(io.StringIO(text), delimiter=delimiter)
            seen = 0
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                counts[len(row)] = counts.get(len(row), 0) + 1
                seen += 1
                if seen >= DELIMITER_SAMPLE_ROWS:
                    break
        except csv.Error:
            continue
        usual = max(counts.items(), key=lambda item: (item[1], item[0]), default=(1, 0))
        if usual[0] > 1:
            scores[delimiter] = usual[1]
    if not scores:
        return ","
    ranked = sorted(scores, key=lambda d: -scores[d])
    if len(ranked) > 1 and scores[ranked[0]] == scores[ranked[1]]:
        first, second = sorted(ranked[:2], key=DELIMITERS.index)
        raise ImportRefused(
            AMBIGUOUS_DELIMITER.format(first=DELIMITER_NAMES[first], second=DELIMITER_NAMES[second])
        )
    return ranked[0]


def _csv_rows(text: str, delimiter: str) -> Iterator[list[Any]]:
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            yield [_clean_cell(cell) for cell in row[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise ImportRefused(FILE_UNREADABLE) from exc


def check_xlsx_size(data: bytes) -> None:
    """Refuse a workbook whose parts unpack to more than the limits, from the sizes its zip
    directory declares (the zip module enforces them while inflating, so a part that lies
    about its size fails to read rather than growing without bound)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportRefused(FILE_UNREADABLE) from exc
    if len(members) > MAX_XLSX_ENTRIES:
        raise ImportRefused(WORKBOOK_TOO_BIG)
    total = 0
    for member in members:
        name = member.filename.lower()
        total += member.file_size
        if name.endswith("sharedstrings.xml") and member.file_size > MAX_SHARED_STRINGS_UNPACKED:
            raise ImportRefused(WORKBOOK_TOO_BIG)
        if member.file_size > MAX_SHEET_UNPACKED:
            raise ImportRefused(WORKBOOK_TOO_BIG)
    if total > MAX_XLSX_UNPACKED:
        raise ImportRefused(WORKBOOK_TOO_BIG)


def _xlsx_book(data: bytes) -> Any:
    check_xlsx_size(data)
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
    decimal_comma = False
    if file_kind(data) == CSV:
        text = _csv_text(data)
        delimiter = csv_delimiter(text)
        decimal_comma = delimiter == ";"
        source = _csv_rows(text, delimiter)
    else:
        source = _sheet_rows(data, sheet)
    rows: list[list[Any]] = []
    truncated = False
    for row in source:
        if len(rows) >= MAX_SCAN_ROWS:
            truncated = True
            break
        rows.append(row)
    while rows and blank(rows[-1]):
        rows.pop()
    return Table(rows=rows, truncated=truncated, decimal_comma=decimal_comma)


def blank(row: list[Any]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def cell_text(cell: Any) -> str:
    """A cell as the user would read it: whole numbers without '.0', midnight dates as days."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime) and cell.time() == datetime.min.time():
        return cell.date().isoformat()
    return str(cell).strip()


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# --- publisher spreadsheets ---------------------------------------------------------------


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
        heading = cell_text(header[index]) if index < len(header) else ""
        letter = column_letter(index)
        choices.append((index, f"{letter}: {heading[:80]}" if heading else letter))
    return choices


@dataclass
class SheetChoice:
    """The sheet of a publisher's workbook that the mapping step shows, and where its header
    row is (as given, or guessed)."""

    sheets: list[str]
    sheet: str
    table: Table
    header_row: int
    guessed_period_column: int | None
    fresh: bool  # another sheet than the one on screen: the guesses start afresh

    @property
    def columns(self) -> list[tuple[int, str]]:
        return column_choices(self.table, self.header_row)


def choose_sheet(data: bytes, choice: Mapping[str, Any]) -> SheetChoice:
    """The sheet named in `choice` (or the first), read from the upload: see `choose_from`."""
    return choose_from(
        choice, sheets=sheet_names(data), read=lambda sheet: read_table(data, sheet or None)
    )


def choose_from(
    choice: Mapping[str, Any], *, sheets: list[str], read: Callable[[str], Table]
) -> SheetChoice:
    """The sheet named in `choice` (or the first) among `sheets`, read by `read`: `choice` holds
    the `sheet` asked for, the `shown_sheet` that was on screen when it was asked and the
    `header_row` given there. Raises ImportRefused when the sheet cannot be read."""
    requested = choice.get("sheet")
    sheet = requested if requested in sheets else sheets[0]
    fresh = choice.get("shown_sheet") != sheet
    table = read(sheet)
    guessed_header, guessed_period = guess_mapping(table)
    header_row = guessed_header
    if not fresh:
        try:
            header_row = int(choice["header_row"])
        except (KeyError, ValueError, TypeError):
            header_row = guessed_header
    return SheetChoice(
        sheets=sheets,
        sheet=sheet,
        table=table,
        header_row=header_row,
        guessed_period_column=guessed_period,
        fresh=fresh,
    )


# --- a read sheet kept between requests ---------------------------------------------------
# JSON rather than pickle: what is kept is read back by the web process.


def _cell_json(cell: Any) -> Any:
    if cell is None or isinstance(cell, (str, bool, int, float)):
        return cell
    if isinstance(cell, datetime):
        return {"datetime": cell.isoformat()}
    if isinstance(cell, date):
        return {"date": cell.isoformat()}
    if isinstance(cell, time):
        return {"time": cell.isoformat()}
    if isinstance(cell, timedelta):
        return {"seconds": cell.total_seconds()}
    return str(cell)


def _cell_from_json(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "datetime" in value:
        return datetime.fromisoformat(value["datetime"])
    if "date" in value:
        return date.fromisoformat(value["date"])
    if "time" in value:
        return time.fromisoformat(value["time"])
    return timedelta(seconds=value["seconds"])


def table_dumps(table: Table) -> bytes:
    """A read table as JSON, to keep instead of reading the upload again."""
    payload = {
        "rows": [[_cell_json(cell) for cell in row] for row in table.rows],
        "truncated": table.truncated,
        "decimal_comma": table.decimal_comma,
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def table_loads(data: bytes) -> Table:
    """A table kept by `table_dumps`. Raises ValueError when it is not one."""
    try:
        payload = json.loads(data)
        return Table(
            rows=[[_cell_from_json(cell) for cell in row] for row in payload["rows"]],
            truncated=bool(payload["truncated"]),
            decimal_comma=bool(payload["decimal_comma"]),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError("not a kept table") from exc
