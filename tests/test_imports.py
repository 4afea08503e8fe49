"""Importing actuals and trajectory points: preview, confirm, all-or-nothing, limits, access.

Every bad-input test checks that nothing changed: the counts of actuals, trajectories, their
points and all their history rows are the same before and after (`unchanged_database`).
"""

import io
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deliveryunit import access
from deliveryunit.models import Role
from priorities import imports, periods, services
from priorities.models import (
    Actual,
    ActualStatus,
    Frequency,
    Measure,
    Trajectory,
    TrajectoryPoint,
)
from priorities.views_data import IMPORTED_ACTUALS, IMPORTED_TRAJECTORY

from .factories import ActualFactory, MeasureFactory, PriorityFactory, UserFactory, add_trajectory

REAL_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
SOURCE = REAL_DATA / "source"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def measure(world):
    priority = PriorityFactory(code="HO-1", lead_department=world.own)
    return MeasureFactory(priority=priority, name="Monthly share", frequency=Frequency.MONTHLY)


@pytest.fixture
def other_measure(world):
    priority = PriorityFactory(code="DH-1", lead_department=world.other)
    return MeasureFactory(priority=priority, name="Health share", frequency=Frequency.MONTHLY)


@pytest.fixture
def quarterly(world):
    priority = PriorityFactory(code="HO-2", lead_department=world.own)
    return MeasureFactory(priority=priority, name="Quarterly count", frequency=Frequency.QUARTERLY)


def database_counts() -> dict[str, int]:
    return {
        "actuals": Actual.objects.count(),
        "actual history": Actual.history.count(),
        "trajectories": Trajectory.objects.count(),
        "trajectory history": Trajectory.history.count(),
        "points": TrajectoryPoint.objects.count(),
        "point history": TrajectoryPoint.history.count(),
    }


class unchanged_database:  # noqa: N801 - reads as a phrase: `with unchanged_database():`
    def __enter__(self):
        self.before = database_counts()
        return self

    def __exit__(self, *exc):
        assert database_counts() == self.before
        return False


