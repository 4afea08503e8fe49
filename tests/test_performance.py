"""Status against trajectory and the forecast, on hand-made series and on real published data."""

import csv
from datetime import date
from pathlib import Path

import pytest

from priorities import performance
from priorities.performance import (
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    WITHIN_TOLERANCE,
    assess,
    planned_at,
    status_series,
)
from priorities.periods import step
from priorities.series import ActualPoint, MeasureSeries, Point, TrajectorySeries

REAL_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real"


def trajectory(*points: tuple[date, float], number: int = 1) -> TrajectorySeries:
    return TrajectorySeries(
        number=number,
        label=f"Version {number}",
        agreed_on=date(2000, 1, 1),
        reason="",
        points=[Point(day, value) for day, value in points],
        is_current=True,
    )


def series(
    *,
    direction: str = "higher",
    frequency: str = "monthly",
    tolerance: float = 0.0,
    target_value: float | None = None,
    target_date: date | None = None,
    deadline: date | None = None,
    trajectories: list[TrajectorySeries] | None = None,
    actuals: list[tuple[date, float]] | None = None,
    provisional: tuple[date, ...] = (),
) -> MeasureSeries:
    return MeasureSeries(
        measure_id=1,
        name="Measure",
        unit="%",
        direction=direction,
        frequency=frequency,
        tolerance=tolerance,
        target_value=target_value,
        target_date=target_date,
        deadline=deadline,
        trajectories=trajectories or [],
        actuals=[ActualPoint(day, value, day in provisional) for day, value in (actuals or [])],
    )


FLAT_95 = trajectory((date(2020, 1, 1), 95.0), (date(2021, 12, 1), 95.0))


@pytest.fixture
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.skip(
            f"Real published series not found at {REAL_DATA}: they live beside the project in "
            "../shared/data/real, which a user's clone does not have (CI always does)."
        )
    return REAL_DATA


def month(text: str) -> date:
    year, number = text.split("-")
    return date(int(year), int(number), 1)


# --- interpolation ------------------------------------------------------------------------


def test_planned_value_is_interpolated_by_date_between_points():
    plan = trajectory((date(2003, 1, 1), 100.0), (date(2003, 3, 1), 40.0))
    # January has 31 days and February 28: 1 February is 31/59 of the way along.
    assert planned_at(plan, date(2003, 2, 1)) == pytest.approx(100 - 60 * 31 / 59)
    assert planned_at(plan, date(2003, 1, 1)) == 100.0
    assert planned_at(plan, date(2003, 3, 1)) == 40.0


def test_plan_holds_at_its_last_value_after_the_last_point():
    plan = trajectory((date(2003, 1, 1), 100.0), (date(2003, 3, 1), 40.0))
    assert planned_at(plan, date(2005, 6, 1)) == 40.0


def test_there_is_no_plan_before_the_first_point_or_without_points():
    plan = trajectory((date(2003, 1, 1), 100.0), (date(2003, 3, 1), 40.0))
    assert planned_at(plan, date(2002, 12, 1)) is None
    assert planned_at(trajectory(), date(2003, 1, 1)) is None
    assert planned_at(None, date(2003, 1, 1)) is None


def test_status_uses_the_interpolated_plan():
    plan = trajectory((date(2020, 1, 1), 0.0), (date(2020, 3, 1), 60.0))
    # 1 February 2020 is 31 of 60 days along: planned 31.
    result = assess(series(trajectories=[plan], actuals=[(date(2020, 2, 1), 31.0)]))
    assert result.planned_value == pytest.approx(31.0)
    assert result.status == ON_TRACK


def test_status_is_against_the_current_trajectory_not_earlier_ones():
    old = trajectory((date(2020, 1, 1), 50.0), number=1)
    current = trajectory((date(2020, 1, 1), 80.0), number=2)
    result = assess(
        series(trajectories=[old, current], actuals=[(date(2020, 6, 1), 60.0)], tolerance=5)
    )
    assert result.planned_value == 80.0
    assert result.status == OFF_TRACK


