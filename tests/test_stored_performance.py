"""Stored derived performance (MeasurePerformance): after every kind of write the stored row
equals what performance.py computes from the data there and then, in the same transaction;
bulk writers refresh it; the management command and the data migration rebuild it."""

import math
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from priorities import performance, periods, selectors, services
from priorities.models import Actual, ActualStatus, Measure, MeasurePerformance
from priorities.services import ActualData

from .factories import MeasureFactory, PriorityFactory
from .test_imports import confirm, csv_file, preview, upload


def _live(measure) -> dict:
    """What performance.py says now, from the data as the priority page reads it."""
    priority = type(measure.priority).objects.get(pk=measure.priority_id)
    series = selectors.measure_series_for_priorities([priority])[measure.pk]
    return performance.stored_values(series)


def _stored(measure) -> dict:
    row = MeasurePerformance.objects.get(measure=measure)
    return {name: getattr(row, name) for name in _live(measure)}


def _assert_current(measure) -> dict:
    live, stored = _live(measure), _stored(measure)
    for name, value in live.items():
        if isinstance(value, float):
            assert math.isclose(stored[name], value, rel_tol=1e-12, abs_tol=1e-12), name
        else:
            assert stored[name] == value, name
    return stored


def _monthly(start, values):
    return [(periods.step(start, periods.MONTHLY, k), v) for k, v in enumerate(values)]


@pytest.fixture
def measure(world, analyst):
    priority = PriorityFactory(code="SP 1", lead_department=world.own, deadline=date(2024, 6, 30))
    measure = MeasureFactory(
        priority=priority,
        name="Share decided in time",
        tolerance=Decimal("1.5"),
        target_value=Decimal("90"),
        target_date=date(2024, 6, 1),
    )
    services.trajectory_create(
        measure=measure,
        by=analyst,
        label="Plan",
        agreed_on=date(2022, 12, 1),
        points=[(date(2023, 1, 1), Decimal("70")), (date(2024, 6, 1), Decimal("90"))],
    )
    return measure


def _record(measure, by, day, value, **fields):
    return services.actual_record(
        measure=measure, by=by, data=ActualData(day, Decimal(str(value)), **fields)
    )


def test_a_new_measure_has_a_row_saying_no_data(world, analyst):
    priority = PriorityFactory(lead_department=world.own)
    measure = services.measure_create(
        priority=priority,
        by=analyst,
        name="Fresh",
        unit="%",
        direction="higher",
        frequency="monthly",
    )
    stored = _assert_current(measure)
    assert stored["status"] == performance.NO_DATA
    assert stored["sparkline"] == {"actuals": [], "plan": []}


def test_recording_revising_and_deleting_actuals_keeps_the_row_current(measure, analyst):
    for day, value in _monthly(date(2023, 1, 1), [70, 72, 73, 75, 74, 76]):
        _record(measure, analyst, day, value, source="Monthly return")
        _assert_current(measure)
    stored = _stored(measure)
    assert stored["status"] == performance.ON_TRACK
    assert stored["latest_period"] == date(2023, 6, 1)
    assert stored["latest_source"] == "Monthly return"
    assert stored["forecast_value"] is not None
    assert stored["forecast_reliable"] is True  # six actuals in the window

    _record(measure, analyst, date(2023, 7, 1), 70, status=ActualStatus.PROVISIONAL)
    stored = _assert_current(measure)
    assert stored["status"] == performance.OFF_TRACK
    assert stored["previous_status"] == performance.ON_TRACK
    assert MeasurePerformance.objects.get(measure=measure).slipped
    assert stored["latest_provisional"] is True

    # Revised in the grid, then deleted there.
    services.actual_cell_save(
        measure=measure,
        by=analyst,
        period=date(2023, 7, 1),
        value=Decimal("79"),
        status=ActualStatus.FINAL,
        note="",
        expected_version=1,
    )
    assert _assert_current(measure)["status"] == performance.ON_TRACK
    services.actual_cell_save(
        measure=measure,
        by=analyst,
        period=date(2023, 7, 1),
        value=None,
        status=ActualStatus.FINAL,
        note="",
        expected_version=2,
    )
    stored = _assert_current(measure)
    assert stored["latest_period"] == date(2023, 6, 1)


def test_re_profiling_the_trajectory_keeps_the_row_current(measure, analyst):
    for day, value in _monthly(date(2023, 1, 1), [70, 72, 74]):
        _record(measure, analyst, day, value)
    assert _assert_current(measure)["status"] == performance.ON_TRACK
    services.trajectory_create(
        measure=measure,
        by=analyst,
        label="Steeper",
        agreed_on=date(2023, 4, 1),
        reason="Ministers raised the ambition",
        points=[(date(2023, 1, 1), Decimal("75")), (date(2024, 6, 1), Decimal("95"))],
    )
    stored = _assert_current(measure)
    assert stored["status"] == performance.OFF_TRACK
    assert stored["plan_start"] == date(2023, 1, 1)


def test_editing_the_measure_and_the_deadline_keeps_the_row_current(measure, analyst):
    for day, value in _monthly(date(2023, 1, 1), [70, 71, 71.5]):
        _record(measure, analyst, day, value)
    before = _assert_current(measure)
    services.measure_update(
        measure=measure, by=analyst, expected_version=measure.version, tolerance=Decimal("0")
    )
    assert _assert_current(measure)["status"] != before["status"]
    services.measure_update(
        measure=measure,
        by=analyst,
        expected_version=measure.version + 1,
        direction="lower",
    )
    _assert_current(measure)
    priority = measure.priority
    services.priority_update(
        priority=priority, by=analyst, expected_version=priority.version, deadline=date(2025, 6, 30)
    )
    stored = _assert_current(measure)
    # The forecast runs to the priority's deadline (the measure's target date is earlier).
    assert stored["forecast_period"] == date(2025, 6, 1)


