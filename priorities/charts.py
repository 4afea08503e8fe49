"""The one place charts are built: plotly figure dicts for the web page (rendered by plotly.js
from our static files) and for static images in documents, so a chart in a PDF is the same
chart as on screen. Sparklines are figures too; documents draw them as small inline SVG from
the same figure (sparkline_svg), because exporting dozens through the chart browser is slow.

Figures are built as plain dicts, not through plotly.graph_objects: plotly's validation costs
tens of milliseconds a figure, which a document of hundreds of charts cannot afford. The tests
check that plotly's own validation accepts each figure and leaves it unchanged.

Every series is told apart by more than colour (dash style, marker symbol, fill), using the
Okabe-Ito colour-blind-safe palette. Plotly renders names, hover text and annotations as a
subset of HTML, so every string that comes from user data is passed through html.escape first.
"""

import html
from datetime import date
from typing import Any

from . import periods
from .performance import STATUS_LABELS, Performance, planned_at, status_of
from .series import MeasureSeries, Point, TrajectorySeries

# Okabe & Ito (2008), safe for the common forms of colour blindness.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#6F777B"
BAND_FILL = "rgba(0, 114, 178, 0.15)"

FONT = "Arial, Helvetica, sans-serif"

NAME_CURRENT = "Current trajectory"
NAME_EARLIER = "Earlier trajectory v{number}: {label}"
NAME_TOLERANCE = "Tolerance band"
NAME_ACTUAL = "Actual"
NAME_PROVISIONAL = "Actual (provisional)"
NAME_TARGET = "Target"
NAME_FORECAST = "Forecast (recent trend)"
NAME_MILESTONES = "Milestones"
NO_DATA_MESSAGE = "No trajectory or actual data yet"

SYMBOL_FINAL = "circle"
SYMBOL_PROVISIONAL = "diamond-open"
MILESTONE_SYMBOLS = {
    "planned": "triangle-up-open",
    "in_progress": "triangle-up-open-dot",
    "achieved": "triangle-up",
    "missed": "x",
}
EARLIER_DASHES = ("dot", "longdash", "longdashdot")

# Options for Plotly.newPlot on the page; not part of the figure.
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d"]}

# Sparklines: their size in pixels (on the page and in documents), the latest value's dot, the
# inset of the SVG drawing so lines at the edges are not clipped, and plotly's dash names as SVG.
SPARK_WIDTH = 160
SPARK_HEIGHT = 40
SPARK_DOT = 4
_SPARK_PAD = 3
_SVG_DASHES = {"solid": None, "dot": "2,2", "dash": "6,3"}

_HOVER_VALUE = "%{y:,.2~f}"
_HOVER_FORMAT = {periods.MONTHLY: "%b %Y", periods.QUARTERLY: "%Y Q%q", periods.ANNUAL: "%Y"}
# Plotly's "none" template as plotly writes it into a figure: no default theme.
_TEMPLATE_NONE = {"data": {"scatter": [{"type": "scatter"}]}}


