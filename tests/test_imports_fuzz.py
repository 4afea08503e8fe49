"""The importer against generated files: CSV files (every delimiter, several encodings, numbers
written every way, header variants) and small workbooks (numbers and number-like text, far-away
cells within the limits). Every file is either imported with exactly the values that the strict
reader below finds, or refused with nothing changed, in bounded time and memory.

The strict reader is written here from the documented rules, not from the importer's code: the
delimiter is known (the generator chose it), and a number is read by splitting it at its marks.
"""

import csv
import io
import time
import tracemalloc
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from priorities import imports
from priorities.models import Actual, Frequency

from .factories import MeasureFactory, PriorityFactory
from .test_imports import database_counts

MAX_SECONDS = 10  # per file, on a loaded machine; an ordinary file takes a fraction of that
MAX_PEAK_BYTES = 64 * 1024 * 1024


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- the strict reader --------------------------------------------------------------------

REFUSED = None


def _groups_of_three(text: str, mark: str) -> bool:
    """Whether `text` is digits grouped in threes by `mark`, as 1,234 or 12.345.678."""
    parts = text.split(mark)
    return (
        len(parts) > 1
        and all(part.isascii() and part.isdigit() for part in parts)
        and 1 <= len(parts[0]) <= 3
        and parts[0][0] != "0"
        and all(len(part) == 3 for part in parts[1:])
    )


def strict_number(text: str, *, semicolons: bool) -> Decimal | None:
    sign, body = "", text.strip()
    if body[:1] in ("+", "-"):
        sign, body = body[0], body[1:]
    if not body or any(char not in "0123456789.," for char in body):
        return REFUSED
    commas, dots = body.count(","), body.count(".")
    if semicolons:
        # The comma is the decimal mark; 1,234 and 1.234 could each mean two numbers.
        if commas and dots:
            return REFUSED
        mark = "," if commas else "." if dots else ""
        if not mark:
            return Decimal(sign + body)
        if _groups_of_three(body, mark) or body.count(mark) > 1:
            return REFUSED
        whole, fraction = body.split(mark)
        if mark == "," and not (whole and fraction):
            return REFUSED
        if not (whole or fraction):
            return REFUSED
        return Decimal(f"{sign}{whole or '0'}.{fraction or '0'}")
    if commas:
        whole, _, fraction = body.partition(".")
        if dots > 1 or (dots and not fraction) or not _groups_of_three(whole, ","):
            return REFUSED
        return Decimal(sign + whole.replace(",", "") + (f".{fraction}" if fraction else ""))
    if dots > 1 or body == ".":
        return REFUSED
    return Decimal(sign + body)


def stored(number: Decimal) -> Decimal | None:
    if abs(number) >= Decimal(10) ** imports.parse.MAX_WHOLE_DIGITS:
        return REFUSED
    return number.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def header_name(cell) -> str:
    text = "" if cell is None else str(cell).strip().casefold()
    return "_".join(text.replace("-", " ").split())


def strict_read(rows: list[list], *, semicolons: bool) -> dict[str, Decimal] | None:
    """period -> value as the file says it, or None when the file must be refused."""
    rows = [["" if cell is None else cell for cell in row] for row in rows]
    filled = [row for row in rows if any(str(cell).strip() for cell in row)]
    if not filled:
        return REFUSED
    header, data = filled[0], filled[1:]
    names = [header_name(cell) for cell in header]
    named = [name for name in names if name]
    if len(named) != len(set(named)) or "period" not in named or "value" not in named:
        return REFUSED
    for row in data:
        for index, cell in enumerate(row):
            if str(cell).strip() and (index >= len(names) or not names[index]):
                return REFUSED
    period_at, value_at = names.index("period"), names.index("value")
    values: dict[str, Decimal] = {}
    for row in data:
        cell = row[value_at] if value_at < len(row) else ""
        if isinstance(cell, str) and not cell.strip():
            continue  # a row with no value is left out
        if len(values) >= imports.MAX_ROWS:
            return REFUSED
        if isinstance(cell, bool):
            return REFUSED
        if isinstance(cell, (int, float)):
            number = Decimal(repr(cell))
        else:
            number = strict_number(str(cell), semicolons=semicolons)
        number = stored(number) if number is not None else None
        if number is None:
            return REFUSED
        values[str(row[period_at]).strip()] = number
    return values or REFUSED