# --- direction and tolerance ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (97.0, ON_TRACK),
        (95.0, ON_TRACK),  # exactly on plan
        (94.5, WITHIN_TOLERANCE),
        (94.0, WITHIN_TOLERANCE),  # exactly at the edge of tolerance
        (93.99, OFF_TRACK),
    ],
)
def test_higher_is_better_status_and_tolerance_boundaries(actual, expected):
    result = assess(
        series(tolerance=1.0, trajectories=[FLAT_95], actuals=[(date(2020, 6, 1), actual)])
    )
    assert result.status == expected
    assert result.status_label == performance.STATUS_LABELS[expected]


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (4000.0, ON_TRACK),
        (4385.0, ON_TRACK),
        (4400.0, WITHIN_TOLERANCE),
        (4485.0, WITHIN_TOLERANCE),
        (4485.5, OFF_TRACK),
    ],
)
def test_lower_is_better_status_is_mirrored(actual, expected):
    plan = trajectory((date(2003, 1, 1), 4385.0))
    result = assess(
        series(
            direction="lower",
            tolerance=100.0,
            trajectories=[plan],
            actuals=[(date(2003, 9, 1), actual)],
        )
    )
    assert result.status == expected


def test_with_no_tolerance_anything_worse_than_plan_is_off_track():
    result = assess(series(trajectories=[FLAT_95], actuals=[(date(2020, 6, 1), 94.999)]))
    assert result.status == OFF_TRACK


def test_float_noise_in_an_interpolated_plan_does_not_push_a_measure_off_track():
    # 0.1 + 0.2 is not exactly 0.3 in binary floating point.
    plan = trajectory((date(2020, 1, 1), 0.1), (date(2020, 1, 31), 0.1 + 0.2))
    result = assess(series(trajectories=[plan], actuals=[(date(2020, 2, 1), 0.3)]))
    assert result.status == ON_TRACK


def test_variance_is_signed_and_better_by_follows_direction():
    higher = assess(series(trajectories=[FLAT_95], actuals=[(date(2020, 6, 1), 93.0)]))
    assert higher.variance == pytest.approx(-2.0)
    assert higher.better_by == pytest.approx(-2.0)

    plan = trajectory((date(2020, 1, 1), 18.0))
    lower = assess(
        series(direction="lower", trajectories=[plan], actuals=[(date(2020, 6, 1), 15.0)])
    )
    assert lower.variance == pytest.approx(-3.0)
    assert lower.better_by == pytest.approx(3.0)
    assert lower.status == ON_TRACK


# --- no data ---------------------------------------------------------------------------------


def test_no_actuals_is_no_data():
    result = assess(series(trajectories=[FLAT_95]))
    assert result.status == NO_DATA
    assert result.status_label == "No data"
    assert result.latest_period is None
    assert result.latest_value is None
    assert result.forecast is None
    assert not result.has_data


def test_no_trajectory_is_no_data_but_keeps_the_latest_actual():
    result = assess(series(actuals=[(date(2020, 6, 1), 90.0)]))
    assert result.status == NO_DATA
    assert result.latest_value == 90.0
    assert result.planned_value is None
    assert result.variance is None
    assert result.better_by is None


def test_actual_before_the_trajectory_starts_is_no_data():
    result = assess(series(trajectories=[FLAT_95], actuals=[(date(2019, 12, 1), 99.0)]))
    assert result.status == NO_DATA


def test_as_at_assesses_the_latest_actual_on_or_before_that_date():
    data = [(date(2020, 1, 1), 96.0), (date(2020, 2, 1), 90.0)]
    result = assess(series(trajectories=[FLAT_95], actuals=data), as_at=date(2020, 1, 15))
    assert result.latest_period == date(2020, 1, 1)
    assert result.latest_label == "2020-01"
    assert result.status == ON_TRACK
    assert assess(series(trajectories=[FLAT_95], actuals=data)).status == OFF_TRACK
    before = assess(series(trajectories=[FLAT_95], actuals=data), as_at=date(2019, 12, 31))
    assert before.status == NO_DATA