def format_value(value: float | None, unit: str = "", signed: bool = False) -> str:
    """A value as people read it: thousands separated, at most two decimals, with its unit."""
    if value is None:
        return ""
    text = f"{value:+,.2f}" if signed else f"{value:,.2f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    if text in ("-0", "+0"):
        text = "0"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def measure_figure(series: MeasureSeries, performance: Performance) -> dict[str, Any]:
    """The full chart of one measure as a JSON-ready plotly figure dict."""
    traces: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    current = series.current_trajectory
    tolerance = float(series.tolerance or 0)
    plan = planned_path(series)

    if plan and tolerance > 0:
        traces.extend(_tolerance_band(plan, tolerance, series.direction))
    earlier = [t for t in series.trajectories if t is not current]
    for position, trajectory in enumerate(earlier):
        traces.append(_earlier_trajectory(trajectory, position))
    if plan:
        traces.append(
            _scatter(
                name=NAME_CURRENT,
                x=[_iso(p.period) for p in plan],
                y=[p.value for p in plan],
                mode="lines",
                line={"color": BLUE, "width": 2.5, "dash": "solid"},
                hovertemplate=_HOVER_VALUE,
                legendrank=3,
            )
        )
    # A forecast from too little data is not drawn: the page and documents say why instead.
    if performance.reliable_forecast is not None:
        points = performance.reliable_forecast.points
        traces.append(
            _scatter(
                name=NAME_FORECAST,
                x=[_iso(p.period) for p in points],
                y=[p.value for p in points],
                mode="lines",
                line={"color": VERMILLION, "width": 2, "dash": "dashdot"},
                hovertemplate=_HOVER_VALUE,
                legendrank=5,
            )
        )
    traces.extend(_actuals(series))
    if series.milestones:
        traces.append(_milestones(series))

    span = _date_span(series, performance)
    if series.target_value is not None and span is not None:
        target = float(series.target_value)
        traces.append(
            _scatter(
                name=NAME_TARGET,
                x=[_iso(span[0]), _iso(span[1])],
                y=[target, target],
                mode="lines",
                line={"color": PURPLE, "width": 1.5, "dash": "dash"},
                hovertemplate=_HOVER_VALUE,
                legendrank=6,
            )
        )
        annotations.append(
            {
                "x": _iso(span[1]),
                "y": target,
                "xanchor": "right",
                "yanchor": "bottom",
                "showarrow": False,
                "text": html.escape(_target_text(series)),
                "font": {"color": BLACK, "size": 12},
            }
        )
    if span is None:
        annotations.append(
            {
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "text": NO_DATA_MESSAGE,
                "font": {"size": 14},
            }
        )

    return {"data": traces, "layout": _layout(series, annotations)}


# Each measure of a comparison chart keeps its own colour and marker, so the two are told apart
# without colour too.
COMPARISON_STYLES = ((BLACK, "circle"), (VERMILLION, "square"), (BLUE, "diamond"), (GREEN, "x"))
NAME_COMPARED_ACTUAL = "{name}: actual"
NAME_COMPARED_PLAN = "{name}: current trajectory"


def comparison_figure(series_list: list[MeasureSeries]) -> dict[str, Any]:
    """Several measures on one chart, for a review's finding: each measure's actuals (solid,
    with its own marker) and current trajectory (dashed, same colour). A measure in another unit
    than the first is drawn against a second axis on the right."""
    traces: list[dict[str, Any]] = []
    first_unit = series_list[0].unit if series_list else ""
    other_unit = next((s.unit for s in series_list if s.unit != first_unit), None)
    for index, series in enumerate(series_list):
        colour, symbol = COMPARISON_STYLES[index % len(COMPARISON_STYLES)]
        axis = "y" if series.unit == first_unit else "y2"
        plan = planned_path(series)
        if plan:
            traces.append(
                _scatter(
                    name=html.escape(NAME_COMPARED_PLAN.format(name=series.name)),
                    x=[_iso(p.period) for p in plan],
                    y=[p.value for p in plan],
                    yaxis=axis,
                    mode="lines",
                    line={"color": colour, "width": 1.5, "dash": "dash"},
                    hovertemplate=_HOVER_VALUE,
                )
            )
        actuals = sorted(series.actuals, key=lambda a: a.period)
        if actuals:
            traces.append(
                _scatter(
                    name=html.escape(NAME_COMPARED_ACTUAL.format(name=series.name)),
                    x=[_iso(a.period) for a in actuals],
                    y=[float(a.value) for a in actuals],
                    yaxis=axis,
                    mode="lines+markers",
                    line={"color": colour, "width": 2},
                    marker={"color": colour, "size": 7, "symbol": symbol},
                    hovertemplate=_HOVER_VALUE,
                )
            )
    layout: dict[str, Any] = (
        _layout(series_list[0], []) if series_list else {"template": _TEMPLATE_NONE}
    )
    if not traces:
        layout["annotations"] = [
            {
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "text": NO_DATA_MESSAGE,
                "font": {"size": 14},
            }
        ]
    layout["xaxis"] = {**layout.get("xaxis", {}), "hoverformat": "%b %Y"}
    if other_unit is not None:
        layout["yaxis2"] = {
            "overlaying": "y",
            "side": "right",
            "visible": True,
            "showline": True,
            "linecolor": BLACK,
            "ticks": "outside",
            "showgrid": False,
            "fixedrange": False,
            "title": {"text": html.escape(other_unit)},
        }
        layout["margin"] = {**layout.get("margin", {}), "r": 60}
    return {"data": traces, "layout": layout}


