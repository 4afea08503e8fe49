"""The chart-building module: figure content, readability without colour, escaping, the data
table under each chart."""

import json
from datetime import date

import plotly.graph_objects as go
import pytest

from priorities import charts
from priorities.performance import NO_DATA, OFF_TRACK, ON_TRACK, WITHIN_TOLERANCE, assess
from priorities.series import (
    ActualPoint,
    MeasureSeries,
    MilestoneMark,
    Point,
    TrajectorySeries,
)

XSS = "<img src=x onerror=alert(1)>"


def pledge(**overrides) -> MeasureSeries:
    """A lower-is-better measure with two trajectory versions, final and provisional actuals,
    a target and milestones: everything a chart can show."""
    values = {
        "measure_id": 7,
        "name": "Monthly asylum applications",
        "unit": "applications",
        "direction": "lower",
        "frequency": "monthly",
        "tolerance": 200.0,
        "target_value": 4385.0,
        "target_date": date(2003, 9, 30),
        "deadline": date(2003, 9, 30),
        "trajectories": [
            TrajectorySeries(
                number=1,
                label="First plan",
                agreed_on=date(2002, 11, 1),
                reason="",
                points=[Point(date(2002, 10, 1), 8770.0), Point(date(2003, 9, 1), 6000.0)],
                is_current=False,
            ),
            TrajectorySeries(
                number=2,
                label="Halve by September",
                agreed_on=date(2003, 2, 7),
                reason="The Prime Minister's pledge",
                points=[Point(date(2002, 10, 1), 8770.0), Point(date(2003, 9, 1), 4385.0)],
                is_current=True,
            ),
        ],
        "actuals": [
            ActualPoint(date(2002, 10, 1), 8770.0, False),
            ActualPoint(date(2003, 2, 1), 4255.0, False),
            ActualPoint(date(2003, 3, 1), 4565.0, True, note="First estimate"),
        ],
        "milestones": [
            MilestoneMark(date(2003, 4, 1), "New screening centres open", "achieved", "Achieved"),
            MilestoneMark(date(2003, 6, 1), "Review of appeals", "planned", "Planned"),
        ],
    }
    values.update(overrides)
    return MeasureSeries(**values)


def figure_of(measure: MeasureSeries) -> dict:
    return charts.measure_figure(measure, assess(measure))


def trace(figure: dict, name: str) -> dict:
    [found] = [t for t in figure["data"] if t.get("name") == name]
    return found


def test_full_chart_has_every_series_in_drawing_order():
    figure = figure_of(pledge())
    assert [t["name"] for t in figure["data"]] == [
        charts.NAME_TOLERANCE,  # the plan edge of the band (no legend entry)
        charts.NAME_TOLERANCE,
        "Earlier trajectory v1: First plan",
        charts.NAME_CURRENT,
        charts.NAME_FORECAST,
        charts.NAME_ACTUAL,
        charts.NAME_PROVISIONAL,
        charts.NAME_MILESTONES,
        charts.NAME_TARGET,
    ]
    assert all(t["type"] == "scatter" for t in figure["data"])


def test_legend_shows_one_entry_per_series():
    figure = figure_of(pledge())
    in_legend = [t["name"] for t in figure["data"] if t.get("showlegend", True)]
    assert len(in_legend) == len(set(in_legend)) == 8


def test_provisional_actuals_have_their_own_marker_and_legend_entry():
    figure = figure_of(pledge())
    actual = trace(figure, charts.NAME_ACTUAL)
    assert actual["mode"] == "lines+markers"
    assert actual["x"] == ["2002-10-01", "2003-02-01", "2003-03-01"]
    assert actual["marker"]["symbol"] == ["circle", "circle", "diamond-open"]
    assert actual["text"] == ["", "", " (provisional)"]
    provisional = trace(figure, charts.NAME_PROVISIONAL)
    assert provisional["x"] == ["2003-03-01"]
    assert provisional["marker"]["symbol"] == "diamond-open"
    assert provisional["marker"]["symbol"] != charts.SYMBOL_FINAL


def test_no_provisional_legend_entry_when_all_actuals_are_final():
    measure = pledge(actuals=[ActualPoint(date(2002, 10, 1), 8770.0, False)])
    names = [t["name"] for t in figure_of(measure)["data"]]
    assert charts.NAME_PROVISIONAL not in names


