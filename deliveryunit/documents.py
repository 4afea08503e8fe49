"""The document pipeline every document kind uses.

A request validates what the document is about (through the kind's builder), stores a queued
GeneratedDocument and, once the transaction commits, hands its id to a Celery task. The task
(run_build) is safe to run twice: only a queued build is started; the file is written under a
temporary name and moved into place, and the row is marked done in a transaction only if the
build is still the running one. A build left "running" by a dead worker is failed by
sweep_stuck(). Builders for each kind register themselves here; this module knows no app.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import ACTIVE_BUILD_STATUSES, DocumentStatus, GeneratedDocument

log = logging.getLogger(__name__)

ALREADY_BUILDING = (
    "This document is already being built. Wait for that build to finish, then download it "
    "or build it again."
)
UNKNOWN_KIND = "There is no such kind of document."
UNSUPPORTED_FORMAT = "This document cannot be built in that format."
BUILD_FAILED = "The document could not be built: {reason}"
STUCK_REASON = "The build stopped without finishing (the worker building it stopped or timed out)."

# A build still running this long after it started is failed by the sweep (the worker's own
# time limit is the same); a request still queued this long after it was made, likewise.
STUCK_AFTER = timedelta(minutes=int(os.environ.get("DOCUMENT_BUILD_TIMEOUT_MINUTES", "60")))
QUEUED_TOO_LONG = timedelta(hours=int(os.environ.get("DOCUMENT_QUEUE_TIMEOUT_HOURS", "6")))

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class DocumentRefused(ValidationError):
    """A request that cannot be built, with the message to show the user."""


@dataclass(frozen=True)
class Subject:
    """What a builder says a request is about, once it has validated it."""

    key: str
    title: str
    department_ids: list[int]
    data: dict[str, Any] = field(default_factory=dict)
    data_as_at: date | None = None


class Builder(Protocol):
    kind: str
    formats: tuple[str, ...]

    def describe(self, subject: dict[str, Any], user: Any) -> Subject:
        """Validate a request; raise DocumentRefused (or Http404 for out-of-scope ids)."""

    def build(self, document: GeneratedDocument, progress: Callable[[int], None]) -> bytes:
        """The finished file's bytes."""


REGISTRY: dict[str, Builder] = {}


def register(builder: Builder) -> Builder:
    REGISTRY[builder.kind] = builder
    return builder


def builder_for(kind: str) -> Builder:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise DocumentRefused(UNKNOWN_KIND) from None


# --- requesting ---------------------------------------------------------------------------


def document_request(
    *, kind: str, format: str, subject: dict[str, Any], by: Any
) -> GeneratedDocument:
    builder = builder_for(kind)
    if format not in builder.formats:
        raise DocumentRefused(UNSUPPORTED_FORMAT)
    described = builder.describe(subject, by)
    try:
        with transaction.atomic():
            document = GeneratedDocument.objects.create(
                kind=kind,
                format=format,
                subject_key=described.key,
                subject=described.data,
                title=described.title,
                marking=settings.PROTECTIVE_MARKING,
                data_as_at=described.data_as_at,
                requested_by=by if getattr(by, "pk", None) else None,
            )
            document.departments.set(described.department_ids)
    except IntegrityError:
        raise DocumentRefused(ALREADY_BUILDING) from None
    transaction.on_commit(lambda: _enqueue(document.pk))
    return document


def _enqueue(document_id: int) -> None:
    from .tasks import build_document

    build_document.delay(document_id)


# --- building -----------------------------------------------------------------------------


def _documents_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _start(document_id: int) -> GeneratedDocument | None:
    """Mark a queued build running and give it its version; None if it is not queued (a
    duplicate or retried task), so it is never built twice."""
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.status != DocumentStatus.QUEUED:
            return None
        latest = (
            GeneratedDocument.objects.filter(
                kind=document.kind, subject_key=document.subject_key, format=document.format
            ).aggregate(n=Max("version"))["n"]
            or 0
        )
        document.status = DocumentStatus.RUNNING
        document.version = latest + 1
        document.started_at = timezone.now()
        document.progress = 1
        document.save(update_fields=["status", "version", "started_at", "progress"])
        return document


def _progress_setter(document_id: int) -> Callable[[int], None]:
    def set_progress(percent: int) -> None:
        GeneratedDocument.objects.filter(pk=document_id, status=DocumentStatus.RUNNING).update(
            progress=max(1, min(99, int(percent)))
        )

    return set_progress