def sparkline_figure(series: MeasureSeries) -> dict[str, Any]:
    """A tiny chart for dashboards: actuals against the current trajectory, no axes.

    Built as a plain dict rather than through plotly.graph_objects, whose validation costs
    about 20 ms a figure: too much for a dashboard of hundreds. Tests check that plotly accepts
    it.
    """
    traces: list[dict[str, Any]] = []
    plan = planned_path(series)
    if plan:
        traces.append(
            {
                "type": "scatter",
                "name": NAME_CURRENT,
                "x": [_iso(p.period) for p in plan],
                "y": [p.value for p in plan],
                "mode": "lines",
                "line": {"color": BLUE, "width": 1, "dash": "dot"},
            }
        )
    if series.actuals:
        actuals = sorted(series.actuals, key=lambda a: a.period)
        traces.append(
            {
                "type": "scatter",
                "name": NAME_ACTUAL,
                "x": [_iso(a.period) for a in actuals],
                "y": [float(a.value) for a in actuals],
                "mode": "lines+markers",
                "line": {"color": BLACK, "width": 1.5},
                # A dot on the latest value only: where the measure stands now.
                "marker": {
                    "color": BLACK,
                    "size": [0] * (len(actuals) - 1) + [SPARK_DOT],
                },
            }
        )
    layout = {
        "template": {},
        "height": SPARK_HEIGHT,
        "width": SPARK_WIDTH,
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "showlegend": False,
        "hovermode": False,
        "xaxis": {"visible": False, "fixedrange": True},
        "yaxis": {"visible": False, "fixedrange": True},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    return {"data": traces, "layout": layout}


def sparkline_svg(series: MeasureSeries) -> str:
    """The sparkline figure as a small inline SVG for documents: each trace of
    sparkline_figure drawn as a polyline in its own colour, width and dash, and its markers as
    dots, on the same unpadded axes. Only numbers and our own colours go into it, so there is
    nothing to escape. Empty when there is nothing to draw."""
    return _figure_svg(sparkline_figure(series))


def stored_sparkline_figure(points: dict[str, Any]) -> dict[str, Any]:
    """sparkline_figure for the points a measure's stored performance keeps
    (performance.sparkline_points): the latest actuals and the current plan at their periods,
    drawn in the same way."""
    actuals = points.get("actuals") or []
    plan = [(day, value) for day, value in points.get("plan") or [] if value is not None]
    traces: list[dict[str, Any]] = []
    if plan:
        traces.append(
            {
                "type": "scatter",
                "name": NAME_CURRENT,
                "x": [day for day, _ in plan],
                "y": [value for _, value in plan],
                "mode": "lines",
                "line": {"color": BLUE, "width": 1, "dash": "dot"},
            }
        )
    if actuals:
        traces.append(
            {
                "type": "scatter",
                "name": NAME_ACTUAL,
                "x": [day for day, _, _ in actuals],
                "y": [value for _, value, _ in actuals],
                "mode": "lines+markers",
                "line": {"color": BLACK, "width": 1.5},
                "marker": {"color": BLACK, "size": [0] * (len(actuals) - 1) + [SPARK_DOT]},
            }
        )
    return {"data": traces, "layout": {"width": SPARK_WIDTH, "height": SPARK_HEIGHT}}


def sparkline_inline(points: dict[str, Any]) -> str:
    """The stored sparkline as inline SVG for the dashboard, drawn on the server. Hidden from
    assistive technology: sparkline_text, beside it, says the same in words. Numbers and our
    own colours only, so nothing to escape. Empty when there is nothing to draw."""
    return _figure_svg(stored_sparkline_figure(points), hidden=True)


_TREND_SPAN = {periods.MONTHLY: 12, periods.QUARTERLY: 4, periods.ANNUAL: 3}
_PERIOD_NOUNS = {periods.MONTHLY: "month", periods.QUARTERLY: "quarter", periods.ANNUAL: "year"}


def spark_period(day: date, frequency: str) -> str:
    """A period in short words: "Sep 2023", "2023 Q3", "2023"."""
    if frequency == periods.QUARTERLY:
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    if frequency == periods.ANNUAL:
        return str(day.year)
    return day.strftime("%b %Y")


def sparkline_text(points: dict[str, Any], unit: str, frequency: str) -> str:
    """The sparkline in words: "Actual 71.6% in Sep 2023 against 76% planned; falling over 12
    months". The trend compares the latest actual with the earliest one in the last year (three
    years for annual measures) of the stored points."""
    actuals = points.get("actuals") or []
    if not actuals:
        return "No actual data yet"
    plan = dict((day, value) for day, value in points.get("plan") or [])
    day, value, provisional = actuals[-1]
    latest = date.fromisoformat(day)
    text = (
        f"Actual {format_value(value, unit)}{' (provisional)' if provisional else ''} in "
        f"{spark_period(latest, frequency)}"
    )
    planned = plan.get(day)
    text += (
        f" against {format_value(planned, unit)} planned"
        if planned is not None
        else ", with no plan for that period"
    )
    earliest = periods.step(latest, frequency, -_TREND_SPAN[frequency])
    window = [a for a in actuals if date.fromisoformat(a[0]) >= earliest]
    if len(window) < 2:
        return text
    first_day = date.fromisoformat(window[0][0])
    months = (latest.year - first_day.year) * 12 + latest.month - first_day.month
    count = months // {periods.MONTHLY: 1, periods.QUARTERLY: 3, periods.ANNUAL: 12}[frequency]
    noun = _PERIOD_NOUNS[frequency] + ("" if count == 1 else "s")
    change = value - window[0][1]
    trend = "unchanged" if abs(change) < 1e-9 else ("rising" if change > 0 else "falling")
    return f"{text}; {trend} over {count} {noun}"


def _figure_svg(figure: dict[str, Any], *, hidden: bool = False) -> str:
    traces = [
        (
            trace,
            [
                (date.fromisoformat(x), float(y))
                for x, y in zip(trace["x"], trace["y"], strict=True)
            ],
        )
        for trace in figure["data"]
    ]
    points = [point for _, trace_points in traces for point in trace_points]
    if not points:
        return ""
    width, height = figure["layout"]["width"], figure["layout"]["height"]
    first = min(day for day, _ in points)
    span_days = max((max(day for day, _ in points) - first).days, 1)
    low = min(value for _, value in points)
    span_value = (max(value for _, value in points) - low) or 1.0

    def xy(day: date, value: float) -> tuple[str, str]:
        x = _SPARK_PAD + (width - 2 * _SPARK_PAD) * (day - first).days / span_days
        y = height - _SPARK_PAD - (height - 2 * _SPARK_PAD) * (value - low) / span_value
        return f"{x:.1f}", f"{y:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"'
        + (' class="du-sparkline" aria-hidden="true" focusable="false"' if hidden else "")
        + ">"
    ]
    for trace, trace_points in traces:
        line = trace["line"]
        if "lines" in trace["mode"] and len(trace_points) > 1:
            path = " ".join(",".join(xy(day, value)) for day, value in trace_points)
            dash = _SVG_DASHES.get(line.get("dash", "solid"))
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{line["color"]}" '
                f'stroke-width="{line["width"]}"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>"
            )
        marker = trace.get("marker")
        if "markers" in trace["mode"] and marker:
            for (day, value), size in zip(trace_points, marker["size"], strict=True):
                if size:
                    x, y = xy(day, value)
                    parts.append(
                        f'<circle cx="{x}" cy="{y}" r="{size / 2:g}" fill="{marker["color"]}"/>'
                    )
    parts.append("</svg>")
    return "".join(parts)


