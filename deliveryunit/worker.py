"""What a Celery worker process does once, when it starts: warm the chart browser.

Exporting the first plotly chart starts a headless Chromium (seconds on a busy machine); every
later chart in the same process reuses it (a tenth of a second or so). So each process that
builds documents starts that browser as soon as it is up, in the background, rather than making
the first document of the day wait for it. The browser is chart_images' own, so builds simply
find it already running; a build that arrives during the warm-up waits on its lock.

Which process builds depends on the pool: the prefork pool builds in its child processes
(worker_process_init is sent in each child); the solo pool builds in the main process (it sends
worker_process_init there too); the threads pool sends only worker_ready. The prefork parent
never builds and must not start a browser: a child forked after that would inherit the "already
started" flag without the browser's threads and wait for ever.

Set DOCUMENT_WARM_BROWSER=0 for a worker that builds no charts (a beat or sweep-only worker).

The worker fault tests also need a build that is still running when they kill the worker. With
DOCUMENT_TEST_SLOW_BUILDER set to a file path, and only with DEBUG on, this module registers a
document kind "test_slow" whose build holds until that file exists. It never exists in a
deployment: production runs with DEBUG off, where the variable is ignored.

This module is imported by deliveryunit.celery before Django is set up, so it imports nothing
from the project at import time.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery.signals import worker_process_init, worker_ready

log = logging.getLogger(__name__)

TEST_SLOW_KIND = "test_slow"
TEST_SLOW_ENV = "DOCUMENT_TEST_SLOW_BUILDER"
# A held test build gives up after this long, so a forgotten release file never pins a worker.
TEST_SLOW_HOLD_LIMIT = 120.0

_prepared = False
_prepared_lock = threading.Lock()


def warm_browser_enabled() -> bool:
    return os.environ.get("DOCUMENT_WARM_BROWSER", "1").strip().lower() not in {"0", "false", "no"}


def warm_chart_browser() -> float:
    """Start this process's chart browser by drawing one small figure; returns the seconds it
    took. Failures are logged, not raised: a build that needs a chart tries again and, if the
    browser cannot start, the report shows the chart's figures as a table."""
    from .chart_images import warm_up

    started = time.monotonic()
    try:
        warm_up()
    except Exception:
        log.exception("The chart browser could not be started; charts will be retried per build")
    elapsed = time.monotonic() - started
    log.info("Chart browser warm in %.2f s", elapsed)
    return elapsed


def prepare_process() -> None:
    """Once per building process: register the test-only kind if asked, then warm the browser
    in a background thread (so the worker starts taking tasks straight away)."""
    global _prepared
    with _prepared_lock:
        if _prepared:
            return
        _prepared = True
    _register_test_builder()
    if warm_browser_enabled():
        threading.Thread(target=warm_chart_browser, name="warm-chart-browser", daemon=True).start()


@worker_process_init.connect
def _on_process_init(**kwargs: Any) -> None:
    prepare_process()


@worker_ready.connect
def _on_ready(sender: Any = None, **kwargs: Any) -> None:
    from celery.concurrency.prefork import TaskPool as PreforkPool

    if isinstance(getattr(sender, "pool", None), PreforkPool):
        return
    prepare_process()


# --- the test-only kind -------------------------------------------------------------------


class SlowTestBuilder:
    """A build that reports progress and then holds until `release` exists (see the module
    docstring). Its file is a tiny PDF naming the document, enough to download and read."""

    kind = TEST_SLOW_KIND
    formats = ("pdf",)

    def __init__(self, release: Path) -> None:
        self.release = release

    def describe(self, subject: dict[str, Any], user: Any) -> Any:
        from .documents import Subject

        name = str(subject.get("name", "held"))[:50]
        return Subject(key=f"test={name}", title=f"Worker test document {name}", department_ids=[])

    def build(self, document: Any, progress: Callable[[int], None]) -> bytes:
        progress(50)
        deadline = time.monotonic() + TEST_SLOW_HOLD_LIMIT
        while not self.release.exists():
            if time.monotonic() > deadline:
                raise TimeoutError("the test build was never released")
            time.sleep(0.05)
        return _tiny_pdf(f"Worker test document {document.pk}")


def _register_test_builder() -> None:
    release = os.environ.get(TEST_SLOW_ENV, "").strip()
    if not release:
        return
    from django.conf import settings

    if not settings.DEBUG:
        log.warning("%s is ignored with DEBUG off", TEST_SLOW_ENV)
        return
    from .documents import register

    register(SlowTestBuilder(Path(release)))


def _tiny_pdf(text: str) -> bytes:
    """A one-page PDF with one line of text, with a correct cross-reference table."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