# --- generated files ----------------------------------------------------------------------


@dataclass
class Case:
    content: bytes
    expected: dict[str, Decimal] | None
    truth: dict[str, Decimal] | None  # the numbers meant, where the writing is unambiguous


def periods(count: int) -> list[str]:
    return [f"{2000 + index // 12}-{index % 12 + 1:02d}" for index in range(count)]


values = st.decimals(
    min_value=Decimal("-99999999"), max_value=Decimal("99999999"), places=4, allow_nan=False
).map(lambda number: number.normalize() if number else Decimal(0))


def written(number: Decimal, style: str) -> str:
    plain = f"{number:f}"
    if style == "plain":
        return plain
    if style == "thousands":
        return f"{number:,f}"
    if style == "decimal_comma":
        return plain.replace(".", ",")
    return f"{number:,f}".replace(",", "_").replace(".", ",").replace("_", ".")  # 1.234,5


number_texts = st.text(alphabet="0123456789.,+-", min_size=1, max_size=9)

headers = st.sampled_from(
    [
        ["period", "value"],
        ["Period", " VALUE "],
        ["period", "value", "note"],
        ["period", "value", "value"],
        ["period", "Value", " value"],
        ["period", "", "value"],
        ["value", "period", "data-as-at", "data_as_at"],
        ["period"],
    ]
)


@st.composite
def csv_cases(draw) -> Case:
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    header = draw(headers)
    count = draw(st.integers(min_value=1, max_value=25))
    fill_blank_column = draw(st.booleans())
    rows: list[list[str]] = [header]
    truth: dict[str, Decimal] = {}
    for period in periods(count):
        if draw(st.integers(0, 4)) == 0:
            text = draw(number_texts)
            meant = None
        else:
            number = draw(values)
            native = "decimal_comma" if delimiter == ";" else "thousands"
            style = draw(st.sampled_from(["plain", native, "decimal_comma", "european"]))
            text = written(number, style)
            meant = number if style in ("plain", native) else None
        row = {"period": period, "value": text, "note": "Révisé", "data-as-at": "", "": ""}
        if fill_blank_column:
            row[""] = "stray"
        cells = [row.get(name.strip().lower(), "") for name in header]
        if header[-1:] == ["data_as_at"]:
            cells[-1] = ""
        rows.append(cells)
        if meant is not None:
            truth[period] = meant
    rows += [[""] * len(header)] * draw(st.integers(0, 3))  # trailing blank rows
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    content = buffer.getvalue().encode(encoding)
    expected = strict_read(rows, semicolons=delimiter == ";")
    if encoding == "utf-16":
        expected = REFUSED  # not a text encoding the importer reads: it must refuse the file
    return Case(content=content, expected=expected, truth=truth)


@st.composite
def workbook_cases(draw) -> Case:
    from openpyxl import Workbook, load_workbook

    header = draw(headers)
    count = draw(st.integers(min_value=1, max_value=25))
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    truth: dict[str, Decimal] = {}
    for period in periods(count):
        number = draw(values)
        how = draw(st.sampled_from(["number", "plain", "thousands", "decimal_comma", "junk"]))
        if how == "number":
            cell = float(number)
            truth[period] = stored(Decimal(repr(cell)))
        elif how == "junk":
            cell = draw(number_texts)
        else:
            cell = written(number, how)
            if how != "decimal_comma":
                truth[period] = number
        row = {"period": period, "value": cell, "note": "note"}
        sheet.append([row.get(name.strip().lower()) for name in header])
    # Far-away cells within the limits: a blank-headed column with data, or a far blank row.
    far_row = draw(st.integers(min_value=count + 2, max_value=imports.MAX_ROWS * 2))
    far_column = draw(st.integers(min_value=len(header) + 1, max_value=imports.MAX_COLUMNS))
    match draw(st.sampled_from(["none", "stray", "blank"])):
        case "stray":
            sheet.cell(row=far_row, column=far_column, value="stray")
        case "blank":
            sheet.cell(row=far_row, column=far_column, value="   ")
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    # The strict reader reads the workbook in full (not streamed), independently.
    written_back = load_workbook(io.BytesIO(content), data_only=True).active
    rows = [list(row) for row in written_back.iter_rows(values_only=True)]
    return Case(content=content, expected=strict_read(rows, semicolons=False), truth=truth)