def test_latest_provisional_flag_comes_from_the_latest_actual():
    day = date(2020, 2, 1)
    result = assess(
        series(
            trajectories=[FLAT_95], actuals=[(date(2020, 1, 1), 96), (day, 95)], provisional=(day,)
        )
    )
    assert result.latest_provisional is True


def test_status_series_gives_the_status_at_every_actual():
    data = [
        (date(2019, 12, 1), 99.0),
        (date(2020, 1, 1), 96.0),
        (date(2020, 2, 1), 94.5),
        (date(2020, 3, 1), 90.0),
    ]
    result = status_series(series(tolerance=1.0, trajectories=[FLAT_95], actuals=data))
    assert result == [
        (date(2019, 12, 1), NO_DATA),
        (date(2020, 1, 1), ON_TRACK),
        (date(2020, 2, 1), WITHIN_TOLERANCE),
        (date(2020, 3, 1), OFF_TRACK),
    ]


def test_target_met_reads_the_actual_for_the_target_period():
    common = {
        "direction": "lower",
        "target_value": 100.0,
        "target_date": date(2020, 3, 31),
        "trajectories": [trajectory((date(2020, 1, 1), 100.0))],
    }
    assert assess(series(**common, actuals=[(date(2020, 3, 1), 99.0)])).target_met is True
    assert assess(series(**common, actuals=[(date(2020, 3, 1), 101.0)])).target_met is False
    assert assess(series(**common, actuals=[(date(2020, 2, 1), 50.0)])).target_met is None


# --- forecast --------------------------------------------------------------------------------


def monthly(values: list[float], start: date = date(2020, 1, 1)) -> list[tuple[date, float]]:
    return [(step(start, "monthly", i), v) for i, v in enumerate(values)]


def test_no_forecast_with_fewer_than_three_actuals():
    data = monthly([80.0, 82.0])
    assert assess(series(actuals=data, deadline=date(2020, 12, 31))).forecast is None


def test_forecast_projects_the_trend_from_the_latest_actual_to_the_deadline():
    result = assess(
        series(
            actuals=monthly([80.0, 82.0, 84.0]),
            deadline=date(2020, 6, 30),
            target_value=95.0,
        )
    )
    forecast = result.forecast
    assert forecast is not None
    assert [p.period for p in forecast.points] == [
        date(2020, 3, 1),
        date(2020, 4, 1),
        date(2020, 5, 1),
        date(2020, 6, 1),
    ]
    assert [p.value for p in forecast.points] == pytest.approx([84.0, 86.0, 88.0, 90.0])
    assert forecast.slope_per_period == pytest.approx(2.0)
    assert forecast.value_at_deadline == pytest.approx(90.0)
    assert forecast.deadline == date(2020, 6, 1)
    assert "3 actuals from 2020-01 to 2020-03" in forecast.method


def test_forecast_gap_is_positive_when_short_of_a_higher_is_better_target():
    result = assess(
        series(actuals=monthly([80.0, 82.0, 84.0]), deadline=date(2020, 6, 1), target_value=95.0)
    )
    assert result.forecast.gap_to_target == pytest.approx(5.0)
    assert result.forecast.will_meet_target is False


def test_forecast_gap_is_negative_when_beyond_a_higher_is_better_target():
    result = assess(
        series(actuals=monthly([80.0, 82.0, 84.0]), deadline=date(2020, 6, 1), target_value=88.0)
    )
    assert result.forecast.gap_to_target == pytest.approx(-2.0)
    assert result.forecast.will_meet_target is True


def test_forecast_gap_is_positive_when_above_a_lower_is_better_target():
    result = assess(
        series(
            direction="lower",
            actuals=monthly([100.0, 98.0, 96.0]),
            deadline=date(2020, 6, 1),
            target_value=80.0,
        )
    )
    assert result.forecast.value_at_deadline == pytest.approx(90.0)
    assert result.forecast.gap_to_target == pytest.approx(10.0)
    assert result.forecast.will_meet_target is False


