"""Chart images for documents: drawn in batches, cached by what they show (a cache hit never
calls the exporter), bounded in size; and plotly's SVG rewritten to draw the same, faster."""

import os
import re
import time
from xml.etree import ElementTree as ET

import pytest

from deliveryunit import chart_images, svg_print

FIGURE = {"data": [{"type": "scatter", "x": ["2003-01-01"], "y": [1.0]}], "layout": {}}
OTHER = {"data": [{"type": "scatter", "x": ["2003-01-01"], "y": [2.0]}], "layout": {}}


@pytest.fixture
def exporter(monkeypatch):
    """Stands in for the chart browser: records each batch it is asked to draw."""
    batches = []

    def export(figures, spec):
        batches.append(figures)
        return [
            f"<svg>{figure['data'][0]['y'][0]} {spec.width}</svg>".encode() for figure in figures
        ]

    monkeypatch.setattr(chart_images, "_export", export)
    return batches


def test_a_cache_hit_does_not_call_the_exporter(exporter):
    first = chart_images.draw([FIGURE])
    assert len(exporter) == 1
    second = chart_images.draw([FIGURE])
    assert second == first == [b"<svg>1.0 900</svg>"]
    assert len(exporter) == 1, "the second drawing of the same chart came from the cache"


def test_only_the_charts_not_in_the_cache_are_drawn(exporter):
    chart_images.draw([FIGURE])
    images = chart_images.draw([OTHER, FIGURE, OTHER])
    assert images == [b"<svg>2.0 900</svg>", b"<svg>1.0 900</svg>", b"<svg>2.0 900</svg>"]
    # The second call drew OTHER once, though it is asked for twice, and not FIGURE at all.
    assert exporter[1] == [OTHER]


def test_the_same_figure_at_another_size_or_format_is_another_image(exporter):
    chart_images.draw([FIGURE])
    wide = chart_images.draw([FIGURE], chart_images.ImageSpec(width=1200))
    chart_images.draw([FIGURE], chart_images.PNG_FOR_WORD)
    assert wide == [b"<svg>1.0 1200</svg>"]
    assert len(exporter) == 3


def test_charts_are_drawn_in_batches_and_progress_counts_them(exporter):
    figures = [
        {"data": [{"type": "scatter", "x": [0], "y": [float(n)]}], "layout": {}} for n in range(60)
    ]
    seen = []
    images = chart_images.draw(figures, progress=lambda done, total: seen.append((done, total)))
    assert all(images)
    assert [len(batch) for batch in exporter] == [25, 25, 10]
    assert seen == [(0, 60), (25, 60), (50, 60), (60, 60)]


def test_a_chart_that_cannot_be_drawn_is_none_and_is_tried_again_next_time(monkeypatch):
    calls = []

    def export(figures, spec):
        calls.append(len(figures))
        return [None if figure is OTHER else b"<svg/>" for figure in figures]

    monkeypatch.setattr(chart_images, "_export", export)
    assert chart_images.draw([FIGURE, OTHER]) == [b"<svg/>", None]
    assert chart_images.draw([FIGURE, OTHER]) == [b"<svg/>", None]
    assert calls == [2, 1]


def test_a_batch_the_browser_fails_on_gives_no_images_rather_than_failing(monkeypatch):
    def export(figures, spec):
        raise chart_images.DrawError("the browser went away")

    monkeypatch.setattr(chart_images, "_export", export)
    assert chart_images.draw([FIGURE, OTHER]) == [None, None]
    with pytest.raises(chart_images.DrawError):
        chart_images.draw_one(FIGURE)


def test_the_cache_is_bounded_and_keeps_the_most_recently_used(exporter, settings, tmp_path):
    settings.CHART_CACHE_DIR = str(tmp_path / "cache")
    figures = [
        {"data": [{"type": "scatter", "x": [0], "y": [float(n)]}], "layout": {}} for n in range(4)
    ]
    chart_images.draw(figures)
    files = sorted((tmp_path / "cache").rglob("*.svg"))
    assert len(files) == 4
    size = files[0].stat().st_size
    # Make the images' ages plain, then use the oldest: it becomes the newest.
    for age, figure in enumerate(figures):
        path = chart_images._cache_path(
            chart_images.image_key(figure, chart_images.SVG), chart_images.SVG
        )
        os.utime(path, (time.time() - 100 + age, time.time() - 100 + age))
    chart_images.draw([figures[0]])
    assert len(exporter) == 1
    deleted = chart_images.prune_cache(limit=2 * size)
    assert deleted == 2
    kept = {path.name for path in (tmp_path / "cache").rglob("*.svg")}
    assert kept == {f"{chart_images.image_key(figures[n], chart_images.SVG)}.svg" for n in (0, 3)}


def test_the_cache_key_is_the_figure_not_its_key_order():
    shuffled = {"layout": {}, "data": [{"y": [1.0], "x": ["2003-01-01"], "type": "scatter"}]}
    assert chart_images.image_key(FIGURE, chart_images.SVG) == chart_images.image_key(
        shuffled, chart_images.SVG
    )
    assert chart_images.image_key(FIGURE, chart_images.SVG) != chart_images.image_key(
        OTHER, chart_images.SVG
    )


# --- plotly's SVG, rewritten for print ----------------------------------------------------