# --- the property -------------------------------------------------------------------------


def run_import(case: Case, *, user, measure, check: bool = True) -> None:
    before = database_counts()
    started = time.monotonic()
    tracemalloc.start()
    try:
        try:
            pending = imports.pending_start(
                user=user, kind=imports.ACTUALS, measure=measure, filename="f", data=case.content
            )
        except imports.ImportRefused:
            pending = None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MAX_PEAK_BYTES
    outcome = None
    if pending is not None:
        preview = imports.build_preview(pending, user=user)
        try:
            outcome = imports.apply(pending, by=user, fingerprint=preview.fingerprint)
        except imports.ImportRefused:
            outcome = None
    if not check:
        return
    assert time.monotonic() - started < MAX_SECONDS
    if outcome is None:
        assert database_counts() == before, "a refused file changed the stored data"
        # Refusing is right only where the strict reader refuses too: an importer that
        # refused everything would otherwise pass.
        assert case.expected is REFUSED, f"refused a file the strict reader reads: {case}"
        return
    imported = {
        f"{actual.period:%Y-%m}": actual.value for actual in Actual.objects.filter(measure=measure)
    }
    assert case.expected is not REFUSED, f"imported {imported} from a file that must be refused"
    assert imported == case.expected
    for period, meant in case.truth.items():
        assert imported[period] == stored(meant)


FUZZ = settings(
    max_examples=40,
    deadline=None,  # bounded by MAX_SECONDS per file instead: the machine is shared
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def measure(world, analyst):
    priority = PriorityFactory(code="HO-1", lead_department=world.own)
    measure = MeasureFactory(priority=priority, name="Monthly share", frequency=Frequency.MONTHLY)
    # The first import pays for loading the spreadsheet libraries (slow under tracemalloc);
    # that is not the file's work, so it happens before any file is timed.
    from openpyxl import Workbook

    book, buffer = Workbook(), io.BytesIO()
    book.active.append(["period", "value"])
    book.save(buffer)
    for content in (b"period,value\n2000-01,1\n", buffer.getvalue()):
        with transaction.atomic():
            run_import(Case(content, REFUSED, None), user=analyst, measure=measure, check=False)
            transaction.set_rollback(True)
    return measure


@FUZZ
@given(case=csv_cases())
def test_generated_csv_files_import_exactly_or_not_at_all(analyst, measure, case):
    with transaction.atomic():
        run_import(case, user=analyst, measure=measure)
        transaction.set_rollback(True)


@FUZZ
@given(case=workbook_cases())
def test_generated_workbooks_import_exactly_or_not_at_all(analyst, measure, case):
    with transaction.atomic():
        run_import(case, user=analyst, measure=measure)
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("text", "semicolons", "number"),
    [
        ("71,2", True, Decimal("71.2")),
        ("71,2", False, None),
        ("1,234", False, Decimal(1234)),
        ("1,234", True, None),
        ("1.234", True, None),
        ("0,123", True, Decimal("0.123")),
        ("1,234.5", False, Decimal("1234.5")),
        ("1,234.5", True, None),
        ("12,34", False, None),
    ],
)
def test_the_strict_reader_follows_the_documented_rules(text, semicolons, number):
    assert strict_number(text, semicolons=semicolons) == number