def test_forecast_gap_is_negative_when_below_a_lower_is_better_target():
    result = assess(
        series(
            direction="lower",
            actuals=monthly([100.0, 98.0, 96.0]),
            deadline=date(2020, 6, 1),
            target_value=92.0,
        )
    )
    assert result.forecast.gap_to_target == pytest.approx(-2.0)
    assert result.forecast.will_meet_target is True


def test_forecast_meeting_the_target_exactly_will_meet_it():
    result = assess(
        series(actuals=monthly([80.0, 82.0, 84.0]), deadline=date(2020, 6, 1), target_value=90.0)
    )
    assert result.forecast.will_meet_target is True


def test_forecast_without_a_target_has_no_gap():
    result = assess(series(actuals=monthly([80.0, 82.0, 84.0]), deadline=date(2020, 6, 1)))
    assert result.forecast.target_value is None
    assert result.forecast.gap_to_target is None
    assert result.forecast.will_meet_target is None


def test_forecast_runs_to_the_target_date_without_a_deadline_else_twelve_periods():
    data = monthly([80.0, 82.0, 84.0])
    to_target = assess(series(actuals=data, target_date=date(2020, 5, 15))).forecast
    assert to_target.points[-1].period == date(2020, 5, 1)
    open_ended = assess(series(actuals=data)).forecast
    assert len(open_ended.points) == 13
    assert open_ended.points[-1].period == date(2021, 3, 1)


def test_deadline_takes_precedence_over_target_date():
    result = assess(
        series(
            actuals=monthly([80.0, 82.0, 84.0]),
            deadline=date(2020, 4, 30),
            target_date=date(2020, 12, 1),
        )
    )
    assert result.forecast.points[-1].period == date(2020, 4, 1)


def test_no_forecast_once_the_deadline_is_reached():
    result = assess(series(actuals=monthly([80.0, 82.0, 84.0]), deadline=date(2020, 3, 31)))
    assert result.forecast is None


def test_quarterly_forecast_steps_by_quarter():
    data = [(date(2020, 1, 1), 10.0), (date(2020, 4, 1), 12.0), (date(2020, 7, 1), 14.0)]
    result = assess(series(frequency="quarterly", actuals=data, deadline=date(2021, 3, 31)))
    assert [p.period for p in result.forecast.points] == [
        date(2020, 7, 1),
        date(2020, 10, 1),
        date(2021, 1, 1),
    ]
    assert result.forecast.value_at_deadline == pytest.approx(18.0)
    assert "up to 8 quarters" in result.forecast.method


def test_trend_is_fitted_over_the_recent_window_only():
    # Two years ago the measure was far higher; only the last 12 months set the trend.
    data = [(date(2018, 1, 1), 500.0), (date(2018, 2, 1), 400.0)]
    data += monthly([80.0, 82.0, 84.0], start=date(2020, 1, 1))
    result = assess(series(actuals=data, deadline=date(2020, 4, 1)))
    assert result.forecast.slope_per_period == pytest.approx(2.0)


def test_no_forecast_when_fewer_than_three_actuals_are_recent():
    data = monthly([80.0, 82.0, 84.0], start=date(2018, 1, 1)) + [(date(2020, 1, 1), 90.0)]
    assert assess(series(actuals=data, deadline=date(2020, 6, 1))).forecast is None


def test_forecast_of_a_count_does_not_go_below_zero():
    result = assess(
        series(direction="lower", actuals=monthly([30.0, 20.0, 10.0]), deadline=date(2020, 8, 1))
    )
    assert min(p.value for p in result.forecast.points) == 0.0


def test_forecast_uses_only_actuals_up_to_as_at():
    data = monthly([80.0, 82.0, 84.0, 50.0])
    result = assess(series(actuals=data, deadline=date(2020, 6, 1)), as_at=date(2020, 3, 1))
    assert result.forecast.slope_per_period == pytest.approx(2.0)


