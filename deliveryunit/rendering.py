"""What builders draw documents with: PDF from a template (WeasyPrint, fetching nothing from
outside), static images of plotly figures (the same figure dicts the pages draw: see
chart_images, which draws them in batches and caches them), and Word files (python-docx) with
the marking, version, data date and page numbers.

The heavy libraries are imported inside the functions: a web process that never builds a
document never loads them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from . import chart_images
from .documents import Progress
from .models import GeneratedDocument

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


CHART_SCHEME = "chart:"
DRAWING_CHARTS = "Drawing charts: {done} of {total}"
LAYING_OUT = "Laying out pages: {pages}"
WRITING_PAGES = "Writing {pages} pages"


def _sniff(body: bytes) -> str:
    # The images are our own charts (PNG or SVG) and uploads re-encoded as PNG or JPEG.
    if body.startswith(b"\x89PNG"):
        return "image/png"
    if body.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return "image/svg+xml"


def static_only_fetcher(images: dict[str, bytes] | None = None) -> Any:
    """A WeasyPrint URL fetcher that serves the app's own static files (as static:/path) and
    the document's own chart images (as chart:name), and nothing else: no file:// paths, no
    network."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    charts = images or {}

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith(CHART_SCHEME) and url[len(CHART_SCHEME) :] in charts:
                body = charts[url[len(CHART_SCHEME) :]]
                return URLFetcherResponse(url, body=body, headers={"Content-Type": _sniff(body)})
            body = _static_file(url)
            if body is None:
                raise ValueError(f"Documents may only use the app's own static files: {url!r}")
            return URLFetcherResponse(url, body=body)

    return StaticOnlyFetcher()


class PdfBytes(bytes):
    """A finished PDF, knowing how many pages it has (the pipeline records it)."""

    pages: int | None = None


class _LayoutProgress(logging.Handler):
    """Passes WeasyPrint's "creating layout - page N" log lines on as build progress."""

    def __init__(self, progress: Progress, percent: int) -> None:
        super().__init__(logging.INFO)
        self.progress = progress
        self.percent = percent

    def emit(self, record: logging.LogRecord) -> None:
        if "Creating layout - Page" in record.msg and record.args:
            pages = record.args[0] if isinstance(record.args, tuple) else record.args
            if isinstance(pages, int) and pages % 10 == 0:
                self.progress(self.percent, LAYING_OUT.format(pages=pages))


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    images: dict[str, bytes] | None = None,
    progress: Progress | None = None,
    percent: int = 90,
) -> PdfBytes:
    """The template as a PDF. `images` are the charts the template shows as
    <img src="chart:name">; `progress` hears about the pages as they are laid out, then
    written."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    source = HTML(string=html, base_url="static:/", url_fetcher=static_only_fetcher(images))
    handler = None
    if progress is not None:
        handler = _LayoutProgress(progress, percent)
        logging.getLogger("weasyprint.progress").addHandler(handler)
    try:
        document = source.render()
    finally:
        if handler is not None:
            logging.getLogger("weasyprint.progress").removeHandler(handler)
    if progress is not None:
        progress(percent, WRITING_PAGES.format(pages=len(document.pages)))
    pdf = PdfBytes(document.write_pdf())
    pdf.pages = len(document.pages)
    return pdf


def draw_charts(
    figures: list[dict[str, Any]],
    *,
    fmt: str,
    progress: Progress | None = None,
    start: int = 10,
    end: int = 80,
) -> list[bytes | None]:
    """Images of the figures for a document (JPEG at twice the size, for PDF and Word alike),
    drawn in batches or taken from the chart cache; None for one that could not be drawn.
    Progress moves from `start` to `end` percent, saying how many charts are ready.

    Why not SVG in PDFs: WeasyPrint draws an SVG image in Python, node by node and each tick
    label through Pango, when it writes the page; a 52-page report of 90 charts spent more than
    half its build there, even with the SVG simplified. Why not PNG: WeasyPrint decodes every
    PNG and encodes it again (its alpha apart) to put it in the PDF, which cost a quarter of the
    same build and made the file ten times larger. A JPEG goes into the PDF as it is, with no
    work at all. At twice the size (about 190 dots an inch at the page's width) it prints
    sharply, and the same image serves the Word file, so one cached image serves both. The
    measure charts are drawn in Python (print_charts), not by plotly.js: see chart_images."""
    spec = chart_images.PRINT

    def report(done: int, total: int) -> None:
        if progress is not None and total:
            progress(
                start + (end - start) * done // total, DRAWING_CHARTS.format(done=done, total=total)
            )

    return chart_images.draw(figures, spec, report)


def figure_svg(figure: dict[str, Any], width: int = 900, height: int = 380) -> str:
    """One chart as SVG (drawn, or from the chart cache: see chart_images)."""
    spec = chart_images.ImageSpec(format="svg", width=width, height=height)
    return chart_images.draw_one(figure, spec).decode("utf-8")


def figure_png(figure: dict[str, Any], width: int = 900, height: int = 380) -> bytes:
    """For Word, which does not draw SVG everywhere: twice the pixels for print."""
    spec = chart_images.ImageSpec(format="png", width=width, height=height, scale=2)
    return chart_images.draw_one(figure, spec)


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
