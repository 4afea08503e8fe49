"""Spreadsheet bombs and oversized bodies: the work done on an upload is bounded, not just its
size on the wire. A small .xlsx that unpacks to a huge sheet or millions of shared strings is
refused before any XML is parsed, and a request body over the limit is refused before it is
read, let alone written to disk."""

import io
import time
import tracemalloc
import zipfile

import pytest
from django.test import Client

from priorities.imports import readers
from priorities.imports.readers import WORKBOOK_TOO_BIG, ImportRefused, read_table, sheet_names

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'  # noqa: E501
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'  # noqa: E501
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'  # noqa: E501
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'  # noqa: E501
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'  # noqa: E501
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'  # noqa: E501
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'  # noqa: E501
    "</Relationships>"
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def _workbook(sheet_xml: str, shared: str = "<sst/>") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        book.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            + shared.replace(
                "<sst", '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"', 1
            ),
        )
    return buffer.getvalue()


def _one_wide_row(cells: int) -> bytes:
    return _workbook(SHEET_HEAD + '<row r="1">' + "<c><v>1</v></c>" * cells + "</row>" + SHEET_TAIL)


def _many_shared_strings(count: int) -> bytes:
    strings = "<si><t>x</t></si>" * count
    return _workbook(
        SHEET_HEAD + '<row r="1"><c t="s"><v>0</v></c></row>' + SHEET_TAIL,
        f'<sst count="{count}" uniqueCount="{count}">{strings}</sst>',
    )


def _bounded(work):
    """Run `work`; its time in seconds and its peak of Python memory in MB."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        work()
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return elapsed, peak


@pytest.mark.parametrize(
    "bomb", [lambda: _one_wide_row(1_500_000), lambda: _many_shared_strings(1_500_000)]
)
@pytest.mark.parametrize("read", [read_table, sheet_names])
def test_a_workbook_that_unpacks_to_too_much_is_refused_unread(bomb, read):
    data = bomb()
    assert len(data) < readers.MAX_BYTES

    def work():
        with pytest.raises(ImportRefused) as refused:
            read(data)
        assert str(refused.value) == WORKBOOK_TOO_BIG

    elapsed, peak = _bounded(work)
    assert elapsed < 2
    assert peak < 20


def test_an_ordinary_workbook_still_reads():
    rows = "".join(f'<row r="{n}"><c><v>{n}</v></c><c><v>2.5</v></c></row>' for n in range(1, 101))
    table = read_table(_workbook(SHEET_HEAD + rows + SHEET_TAIL))
    assert len(table.rows) == 100
    assert table.rows[99][:2] == [100, 2.5]


def test_a_body_over_the_limit_is_refused_before_it_is_read(world, settings):
    from django.urls import reverse

    client = Client()
    client.force_login(world.users["analyst"])
    body = b"x" * (settings.MAX_REQUEST_BODY + 1)
    response = client.generic(
        "POST", reverse("priorities:list"), body, content_type="application/octet-stream"
    )
    assert response.status_code == 413
