"""Static images of plotly figures for documents, drawn in batches and kept in a cache.

The figures are the dicts the pages draw (priorities.charts), so a chart in a document is the
chart on screen. The documents' JPEGs of those figures are drawn in Python by print_charts,
which draws exactly what they use, about three times faster than plotly.js can lay a chart
out; any other figure or format (a review's comparison on two axes, SVG, PNG) is drawn by
plotly.js itself, with `Plotly.toImage`, on one page of a
headless Chromium that kaleido starts (kaleido finds the browser and writes the page that loads
the plotly.js of the installed plotly package, with MathJax off so the page fetches nothing).

Why not kaleido's own `calc_fig` per chart: kaleido reloads its page after every figure, which
re-reads the 4.8 MB plotly.js, so each chart costs about 0.4 s however small it is. Here the
page stays loaded and one call draws a whole batch: a chart then costs what plotly.js takes to
lay it out and write its SVG.

Every image is kept in a cache under CHART_CACHE_DIR (MEDIA_ROOT/chart-cache when unset; a
temporary folder in production), named by the SHA-256 of the figure, the format and the size,
so a chart that shows the same
thing (the same measure as at the same date, in another department's report, in the whole
portfolio's, or in a rebuild) is drawn once. The cache is bounded (CHART_CACHE_MAX_MB): the
least recently used images go first. Deleting the folder at any time is safe.

A figure that cannot be drawn gives None, and the document shows its figures as a table: one
bad chart never fails a whole document.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

import deliveryunit.print_charts as print_charts

from .svg_print import VERSION as PRINT_VERSION
from .svg_print import print_svg

log = logging.getLogger(__name__)

# How many figures one call to the page draws: large enough that the round trip is nothing,
# small enough that progress moves and a batch stays well inside the time limit.
BATCH_SIZE = 25
# Seconds a batch may take before the browser is thought stuck (and restarted next time).
BATCH_TIMEOUT = 60 + 4 * BATCH_SIZE
START_TIMEOUT = 120
# A document with at least this many charts for Python to draw draws them in several processes
# (drawing_processes). Starting them costs a second or more, which a department report's 90
# charts do not win back; the whole portfolio's 900 take about half the time on two.
PARALLEL_FROM = 200
DEFAULT_CACHE_MB = 500

# Draw each figure in turn on the loaded page. A figure plotly.js refuses gives its error,
# not the batch's: the rest are still drawn.
_DRAW_BATCH_JS = """
async (jobs) => {
  const out = [];
  for (const job of jobs) {
    try {
      const image = await Plotly.toImage(
        {data: job.figure.data || [], layout: job.figure.layout || {}, config: {}},
        {format: job.format, width: job.width, height: job.height, scale: job.scale,
         imageDataOnly: true}
      );
      out.push({ok: true, image: image});
    } catch (error) {
      out.push({ok: false, error: String(error && error.message || error)});
    }
  }
  return out;
}
"""


@dataclass(frozen=True)
class ImageSpec:
    """How a figure is drawn: the format ("svg", "png" or "jpeg"), its size in CSS pixels, and the
    scale (2 draws a PNG with twice the pixels each way)."""

    format: str = "svg"
    width: int = 900
    height: int = 380
    scale: int = 1


SVG = ImageSpec()
PNG_FOR_WORD = ImageSpec(format="png", scale=2)
# Documents' charts, in PDF and Word alike: see rendering.draw_charts for why JPEG.
PRINT = ImageSpec(format="jpeg", scale=2)


class DrawError(RuntimeError):
    """plotly.js (or the browser) could not draw a figure."""


# --- the cache -----------------------------------------------------------------------------


def cache_dir() -> Path:
    configured = getattr(settings, "CHART_CACHE_DIR", "") or ""
    return Path(configured) if configured else Path(settings.MEDIA_ROOT) / "chart-cache"


def cache_limit_bytes() -> int:
    return int(getattr(settings, "CHART_CACHE_MAX_MB", DEFAULT_CACHE_MB)) * 1024 * 1024


def _renderer_version() -> str:
    import plotly

    return str(plotly.__version__)


def image_key(figure: dict[str, Any], spec: ImageSpec) -> str:
    """What the image shows, as a hash: the figure, its format and size, and what draws it
    (the plotly version, or print_charts and its version)."""
    payload = json.dumps(
        {
            "figure": figure,
            "format": spec.format,
            "width": spec.width,
            "height": spec.height,
            "scale": spec.scale,
            "plotly": (
                f"print_charts {print_charts.VERSION}"
                if _drawn_here(figure, spec)
                else _renderer_version()
            ),
            "print": PRINT_VERSION,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _cache_path(key: str, spec: ImageSpec) -> Path:
    return cache_dir() / key[:2] / f"{key}.{spec.format}"


def _cache_get(key: str, spec: ImageSpec) -> bytes | None:
    path = _cache_path(key, spec)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # most recently used: the last to be pruned
    return data


def _cache_put(key: str, spec: ImageSpec, data: bytes) -> None:
    path = _cache_path(key, spec)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{uuid.uuid4().hex}.part")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        log.warning("Chart image %s could not be cached", key, exc_info=True)


def prune_cache(limit: int | None = None) -> int:
    """Delete the least recently used images until the cache is within `limit` bytes (the
    CHART_CACHE_MAX_MB setting by default). Returns how many were deleted."""
    limit = cache_limit_bytes() if limit is None else limit
    root = cache_dir()
    if not root.is_dir():
        return 0
    files = []
    total = 0
    for folder in root.iterdir():
        if not folder.is_dir():
            continue
        for entry in os.scandir(folder):
            if entry.is_file() and not entry.name.startswith("."):
                stat = entry.stat()
                files.append((stat.st_mtime, stat.st_size, entry.path))
                total += stat.st_size
    deleted = 0
    for _mtime, size, path in sorted(files):
        if total <= limit:
            break
        try:
            os.unlink(path)
        except OSError:
            continue
        total -= size
        deleted += 1
    return deleted


# --- the browser ---------------------------------------------------------------------------


class _ChartPage:
    """One headless Chromium with one page that has plotly.js loaded, driven from a thread of
    its own (an asyncio loop), so builds in any thread can hand it batches. One per process:
    a process forked after it started gets its own on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._browser: Any = None
        self._tab: Any = None

    @property
    def running(self) -> bool:
        return self._pid == os.getpid() and self._tab is not None

    def start(self) -> None:
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self.running:
            return
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="chart-browser", daemon=True)
        thread.start()
        self._loop, self._thread, self._pid = loop, thread, os.getpid()
        try:
            asyncio.run_coroutine_threadsafe(self._open(), loop).result(START_TIMEOUT)
        except BaseException:
            self._stop_locked()
            raise

    async def _open(self) -> None:
        import kaleido

        browser = kaleido.Kaleido(n=1, mathjax=False)
        await browser.open()
        self._browser = browser
        self._tab = next(iter(browser.tabs.values()))

    def draw(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Draw a batch; a browser that has died or stuck is restarted once."""
        with self._lock:
            for attempt in (1, 2):
                self._start_locked()
                try:
                    assert self._loop is not None
                    future = asyncio.run_coroutine_threadsafe(self._draw(jobs), self._loop)
                    return future.result(BATCH_TIMEOUT)
                except Exception:
                    self._stop_locked()
                    if attempt == 2:
                        raise
                    log.warning("The chart browser failed; starting it again", exc_info=True)
        raise AssertionError("unreachable")

    async def _draw(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        expression = f"({_DRAW_BATCH_JS})({json.dumps(jobs, default=str)})"
        response = await self._tab.send_command(
            "Runtime.evaluate",
            params={"expression": expression, "awaitPromise": True, "returnByValue": True},
        )
        if "error" in response:
            raise DrawError(str(response["error"]))
        result = response.get("result", {})
        if "exceptionDetails" in result:
            raise DrawError(str(result["exceptionDetails"].get("text", "script error")))
        value = result.get("result", {}).get("value")
        if not isinstance(value, list) or len(value) != len(jobs):
            raise DrawError(f"unexpected answer from the chart page: {str(response)[:200]}")
        return value

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        loop, browser = self._loop, self._browser
        if loop is not None and self._pid == os.getpid():
            if browser is not None:
                try:
                    asyncio.run_coroutine_threadsafe(browser.close(), loop).result(30)
                except Exception:
                    log.warning("The chart browser did not close cleanly", exc_info=True)
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(10)
        self._loop = self._thread = self._browser = self._tab = None
        self._pid = None


_page = _ChartPage()


def start_browser() -> None:
    """Start this process's chart browser now rather than on the first chart."""
    _page.start()


def stop_browser() -> None:
    _page.stop()


def _drawn_here(figure: dict[str, Any], spec: ImageSpec) -> bool:
    """Whether the figure's image is drawn in Python (print_charts) rather than by plotly.js:
    the documents' JPEGs of figures that use only what print_charts draws."""
    return spec.format == "jpeg" and print_charts.can_draw(figure)


def _export(figures: list[dict[str, Any]], spec: ImageSpec) -> list[bytes | None]:
    """Draw `figures` (none of them cached): in Python where print_charts can, the rest on the
    chart page. Bytes, or None for a figure that could not be drawn."""
    images: list[bytes | None] = [None] * len(figures)
    for_browser = []
    for index, figure in enumerate(figures):
        if not _drawn_here(figure, spec):
            for_browser.append(index)
            continue
        try:
            images[index] = print_charts.draw_jpeg(figure, spec.width, spec.height, spec.scale)
        except Exception:
            log.exception("A chart could not be drawn in Python; trying the chart browser")
            for_browser.append(index)
    if for_browser:
        drawn = _export_in_browser([figures[index] for index in for_browser], spec)
        for index, image in zip(for_browser, drawn, strict=True):
            images[index] = image
    return images


def _export_in_browser(figures: list[dict[str, Any]], spec: ImageSpec) -> list[bytes | None]:
    """Draw `figures` on the chart page: bytes, or None for a figure that could not be
    drawn."""
    import base64

    jobs = [
        {
            "figure": figure,
            "format": spec.format,
            "width": spec.width,
            "height": spec.height,
            "scale": spec.scale,
        }
        for figure in figures
    ]
    images: list[bytes | None] = []
    for answer in _page.draw(jobs):
        if not answer.get("ok"):
            log.warning("A chart could not be drawn: %s", answer.get("error"))
            images.append(None)
        elif spec.format == "svg":
            images.append(print_svg(str(answer["image"]).encode("utf-8")))
        else:
            images.append(base64.b64decode(answer["image"]))
    return images


# --- what builders call --------------------------------------------------------------------


def draw(
    figures: Sequence[dict[str, Any]],
    spec: ImageSpec = SVG,
    progress: Callable[[int, int], None] | None = None,
) -> list[bytes | None]:
    """Images of `figures`, in order: each from the cache, or drawn (in batches) and cached.
    None for a figure that could not be drawn. `progress(done, total)` is called as charts are
    ready."""
    total = len(figures)
    keys = [image_key(figure, spec) for figure in figures]
    images: list[bytes | None] = [None] * total
    missing: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        if key in missing:
            missing[key].append(index)
            continue
        cached = _cache_get(key, spec)
        if cached is None:
            missing[key] = [index]
        else:
            images[index] = cached
    done = total - sum(len(indexes) for indexes in missing.values())
    if progress:
        progress(done, total)
    pending = list(missing.items())
    in_python = [item for item in pending if _drawn_here(figures[item[1][0]], spec)]
    workers = drawing_processes()
    if workers > 1 and len(in_python) >= PARALLEL_FROM:
        drawn = _draw_in_processes([figures[i[0]] for _k, i in in_python], spec, workers)
        for number, ((key, indexes), image) in enumerate(zip(in_python, drawn, strict=True)):
            if image is not None:
                _cache_put(key, spec, image)
                for index in indexes:
                    images[index] = image
                done += len(indexes)
            if progress and (number + 1) % BATCH_SIZE == 0:
                progress(done, total)
        if progress:
            progress(done, total)
        # What failed here is left to the batches below, which try the browser.
        pending = [(key, indexes) for key, indexes in pending if images[indexes[0]] is None]
    for start in range(0, len(pending), BATCH_SIZE):
        batch = pending[start : start + BATCH_SIZE]
        try:
            drawn = _export([figures[indexes[0]] for _key, indexes in batch], spec)
        except Exception:
            log.exception("A batch of %d charts could not be drawn", len(batch))
            drawn = [None] * len(batch)
        for (key, indexes), image in zip(batch, drawn, strict=True):
            if image is not None:
                _cache_put(key, spec, image)
            for index in indexes:
                images[index] = image
            done += len(indexes)
        if progress:
            progress(done, total)
    if pending:
        prune_cache()
    return images


def drawing_processes() -> int:
    """How many processes draw charts in Python for a large document (CHART_PROCESSES; by
    default one per CPU, at most two). 1 draws them in the building process itself, as a
    daemonic process must (a child of Celery's prefork pool may not start processes of its own;
    there, the pool's own concurrency runs builds side by side)."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        return 1
    configured = getattr(settings, "CHART_PROCESSES", None)
    if configured is not None:
        return max(1, int(configured))
    return max(1, min(2, os.cpu_count() or 1))


def _draw_in_processes(
    figures: list[dict[str, Any]], spec: ImageSpec, workers: int
) -> list[bytes | None]:
    """Draw figures (all drawable by print_charts) in `workers` fresh processes, in order; None
    for one that failed. The processes are spawned, not forked, so they share nothing with the
    builder's threads (the chart browser's loop), and are gone when this returns. If they
    cannot be started, every figure is None and the caller draws them itself."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(figure, spec.width, spec.height, spec.scale) for figure in figures]
    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(print_charts.draw_job, jobs, chunksize=8))
    except Exception:
        log.exception("Charts could not be drawn in %d processes; drawing them here", workers)
        return [None] * len(figures)


def draw_one(figure: dict[str, Any], spec: ImageSpec = SVG) -> bytes:
    """One figure's image; raises DrawError if it cannot be drawn."""
    (image,) = draw([figure], spec)
    if image is None:
        raise DrawError("the chart could not be drawn")
    return image


def warm_up() -> None:
    """Start the browser and draw one small figure, uncached, so plotly.js has run once."""
    _page.start()
    _export([_WARM_UP_FIGURE], ImageSpec(width=200, height=120))


_WARM_UP_FIGURE = {"data": [{"type": "scatter", "x": [0, 1], "y": [0, 1]}], "layout": {}}