def test_a_sparse_series_yields_an_unreliable_forecast_rather_than_a_line():
    # Three figures, but six months missing between the last two.
    data = [(date(2020, 1, 1), 100.0), (date(2020, 2, 1), 90.0), (date(2020, 9, 1), 40.0)]
    forecast = assess(series(direction="lower", actuals=data, deadline=date(2020, 12, 1))).forecast
    assert forecast is not None
    assert forecast.reliable is False
    assert forecast.unreliable_reason == performance.REASON_GAP.format(
        gap=7, nouns="months", first="2020-02", second="2020-09"
    )
    assert forecast.unreliable_text == (
        "Forecast unreliable: 7 months pass between the actuals of 2020-02 and 2020-09"
    )
    assert assess(series(direction="lower", actuals=data)).reliable_forecast is None


def test_a_gap_of_three_missing_months_is_still_reliable():
    data = [(date(2020, 1, 1), 100.0), (date(2020, 5, 1), 90.0), (date(2020, 6, 1), 85.0)]
    forecast = assess(series(actuals=data, deadline=date(2020, 12, 1))).forecast
    assert forecast.reliable, forecast.unreliable_reason


def test_a_forecast_running_more_than_three_times_its_data_ahead_is_unreliable():
    data = monthly([80.0, 82.0, 84.0])  # January to March: three months of data
    near = assess(series(actuals=data, deadline=date(2020, 12, 1))).forecast  # nine ahead
    far = assess(series(actuals=data, deadline=date(2021, 1, 1))).forecast  # ten ahead
    assert near.reliable
    assert not far.reliable
    assert far.unreliable_reason == performance.REASON_HORIZON.format(
        horizon=10, nouns="months", span=3, span_nouns="months"
    )


def test_quarterly_gaps_count_in_quarters():
    data = [(date(2003, 4, 1), 10585.0), (date(2003, 7, 1), 11955.0), (date(2004, 7, 1), 8605.0)]
    forecast = assess(
        series(direction="lower", frequency="quarterly", actuals=data, deadline=date(2004, 12, 31))
    ).forecast
    assert not forecast.reliable
    assert "4 quarters pass between the actuals of 2003-Q3 and 2004-Q3" in forecast.unreliable_text


# --- real published series -------------------------------------------------------------------