# The shape of plotly's SVG: styles in style attributes, layers of empty groups, markers as
# paths moved into place one by one.
PLOTLY_LIKE = (
    '<svg class="main-svg" xmlns="http://www.w3.org/2000/svg" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" width="900" height="380" style="" '
    'viewBox="0 0 900 380">'
    '<defs id="defs-1"><g class="clips"><clipPath id="clip1"><rect width="820" height="275"/>'
    '</clipPath></g><g class="gradients"/></defs>'
    '<g class="bglayer"/>'
    '<g class="layer"><g class="points">'
    '<path class="point" transform="translate(10,20)" d="M3.5,0A3.5,3.5 0 1,1 0,-3.5Z" '
    'style="opacity: 0.7; fill: rgb(0, 0, 0); fill-opacity: 1; pointer-events: all;"/>'
    '<path class="point" transform="translate(30,40)" d="M3.5,0A3.5,3.5 0 1,1 0,-3.5Z" '
    'style="opacity: 0.7; fill: rgb(0, 0, 0); fill-opacity: 1; pointer-events: all;"/>'
    "</g></g>"
    '<g class="clipped" clip-path="url(#clip1)"><path class="js-line" d="M0,0L10,10" '
    'style="fill: none; stroke: rgb(0, 114, 178); stroke-width: 2px;"/></g>'
    '<g class="legend"><text class="legendtext" x="40" y="4" '
    'style="font-family: Arial; font-size: 14px; fill: rgb(0, 0, 0); white-space: pre;">'
    "&lt;b&gt; Actual</text></g>"
    "</svg>"
)


def _elements(svg: bytes) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter())  # noqa: S314 - the test's own SVG


def test_print_svg_moves_styles_into_attributes_and_drops_what_draws_nothing():
    svg = svg_print.print_svg(PLOTLY_LIKE.encode())
    text = svg.decode()
    assert "style=" not in text
    assert "class=" not in text
    assert "pointer-events" not in text
    assert 'fill="#000000"' in text
    assert 'stroke="#0072b2"' in text
    # The clip path a group uses is kept, with its id; empty groups are gone.
    assert 'clip-path="url(#clip1)"' in text
    assert 'id="clip1"' in text
    assert "gradients" not in text
    # Text is kept as text, still escaped.
    assert "&lt;b&gt; Actual" in text
    assert text.startswith('<svg width="900" height="380" viewBox="0 0 900 380"')


def test_print_svg_draws_a_trace_s_markers_as_one_path_each_moved_into_place():
    svg = svg_print.print_svg(PLOTLY_LIKE.encode())
    paths = [e for e in _elements(svg) if e.tag.endswith("path")]
    markers = [p for p in paths if "A" in p.get("d", "")]
    assert len(markers) == 1
    assert markers[0].get("d") == "M13.5,20A3.5,3.5,0,1,1,10,16.5ZM33.5,40A3.5,3.5,0,1,1,30,36.5Z"
    assert markers[0].get("transform") is None
    assert markers[0].get("opacity") == "0.7"


@pytest.mark.parametrize(
    ("d", "dx", "dy", "moved"),
    [
        ("M0,20v275", 105.37, 0, "M105.37,20v275"),
        ("M60,0h820", 0, 281.25, "M60,281.25h820"),
        ("M1,2L3,4H5V6Z", 10, 20, "M11,22L13,24H15V26Z"),
        ("m1,2l3,4", 10, 20, "M11,22l3,4"),
        ("M0,0 10,10", 1, 1, "M1,1L11,11"),
        ("M3.5,0A3.5,3.5 0 1,1 0,-3.5", 1, 2, "M4.5,2A3.5,3.5,0,1,1,1,-1.5"),
        ("M0,0C1,1 2,2 3,3", 1, 0, "M1,0C2,1,3,2,4,3"),
        ("L0,0", 1, 1, None),
        ("M0", 1, 1, None),
    ],
)
def test_translate_path(d, dx, dy, moved):
    assert svg_print.translate_path(d, dx, dy) == moved


def test_print_svg_leaves_what_it_cannot_read_as_it_was():
    assert svg_print.print_svg(b"not svg") == b"not svg"
    odd = (
        b'<svg xmlns="http://www.w3.org/2000/svg"><path transform="rotate(45)" d="M0,0L1,1" '
        b'style="stroke: rgb(1, 2, 3);"/><path transform="rotate(45)" d="M0,0L1,1" '
        b'style="stroke: rgb(1, 2, 3);"/></svg>'
    )
    kept = svg_print.print_svg(odd).decode()
    assert len(re.findall("<path", kept)) == 2
    assert kept.count('transform="rotate(45)"') == 2


def test_print_svg_expands_no_entity_and_leaves_an_svg_with_a_doctype_as_it_was():
    # An SVG that declares entities is never parsed, so no entity is expanded (the XML bombs
    # need a DTD to declare theirs).
    declared = (
        b'<!DOCTYPE svg [<!ENTITY boom "expanded">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text style="fill: red;">&boom;</text></svg>'
    )
    kept = svg_print.print_svg(declared)
    assert kept == declared
    assert b"expanded</text>" not in kept


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_documents_draw_their_charts_as_one_jpeg_for_pdf_and_word_alike(monkeypatch, fmt):
    # WeasyPrint draws SVG node by node and encodes PNG again; it embeds JPEG as it is.
    from deliveryunit import rendering

    specs = []

    def export(figures, spec):
        specs.append(spec)
        return [b"\xff\xd8\xff jpeg" for _ in figures]

    monkeypatch.setattr(chart_images, "_export", export)
    assert rendering.draw_charts([FIGURE], fmt=fmt) == [b"\xff\xd8\xff jpeg"]
    assert [(spec.format, spec.scale) for spec in specs] == [("jpeg", 2)]
    assert rendering._sniff(b"\xff\xd8\xff jpeg") == "image/jpeg"