def csv_file(text: str, name: str = "data.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def upload(client, measure, file, *, kind="actuals", layout="own", **fields):
    url = reverse("priorities:measure_import", args=[measure.pk])
    return client.post(url, {"kind": kind, "layout": layout, "file": file, **fields})


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.search(r"token=([A-Za-z0-9_-]+)", response["Location"])
    assert match, response["Location"]
    return match[1]


def preview(client, response):
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page


def confirm(client, measure, page, token=None):
    preview_obj = page.context["preview"]
    url = (
        reverse("priorities:measure_import", args=[measure.pk])
        if measure
        else reverse("priorities:import")
    )
    return client.post(
        url,
        {
            "token": token or page.context["pending"].token,
            "action": "confirm",
            "fingerprint": preview_obj.fingerprint,
        },
    )


def changes(page) -> dict[str, str]:
    return {line.period: line.change for line in page.context["preview"].lines}


def errors_of(page) -> list[str]:
    return [error for line in page.context["preview"].lines for error in line.errors]


# --- happy path ---------------------------------------------------------------------------


def test_analyst_previews_then_confirms_actuals(client, analyst, measure):
    services.actual_record(
        measure=measure, by=analyst, data=services.ActualData(date(2023, 2, 1), Decimal("80"))
    )
    client.force_login(analyst)
    text = (
        "period,value,status,source,data_as_at,note\n"
        "2023-01,81.5,provisional,Monthly return,2023-02-10,First month\n"
        "2023-02,82,,,,\n"
        "Mar 2023,83.25,final,,,\n"
    )
    with unchanged_database():
        response = upload(client, measure, csv_file(text))
        page = preview(client, response)
    assert changes(page) == {"2023-01": "new", "2023-02": "changed", "2023-03": "new"}
    changed = next(line for line in page.context["preview"].lines if line.period == "2023-02")
    assert changed.old_value == "80"
    assert changed.details == ["value 80 \u2192 82"]
    html = page.content.decode()
    assert "govuk-tag--green" in html
    assert "govuk-tag--blue" in html
    assert "Confirm and import" in html

    response = confirm(client, measure, page)
    assert response.status_code == 302
    assert response["Location"] == reverse("priorities:detail", args=[measure.priority_id])
    stored = {a.period: a for a in Actual.objects.filter(measure=measure)}
    assert stored[date(2023, 1, 1)].value == Decimal("81.5")
    assert stored[date(2023, 1, 1)].status == ActualStatus.PROVISIONAL
    assert stored[date(2023, 1, 1)].source == "Monthly return"
    assert stored[date(2023, 1, 1)].data_as_at == date(2023, 2, 10)
    assert stored[date(2023, 1, 1)].note == "First month"
    assert stored[date(2023, 2, 1)].value == Decimal("82")
    assert stored[date(2023, 3, 1)].value == Decimal("83.25")
    # Attributed to the importer in the history.
    latest = Actual.history.filter(period=date(2023, 2, 1)).order_by("-history_id").first()
    assert latest.history_user == analyst
    followed = client.get(response["Location"])
    assert IMPORTED_ACTUALS.format(created=2, updated=1, unchanged=0) in followed.content.decode()


def test_xlsx_in_our_format_imports(client, analyst, measure):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Period", "Value", "Data as at"])
    sheet.append([date(2023, 1, 1), 0.5, date(2023, 2, 1)])
    sheet.append(["2023-02", "1,234.5", None])
    buffer = io.BytesIO()
    book.save(buffer)
    client.force_login(analyst)
    page = preview(client, upload(client, measure, SimpleUploadedFile("d.xlsx", buffer.getvalue())))
    assert changes(page) == {"2023-01": "new", "2023-02": "new"}
    confirm(client, measure, page)
    assert Actual.objects.get(period=date(2023, 1, 1)).data_as_at == date(2023, 2, 1)
    assert Actual.objects.get(period=date(2023, 2, 1)).value == Decimal("1234.5")


def test_reimporting_the_same_file_changes_nothing(client, analyst, measure):
    client.force_login(analyst)
    text = "period,value,status,note\n2023-01,81.5,provisional,x\n2023-02,82,final,\n"
    page = preview(client, upload(client, measure, csv_file(text)))
    confirm(client, measure, page)
    assert Actual.objects.count() == 2

    with unchanged_database():
        page = preview(client, upload(client, measure, csv_file(text)))
        assert changes(page) == {"2023-01": "unchanged", "2023-02": "unchanged"}
        assert imports.NOTHING_TO_CHANGE in page.content.decode()
        response = confirm(client, measure, page)
        assert response.status_code == 302


def test_blank_optional_cells_keep_what_is_stored(client, analyst, measure):
    services.actual_record(
        measure=measure,
        by=analyst,
        data=services.ActualData(
            date(2023, 1, 1), Decimal("80"), status="provisional", note="Keep me"
        ),
    )
    client.force_login(analyst)
    with unchanged_database():
        page = preview(
            client, upload(client, measure, csv_file("period,value,note\n2023-01,80,\n"))
        )
        assert changes(page) == {"2023-01": "unchanged"}


def test_other_fields_changing_show_old_and_new(client, analyst, measure):
    services.actual_record(
        measure=measure,
        by=analyst,
        data=services.ActualData(date(2023, 1, 1), Decimal("80"), status="provisional"),
    )
    client.force_login(analyst)
    page = preview(
        client, upload(client, measure, csv_file("period,value,status\n2023-01,80,final\n"))
    )
    [line] = page.context["preview"].lines
    assert line.change == "changed"
    assert line.details == ["status: provisional \u2192 final"]


def test_trajectory_import_adds_a_version_and_reimport_adds_none(client, analyst, measure):
    client.force_login(analyst)
    text = "period,value\n2023-01,80\n2023-06,85\n2023-12,95\n"
    fields = {"label": "Plan", "agreed_on": "2023-01-15"}
    with unchanged_database():
        page = preview(client, upload(client, measure, csv_file(text), kind="trajectory", **fields))
    assert page.context["preview"].trajectory_number == 1
    response = confirm(client, measure, page)
    assert response.status_code == 302
    trajectory = Trajectory.objects.get(measure=measure)
    assert (trajectory.number, trajectory.label, trajectory.agreed_on) == (
        1,
        "Plan",
        date(2023, 1, 15),
    )
    assert trajectory.created_by == analyst
    points = {p.period: p.value for p in trajectory.points.all()}
    assert points == {
        date(2023, 1, 1): Decimal("80"),
        date(2023, 6, 1): Decimal("85"),
        date(2023, 12, 1): Decimal("95"),
    }
    follow = client.get(response["Location"])
    assert IMPORTED_TRAJECTORY.format(number=1, points=3) in follow.content.decode()

    # The same points again, as a re-profile with a reason: nothing to add.
    fields = {"label": "Again", "agreed_on": "2023-02-01", "reason": "Same plan"}
    with unchanged_database():
        page = preview(client, upload(client, measure, csv_file(text), kind="trajectory", **fields))
        assert set(changes(page).values()) == {"unchanged"}
        confirm(client, measure, page)

    # A re-profile: a new version, the old one kept.
    text = "period,value\n2023-01,80\n2023-06,83\n"
    fields = {"label": "Re-profiled", "agreed_on": "2023-05-01", "reason": "Slower start"}
    page = preview(client, upload(client, measure, csv_file(text), kind="trajectory", **fields))
    assert changes(page) == {"2023-01": "unchanged", "2023-06": "changed"}
    assert page.context["preview"].dropped == ["2023-12: 95"]
    confirm(client, measure, page)
    assert list(Trajectory.objects.filter(measure=measure).values_list("number", "reason")) == [
        (1, ""),
        (2, "Slower start"),
    ]
    assert Trajectory.objects.get(number=1).points.count() == 3


def test_export_imported_back_changes_nothing(client, analyst, measure):
    services.actual_record(
        measure=measure,
        by=analyst,
        data=services.ActualData(
            date(2023, 1, 1),
            Decimal("-2.5"),
            status="provisional",
            source="=SUM(A1)",
            data_as_at=date(2023, 2, 1),
            note='@risk, "quoted"',
        ),
    )
    add_trajectory(measure, [(date(2023, 1, 1), 80), (date(2023, 2, 1), 81)])
    client.force_login(analyst)
    exported = client.get(reverse("priorities:measure_export_csv", args=[measure.pk])).content
    with unchanged_database():
        page = preview(client, upload(client, measure, SimpleUploadedFile("e.csv", exported)))
        # The trajectory-only period has no value: it is left out.
        assert changes(page) == {"2023-01": "unchanged"}
        assert page.context["pending"].skipped == 1
        assert confirm(client, measure, page).status_code == 302


# --- the portfolio import -----------------------------------------------------------------


def test_portfolio_import_by_id_and_name(client, analyst, measure, quarterly):
    client.force_login(analyst)
    page = client.get(reverse("priorities:import"))
    assert page.status_code == 200
    assert "Monthly share" in page.content.decode()
    text = (
        f"measure,period,value\n{measure.pk},2023-01,81\n"
        " monthly SHARE ,2023-02,82\nQuarterly count,2003-Q3,4225\n"
    )
    with unchanged_database():
        response = client.post(
            reverse("priorities:import"), {"kind": "actuals", "file": csv_file(text)}
        )
        page = preview(client, response)
    assert [(line.measure, line.period, line.change) for line in page.context["preview"].lines] == [
        ("Monthly share", "2023-01", "new"),
        ("Monthly share", "2023-02", "new"),
        ("Quarterly count", "2003-Q3", "new"),
    ]
    response = confirm(client, None, page)
    assert response["Location"] == reverse("priorities:import")
    assert Actual.objects.get(measure=quarterly).period == date(2003, 7, 1)
    assert Actual.objects.filter(measure=measure).count() == 2


def test_portfolio_import_unknown_and_ambiguous_measures_are_row_errors(
    client, analyst, measure, world
):
    MeasureFactory(priority=measure.priority, name="Twin")
    MeasureFactory(priority=measure.priority, name="Twin")
    client.force_login(analyst)
    text = "measure,period,value\nNo such measure,2023-01,1\nTwin,2023-01,2\n99999,2023-01,3\n"
    with unchanged_database():
        response = client.post(
            reverse("priorities:import"), {"kind": "actuals", "file": csv_file(text)}
        )
        page = preview(client, response)
        assert errors_of(page) == [
            imports.UNKNOWN_MEASURE.format(measure="No such measure"),
            imports.AMBIGUOUS_MEASURE.format(measure="Twin"),
            imports.UNKNOWN_MEASURE.format(measure="99999"),
        ]
        response = confirm(client, None, page)
        assert response.status_code == 400
        assert imports.CONFIRM_WITH_ERRORS in response.content.decode()


def test_portfolio_import_missing_measure_column(client, analyst, measure):
    client.force_login(analyst)
    with unchanged_database():
        response = client.post(
            reverse("priorities:import"),
            {"kind": "actuals", "file": csv_file("period,value\n2023-01,1\n")},
        )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        imports.MISSING_COLUMN.format(column="measure", required="measure, period, value")
    ]


