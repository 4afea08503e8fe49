"""What builders draw documents with: PDF from a template (WeasyPrint, fetching nothing from
outside), static images of plotly figures (the same figure dicts the pages draw, exported by
kaleido), and Word files (python-docx) with the marking, version, data date and page numbers.

The heavy libraries are imported inside the functions: a web process that never builds a
document never loads them.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

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


# Images a builder hands to render_pdf (an uploaded chart, say) are named in the template as
# "resource:<key>"; only those keys are served.
RESOURCE_PREFIX = "resource:"


def static_only_fetcher(resources: dict[str, tuple[bytes, str]] | None = None) -> Any:
    """A WeasyPrint URL fetcher that serves the app's own static files (as static:/path), and
    the builder's own in-memory `resources` (as resource:<key>, each bytes and content type),
    and nothing else: no file:// paths, no data: URLs, no network."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    resources = resources or {}

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith(RESOURCE_PREFIX) and url[len(RESOURCE_PREFIX) :] in resources:
                body, content_type = resources[url[len(RESOURCE_PREFIX) :]]
                return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})
            body = _static_file(url)
            if body is None:
                raise ValueError(f"Documents may only use the app's own static files: {url!r}")
            return URLFetcherResponse(url, body=body)

    return StaticOnlyFetcher()


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    resources: dict[str, tuple[bytes, str]] | None = None,
) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    fetcher = static_only_fetcher(resources)
    return HTML(string=html, base_url="static:/", url_fetcher=fetcher).write_pdf()


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
