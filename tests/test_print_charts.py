"""The documents' charts drawn in Python (deliveryunit.print_charts) from the pages' figures."""

import io
from datetime import date

import pytest
from PIL import Image

from deliveryunit import chart_images, print_charts
from priorities import performance as perf
from priorities.charts import comparison_figure, measure_figure
from priorities.series import ActualPoint

from .test_charts import pledge


def _series(**overrides):
    # The charts tests' measure: everything a chart can show.
    return pledge(**overrides)


def _figure(series):
    return measure_figure(series, perf.assess(series))


def _image(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _share_near(image, colour, tolerance=40):
    """The share of the image's pixels within `tolerance` of `colour` on every channel."""
    small = image.convert("RGB").reduce(4)
    pixels = list(zip(*(iter(small.tobytes()),) * 3, strict=True))
    near = sum(all(abs(a - b) <= tolerance for a, b in zip(p, colour, strict=True)) for p in pixels)
    return near / len(pixels)


def test_a_measure_chart_is_drawn_in_python_as_a_jpeg_of_the_size_asked_for():
    figure = _figure(_series())
    assert print_charts.can_draw(figure)
    image = _image(print_charts.draw_jpeg(figure, 900, 380, 2))
    assert image.format == "JPEG"
    assert image.size == (1800, 760)


def test_the_chart_draws_its_traces_in_their_colours():
    image = _image(print_charts.draw_jpeg(_figure(_series()), 900, 380, 2))
    # The trajectory's blue, the actuals' black and the forecast's vermillion are on the
    # chart; without a trajectory there is no blue at all.
    assert _share_near(image, (0, 114, 178)) > 0.001
    assert _share_near(image, (0, 0, 0)) > 0.0005
    assert _share_near(image, (213, 94, 0)) > 0.0001
    no_plan = _figure(_series(trajectories=[], tolerance=0.0))
    assert _share_near(_image(print_charts.draw_jpeg(no_plan, 900, 380, 2)), (0, 114, 178)) < 0.0001


def test_different_data_draw_a_different_chart():
    first = print_charts.draw_jpeg(_figure(_series()), 900, 380, 1)
    higher = [ActualPoint(a.period, a.value + 5, False, "", "") for a in _series().actuals]
    assert print_charts.draw_jpeg(_figure(_series(actuals=higher)), 900, 380, 1) != first


def test_a_chart_with_no_data_says_so_and_is_still_drawn():
    figure = _figure(_series(trajectories=[], actuals=[], milestones=[], target_value=None))
    assert print_charts.can_draw(figure)
    assert _image(print_charts.draw_jpeg(figure, 900, 380, 1)).size == (900, 380)


def test_names_from_user_data_are_drawn_as_text_not_refused():
    figure = _figure(_series(name='A&E <waits> "4h"'))
    assert print_charts.can_draw(figure)
    print_charts.draw_jpeg(figure, 900, 380, 1)


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f["data"][0].update(type="bar"),
        lambda f: f["layout"].update(barmode="stack"),
        lambda f: f["data"][0].update(line={"dash": "5px,10px"}),
        lambda f: f["layout"]["xaxis"].update(type="linear"),
        lambda f: (
            f["layout"]
            .setdefault("annotations", [])
            .append({"x": "2003-01-01", "y": 1, "showarrow": True, "text": "arrow"})
        ),
    ],
)
def test_a_figure_using_anything_else_is_left_to_the_browser(change):
    figure = _figure(_series())
    change(figure)
    assert not print_charts.can_draw(figure)


def test_a_comparison_on_two_visible_axes_is_left_to_the_browser():
    other = _series(measure_id=2, name="Trolley waits", unit="patients")
    assert not print_charts.can_draw(comparison_figure([_series(), other]))


def test_documents_draw_what_python_can_without_the_browser_and_the_rest_in_it(
    monkeypatch, settings, tmp_path
):
    settings.CHART_CACHE_DIR = str(tmp_path)
    sent = []

    def browser(figures, spec):
        sent.extend(figures)
        return [b"\xff\xd8\xff from the browser" for _ in figures]

    monkeypatch.setattr(chart_images, "_export_in_browser", browser)
    measure = _figure(_series())
    comparison = comparison_figure([_series(), _series(measure_id=2, unit="patients")])
    images = chart_images.draw([measure, comparison], chart_images.PRINT)
    assert sent == [comparison]
    assert _image(images[0]).size == (1800, 760)
    assert images[1] == b"\xff\xd8\xff from the browser"
    # SVG is always plotly.js's.
    chart_images.draw([measure], chart_images.ImageSpec(format="svg"))
    assert sent[-1] == measure