def test_official_portfolio_import_only_reaches_own_department(
    client, official, measure, other_measure, world
):
    chain_priority = PriorityFactory(code="DH-2", lead_department=world.other)
    chain_priority.delivery_chain.add(world.own)
    chain_measure = MeasureFactory(priority=chain_priority, name="Chain measure")
    client.force_login(official)
    page = client.get(reverse("priorities:import"))
    listed = [m.pk for m in page.context["measures"]]
    assert listed == [measure.pk]
    text = (
        f"measure,period,value\n{measure.pk},2023-01,1\n{other_measure.pk},2023-01,2\n"
        f"{chain_measure.pk},2023-01,3\n"
    )
    with unchanged_database():
        response = client.post(
            reverse("priorities:import"), {"kind": "actuals", "file": csv_file(text)}
        )
        page = preview(client, response)
        assert errors_of(page) == [
            # Out of scope: the same message as a measure that does not exist.
            imports.UNKNOWN_MEASURE.format(measure=str(other_measure.pk)),
            imports.MEASURE_NOT_YOURS,
        ]
        assert confirm(client, None, page).status_code == 400


def test_portfolio_import_rechecks_access_at_confirm(client, official, measure, world):
    client.force_login(official)
    text = f"measure,period,value\n{measure.pk},2023-01,1\n"
    response = client.post(
        reverse("priorities:import"), {"kind": "actuals", "file": csv_file(text)}
    )
    page = preview(client, response)
    # The official moves department between preview and confirm.
    official.department = world.other
    official.save(update_fields=["department"])
    with unchanged_database():
        response = confirm(client, None, page)
        assert response.status_code == 400
        assert imports.CONFIRM_WITH_ERRORS in response.content.decode()


def test_minister_cannot_import_anything(client, world, measure):
    client.force_login(world.users["minister"])
    with unchanged_database():
        assert client.get(reverse("priorities:import")).status_code == 403
        assert upload(client, measure, csv_file("period,value\n2023-01,1\n")).status_code == 403


# --- bad input: every rule, nothing changed -----------------------------------------------


def test_period_outside_the_measure_frequency(client, analyst, measure, quarterly):
    client.force_login(analyst)
    with unchanged_database():
        page = preview(
            client, upload(client, measure, csv_file("period,value\n2003-Q3,1\n2023-09-15,2\n"))
        )
        with pytest.raises(periods.PeriodError) as quarter:
            periods.parse("2003-Q3", "monthly")
        with pytest.raises(periods.PeriodError) as mid_month:
            periods.parse("2023-09-15", "monthly")
        assert errors_of(page) == [str(quarter.value), str(mid_month.value)]
        assert confirm(client, measure, page).status_code == 400

        page = preview(client, upload(client, quarterly, csv_file("period,value\n2023-02,1\n")))
        with pytest.raises(periods.PeriodError) as month:
            periods.parse("2023-02", "quarterly")
        assert errors_of(page) == [str(month.value)]
        assert confirm(client, quarterly, page).status_code == 400