def test_earlier_trajectory_versions_are_hidden_until_chosen_in_the_legend():
    figure = figure_of(pledge())
    earlier = trace(figure, "Earlier trajectory v1: First plan")
    assert earlier["visible"] == "legendonly"
    assert earlier["line"]["dash"] == "dot"
    current = trace(figure, charts.NAME_CURRENT)
    assert "visible" not in current
    assert current["line"]["dash"] == "solid"


def test_current_trajectory_has_a_value_at_every_period_as_status_uses_it():
    measure = pledge()
    current = trace(figure_of(measure), charts.NAME_CURRENT)
    assert current["x"] == [f"2002-{m}-01" for m in (10, 11, 12)] + [
        f"2003-{m:02d}-01" for m in range(1, 10)
    ]
    assert current["y"][0] == 8770.0
    assert current["y"][-1] == 4385.0
    rows = {r["label"]: r["planned"] for r in charts.table_rows(measure, assess(measure))}
    assert current["y"] == pytest.approx(list(rows.values()))


def test_current_trajectory_is_drawn_level_to_the_latest_actual_after_its_last_point():
    plan = TrajectorySeries(
        1, "Standard", date(2010, 1, 1), "", [Point(date(2020, 1, 1), 95.0)], True
    )
    measure = pledge(
        trajectories=[plan],
        actuals=[ActualPoint(date(2020, 3, 1), 90.0, False)],
        target_value=None,
        milestones=[],
    )
    current = trace(figure_of(measure), charts.NAME_CURRENT)
    assert current["x"] == ["2020-01-01", "2020-02-01", "2020-03-01"]
    assert current["y"] == [95.0, 95.0, 95.0]


def test_series_are_told_apart_without_colour():
    figure = figure_of(pledge())
    looks = set()
    for item in figure["data"]:
        if not item.get("showlegend", True):
            continue
        look = (
            item["mode"],
            item.get("line", {}).get("dash"),
            json.dumps(item.get("marker", {}).get("symbol")),
            item.get("fill"),
        )
        looks.add(look)
    assert len(looks) == 8


def test_tolerance_band_lies_on_the_worse_side_of_the_plan():
    lower = figure_of(pledge())
    plan, edge = (t for t in lower["data"] if t["name"] == charts.NAME_TOLERANCE)
    assert plan["y"] == trace(lower, charts.NAME_CURRENT)["y"]
    assert edge["y"] == pytest.approx([y + 200 for y in plan["y"]])  # more is worse
    assert edge["fill"] == "tonexty"
    assert plan["showlegend"] is False
    assert plan["legendgroup"] == edge["legendgroup"]

    higher = figure_of(pledge(direction="higher"))
    plan, edge = (t for t in higher["data"] if t["name"] == charts.NAME_TOLERANCE)
    assert edge["y"] == pytest.approx([y - 200 for y in plan["y"]])


def test_no_tolerance_band_without_a_tolerance():
    names = [t["name"] for t in figure_of(pledge(tolerance=0.0))["data"]]
    assert charts.NAME_TOLERANCE not in names


def test_target_is_a_dashed_line_across_the_chart_with_a_label():
    figure = figure_of(pledge())
    target = trace(figure, charts.NAME_TARGET)
    assert target["y"] == [4385.0, 4385.0]
    assert target["x"] == ["2002-10-01", "2003-09-30"]
    assert target["line"]["dash"] == "dash"
    [label] = figure["layout"]["annotations"]
    assert label["text"] == "Target: 4,385 applications by September 2003"
    assert label["y"] == 4385.0


def test_no_target_line_without_a_target_value():
    figure = figure_of(pledge(target_value=None))
    assert charts.NAME_TARGET not in [t["name"] for t in figure["data"]]
    assert figure["layout"].get("annotations", []) == []


def test_forecast_runs_dash_dot_from_the_latest_actual_to_the_deadline():
    figure = figure_of(pledge())
    forecast = trace(figure, charts.NAME_FORECAST)
    assert forecast["line"]["dash"] == "dashdot"
    assert forecast["x"][0] == "2003-03-01"
    assert forecast["x"][-1] == "2003-09-01"
    assert forecast["y"][0] == 4565.0


