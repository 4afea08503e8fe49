"""Documents' charts drawn in Python, from the same figure dicts the pages give plotly.js.

A document of 90 charts spent most of its build waiting for plotly.js to lay out each chart in
the chart browser (about a tenth of a second a chart, however the batches are cut). The
figures in documents are ours (priorities.charts): dated line and marker traces, a tolerance
band, a target line with its label, milestone markers pinned to the foot of the plot and a
horizontal legend. This module draws exactly those with Pillow, in a few milliseconds a chart,
with the same colours, dash styles, marker symbols, names and axes, as a JPEG at the size and
scale asked for (drawn at twice that and reduced, so lines and text are smooth).

`can_draw` says whether a figure uses only what is drawn here; anything else (a second visible
axis, a trace type or option not listed below) goes to the chart browser as before, so an
unusual figure is never drawn wrongly.
"""

from __future__ import annotations

import functools
import html
import io
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image, ImageColor, ImageDraw, ImageFont

# Part of each cached image's key: change it when the drawing changes.
VERSION = 2

# Each CSS pixel of the figure is drawn as SUPERSAMPLE pixels per unit of scale, then reduced.
SUPERSAMPLE = 2
JPEG_QUALITY = 80

_TRACE_KEYS = {
    "type",
    "name",
    "x",
    "y",
    "mode",
    "line",
    "marker",
    "fill",
    "fillcolor",
    "showlegend",
    "legendgroup",
    "legendrank",
    "hoverinfo",
    "hovertemplate",
    "hovertext",
    "text",
    "visible",
    "yaxis",
    "cliponaxis",
}
_LAYOUT_KEYS = {
    "template",
    "font",
    "hovermode",
    "showlegend",
    "legend",
    "margin",
    "paper_bgcolor",
    "plot_bgcolor",
    "xaxis",
    "yaxis",
    "yaxis2",
    "annotations",
}
_ANNOTATION_KEYS = {"x", "y", "xref", "yref", "xanchor", "yanchor", "showarrow", "text", "font"}
_SYMBOLS = {
    "circle",
    "diamond",
    "diamond-open",
    "square",
    "triangle-up",
    "triangle-up-open",
    "triangle-up-open-dot",
    "x",
}
# plotly.js's dash patterns, in multiples of the line width (at least 3 px), as it draws them.
_DASHES: dict[str, tuple[float, ...]] = {
    "solid": (),
    "dot": (1, 1),
    "dash": (3, 3),
    "longdash": (5, 5),
    "dashdot": (3, 1, 1, 1),
    "longdashdot": (5, 2, 1, 2),
}
_FONT_FILES = (
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/msttcorefonts/Arial.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
GRID = "#E5E5E5"
LEGEND_ROW = 22  # CSS px
LEGEND_SAMPLE = 36
TICK = 5


# --- what can be drawn here ---------------------------------------------------------------


def can_draw(figure: dict[str, Any]) -> bool:
    """Whether the figure uses only what this module draws the way plotly.js would."""
    try:
        return _check(figure)
    except (TypeError, ValueError, AttributeError, KeyError):
        return False


def _check(figure: dict[str, Any]) -> bool:
    layout = figure.get("layout", {})
    if set(layout) - _LAYOUT_KEYS:
        return False
    if layout.get("xaxis", {}).get("type") != "date":
        return False
    second = layout.get("yaxis2")
    if second is not None and second.get("visible", True):
        return False
    for note in layout.get("annotations", []):
        if set(note) - _ANNOTATION_KEYS or note.get("showarrow", True):
            return False
        if "<" in html.unescape(str(note.get("text", ""))):
            return False
    for trace in figure.get("data", []):
        if set(trace) - _TRACE_KEYS or trace.get("type", "scatter") != "scatter":
            return False
        if trace.get("yaxis", "y") not in ("y", "y2") or trace.get("fill") not in (None, "tonexty"):
            return False
        if trace.get("line", {}).get("dash", "solid") not in _DASHES:
            return False
        symbols = trace.get("marker", {}).get("symbol", "circle")
        if not set(symbols if isinstance(symbols, list) else [symbols]) <= _SYMBOLS:
            return False
        if len(trace.get("x", [])) != len(trace.get("y", [])):
            return False
        for x in trace.get("x", []):
            date.fromisoformat(x)
        if "<" in html.unescape(str(trace.get("name", ""))):
            return False
    return True


# --- drawing -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_FILES:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _rgba(colour: str, alpha: float = 1.0) -> tuple[int, int, int, int]:
    colour = colour.strip()
    if colour.startswith("rgba("):
        parts = [p.strip() for p in colour[5:-1].split(",")]
        r, g, b = (int(float(p)) for p in parts[:3])
        return (r, g, b, round(float(parts[3]) * alpha * 255))
    r, g, b = ImageColor.getrgb(colour)[:3]
    return (r, g, b, round(alpha * 255))


def _day(value: str) -> float:
    return float(date.fromisoformat(value).toordinal())


def _nice_ticks(low: float, high: float, target: int = 6) -> list[float]:
    span = high - low
    raw = span / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude * 10
    for multiple in (1, 2, 2.5, 5, 10):
        if span / (multiple * magnitude) <= target:
            step = multiple * magnitude
            break
    first = math.ceil(low / step - 1e-9) * step
    count = int(math.floor((high - first) / step + 1e-9)) + 1
    return [round(first + n * step, 10) for n in range(count)]


def _tick_text(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    text = f"{value:,.{decimals}f}"
    return "0" if text.strip("-0.,") == "" else text


def _date_ticks(low: float, high: float) -> list[tuple[float, str]]:
    first, last = date.fromordinal(int(low)), date.fromordinal(int(math.ceil(high)))
    years = (last - first).days / 365.25
    if years > 2.5:
        step = next(s for s in (1, 2, 5, 10, 20, 50) if years / s <= 8)
        return [
            (float(date(year, 1, 1).toordinal()), str(year))
            for year in range(first.year, last.year + 2)
            if year % step == 0 and low <= date(year, 1, 1).toordinal() <= high
        ]
    months = next(m for m in (1, 2, 3, 6, 12) if years * 12 / m <= 8)
    ticks = []
    year, month = first.year, 1
    while date(year, month, 1) <= last:
        day = date(year, month, 1)
        if low <= day.toordinal() <= high and (month - 1) % months == 0:
            ticks.append((float(day.toordinal()), day.strftime("%b %Y")))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return ticks


@dataclass
class _Frame:
    """Where the plot area sits, in device pixels, and how values map into it."""

    left: float
    top: float
    right: float
    bottom: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def x(self, value: float) -> float:
        low, high = self.x_range
        return self.left + (value - low) / (high - low) * (self.right - self.left)

    def y(self, value: float, axis: str = "y") -> float:
        low, high = (0.0, 1.0) if axis == "y2" else self.y_range
        return self.bottom - (value - low) / (high - low) * (self.bottom - self.top)


def _dashed(
    points: list[tuple[float, float]], pattern: tuple[float, ...]
) -> list[list[tuple[float, float]]]:
    """The pieces of a polyline that a dash pattern (lengths in device px) draws."""
    if not pattern:
        return [points]
    pieces: list[list[tuple[float, float]]] = []
    index, left, on = 0, pattern[0], True
    current: list[tuple[float, float]] = [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        length = math.hypot(x1 - x0, y1 - y0)
        done = 0.0
        while length - done > left:
            done += left
            point = (x0 + (x1 - x0) * done / length, y0 + (y1 - y0) * done / length)
            if on:
                current.append(point)
                pieces.append(current)
            current = [point]
            on = not on
            index = (index + 1) % len(pattern)
            left = pattern[index]
        left -= length - done
        current.append((x1, y1))
    if on and len(current) > 1:
        pieces.append(current)
    return pieces


def _line(
    draw: ImageDraw.ImageDraw,
    points: list[tuple[float, float]],
    colour: tuple[int, int, int, int],
    width: float,
    dash: str,
    f: int,
) -> None:
    """A polyline `width` CSS px wide, dashed as plotly.js dashes it (f device px a CSS px)."""
    if len(points) < 2 or width <= 0:
        return
    unit = max(width, 3.0) * f
    pattern = tuple(n * unit for n in _DASHES.get(dash, ()))
    for piece in _dashed(points, pattern):
        draw.line(piece, fill=colour, width=max(1, round(width * f)), joint="curve")


def _marker(
    draw: ImageDraw.ImageDraw,
    x: float,
    y: float,
    symbol: str,
    size: float,
    colour: tuple[int, int, int, int],
    edge: float,
) -> None:
    r = size / 2
    edge_width = max(1, round(edge))
    if symbol == "circle":
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    elif symbol == "square":
        draw.rectangle((x - r, y - r, x + r, y + r), fill=colour)
    elif symbol.startswith("diamond"):
        corners = [(x, y - r * 1.3), (x + r, y), (x, y + r * 1.3), (x - r, y)]
        if symbol.endswith("-open"):
            draw.polygon(corners, fill=(255, 255, 255, 255), outline=colour, width=edge_width)
        else:
            draw.polygon(corners, fill=colour)
    elif symbol.startswith("triangle-up"):
        corners = [(x, y - r * 1.15), (x + r * 1.1, y + r * 0.75), (x - r * 1.1, y + r * 0.75)]
        if "-open" in symbol:
            draw.polygon(corners, fill=(255, 255, 255, 255), outline=colour, width=edge_width)
            if symbol.endswith("-dot"):
                d = max(2.0, r / 3)
                draw.ellipse((x - d, y - d, x + d, y + d), fill=colour)
        else:
            draw.polygon(corners, fill=colour)
    elif symbol == "x":
        w = max(2, round(size / 4))
        draw.line([(x - r, y - r), (x + r, y + r)], fill=colour, width=w)
        draw.line([(x - r, y + r), (x + r, y - r)], fill=colour, width=w)


def _text(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: float,
    colour: tuple[int, int, int, int],
    anchor: str,
) -> None:
    draw.text(xy, text, font=_font(round(size)), fill=colour, anchor=anchor)


def _width(text: str, size: float) -> float:
    return float(_font(round(size)).getlength(text))


def _legend_entries(traces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shown = [
        (trace.get("legendrank", 1000), position, trace)
        for position, trace in enumerate(traces)
        if trace.get("showlegend", True) is not False and trace.get("name")
    ]
    return [trace for _rank, _position, trace in sorted(shown, key=lambda t: (t[0], t[1]))]


def _legend_rows(entries: list[dict[str, Any]], width: float, size: float) -> list[list[Any]]:
    rows: list[list[Any]] = [[]]
    used = 0.0
    for trace in entries:
        name = html.unescape(str(trace["name"]))
        needed = LEGEND_SAMPLE + 6 + _width(name, size) + 18
        if rows[-1] and used + needed > width:
            rows.append([])
            used = 0.0
        rows[-1].append((trace, name, used))
        used += needed
    return rows if rows[0] else []


def draw_jpeg(figure: dict[str, Any], width: int, height: int, scale: int) -> bytes:
    """The figure as a JPEG of width x height CSS pixels at `scale` (call can_draw first)."""
    f = scale * SUPERSAMPLE  # device pixels per CSS pixel while drawing
    layout = figure.get("layout", {})
    traces = figure.get("data", [])
    font_size = float(layout.get("font", {}).get("size", 12))
    text_colour = _rgba(layout.get("font", {}).get("color", "#000000"))
    margin = {"l": 80, "r": 80, "t": 100, "b": 80, **layout.get("margin", {})}
    drawn = [t for t in traces if t.get("visible", True) is True]

    # The value ranges, from what is drawn against each axis.
    xs = [_day(x) for t in drawn for x in t.get("x", [])]
    xs += [_day(n["x"]) for n in layout.get("annotations", []) if n.get("xref") != "paper"]
    ys = [float(y) for t in drawn if t.get("yaxis", "y") == "y" for y in t.get("y", [])]
    if xs:
        x_low, x_high = min(xs), max(xs)
        if x_high - x_low < 1:
            x_low, x_high = x_low - 15, x_high + 15
        pad = (x_high - x_low) * 0.02
        x_range = (x_low - pad, x_high + pad)
    else:
        x_range = (float(date(2000, 1, 1).toordinal()), float(date(2001, 1, 1).toordinal()))
    if ys:
        y_low, y_high = min(ys), max(ys)
        if y_high - y_low < 1e-9:
            y_low, y_high = y_low - 1, y_high + 1
        pad = (y_high - y_low) * 0.06
        y_low, y_high = y_low - pad, y_high + pad
    else:
        y_low, y_high = -1.0, 4.0
    y_ticks = _nice_ticks(y_low, y_high)
    y_step = y_ticks[1] - y_ticks[0] if len(y_ticks) > 1 else 1.0
    y_labels = [_tick_text(v, y_step) for v in y_ticks]

    # The plot area: room on the left for the tick labels and the axis title, below for the
    # date labels and the legend.
    label_width = max((_width(t, font_size) for t in y_labels), default=0)
    axis_title = html.unescape(str(layout.get("yaxis", {}).get("title", {}).get("text", "")))
    left = max(float(margin["l"]), label_width + TICK + 6 + (font_size + 8 if axis_title else 0))
    right = width - float(margin["r"])
    entries = _legend_entries(traces) if layout.get("showlegend", True) and traces else []
    rows = _legend_rows(entries, right - left, font_size)
    bottom = height - 8 - len(rows) * LEGEND_ROW - (font_size + TICK + 14)
    top = float(margin["t"])
    frame = _Frame(left * f, top * f, right * f, bottom * f, x_range, (y_low, y_high))

    image = Image.new("RGB", (width * f, height * f), layout.get("paper_bgcolor", "white"))
    draw = ImageDraw.Draw(image, "RGBA")
    size = font_size * f
    black = _rgba("#000000")

    # Grid, axes, ticks and their labels.
    grid = _rgba(layout.get("yaxis", {}).get("gridcolor", GRID))
    x_ticks = _date_ticks(*x_range)
    for value, _label in x_ticks:
        x = frame.x(value)
        draw.line([(x, frame.top), (x, frame.bottom)], fill=grid, width=f)
    for value in y_ticks:
        y = frame.y(value)
        draw.line([(frame.left, y), (frame.right, y)], fill=grid, width=f)
    axis_width = max(1, f)
    draw.line(
        [(frame.left, frame.bottom), (frame.right, frame.bottom)], fill=black, width=axis_width
    )
    draw.line([(frame.left, frame.top), (frame.left, frame.bottom)], fill=black, width=axis_width)
    for value, label in x_ticks:
        x = frame.x(value)
        draw.line([(x, frame.bottom), (x, frame.bottom + TICK * f)], fill=black, width=axis_width)
        _text(draw, (x, frame.bottom + (TICK + 3) * f), label, size, text_colour, "mt")
    for value, label in zip(y_ticks, y_labels, strict=True):
        y = frame.y(value)
        draw.line([(frame.left - TICK * f, y), (frame.left, y)], fill=black, width=axis_width)
        _text(draw, (frame.left - (TICK + 3) * f, y), label, size, text_colour, "rm")
    if axis_title:
        _vertical_text(
            image, axis_title, size, text_colour, (6 * f, (frame.top + frame.bottom) / 2)
        )

    # The traces, in order: bands under lines, markers over them.
    previous: list[tuple[float, float]] = []
    for trace in traces:
        axis = trace.get("yaxis", "y")
        points = [
            (frame.x(_day(x)), frame.y(float(y), axis))
            for x, y in zip(trace.get("x", []), trace.get("y", []), strict=True)
        ]
        if trace.get("visible", True) is not True:
            previous = points
            continue
        line = trace.get("line", {})
        mode = trace.get("mode", "lines+markers")
        if trace.get("fill") == "tonexty" and previous and points:
            draw.polygon(
                points + previous[::-1], fill=_rgba(trace.get("fillcolor", "rgba(0,0,0,0.2)"))
            )
        if "lines" in mode:
            _line(
                draw,
                points,
                _rgba(line.get("color", "#000000")),
                float(line.get("width", 2)),
                line.get("dash", "solid"),
                f,
            )
        if "markers" in mode:
            _markers(draw, trace, points, f)
        previous = points

    # Annotations: the target's label, or the "no data" message in the middle.
    for note in layout.get("annotations", []):
        text = html.unescape(str(note.get("text", "")))
        note_size = float(note.get("font", {}).get("size", font_size)) * f
        colour = _rgba(note.get("font", {}).get("color", "#000000"))
        if note.get("xref") == "paper":
            x = frame.left + float(note["x"]) * (frame.right - frame.left)
            y = frame.bottom - float(note["y"]) * (frame.bottom - frame.top)
        else:
            x, y = frame.x(_day(note["x"])), frame.y(float(note["y"]))
        horizontal = {"left": "l", "right": "r"}.get(note.get("xanchor", "center"), "m")
        vertical = {"top": "t", "bottom": "d"}.get(note.get("yanchor", "middle"), "m")
        if vertical == "d":
            y -= 3 * f
        _text(draw, (x, y), text, note_size, colour, horizontal + vertical)

    # The legend, under the date labels.
    legend_top = frame.bottom + (font_size + TICK + 14) * f
    for number, row in enumerate(rows):
        middle = legend_top + (number + 0.5) * LEGEND_ROW * f
        for trace, name, offset in row:
            x = frame.left + offset * f
            faded = trace.get("visible", True) == "legendonly"
            _legend_sample(draw, trace, x, middle, f, faded)
            colour = text_colour if not faded else (text_colour[:3] + (128,))
            _text(draw, (x + (LEGEND_SAMPLE + 6) * f, middle), name, size, colour, "lm")

    image = image.reduce(SUPERSAMPLE)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=False)
    return out.getvalue()


def _markers(
    draw: ImageDraw.ImageDraw, trace: dict[str, Any], points: list[tuple[float, float]], f: int
) -> None:
    marker = trace.get("marker", {})
    sizes = marker.get("size", 6)
    symbols = marker.get("symbol", "circle")
    colour = _rgba(marker.get("color", trace.get("line", {}).get("color", "#000000")))
    edge = float(marker.get("line", {}).get("width", 1.5)) * f
    for index, (x, y) in enumerate(points):
        size = float(sizes[index] if isinstance(sizes, list) else sizes) * f
        symbol = symbols[index] if isinstance(symbols, list) else symbols
        _marker(draw, x, y, symbol, size, colour, edge)


def _legend_sample(
    draw: ImageDraw.ImageDraw, trace: dict[str, Any], x: float, y: float, f: int, faded: bool
) -> None:
    alpha = 0.5 if faded else 1.0
    line = trace.get("line", {})
    mode = trace.get("mode", "lines+markers")
    if trace.get("fill") == "tonexty":
        draw.rectangle(
            (x, y - 6 * f, x + LEGEND_SAMPLE * f, y + 6 * f),
            fill=_rgba(trace.get("fillcolor", "rgba(0,0,0,0.2)"), alpha),
        )
    if "lines" in mode and float(line.get("width", 2)) > 0:
        _line(
            draw,
            [(x, y), (x + LEGEND_SAMPLE * f, y)],
            _rgba(line.get("color", "#000000"), alpha),
            float(line.get("width", 2)),
            line.get("dash", "solid"),
            f,
        )
    if "markers" in mode:
        marker = trace.get("marker", {})
        sizes = marker.get("size", 6)
        symbols = marker.get("symbol", "circle")
        _marker(
            draw,
            x + LEGEND_SAMPLE / 2 * f,
            y,
            symbols[0] if isinstance(symbols, list) else symbols,
            float(sizes[0] if isinstance(sizes, list) else sizes) * f,
            _rgba(marker.get("color", line.get("color", "#000000")), alpha),
            float(marker.get("line", {}).get("width", 1.5)) * f,
        )


def _vertical_text(
    image: Image.Image,
    text: str,
    size: float,
    colour: tuple[int, int, int, int],
    at: tuple[float, float],
) -> None:
    """Text turned a quarter left, its middle at `at`'s height and its top edge at `at`'s x."""
    font = _font(round(size))
    box = font.getbbox(text)
    label = Image.new("RGBA", (int(box[2] - box[0]) + 4, int(size * 1.3)), (255, 255, 255, 0))
    ImageDraw.Draw(label).text((2 - box[0], 0), text, font=font, fill=colour)
    turned = label.rotate(90, expand=True)
    image.paste(turned, (int(at[0]), int(at[1] - turned.height / 2)), turned)


def draw_job(job: tuple[dict[str, Any], int, int, int]) -> bytes | None:
    """draw_jpeg for a worker process: (figure, width, height, scale); None if it fails."""
    figure, width, height, scale = job
    try:
        return draw_jpeg(figure, width, height, scale)
    except Exception:
        return None