def test_non_numeric_values(client, analyst, measure):
    client.force_login(analyst)
    with unchanged_database():
        page = preview(
            client,
            upload(
                client,
                measure,
                csv_file("period,value\n2023-01,ninety\n2023-02,\n2023-03,1e999999\n"),
            ),
        )
        assert errors_of(page) == [
            imports.VALUE_NOT_NUMBER.format(value="ninety"),
            imports.VALUE_TOO_LARGE.format(value="1e999999"),
        ]
        # A row with no value at all is left out, and the preview says so.
        assert page.context["pending"].skipped == 1
        assert "1 row with no value" in page.content.decode()
        assert "govuk-tag--red" in page.content.decode()
        assert confirm(client, measure, page).status_code == 400


def test_duplicate_period_in_the_file(client, analyst, measure):
    client.force_login(analyst)
    with unchanged_database():
        page = preview(
            client, upload(client, measure, csv_file("period,value\n2023-01,1\nJan 2023,2\n"))
        )
        assert errors_of(page) == [imports.DUPLICATE_PERIOD.format(period="2023-01", row=2)]
        assert confirm(client, measure, page).status_code == 400


def test_duplicate_period_in_a_trajectory_file(client, analyst, measure):
    client.force_login(analyst)
    with unchanged_database():
        response = upload(
            client,
            measure,
            csv_file("period,value\n2023-01,1\n2023-01,2\n"),
            kind="trajectory",
            label="Plan",
            agreed_on="2023-01-01",
        )
        page = preview(client, response)
        assert errors_of(page) == [imports.DUPLICATE_PERIOD.format(period="2023-01", row=2)]
        assert confirm(client, measure, page).status_code == 400


@pytest.mark.parametrize(
    ("header", "missing"), [("value,note", "period"), ("period,note", "value"), ("", "period")]
)
def test_missing_column_is_a_whole_file_error(client, analyst, measure, header, missing):
    client.force_login(analyst)
    with unchanged_database():
        response = upload(client, measure, csv_file(f"{header}\n2023-01,5\n"))
    assert response.status_code == 200
    expected = imports.MISSING_COLUMN.format(column=missing, required="period, value")
    assert response.context["form"].errors["file"] == [expected]
    assert expected.replace("'", "&#x27;") in response.content.decode()