def test_no_forecast_line_when_the_forecast_is_unreliable():
    # Run on two years past the data, the trend is too thin to draw.
    measure = pledge(deadline=date(2005, 12, 31))
    performance = assess(measure)
    assert performance.forecast is not None
    assert not performance.forecast.reliable
    figure = charts.measure_figure(measure, performance)
    assert charts.NAME_FORECAST not in [t.get("name") for t in figure["data"]]


def test_no_forecast_line_without_a_forecast():
    measure = pledge(actuals=[ActualPoint(date(2002, 10, 1), 8770.0, False)])
    assert charts.NAME_FORECAST not in [t["name"] for t in figure_of(measure)["data"]]


def test_milestones_are_triangles_at_the_foot_of_the_plot_with_title_and_status():
    figure = figure_of(pledge())
    milestones = trace(figure, charts.NAME_MILESTONES)
    assert milestones["x"] == ["2003-04-01", "2003-06-01"]
    assert milestones["yaxis"] == "y2"
    assert milestones["marker"]["symbol"] == ["triangle-up", "triangle-up-open"]
    assert milestones["hovertext"] == [
        "New screening centres open (Achieved), due 01 Apr 2003",
        "Review of appeals (Planned), due 01 Jun 2003",
    ]
    assert figure["layout"]["yaxis2"]["range"] == [0, 1]
    assert figure["layout"]["yaxis2"]["visible"] is False


def test_user_text_is_escaped_everywhere_plotly_renders_it():
    measure = pledge(unit=f"{XSS} cases")
    measure.milestones = [MilestoneMark(date(2003, 4, 1), XSS, "missed", "Missed")]
    old = measure.trajectories[0]
    measure.trajectories[0] = TrajectorySeries(
        old.number, f"<b>{XSS}</b>", old.agreed_on, old.reason, old.points, False
    )
    figure = figure_of(measure)
    assert trace(figure, charts.NAME_MILESTONES)["hovertext"] == [
        "&lt;img src=x onerror=alert(1)&gt; (Missed), due 01 Apr 2003"
    ]
    earlier = figure["data"][2]
    assert earlier["name"] == (
        "Earlier trajectory v1: &lt;b&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/b&gt;"
    )
    assert figure["layout"]["yaxis"]["title"]["text"] == "&lt;img src=x onerror=alert(1)&gt; cases"
    assert "&lt;img" in figure["layout"]["annotations"][0]["text"]
    encoded = json.dumps(figure)
    assert "<img" not in encoded
    assert "<b>" not in encoded


def test_figure_is_plain_json_with_iso_dates():
    figure = figure_of(pledge())
    text = json.dumps(figure)  # raises on dates, numpy arrays or other non-JSON values
    assert json.loads(text) == figure
    assert "2003-02-01" in text


def test_layout_suits_a_page_with_its_own_heading():
    layout = figure_of(pledge())["layout"]
    assert "title" not in layout or not layout["title"].get("text")
    assert layout["yaxis"]["title"]["text"] == "applications"
    assert layout["hovermode"] == "x unified"
    assert layout["legend"]["orientation"] == "h"
    assert layout["legend"]["y"] < 0  # below the plot
    assert layout["font"]["family"].startswith("Arial")
    assert layout["xaxis"]["hoverformat"] == "%b %Y"
    # "none": no plotly default theme (and none of its kilobytes) in the page.
    assert len(json.dumps(layout["template"])) < 100


def test_quarterly_hover_shows_quarters():
    layout = figure_of(pledge(frequency="quarterly", actuals=[], milestones=[]))["layout"]
    assert layout["xaxis"]["hoverformat"] == "%Y Q%q"


def test_empty_measure_says_there_is_no_data():
    measure = pledge(trajectories=[], actuals=[], milestones=[])
    figure = figure_of(measure)
    assert figure["data"] == []
    assert [a["text"] for a in figure["layout"]["annotations"]] == [charts.NO_DATA_MESSAGE]
    json.dumps(figure)


def test_sparkline_has_actuals_and_current_trajectory_and_no_axes():
    figure = charts.sparkline_figure(pledge())
    assert [t["name"] for t in figure["data"]] == [charts.NAME_CURRENT, charts.NAME_ACTUAL]
    assert figure["data"][0]["y"][0] == 8770.0
    assert figure["data"][0]["y"][-1] == 4385.0
    layout = figure["layout"]
    assert layout["xaxis"]["visible"] is False
    assert layout["yaxis"]["visible"] is False
    assert layout["showlegend"] is False
    assert layout["height"] <= 60
    json.dumps(figure)