def test_the_cache_key_says_which_renderer_drew_the_image():
    figure = _figure(_series())
    jpeg = chart_images.image_key(figure, chart_images.PRINT)
    png = chart_images.image_key(figure, chart_images.ImageSpec(format="png", scale=2))
    assert jpeg != png


def test_the_cache_key_changes_with_the_python_renderer_s_version(monkeypatch):
    figure = _figure(_series())
    before = chart_images.image_key(figure, chart_images.PRINT)
    monkeypatch.setattr(print_charts, "VERSION", print_charts.VERSION + 1)
    assert chart_images.image_key(figure, chart_images.PRINT) != before


def test_dashes_follow_the_pattern_along_the_line_and_round_corners():
    pieces = print_charts._dashed([(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)], (3.0, 2.0))
    assert pieces == [
        [(0.0, 0.0), (3.0, 0.0)],
        [(5.0, 0.0), (8.0, 0.0)],
        [(10.0, 0.0), (10.0, 3.0)],
        [(10.0, 5.0), (10.0, 8.0)],
    ]
    corner = print_charts._dashed([(0.0, 0.0), (3.0, 0.0), (3.0, 3.0)], (4.0, 10.0))
    assert corner == [[(0.0, 0.0), (3.0, 0.0), (3.0, 1.0)]]
    solid = [(0.0, 0.0), (1.0, 1.0)]
    assert print_charts._dashed(solid, ()) == [solid]


def _many(count):
    return [
        _figure(_series(actuals=[ActualPoint(date(2003, 1, 1), 70.0 + n, False, "", "")]))
        for n in range(count)
    ]


def test_a_large_document_draws_its_charts_in_several_processes_with_the_same_images(
    monkeypatch, settings, tmp_path
):
    figures = _many(4)
    serial = [print_charts.draw_jpeg(f, 900, 380, 2) for f in figures]
    settings.CHART_CACHE_DIR = str(tmp_path)
    settings.CHART_PROCESSES = 2
    monkeypatch.setattr(chart_images, "PARALLEL_FROM", 2)
    started = []
    real = chart_images._draw_in_processes
    monkeypatch.setattr(
        chart_images,
        "_draw_in_processes",
        lambda figs, spec, workers: started.append(workers) or real(figs, spec, workers),
    )
    monkeypatch.setattr(chart_images, "_export_in_browser", _no_browser)
    progress = []
    images = chart_images.draw(figures, chart_images.PRINT, lambda d, t: progress.append((d, t)))
    assert started == [2]
    assert images == serial
    assert progress[-1] == (4, 4)


def test_when_the_processes_cannot_start_the_charts_are_drawn_here(monkeypatch, settings, tmp_path):
    import concurrent.futures

    settings.CHART_CACHE_DIR = str(tmp_path)
    settings.CHART_PROCESSES = 2
    monkeypatch.setattr(chart_images, "PARALLEL_FROM", 2)

    def refuse(*args, **kwargs):
        raise AssertionError("daemonic processes are not allowed to have children")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refuse)
    monkeypatch.setattr(chart_images, "_export_in_browser", _no_browser)
    figures = _many(3)
    images = chart_images.draw(figures, chart_images.PRINT)
    assert images == [print_charts.draw_jpeg(f, 900, 380, 2) for f in figures]


def _no_browser(figures, spec):
    raise AssertionError("a measure chart went to the browser")


def test_a_daemonic_process_such_as_a_prefork_worker_child_draws_its_charts_itself(
    monkeypatch, settings
):
    import multiprocessing

    settings.CHART_PROCESSES = 2
    assert chart_images.drawing_processes() == 2

    class Daemonic:
        daemon = True

    monkeypatch.setattr(multiprocessing, "current_process", lambda: Daemonic())
    assert chart_images.drawing_processes() == 1