def test_invalid_status_data_as_at_and_long_source(client, analyst, measure):
    client.force_login(analyst)
    long_source = "s" * 301
    text = (
        "period,value,status,data_as_at,source\n2023-01,1,maybe,,\n2023-02,1,,31/02/2023,\n"
        f"2023-03,1,,,{long_source}\n"
    )
    with unchanged_database():
        page = preview(client, upload(client, measure, csv_file(text)))
        assert errors_of(page) == [
            imports.STATUS_INVALID.format(status="maybe"),
            imports.DATA_AS_AT_INVALID.format(value="31/02/2023"),
            imports.SOURCE_TOO_LONG,
        ]
        assert confirm(client, measure, page).status_code == 400


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", imports.FILE_EMPTY),
        (b"period,value\n", "header-only.csv", imports.FILE_EMPTY),
        (b"PK\x03\x04not really a workbook", "broken.xlsx", imports.FILE_UNREADABLE),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1broken", "broken.xls", imports.FILE_UNREADABLE),
        (b"period,value\n\x00\x01", "binary.csv", imports.FILE_UNREADABLE),
    ],
)
def test_unreadable_or_empty_files(client, analyst, measure, content, name, message):
    client.force_login(analyst)
    with unchanged_database():
        response = upload(client, measure, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [message]


def test_file_over_the_size_limit(client, analyst, measure):
    client.force_login(analyst)
    big = "period,value\n" + "2023-01,1\n" * (imports.MAX_BYTES // 10 + 1)
    assert len(big) > imports.MAX_BYTES
    with unchanged_database():
        response = upload(client, measure, csv_file(big))
    assert response.context["form"].errors["file"] == [imports.FILE_TOO_LARGE]
    assert "larger than 2 MB" in imports.FILE_TOO_LARGE


def test_file_over_the_row_limit(client, analyst, measure):
    client.force_login(analyst)
    rows = "".join(
        f"{2000 + i // 12:04d}-{i % 12 + 1:02d},1\n" for i in range(imports.MAX_ROWS + 1)
    )
    with unchanged_database():
        response = upload(client, measure, csv_file("period,value\n" + rows))
    assert response.context["form"].errors["file"] == [imports.TOO_MANY_ROWS]
    assert "5,000" in imports.TOO_MANY_ROWS


def test_exactly_the_row_limit_is_accepted(client, analyst, measure):
    client.force_login(analyst)
    rows = "".join(f"{1700 + i // 12:04d}-{i % 12 + 1:02d},1\n" for i in range(imports.MAX_ROWS))
    page = preview(client, upload(client, measure, csv_file("period,value\n" + rows)))
    assert page.context["counts"]["new"] == imports.MAX_ROWS


def test_an_error_in_row_50_means_nothing_is_written(client, analyst, measure):
    client.force_login(analyst)
    lines = [f"{2019 + i // 12}-{i % 12 + 1:02d},{i}" for i in range(60)]
    lines[48] = "2023-01,not a number"  # file row 50, after the header
    with unchanged_database():
        page = preview(
            client, upload(client, measure, csv_file("period,value\n" + "\n".join(lines)))
        )
        [bad] = [line for line in page.context["preview"].lines if line.errors]
        assert bad.row == 50
        assert page.context["counts"]["new"] == 59
        assert 'href="#row-50"' in page.content.decode()
        assert "Confirm and import" not in page.content.decode()
        response = confirm(client, measure, page)
        assert response.status_code == 400
        assert imports.CONFIRM_WITH_ERRORS in response.content.decode()


def test_an_exception_during_the_write_rolls_everything_back(analyst, measure, monkeypatch):
    ActualFactory(measure=measure, period=date(2023, 1, 1), value=Decimal("1"))
    table = imports.Table(
        rows=[["period", "value"]] + [[f"2023-{m:02d}", m * 10] for m in range(1, 7)]
    )
    rows = imports.parse_own_format(table, kind=imports.ACTUALS, measure=measure).rows
    pending = imports.pending_create(
        user=analyst, kind=imports.ACTUALS, measure=measure, filename="x"
    )
    pending.set_rows(rows)
    fingerprint = imports.build_preview(pending, user=analyst).fingerprint
    # The per-row write inside services.actuals_import, which the import calls once.
    real = services._record
    calls = []

    def failing(**kwargs):
        calls.append(kwargs["data"].period)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "_record", failing)
    with unchanged_database(), pytest.raises(RuntimeError):
        imports.apply(pending, by=analyst, fingerprint=fingerprint)
    assert len(calls) == 4  # three rows were written, then rolled back
    assert Actual.objects.get(measure=measure).value == Decimal("1")


def test_data_changed_between_preview_and_confirm_is_a_conflict(client, analyst, measure):
    services.actual_record(
        measure=measure, by=analyst, data=services.ActualData(date(2023, 1, 1), Decimal("80"))
    )
    client.force_login(analyst)
    page = preview(
        client, upload(client, measure, csv_file("period,value\n2023-01,81\n2023-02,82\n"))
    )
    someone = UserFactory(username="someone", role=Role.ANALYST)
    services.actual_record(
        measure=measure, by=someone, data=services.ActualData(date(2023, 1, 1), Decimal("79"))
    )
    with unchanged_database():
        response = confirm(client, measure, page)
        assert response.status_code == 409
        assert imports.CONFLICT in response.content.decode()
    assert Actual.objects.get(period=date(2023, 1, 1)).value == Decimal("79")
    # The refreshed preview shows their value as the old one; confirming it now works.
    line = response.context["preview"].lines[0]
    assert line.details == ["value 79 \u2192 81"]
    assert confirm(client, measure, response).status_code == 302
    assert Actual.objects.get(period=date(2023, 1, 1)).value == Decimal("81")


def test_trajectory_reprofiled_between_preview_and_confirm_is_a_conflict(client, analyst, measure):
    add_trajectory(measure, [(date(2023, 1, 1), 80)])
    client.force_login(analyst)
    fields = {"label": "Mine", "agreed_on": "2023-02-01", "reason": "Mine"}
    page = preview(
        client,
        upload(
            client, measure, csv_file("period,value\n2023-01,85\n"), kind="trajectory", **fields
        ),
    )
    add_trajectory(measure, [(date(2023, 1, 1), 90)], label="Theirs", reason="Theirs")
    with unchanged_database():
        response = confirm(client, measure, page)
        assert response.status_code == 409
        assert imports.CONFLICT in response.content.decode()


def test_trajectory_fields_are_required(client, analyst, measure):
    client.force_login(analyst)
    with unchanged_database():
        response = upload(client, measure, csv_file("period,value\n2023-01,1\n"), kind="trajectory")
    from priorities.forms_data import AGREED_ON_REQUIRED, LABEL_REQUIRED

    assert response.context["form"].errors == {
        "label": [LABEL_REQUIRED],
        "agreed_on": [AGREED_ON_REQUIRED],
    }


def test_reprofiling_needs_a_reason(client, analyst, measure):
    add_trajectory(measure, [(date(2023, 1, 1), 80)])
    client.force_login(analyst)
    with unchanged_database():
        response = upload(
            client,
            measure,
            csv_file("period,value\n2023-01,85\n"),
            kind="trajectory",
            label="New",
            agreed_on="2023-03-01",
        )
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": [services.REASON_REQUIRED]}


def test_markup_in_the_file_is_shown_as_text(client, analyst, measure):
    client.force_login(analyst)
    text = "period,value,note\n<b>2023-01</b>,1,<script>alert(1)</script>\n"
    page = preview(client, upload(client, measure, csv_file(text)))
    html = page.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<b>2023-01</b>" not in html
    assert "&lt;b&gt;2023-01&lt;/b&gt;" in html


# --- the pending import belongs to its user and measure -----------------------------------


def test_another_users_token_is_not_found(client, analyst, measure, world):
    client.force_login(analyst)
    page = preview(client, upload(client, measure, csv_file("period,value\n2023-01,81\n")))
    token = page.context["pending"].token
    fingerprint = page.context["preview"].fingerprint
    url = reverse("priorities:measure_import", args=[measure.pk])
    client.force_login(world.users["unit_lead"])
    with unchanged_database():
        response = client.get(url, {"token": token})
        assert response.status_code == 404
        assert imports.PENDING_MISSING in response.content.decode()
        response = client.post(
            url, {"token": token, "action": "confirm", "fingerprint": fingerprint}
        )
        assert response.status_code == 404


def test_a_token_for_another_measure_or_malformed_is_not_found(client, analyst, measure, quarterly):
    client.force_login(analyst)
    page = preview(client, upload(client, measure, csv_file("period,value\n2023-01,81\n")))
    token = page.context["pending"].token
    with unchanged_database():
        url = reverse("priorities:measure_import", args=[quarterly.pk])
        assert client.get(url, {"token": token}).status_code == 404
        url = reverse("priorities:measure_import", args=[measure.pk])
        assert client.get(url, {"token": "../../../etc/passwd"}).status_code == 404
        assert client.get(reverse("priorities:import"), {"token": token}).status_code == 404


def test_a_confirmed_import_cannot_be_confirmed_twice(client, analyst, measure):
    client.force_login(analyst)
    page = preview(client, upload(client, measure, csv_file("period,value\n2023-01,81\n")))
    assert confirm(client, measure, page).status_code == 302
    with unchanged_database():
        assert confirm(client, measure, page).status_code == 404


def test_cancel_discards_the_upload(client, analyst, measure, media_root):
    client.force_login(analyst)
    page = preview(client, upload(client, measure, csv_file("period,value\n2023-01,81\n")))
    token = page.context["pending"].token
    assert stored_for(media_root, token) == [f"{token}.json"]
    url = reverse("priorities:measure_import", args=[measure.pk])
    with unchanged_database():
        response = client.post(url, {"token": token, "action": "cancel"})
    assert response.status_code == 302
    assert stored_for(media_root, token) == []


def stored_for(media_root, token):
    """Every file the pending import store holds for this token."""
    return sorted(p.name for p in (media_root / "imports").iterdir() if p.name.startswith(token))


# --- who may import -----------------------------------------------------------------------


def test_official_imports_actuals_for_own_department(client, official, measure):
    client.force_login(official)
    page = client.get(reverse("priorities:measure_import", args=[measure.pk]))
    assert page.status_code == 200
    assert "Trajectory points" not in page.content.decode()
    page = preview(client, upload(client, measure, csv_file("period,value\n2023-01,81\n")))
    assert confirm(client, measure, page).status_code == 302
    assert Actual.objects.get(measure=measure).value == Decimal("81")


def test_official_cannot_import_trajectory_points(client, official, measure):
    client.force_login(official)
    with unchanged_database():
        response = upload(
            client,
            measure,
            csv_file("period,value\n2023-01,81\n"),
            kind="trajectory",
            label="Sneaky",
            agreed_on="2023-01-01",
        )
    # The only choice offered is actual data: the trajectory choice is not valid for them.
    assert response.status_code == 200
    assert "kind" in response.context["form"].errors


def test_official_of_another_department_gets_404(client, official, other_measure):
    client.force_login(official)
    with unchanged_database():
        url = reverse("priorities:measure_import", args=[other_measure.pk])
        assert client.get(url).status_code == 404
        assert (
            upload(client, other_measure, csv_file("period,value\n2023-01,1\n")).status_code == 404
        )


def test_official_in_the_delivery_chain_may_not_import(client, official, world):
    priority = PriorityFactory(code="DH-3", lead_department=world.other)
    priority.delivery_chain.add(world.own)
    chain = MeasureFactory(priority=priority)
    client.force_login(official)
    with unchanged_database():
        assert client.get(reverse("priorities:measure_import", args=[chain.pk])).status_code == 403
        assert upload(client, chain, csv_file("period,value\n2023-01,1\n")).status_code == 403


def test_import_kinds_follow_role_and_lead_department(world, measure, other_measure):
    chain_priority = PriorityFactory(code="DH-4", lead_department=world.other)
    chain_priority.delivery_chain.add(world.own)
    chain = MeasureFactory(priority=chain_priority)
    users = world.users
    assert access.import_kinds(users["analyst"], other_measure) == ["actuals", "trajectory"]
    assert access.import_kinds(users["unit_lead"], measure) == ["actuals", "trajectory"]
    assert access.import_kinds(users["official"], measure) == ["actuals"]
    assert access.import_kinds(users["official"], chain) == []
    assert access.import_kinds(users["official"], other_measure) == []
    assert access.import_kinds(users["minister"], measure) == []
    assert access.import_kinds(users["minister_all"], measure) == []
    measures = Measure.objects.all()
    assert set(access.importable(measures, users["official"])) == {measure}
    assert set(access.importable(measures, users["minister"])) == set()
    assert set(access.importable(measures, users["analyst"])) == {measure, other_measure, chain}
    assert [key for key, user in users.items() if access.may_import(user)] == [
        "analyst",
        "unit_lead",
        "official",
    ]


def test_confirm_refuses_a_trajectory_from_someone_who_may_not_import_one(official, measure):
    # The page never offers it; the confirm step checks again whatever reaches it.
    table = imports.Table(rows=[["period", "value"], ["2023-01", 80]])
    rows = imports.parse_own_format(table, kind=imports.TRAJECTORY, measure=measure).rows
    pending = imports.pending_create(
        user=official, kind=imports.TRAJECTORY, measure=measure, filename="x"
    )
    pending.set_rows(rows)
    pending.trajectory = {"label": "Sneaky", "agreed_on": "2023-01-01", "reason": ""}
    fingerprint = imports.build_preview(pending, user=official).fingerprint
    with unchanged_database(), pytest.raises(PermissionDenied):
        imports.apply(pending, by=official, fingerprint=fingerprint)


def test_confirm_rechecks_a_measure_import_when_the_official_moves(official, measure, world):
    table = imports.Table(rows=[["period", "value"], ["2023-01", 80]])
    rows = imports.parse_own_format(table, kind=imports.ACTUALS, measure=measure).rows
    pending = imports.pending_create(
        user=official, kind=imports.ACTUALS, measure=measure, filename="x"
    )
    pending.set_rows(rows)
    fingerprint = imports.build_preview(pending, user=official).fingerprint
    official.department = world.other
    official.save(update_fields=["department"])
    with unchanged_database(), pytest.raises(PermissionDenied):
        imports.apply(pending, by=official, fingerprint=fingerprint)


def test_page_links_back_to_the_priority(client, analyst, measure):
    client.force_login(analyst)
    html = client.get(reverse("priorities:measure_import", args=[measure.pk])).content.decode()
    assert f'href="{reverse("priorities:detail", args=[measure.priority_id])}"' in html


# --- publisher spreadsheets ---------------------------------------------------------------


def publisher_workbook() -> bytes:
    """A small sheet shaped like a publisher's release: title rows, a two-row heading, notes at
    the foot, fractions for percentages and '-' where there is no figure."""
    from openpyxl import Workbook

    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    cover.append(["Title:", "Monthly performance"])
    sheet = book.create_sheet("Performance")
    sheet.append([None, "Title:", "Share seen on time"])
    sheet.append([None, "Published:", "12 October 2023"])
    sheet.append([])
    sheet.append([None, None, "Within the standard"])
    sheet.append([None, "Period", "Percentage"])
    sheet.append([None, date(2023, 1, 1), 0.9123456])
    sheet.append([None, date(2023, 2, 1), "-"])
    sheet.append([None, date(2023, 3, 1), 0.95])
    sheet.append([])
    sheet.append([None, "Notes:", None])
    sheet.append([None, "1. Figures are provisional.", None])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def start_publisher_import(client, measure, content: bytes, name: str):
    response = upload(client, measure, SimpleUploadedFile(name, content), layout="publisher")
    token = token_of(response)
    return token, client.get(response["Location"])


def test_publisher_mapping_reads_the_chosen_columns(client, analyst, measure):
    client.force_login(analyst)
    url = reverse("priorities:measure_import", args=[measure.pk])
    with unchanged_database():
        token, page = start_publisher_import(client, measure, publisher_workbook(), "release.xlsx")
        assert page.status_code == 200
        assert page.context["form"].fields["sheet"].choices == [
            ("Cover", "Cover"),
            ("Performance", "Performance"),
        ]
        # Choosing the sheet shows it, with a guess at the header row and period column.
        page = client.post(url, {"token": token, "action": "show", "sheet": "Performance"})
        form = page.context["form"]
        assert form["header_row"].value() == 5
        assert form["period_column"].value() == 1
        assert "C: Percentage" in dict(form.fields["value_column"].choices).values()
        assert "12 October 2023" in page.content.decode()
        response = client.post(
            url,
            {
                "token": token,
                "action": "map",
                "sheet": "Performance",
                "header_row": "5",
                "period_column": "1",
                "value_column": "2",
                "scale": imports.SCALE_FRACTION_TO_PERCENT,
                "skip_non_dates": "on",
                "skip_no_value": "on",
            },
        )
        page = preview(client, response)
    assert [
        (line.row, line.period, line.value, line.change) for line in page.context["preview"].lines
    ] == [
        (6, "2023-01", "91.2346", "new"),
        (8, "2023-03", "95", "new"),
    ]
    assert page.context["pending"].skipped == 3  # the '-' row and the two note rows
    confirm(client, measure, page)
    assert sorted(Actual.objects.values_list("period", "value")) == [
        (date(2023, 1, 1), Decimal("91.2346")),
        (date(2023, 3, 1), Decimal("95")),
    ]


def test_publisher_mapping_without_skipping_shows_the_rows_as_errors(client, analyst, measure):
    client.force_login(analyst)
    url = reverse("priorities:measure_import", args=[measure.pk])
    with unchanged_database():
        token, _page = start_publisher_import(client, measure, publisher_workbook(), "r.xlsx")
        mapping = {
            "token": token,
            "action": "map",
            "sheet": "Performance",
            "header_row": "5",
            "period_column": "1",
            "value_column": "2",
            "scale": imports.SCALE_AS_PUBLISHED,
        }
        page = preview(client, client.post(url, mapping))
        assert errors_of(page) == [
            imports.VALUE_NOT_NUMBER.format(value="-"),
            "'Notes:' is not a period (use e.g. 2023-09, 2003-Q3 or 2004).",
            imports.VALUE_EMPTY,
            "'1. Figures are provisional.' is not a period (use e.g. 2023-09, 2003-Q3 or 2004).",
            imports.VALUE_EMPTY,
        ]
        assert confirm(client, measure, page).status_code == 400


def test_publisher_mapping_form_errors(client, analyst, measure):
    client.force_login(analyst)
    url = reverse("priorities:measure_import", args=[measure.pk])
    from priorities.forms_data import VALUE_COLUMN_REQUIRED

    with unchanged_database():
        token, _page = start_publisher_import(client, measure, publisher_workbook(), "r.xlsx")
        base = {"token": token, "action": "map", "sheet": "Performance", "scale": "as_published"}
        page = client.post(
            url, {**base, "header_row": "99", "period_column": "1", "value_column": "2"}
        )
        assert page.context["form"].non_field_errors() == [imports.HEADER_ROW_RANGE.format(rows=11)]
        page = client.post(
            url, {**base, "header_row": "5", "period_column": "1", "value_column": "1"}
        )
        assert page.context["form"].errors == {"value_column": [imports.SAME_COLUMN]}
        page = client.post(url, {**base, "header_row": "5", "period_column": "1"})
        assert page.context["form"].errors == {"value_column": [VALUE_COLUMN_REQUIRED]}
        page = client.post(
            url, {**base, "header_row": "11", "period_column": "1", "value_column": "2"}
        )
        assert page.context["form"].non_field_errors() == [imports.NO_DATA_AFTER_HEADER]


def test_publisher_file_that_cannot_be_read(client, analyst, measure):
    client.force_login(analyst)
    with unchanged_database():
        response = upload(
            client, measure, SimpleUploadedFile("x.xlsx", b"PK\x03\x04junk"), layout="publisher"
        )
    assert response.context["form"].errors["file"] == [imports.FILE_UNREADABLE]


def _expected(path: Path, column: str, periods_wanted: list[str]) -> dict[str, Decimal]:
    import csv

    with path.open(newline="") as handle:
        rows = {row["period"]: row[column] for row in csv.DictReader(handle)}
    return {
        period: (Decimal(rows[period]) * 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        for period in periods_wanted
    }


@pytest.mark.skipif(
    not SOURCE.is_dir(),
    reason=f"The NHS England spreadsheets are not here ({SOURCE}): they live in the shared "
    "data folder beside the project, which a plain clone does not have.",
)
def test_nhs_england_ae_spreadsheet_imports_as_released(client, analyst, measure):
    client.force_login(analyst)
    url = reverse("priorities:measure_import", args=[measure.pk])
    content = (SOURCE / "Monthly-AE-Time-Series-September-2023.xls").read_bytes()
    token, page = start_publisher_import(client, measure, content, "Monthly-AE.xls")
    assert "Performance" in dict(page.context["form"].fields["sheet"].choices)
    page = client.post(url, {"token": token, "action": "show", "sheet": "Performance"})
    form = page.context["form"]
    assert form["header_row"].value() == 14
    assert form["period_column"].value() == 1
    columns = dict(form.fields["value_column"].choices)
    assert columns["10"] == "K: Percentage in 4 hours or less (all)"
    response = client.post(
        url,
        {
            "token": token,
            "action": "map",
            "sheet": "Performance",
            "header_row": "14",
            "period_column": "1",
            "value_column": "10",
            "scale": imports.SCALE_FRACTION_TO_PERCENT,
            "skip_non_dates": "on",
            "skip_no_value": "on",
        },
    )
    page = preview(client, response)
    assert page.context["counts"] == {"new": 155, "changed": 0, "unchanged": 0, "error": 0}
    assert confirm(client, measure, page).status_code == 302
    stored = dict(
        (periods.label(a.period, "monthly"), a.value)
        for a in Actual.objects.filter(measure=measure)
    )
    assert len(stored) == 155
    wanted = ["2010-11", "2015-07", "2015-08", "2020-04", "2023-09"]
    expected = _expected(
        REAL_DATA / "nhs_england_ae_4hr_monthly_2010-11_to_2023-09.csv", "pct_within4h_all", wanted
    )
    assert {period: stored[period] for period in wanted} == expected
    assert stored["2023-09"] == Decimal("71.6363")

    # The same release again changes nothing.
    with unchanged_database():
        token, _page = start_publisher_import(client, measure, content, "Monthly-AE.xls")
        mapping = {
            "token": token,
            "action": "map",
            "sheet": "Performance",
            "header_row": "14",
            "period_column": "1",
            "value_column": "10",
            "scale": imports.SCALE_FRACTION_TO_PERCENT,
            "skip_non_dates": "on",
            "skip_no_value": "on",
        }
        page = preview(client, client.post(url, mapping))
        assert page.context["counts"]["unchanged"] == 155


@pytest.mark.skipif(
    not SOURCE.is_dir(),
    reason=f"The NHS England spreadsheets are not here ({SOURCE}): they live in the shared "
    "data folder beside the project, which a plain clone does not have.",
)
def test_nhs_england_rtt_spreadsheet_skips_notes_and_missing_figures(client, analyst, measure):
    client.force_login(analyst)
    url = reverse("priorities:measure_import", args=[measure.pk])
    content = (SOURCE / "RTT-Overview-Timeseries-October22.xlsx").read_bytes()
    token, page = start_publisher_import(client, measure, content, "RTT.xlsx")
    form = page.context["form"]
    assert form["header_row"].value() == 11
    assert form["period_column"].value() == 2
    mapping = {
        "token": token,
        "action": "map",
        "sheet": "Full Time Series",
        "header_row": "11",
        "period_column": "2",
        "value_column": "7",
        "scale": imports.SCALE_FRACTION_TO_PERCENT,
        "skip_non_dates": "on",
        "skip_no_value": "on",
    }
    page = preview(client, client.post(url, mapping))
    # August 2007 to October 2022; the '-' months, the empty future months and notes left out.
    assert page.context["counts"] == {"new": 183, "changed": 0, "unchanged": 0, "error": 0}
    confirm(client, measure, page)
    stored = {periods.label(a.period, "monthly"): a.value for a in Actual.objects.all()}
    wanted = ["2007-08", "2012-03", "2022-10"]
    expected = _expected(
        REAL_DATA / "nhs_england_rtt_incomplete_18wk_monthly_2007-08_to_2022-10.csv",
        "incomplete_pct_within_18wks",
        wanted,
    )
    assert {period: stored[period] for period in wanted} == expected