def test_sparkline_is_a_figure_plotly_accepts():
    # Built by hand for speed, so check it against plotly's own schema: an unknown or
    # misspelt property raises ValueError here.
    figure = charts.sparkline_figure(pledge())
    assert go.Figure(figure).to_plotly_json()["data"][1]["name"] == charts.NAME_ACTUAL
    assert charts.sparkline_figure(pledge(trajectories=[], actuals=[]))["data"] == []


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"frequency": "quarterly", "actuals": [], "milestones": []},
        {"trajectories": [], "actuals": [], "milestones": []},
        {"name": XSS, "unit": XSS, "tolerance": 0.0, "target_value": None},
    ],
)
def test_full_chart_is_a_figure_plotly_accepts_as_it_is(overrides):
    # Built as a plain dict for speed: plotly's own validation must accept it (an unknown or
    # misspelt property raises ValueError) and write back exactly the same figure.
    figure = figure_of(pledge(**overrides))
    assert json.loads(go.Figure(figure).to_json()) == figure


def test_sparkline_draws_actuals_against_the_plan_from_numbers_alone():
    series = MeasureSeries(
        measure_id=1,
        name="<script>alert(1)</script>",
        unit="%",
        direction="higher",
        frequency="monthly",
        tolerance=1,
        target_value=90,
        target_date=date(2024, 1, 1),
        deadline=None,
        trajectories=[
            TrajectorySeries(
                1,
                "Plan",
                date(2023, 1, 1),
                "",
                [Point(date(2023, 1, 1), 60), Point(date(2023, 6, 1), 90)],
                True,
            )
        ],
        actuals=[ActualPoint(date(2023, m, 1), 60 + m, False) for m in range(1, 5)],
    )
    svg = charts.sparkline_svg(series)
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert svg.count("<polyline") == 2  # the plan and the actuals
    assert 'stroke-dasharray="2,2"' in svg  # the plan is dotted, not told apart by colour alone
    assert "script" not in svg
    empty = MeasureSeries(1, "Empty", "%", "higher", "monthly", 0, None, None, None)
    assert charts.sparkline_svg(empty) == ""


def test_sparkline_svg_draws_the_sparkline_figure():
    # The pack's sparklines are the dashboard's figure drawn as SVG: each trace in its own
    # colour and width, and the latest value's dot.
    series = pledge()
    figure = charts.sparkline_figure(series)
    plan, actual = figure["data"]
    assert actual["marker"]["size"][-1] == charts.SPARK_DOT
    assert not any(actual["marker"]["size"][:-1])
    svg = charts.sparkline_svg(series)
    assert f'width="{charts.SPARK_WIDTH}" height="{charts.SPARK_HEIGHT}"' in svg
    assert f'stroke="{plan["line"]["color"]}" stroke-width="1" stroke-dasharray="2,2"' in svg
    assert f'stroke="{actual["line"]["color"]}" stroke-width="1.5"/>' in svg
    assert svg.count("<circle") == 1
    polylines = svg.split("<polyline")[1:]
    assert [len(line.split('points="')[1].split('"')[0].split()) for line in polylines] == [
        len(plan["x"]),
        len(actual["x"]),
    ]


# --- the data table --------------------------------------------------------------------------


def test_table_has_a_row_per_period_with_plan_actual_and_status():
    measure = pledge()
    rows = charts.table_rows(measure, assess(measure))
    # October 2002 to September 2003: the span of the current trajectory and the actuals.
    assert [r["label"] for r in rows] == [
        "2002-10",
        "2002-11",
        "2002-12",
        "2003-01",
        "2003-02",
        "2003-03",
        "2003-04",
        "2003-05",
        "2003-06",
        "2003-07",
        "2003-08",
        "2003-09",
    ]
    first, february, march, september = rows[0], rows[4], rows[5], rows[-1]
    assert first["period"] == date(2002, 10, 1)
    assert first["planned"] == 8770.0
    assert first["actual"] == 8770.0
    assert first["variance"] == 0.0
    assert first["status"] == ON_TRACK
    assert first["status_label"] == "On track"

    assert february["actual"] == 4255.0
    assert february["provisional"] is False
    assert february["variance"] == pytest.approx(4255.0 - february["planned"])
    assert february["status"] == ON_TRACK

    assert march["provisional"] is True
    assert march["note"] == "First estimate"
    assert march["is_latest"] is True
    assert march["actual_text"] == "4,565 applications"

    assert september["planned"] == 4385.0
    assert september["actual"] is None
    assert september["variance"] is None
    assert september["status"] is None
    assert september["status_label"] == ""
    assert september["planned_text"] == "4,385 applications"
    assert september["actual_text"] == ""
    assert sum(r["is_latest"] for r in rows) == 1