def table_rows(series: MeasureSeries, performance: Performance) -> list[dict[str, Any]]:
    """The data table under the chart (its accessible alternative): one row per period from
    the first to the last of the current trajectory and the actuals, skipping periods that
    have neither a plan nor an actual."""
    current = series.current_trajectory
    actuals = {a.period: a for a in series.actuals}
    known = list(actuals) + ([p.period for p in current.points] if current else [])
    if not known:
        return []
    tolerance = float(series.tolerance or 0)
    rows = []
    period, last = min(known), max(known)
    while period <= last:
        planned = planned_at(current, period)
        actual = actuals.get(period)
        if planned is not None or actual is not None:
            value = None if actual is None else float(actual.value)
            variance = None if value is None or planned is None else value - planned
            status = (
                None if value is None else status_of(series.direction, value, planned, tolerance)
            )
            rows.append(
                {
                    "period": period,
                    "label": periods.label(period, series.frequency),
                    "planned": planned,
                    "actual": value,
                    "provisional": bool(actual and actual.provisional),
                    "note": actual.note if actual else "",
                    "variance": variance,
                    "status": status,
                    "status_label": STATUS_LABELS[status] if status else "",
                    "is_latest": period == performance.latest_period,
                    "planned_text": format_value(planned, series.unit),
                    "actual_text": format_value(value, series.unit),
                    "variance_text": format_value(variance, series.unit, signed=True),
                }
            )
        period = periods.step(period, series.frequency)
    return rows