def run_build(document_id: int) -> None:
    document = _start(document_id)
    if document is None:
        return
    builder = REGISTRY[document.kind]
    directory = _documents_dir()
    final_name = f"{document.kind}-{document.pk}-v{document.version}.{document.format}"
    temporary = directory / f".{uuid.uuid4().hex}.part"
    try:
        content = builder.build(document, _progress_setter(document.pk))
        with open(temporary, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, directory / final_name)
    except Exception as exc:
        temporary.unlink(missing_ok=True)
        log.exception("Document %s failed to build", document_id)
        _fail(document_id, BUILD_FAILED.format(reason=_reason(exc)))
        return
    with transaction.atomic():
        current = GeneratedDocument.objects.select_for_update().get(pk=document_id)
        if current.status != DocumentStatus.RUNNING:
            # Swept as stuck meanwhile: that outcome stands, and the file goes.
            (directory / final_name).unlink(missing_ok=True)
            return
        current.status = DocumentStatus.DONE
        current.progress = 100
        current.file.name = f"documents/{final_name}"
        current.checksum = hashlib.sha256(content).hexdigest()
        current.size = len(content)
        current.finished_at = timezone.now()
        current.save(
            update_fields=["status", "progress", "file", "checksum", "size", "finished_at"]
        )


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return f"an internal error occurred ({type(exc).__name__}). The unit has been told."


def _fail(document_id: int, message: str) -> None:
    # A failed build gives its version number back, so the next build takes it.
    GeneratedDocument.objects.filter(pk=document_id, status__in=ACTIVE_BUILD_STATUSES).update(
        status=DocumentStatus.FAILED,
        error=message,
        version=None,
        finished_at=timezone.now(),
    )


def sweep_stuck(now: Any = None) -> int:
    """Fail builds left running (or queued) past the time limit. Returns how many."""
    now = now or timezone.now()
    stale = GeneratedDocument.objects.filter(
        Q(status=DocumentStatus.RUNNING, started_at__lt=now - STUCK_AFTER)
        | Q(status=DocumentStatus.QUEUED, requested_at__lt=now - QUEUED_TOO_LONG)
    )
    count = 0
    for document_id in stale.values_list("pk", flat=True):
        _fail(document_id, STUCK_REASON)
        count += 1
    return count


# --- rendering helpers for builders -------------------------------------------------------

_STATIC_ROOTS = [Path(p) for p in getattr(settings, "STATICFILES_DIRS", [])] + [
    Path(settings.STATIC_ROOT)
]


def _static_file(url: str) -> bytes | None:
    prefix = "static:"
    if not url.startswith(prefix):
        return None
    relative = url[len(prefix) :].lstrip("/")
    for root in _STATIC_ROOTS:
        candidate = (root / relative).resolve()
        if candidate.is_file() and candidate.is_relative_to(root.resolve()):
            return candidate.read_bytes()
    return None


def static_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that serves the app's own static files (as static:/path) and
    nothing else: no file:// paths, no network."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            body = _static_file(url)
            if body is None:
                raise ValueError(f"Documents may only use the app's own static files: {url!r}")
            return URLFetcherResponse(url, body=body)

    return StaticOnlyFetcher()


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    return HTML(string=html, base_url="static:/", url_fetcher=static_only_fetcher()).write_pdf()


_kaleido_lock = threading.Lock()
_kaleido_started = False


def _figure_image(figure: dict[str, Any], fmt: str, width: int, height: int, scale: int) -> bytes:
    """A static image of a plotly figure dict (the same dict the pages draw). One headless
    browser is kept warm for the life of the process rather than started per chart."""
    global _kaleido_started
    import kaleido
    import plotly.graph_objects as go

    with _kaleido_lock:
        if not _kaleido_started:
            kaleido.start_sync_server(silence_warnings=True)
            _kaleido_started = True
        return go.Figure(figure).to_image(format=fmt, width=width, height=height, scale=scale)


def figure_svg(figure: dict[str, Any], width: int = 900, height: int = 380) -> str:
    return _figure_image(figure, "svg", width, height, 1).decode("utf-8")


def figure_png(figure: dict[str, Any], width: int = 900, height: int = 380) -> bytes:
    """For Word, which does not draw SVG everywhere: twice the pixels for print."""
    return _figure_image(figure, "png", width, height, 2)


# --- Word ---------------------------------------------------------------------------------


def _field(run: Any, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays the document out."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate, placeholder, end):
        run._r.append(element)


def word_document(document: GeneratedDocument) -> Any:
    """A python-docx Document with the marking in the header and footer, and "version N, data
    as at ..., page X of Y" in the footer."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.text = document.marking
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.runs[0].bold = True
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    as_at = f", data as at {document.data_as_at:%d %B %Y}" if document.data_as_at else ""
    footer.add_run(f"{document.marking} | Version {document.version}{as_at} | Page ")
    _field(footer.add_run(), "PAGE")
    footer.add_run(" of ")
    _field(footer.add_run(), "NUMPAGES")
    return doc


def word_table(doc: Any, headers: list[str], rows: list[list[Any]], widths: Any = None) -> Any:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = str(text)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = "" if value is None else str(value)
    return table


def word_bytes(doc: Any) -> bytes:
    import io

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
