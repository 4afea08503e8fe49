"""Imports that never guess: the delimiter of a CSV file is detected, a comma is a thousands
separator only in the 1,234 pattern, a decimal comma in a file separated by semicolons is a
decimal point, a number that could be read two ways is refused with a reason, and a header that
names a column twice (or has data under no name) refuses the whole file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from priorities import imports
from priorities.models import Frequency

from .factories import MeasureFactory, PriorityFactory
from .test_imports import unchanged_database


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def measure(world):
    priority = PriorityFactory(code="HO-1", lead_department=world.own)
    return MeasureFactory(priority=priority, name="Monthly share", frequency=Frequency.MONTHLY)


def upload_text(client, measure, text: str, *, encoding: str = "utf-8"):
    url = reverse("priorities:measure_import", args=[measure.pk])
    file = SimpleUploadedFile("data.csv", text.encode(encoding), content_type="text/csv")
    return client.post(url, {"kind": "actuals", "layout": "own", "file": file})


def preview_lines(client, response) -> list[tuple[str, str, list[str]]]:
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return [(line.period, line.value, line.errors) for line in page.context["preview"].lines]


def file_error(response) -> list[str]:
    assert response.status_code == 200
    return response.context["form"].errors["file"]


# --- decimal commas and delimiters --------------------------------------------------------


def test_semicolon_file_with_decimal_commas_reads_them_as_decimal_points(client, analyst, measure):
    client.force_login(analyst)
    with unchanged_database():
        lines = preview_lines(
            client,
            upload_text(client, measure, "period;value\n2023-01;71,2\n2023-02;-0,05\n2023-03;80\n"),
        )
    assert lines == [("2023-01", "71.2", []), ("2023-02", "-0.05", []), ("2023-03", "80", [])]


@pytest.mark.parametrize("delimiter", [",", "\t", "|"])
def test_other_delimiters_are_detected(client, analyst, measure, delimiter):
    client.force_login(analyst)
    text = f'period{delimiter}value\n2023-01{delimiter}"1,234.5"\n2023-02{delimiter}7.25\n'
    with unchanged_database():
        lines = preview_lines(client, upload_text(client, measure, text))
    assert lines == [("2023-01", "1234.5", []), ("2023-02", "7.25", [])]


@pytest.mark.parametrize("value", ["1,234", "12,345,678", "1.234", "1.234.567", "1,234.5"])
def test_semicolon_file_refuses_a_number_that_reads_two_ways(client, analyst, measure, value):
    client.force_login(analyst)
    with unchanged_database():
        lines = preview_lines(
            client, upload_text(client, measure, f"period;value\n2023-01;{value}\n2023-02;5\n")
        )
    assert lines == [
        ("2023-01", value, [imports.AMBIGUOUS_NUMBER.format(value=value)]),
        ("2023-02", "5", []),
    ]


@pytest.mark.parametrize("value", ["71,2", "1,23", "1,2345", "0,123", "1,234,56", ",5"])
def test_comma_file_refuses_a_comma_that_is_not_a_thousands_separator(
    client, analyst, measure, value
):
    client.force_login(analyst)
    with unchanged_database():
        lines = preview_lines(
            client, upload_text(client, measure, f'period,value\n2023-01,"{value}"\n')
        )
    assert lines == [("2023-01", value, [imports.COMMA_NOT_THOUSANDS.format(value=value)])]


def test_comma_thousands_in_a_comma_file_still_import(client, analyst, measure):
    client.force_login(analyst)
    text = 'period,value\n2023-01,"1,234"\n2023-02,"1,234,567.25"\n2023-03,0.123\n'
    with unchanged_database():
        lines = preview_lines(client, upload_text(client, measure, text))
    assert lines == [
        ("2023-01", "1234", []),
        ("2023-02", "1234567.25", []),
        ("2023-03", "0.123", []),
    ]


def test_semicolon_file_saved_by_european_excel_in_cp1252(client, analyst, measure):
    client.force_login(analyst)
    text = "period;value;note\n2023-01;12,5;Überarbeitet\n"
    with unchanged_database():
        lines = preview_lines(client, upload_text(client, measure, text, encoding="cp1252"))
    assert lines == [("2023-01", "12.5", [])]


# --- headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("period,value,value", "value"),
        ("period,Value, value ", "value"),
        ("Period,value,PERIOD", "period"),
        ("period,value,data as at,data_as_at", "data_as_at"),
        ("period;value;VALUE", "value"),
    ],
)
def test_a_column_named_twice_refuses_the_file(client, analyst, measure, header, column):
    client.force_login(analyst)
    delimiter = ";" if ";" in header else ","
    row = delimiter.join(["2023-01", "5", "6", "2023-01-02"][: header.count(delimiter) + 1])
    with unchanged_database():
        response = upload_text(client, measure, f"{header}\n{row}\n")
    assert file_error(response) == [imports.DUPLICATE_HEADER.format(column=column)]


def test_data_under_a_blank_header_refuses_the_file(client, analyst, measure):
    client.force_login(analyst)
    with unchanged_database():
        response = upload_text(client, measure, "period,,value\n2023-01,6,5\n")
    assert file_error(response) == [imports.BLANK_HEADER.format(column="B")]


def test_a_blank_header_over_an_empty_column_is_fine(client, analyst, measure):
    client.force_login(analyst)
    with unchanged_database():
        lines = preview_lines(client, upload_text(client, measure, "period,,value\n2023-01,,5\n"))
    assert lines == [("2023-01", "5", [])]


# --- the publisher mapping step reads the upload once -------------------------------------


def test_the_mapping_step_parses_each_sheet_of_the_upload_once(
    client, analyst, measure, monkeypatch
):
    import openpyxl

    from .test_imports import publisher_workbook, start_publisher_import

    opened = []
    real_load = openpyxl.load_workbook

    def counting_load(*args, **kwargs):
        opened.append(1)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", counting_load)
    client.force_login(analyst)
    url = reverse("priorities:measure_import", args=[measure.pk])
    with unchanged_database():
        token, page = start_publisher_import(client, measure, publisher_workbook(), "release.xlsx")
        assert page.status_code == 200
        after_first_view = len(opened)
        for _ in range(3):
            page = client.get(url, {"token": token})
            assert page.status_code == 200
            assert "Monthly performance" in page.content.decode()
        assert len(opened) == after_first_view
        # Another sheet is read once, then kept too.
        page = client.post(url, {"token": token, "action": "show", "sheet": "Performance"})
        assert "12 October 2023" in page.content.decode()
        after_second_sheet = len(opened)
        assert after_second_sheet <= after_first_view + 1
        page = client.post(url, {"token": token, "action": "show", "sheet": "Performance"})
        assert page.context["form"]["header_row"].value() == 5
        page = client.post(url, {"token": token, "action": "show", "sheet": "Cover"})
        assert "Monthly performance" in page.content.decode()
        assert len(opened) == after_second_sheet


def test_the_kept_sheet_goes_with_the_import(client, analyst, measure, media_root):
    from .test_imports import publisher_workbook, start_publisher_import

    client.force_login(analyst)
    url = reverse("priorities:measure_import", args=[measure.pk])
    token, _ = start_publisher_import(client, measure, publisher_workbook(), "release.xlsx")
    client.post(url, {"token": token, "action": "show", "sheet": "Performance"})
    assert any(path.name.startswith(token) for path in (media_root / "imports").iterdir())
    client.post(url, {"token": token, "action": "cancel"})
    assert not any(path.name.startswith(token) for path in (media_root / "imports").iterdir())