def planned_path(series: MeasureSeries) -> list[Point]:
    """The current trajectory at every period from its first point to its last, or to the
    latest actual if that is later: exactly the plan that status is judged against (straight
    lines between points, level after the last), with a value at each period for hover."""
    current = series.current_trajectory
    if current is None or not current.points:
        return []
    first = min(p.period for p in current.points)
    last = max([p.period for p in current.points] + [a.period for a in series.actuals])
    path = []
    period = first
    while period <= last:
        value = planned_at(current, period)
        if value is not None:
            path.append(Point(period, value))
        period = periods.step(period, series.frequency)
    return path


def _tolerance_band(plan: list[Point], tolerance: float, direction: str) -> list[dict[str, Any]]:
    # Only the worse side of the plan is a band: doing better than planned is on track.
    sign = 1 if direction == "lower" else -1
    x = [_iso(p.period) for p in plan]
    edge = [p.value + sign * tolerance for p in plan]
    values = [p.value for p in plan]
    common = {
        "x": x,
        "mode": "lines",
        "line": {"width": 0, "color": BLUE},
        "legendgroup": "tolerance",
        "hoverinfo": "skip",
        "name": NAME_TOLERANCE,
    }
    return [
        _scatter(y=values, showlegend=False, **common),
        _scatter(y=edge, fill="tonexty", fillcolor=BAND_FILL, legendrank=4, **common),
    ]


def _earlier_trajectory(trajectory: TrajectorySeries, position: int) -> dict[str, Any]:
    name = NAME_EARLIER.format(number=trajectory.number, label=trajectory.label)
    return _scatter(
        name=html.escape(name),
        x=[_iso(p.period) for p in trajectory.points],
        y=[float(p.value) for p in trajectory.points],
        mode="lines",
        line={
            "color": GREY,
            "width": 1.5,
            "dash": EARLIER_DASHES[position % len(EARLIER_DASHES)],
        },
        visible="legendonly",
        hovertemplate=_HOVER_VALUE,
        legendrank=10 + position,
    )