def test_an_import_confirmed_in_the_importer_keeps_the_row_current(client, measure, analyst):
    client.force_login(analyst)
    text = "period,value\n2023-01,70\n2023-02,71\n2023-03,60\n"
    page = preview(client, upload(client, measure, csv_file(text)))
    assert confirm(client, measure, page).status_code == 302
    stored = _assert_current(measure)
    assert stored["latest_period"] == date(2023, 3, 1)
    assert stored["status"] == performance.OFF_TRACK
    assert [point[1] for point in stored["sparkline"]["actuals"]] == [70.0, 71.0, 60.0]


def test_an_import_refreshes_once_for_all_its_measures(measure, analyst, world):
    other = MeasureFactory(priority=measure.priority, name="Second")
    rows = [(measure, ActualData(day, Decimal(v))) for day, v in _monthly(date(2023, 1, 1), [70])]
    rows += [(other, ActualData(date(2023, 1, 1), Decimal("5")))]
    services.actuals_import(measure_rows=rows, by=analyst)
    _assert_current(measure)
    assert _assert_current(other)["latest_value"] == 5.0


def test_a_failed_write_leaves_the_row_as_it_was(measure, analyst):
    _record(measure, analyst, date(2023, 1, 1), 70)
    before = _stored(measure)
    seen = []

    def write_then_fail():
        with transaction.atomic():
            _record(measure, analyst, date(2023, 2, 1), 10)
            seen.append(_stored(measure)["latest_value"])  # refreshed inside the transaction
            raise RuntimeError

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert seen == [10.0]
    assert _stored(measure) == before


def test_the_sparkline_keeps_the_latest_24_actuals_and_the_plan_at_their_periods(measure, analyst):
    rows = [
        (measure, ActualData(day, Decimal(70 + k % 5)))
        for k, (day, _v) in enumerate(_monthly(date(2021, 1, 1), [0] * 30))
    ]
    services.actuals_import(measure_rows=rows, by=analyst)
    spark = _assert_current(measure)["sparkline"]
    assert len(spark["actuals"]) == performance.SPARKLINE_ACTUALS
    assert spark["actuals"][0][0] == "2021-07-01"
    assert [day for day, _ in spark["plan"]] == [day for day, _, _ in spark["actuals"]]
    # Before the plan starts there is no plan to draw.
    assert spark["plan"][0][1] is None
    # June 2023, 151 days into a plan of 517 days from 70 to 90.
    assert spark["plan"][-1][1] == pytest.approx(70 + 20 * 151 / 517)


def test_bulk_writers_refresh_and_the_command_rebuilds_every_row(measure, analyst):
    Actual.objects.bulk_create(
        Actual(measure=measure, period=day, value=Decimal(v))
        for day, v in _monthly(date(2023, 1, 1), [70, 60])
    )
    # Written around the services: the row is behind until someone refreshes it.
    assert _stored(measure)["latest_period"] is None
    MeasurePerformance.objects.filter(measure=measure).delete()
    call_command("refresh_performance", stdout=open("/dev/null", "w"))  # noqa: SIM115
    stored = _assert_current(measure)
    assert stored["latest_period"] == date(2023, 2, 1)
    assert MeasurePerformance.objects.count() == Measure.objects.count()


def test_the_list_reads_stored_performance_not_actuals(client, measure, analyst, world):
    _record(measure, analyst, date(2023, 1, 1), 60)
    client.force_login(analyst)
    with_actuals = client.get(reverse("priorities:list")).content.decode()
    assert 'data-status="off_track"' in with_actuals
    # Change the stored row alone: the list follows it, so it read no actual.
    MeasurePerformance.objects.filter(measure=measure).update(
        status=performance.ON_TRACK, status_label="On track"
    )
    html = client.get(reverse("priorities:list")).content.decode()
    assert 'data-status="on_track"' in html
    assert 'data-status="off_track"' not in html


# Migrating back and forth leaves the schema at priorities 0002: put it back to the latest
# migrations before the database is flushed and its serialized rows reloaded.
@pytest.fixture
def latest_schema_after():
    yield
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_data_migration_fills_the_table_for_the_measures_already_there(latest_schema_after):
    from django.db.migrations.executor import MigrationExecutor

    before, after = ("priorities", "0001_initial"), ("priorities", "0002_measure_performance")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    department = old.get_model("deliveryunit", "Department").objects.create(name="Old", code="OLD")
    priority = old.get_model("priorities", "Priority").objects.create(
        code="OLD 1", title="From before", lead_department=department
    )
    measure = old.get_model("priorities", "Measure").objects.create(
        priority=priority, name="Old measure", unit="%", direction="higher", frequency="monthly"
    )
    trajectory = old.get_model("priorities", "Trajectory").objects.create(
        measure=measure, number=1, label="Plan", agreed_on=date(2022, 1, 1)
    )
    old.get_model("priorities", "TrajectoryPoint").objects.create(
        trajectory=trajectory, period=date(2023, 1, 1), value=Decimal("50")
    )
    for day, value in _monthly(date(2023, 1, 1), [50, 48]):
        old.get_model("priorities", "Actual").objects.create(
            measure=measure, period=day, value=Decimal(value)
        )

    executor = MigrationExecutor(connection)
    executor.migrate([after])

    stored = _assert_current(Measure.objects.get(pk=measure.pk))
    assert stored["status"] == performance.OFF_TRACK
    assert stored["previous_status"] == performance.ON_TRACK