def test_table_status_is_direction_and_tolerance_aware():
    plan = TrajectorySeries(1, "Flat", date(2020, 1, 1), "", [Point(date(2020, 1, 1), 95.0)], True)
    measure = pledge(
        unit="%",
        direction="higher",
        tolerance=1.0,
        target_value=None,
        trajectories=[plan],
        milestones=[],
        actuals=[
            ActualPoint(date(2019, 12, 1), 99.0, False),
            ActualPoint(date(2020, 1, 1), 96.0, False),
            ActualPoint(date(2020, 2, 1), 94.5, False),
            ActualPoint(date(2020, 3, 1), 90.0, False),
        ],
    )
    rows = charts.table_rows(measure, assess(measure))
    assert [(r["label"], r["status"]) for r in rows] == [
        ("2019-12", NO_DATA),
        ("2020-01", ON_TRACK),
        ("2020-02", WITHIN_TOLERANCE),
        ("2020-03", OFF_TRACK),
    ]
    assert rows[0]["planned"] is None
    assert rows[0]["planned_text"] == ""
    assert rows[3]["variance_text"] == "-5%"
    assert rows[1]["variance_text"] == "+1%"


def test_table_skips_periods_with_neither_plan_nor_actual():
    measure = pledge(
        trajectories=[],
        actuals=[
            ActualPoint(date(2000, 2, 1), 6110.0, False),
            ActualPoint(date(2000, 6, 1), 6680.0, False),
        ],
    )
    rows = charts.table_rows(measure, assess(measure))
    assert [r["label"] for r in rows] == ["2000-02", "2000-06"]


def test_table_is_empty_without_data():
    measure = pledge(trajectories=[], actuals=[])
    assert charts.table_rows(measure, assess(measure)) == []


@pytest.mark.parametrize(
    ("value", "unit", "signed", "expected"),
    [
        (4385.0, "applications", False, "4,385 applications"),
        (95.0118, "%", False, "95.01%"),
        (-160.0, "", True, "-160"),
        (2.5, "%", True, "+2.5%"),
        (0.0, "%", True, "0%"),
        (None, "%", False, ""),
    ],
)
def test_format_value(value, unit, signed, expected):
    assert charts.format_value(value, unit, signed=signed) == expected


# --- the dashboard's sparkline, from the stored points -------------------------------------------


def _stored_points(series):
    from priorities import performance

    return performance.sparkline_points(series)


def test_the_stored_sparkline_draws_like_the_packs_over_the_same_periods():
    series = pledge()
    points = _stored_points(series)
    svg = charts.sparkline_inline(points)
    assert svg.startswith("<svg")
    assert 'aria-hidden="true" focusable="false"' in svg
    assert svg.count("<polyline") == 2
    assert 'stroke-dasharray="2,2"' in svg  # the plan dotted
    assert svg.count("<circle") == 1  # the latest value
    actual = svg.split("<polyline")[2]
    assert len(actual.split('points="')[1].split('"')[0].split()) == len(series.actuals)
    assert charts.sparkline_inline({"actuals": [], "plan": []}) == ""


def test_the_stored_sparkline_in_words():
    series = pledge()
    text = charts.sparkline_text(_stored_points(series), series.unit, series.frequency)
    # The pledge's latest actual is provisional, in March 2003, against the current plan then.
    assert text == (
        "Actual 4,565 applications (provisional) in Mar 2003 against 6,793.48 applications "
        "planned; falling over 5 months"
    )
    assert charts.sparkline_text({"actuals": [], "plan": []}, "%", "monthly") == (
        "No actual data yet"
    )
    quarterly = {
        "actuals": [["2022-01-01", 10, False], ["2023-01-01", 10, False]],
        "plan": [["2022-01-01", None], ["2023-01-01", None]],
    }
    assert charts.sparkline_text(quarterly, "", "quarterly") == (
        "Actual 10 in 2023 Q1, with no plan for that period; unchanged over 4 quarters"
    )