def _actuals(series: MeasureSeries) -> list[dict[str, Any]]:
    actuals = sorted(series.actuals, key=lambda a: a.period)
    if not actuals:
        return []
    traces = [
        _scatter(
            name=NAME_ACTUAL,
            x=[_iso(a.period) for a in actuals],
            y=[float(a.value) for a in actuals],
            # The line joins final and provisional points alike; each point's marker says which.
            mode="lines+markers",
            line={"color": BLACK, "width": 2},
            marker={
                "color": BLACK,
                "size": [9 if a.provisional else 7 for a in actuals],
                "symbol": [SYMBOL_PROVISIONAL if a.provisional else SYMBOL_FINAL for a in actuals],
            },
            text=[" (provisional)" if a.provisional else "" for a in actuals],
            hovertemplate=_HOVER_VALUE + "%{text}",
            legendrank=1,
        )
    ]
    provisional = [a for a in actuals if a.provisional]
    if provisional:
        # Its own legend entry; hover is already on the Actual trace.
        traces.append(
            _scatter(
                name=NAME_PROVISIONAL,
                x=[_iso(a.period) for a in provisional],
                y=[float(a.value) for a in provisional],
                mode="markers",
                marker={"color": BLACK, "size": 9, "symbol": SYMBOL_PROVISIONAL},
                hoverinfo="skip",
                legendrank=2,
            )
        )
    return traces


def _milestones(series: MeasureSeries) -> dict[str, Any]:
    marks = sorted(series.milestones, key=lambda m: m.due)
    return _scatter(
        name=NAME_MILESTONES,
        x=[_iso(m.due) for m in marks],
        y=[0] * len(marks),
        # A hidden second y axis from 0 to 1 pins the markers to the foot of the plot whatever
        # the measure's scale.
        yaxis="y2",
        mode="markers",
        marker={
            "color": GREEN,
            "size": 12,
            "symbol": [MILESTONE_SYMBOLS.get(m.status, "triangle-up-open") for m in marks],
            "line": {"width": 1.5, "color": GREEN},
        },
        cliponaxis=False,
        hovertext=[
            html.escape(f"{m.title} ({m.status_label}), due {m.due:%d %b %Y}") for m in marks
        ],
        hovertemplate="%{hovertext}",
        legendrank=7,
    )


def _layout(series: MeasureSeries, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    axis = {
        "showline": True,
        "linecolor": BLACK,
        "ticks": "outside",
        "gridcolor": "#E5E5E5",
        "zeroline": False,
    }
    layout: dict[str, Any] = {
        "template": _TEMPLATE_NONE,
        "font": {"family": FONT, "size": 14, "color": BLACK},
        "hovermode": "x unified",
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.15, "yanchor": "top"},
        "margin": {"l": 60, "r": 20, "t": 20, "b": 40},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {**axis, "type": "date", "hoverformat": _HOVER_FORMAT[series.frequency]},
        "yaxis": {**axis, "title": {"text": html.escape(series.unit)}},
        "yaxis2": {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
    }
    if annotations:
        layout["annotations"] = annotations
    return layout


def _target_text(series: MeasureSeries) -> str:
    text = f"Target: {format_value(float(series.target_value or 0), series.unit)}"
    if series.target_date:
        text += f" by {series.target_date:%B %Y}"
    return text


def _date_span(series: MeasureSeries, performance: Performance) -> tuple[date, date] | None:
    days = [p.period for t in series.trajectories for p in t.points]
    days += [a.period for a in series.actuals]
    if performance.reliable_forecast is not None:
        days += [p.period for p in performance.reliable_forecast.points]
    if not days:
        return None
    days += [m.due for m in series.milestones]
    if series.target_date:
        days.append(series.target_date)
    return min(days), max(days)


def _iso(day: date) -> str:
    return day.isoformat()


def _scatter(**properties: Any) -> dict[str, Any]:
    """A scatter trace as plotly writes it. Only JSON types go in (ISO date strings, floats),
    so the figure is ready for json_script or an image renderer as it is."""
    return {"type": "scatter", **properties}