def ae_series(real_data: Path) -> MeasureSeries:
    """England A&E, all attendance types, % seen within 4 hours, against the 95% standard with
    a tolerance of one percentage point."""
    with (real_data / "nhs_england_ae_4hr_monthly_2010-11_to_2023-09.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    # The file holds fractions (0.9718...); the measure is in percent.
    actuals = [(month(row["period"]), float(row["pct_within4h_all"]) * 100) for row in rows]
    return series(
        tolerance=1.0,
        target_value=76.0,
        deadline=date(2024, 3, 31),
        trajectories=[trajectory((date(2010, 11, 1), 95.0))],
        actuals=actuals,
    )


def test_ae_four_hour_series_is_off_track_against_95_percent_from_september_2015(real_data):
    statuses = dict(status_series(ae_series(real_data)))
    assert len(statuses) == 155
    assert min(statuses) == date(2010, 11, 1)
    assert max(statuses) == date(2023, 9, 1)

    # The second half of 2015 is where the standard was lost for good. July 2015 (95.01%) is
    # the last month at the standard and August (94.29%) is within a point of it; from
    # September 2015 every month to the end of the series is more than a point below.
    assert statuses[date(2015, 7, 1)] == ON_TRACK
    assert statuses[date(2015, 8, 1)] == WITHIN_TOLERANCE
    from_september = {day: s for day, s in statuses.items() if day >= date(2015, 9, 1)}
    assert len(from_september) == 97
    assert set(from_september.values()) == {OFF_TRACK}

    # Before 2015 the standard was mostly met: most months on track, with winter dips.
    before = [s for day, s in statuses.items() if day < date(2015, 1, 1)]
    assert before.count(ON_TRACK) > len(before) / 2
    assert statuses[date(2011, 7, 1)] == ON_TRACK  # 97.59%
    assert statuses[date(2012, 2, 1)] == WITHIN_TOLERANCE  # 94.99%
    assert statuses[date(2013, 3, 1)] == OFF_TRACK  # 93.51%


def test_ae_four_hour_series_without_tolerance_is_off_track_from_august_2015(real_data):
    measure = ae_series(real_data)
    measure.tolerance = 0.0
    statuses = status_series(measure)
    assert dict(statuses)[date(2015, 7, 1)] == ON_TRACK
    assert {s for day, s in statuses if day >= date(2015, 8, 1)} == {OFF_TRACK}


def test_ae_latest_month_is_off_track_and_the_trend_falls_short_of_the_interim_target(real_data):
    result = assess(ae_series(real_data))
    assert result.status == OFF_TRACK
    assert result.latest_period == date(2023, 9, 1)
    assert result.latest_value == pytest.approx(71.64, abs=0.01)
    assert result.variance == pytest.approx(71.64 - 95, abs=0.01)
    # Over the twelve months to September 2023 the trend rose, but not fast enough for the
    # interim 76% by March 2024.
    forecast = result.forecast
    assert forecast.points[0].period == date(2023, 9, 1)
    assert forecast.points[-1].period == date(2024, 3, 1)
    assert forecast.slope_per_period > 0
    assert 71.64 < forecast.value_at_deadline < 76
    assert forecast.gap_to_target > 0
    assert forecast.will_meet_target is False


def asylum_series(real_data: Path) -> MeasureSeries:
    """The February 2003 pledge: halve monthly asylum applications (principal applicants) from
    October 2002's 8,770 by September 2003, on a straight-line trajectory."""
    path = real_data / "uk_asylum_applications_monthly_points_principal_applicants.csv"
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    actuals = [(month(row["month"]), float(row["applications_excl_dependants"])) for row in rows]
    return series(
        direction="lower",
        target_value=4385.0,
        target_date=date(2003, 9, 30),
        deadline=date(2003, 9, 30),
        trajectories=[trajectory((date(2002, 10, 1), 8770.0), (date(2003, 9, 1), 4385.0))],
        actuals=actuals,
    )


def test_asylum_pledge_was_on_track_and_met_in_september_2003(real_data):
    measure = asylum_series(real_data)
    result = assess(measure)
    assert result.latest_period == date(2003, 9, 1)
    assert result.latest_value == 4225.0
    assert result.planned_value == pytest.approx(4385.0)
    assert result.status == ON_TRACK
    assert result.better_by == pytest.approx(160.0)
    assert result.target_met is True
    assert result.forecast is None  # the deadline has come: the outcome is in the data

    statuses = dict(status_series(measure))
    assert statuses[date(2000, 2, 1)] == NO_DATA  # before the pledge's trajectory
    assert statuses[date(2002, 10, 1)] == ON_TRACK
    assert statuses[date(2003, 2, 1)] == ON_TRACK
    assert statuses[date(2003, 3, 1)] == ON_TRACK


def test_asylum_trend_in_march_2003_pointed_to_meeting_the_pledge(real_data):
    result = assess(asylum_series(real_data), as_at=date(2003, 3, 31))
    assert result.latest_period == date(2003, 3, 1)
    assert result.target_met is None  # September's figure was not yet known
    forecast = result.forecast
    assert forecast is not None
    assert forecast.points[-1].period == date(2003, 9, 1)
    assert forecast.gap_to_target < 0
    assert forecast.will_meet_target is True
    # Three figures five months apart at most, projected six months on: worth believing.
    assert forecast.reliable


def test_asylum_trend_from_september_2003_to_the_end_of_2005_is_unreliable(real_data):
    # Run on to the PSA's end, the sparse monthly figures would reach no applications at all
    # by 2005: they are too far apart, and too few, to say anything about two years ahead.
    measure = asylum_series(real_data)
    measure.deadline = date(2005, 12, 31)
    forecast = assess(measure, as_at=date(2003, 9, 30)).forecast
    assert forecast is not None
    assert forecast.value_at_deadline == 0.0
    assert forecast.reliable is False
    assert forecast.unreliable_reason == (
        "6 months pass between the actuals of 2003-03 and 2003-09"
    )
