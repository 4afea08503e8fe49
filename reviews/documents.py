"""The priority review report as a document kind: PDF (WeasyPrint) and Word (python-docx)
through deliveryunit.documents, registered by ReviewsConfig.ready().

The report tells the review's story in the order the method does: the problem statement, the
delivery chain and where the visits went, the issue tree with each question settled or open,
the analysis plan and visits, the findings with their charts, and the prioritised action plan.
Measure charts are the same figures the workspace draws (priorities.charts), exported by the
chart browser; an uploaded image goes in as it was stored (already checked and re-encoded).
A chart that cannot be drawn leaves a sentence in its place rather than failing the report.

Who may ask for it is decided like every read of a review: through deliveryunit.access, as the
principal who asked (a user or access.SYSTEM). The departments that may download it are those
of the review's priority, who may read the review itself.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from deliveryunit import access, clock, documents, rendering
from deliveryunit.models import DocumentFormat, DocumentKind, GeneratedDocument
from priorities.models import Priority

from . import selectors
from .forms import GUIDANCE
from .models import ChartKind, PriorityReview, Recommendation
from .selectors import REPORT_KEY, FindingView, IssueRow

log = logging.getLogger(__name__)

UNKNOWN_REVIEW = "Choose a review for the report."
CHART_UNAVAILABLE = "The chart could not be drawn."
IMAGE_UNAVAILABLE = "The image could not be read."
NOT_WRITTEN = "Not written."
NOTHING_YET = "None recorded."
TITLE = "Priority review: {title}"
# The issue tree indents a level by this much, up to a limit, so a deep tree stays on the page.
INDENT_MM = 5
MAX_INDENT_MM = 60


@dataclass
class FindingChart:
    view: FindingView
    svg: str = ""
    png: bytes | None = None
    image: bytes | None = None
    image_type: str = ""
    failed: bool = False

    @property
    def key(self) -> str:
        return f"finding-{self.view.finding.pk}"

    @property
    def has_chart(self) -> bool:
        return self.view.finding.chart_kind != ChartKind.NONE


@dataclass
class ReportContent:
    review: PriorityReview
    scope: list[tuple[str, str]]
    team: list[Any]
    chain: list[Any]
    issues: list[IssueRow]
    plan: list[Any]
    visits: list[Any]
    findings: list[FindingChart]
    recommendations: list[Recommendation]
    stage_label: str = ""
    data_as_at: date | None = None
    issue_indent: dict[int, int] = field(default_factory=dict)

    @property
    def indented_issues(self) -> list[tuple[IssueRow, int]]:
        return [(row, self.issue_indent[row.node.pk]) for row in self.issues]


def data_as_at(review: PriorityReview, views: list[FindingView] | None = None) -> date:
    """The date the report's data stands at: its charts' latest "as at", else today or the
    report's due date, whichever is earlier."""
    findings = views if views is not None else []
    dates = [v.finding.chart_as_at for v in findings if v.finding.chart_as_at]
    return max(dates) if dates else min(clock.today(), review.report_due)


def report_content(review: PriorityReview) -> ReportContent:
    """Everything the report shows, read in a fixed number of queries."""
    views = selectors.finding_views(selectors.findings(review))
    visits = selectors.visits(review)
    placed: dict[int, list[str]] = {}
    for visit in visits:
        if visit.chain_link_id:
            placed.setdefault(visit.chain_link_id, []).append(
                f"{visit.site}, {visit.date:%d %b %Y}"
            )
    chain = [
        {"link": link, "visits": placed.get(link.pk, [])} for link in selectors.chain_links(review)
    ]
    issues = selectors.issue_rows(selectors.review_issues(review))
    return ReportContent(
        review=review,
        scope=[
            (
                str(PriorityReview._meta.get_field(name).verbose_name).capitalize(),
                getattr(review, name),
            )
            for name in GUIDANCE
        ],
        team=selectors.team(review),
        chain=chain,
        issues=issues,
        plan=selectors.plan_rows(review),
        visits=visits,
        findings=[FindingChart(view) for view in views],
        recommendations=selectors.recommendations(review),
        stage_label=review.get_stage_display(),
        data_as_at=data_as_at(review, views),
        issue_indent={row.node.pk: min(row.depth * INDENT_MM, MAX_INDENT_MM) for row in issues},
    )


def _draw(chart: FindingChart, fmt: str) -> None:
    """Draw one finding's chart, or read its image; one that fails says so in the report."""
    finding = chart.view.finding
    try:
        if chart.view.figure is not None:
            if fmt == DocumentFormat.PDF:
                chart.svg = rendering.figure_svg(chart.view.figure)
            else:
                chart.png = rendering.figure_png(chart.view.figure)
        elif finding.chart_kind == ChartKind.IMAGE and finding.image:
            with finding.image.open("rb") as handle:
                chart.image = handle.read()
            chart.image_type = finding.image_type
        elif chart.has_chart:
            chart.failed = True
    except Exception:
        log.exception("The chart of finding %s could not be drawn", finding.pk)
        chart.failed = True


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def department_ids(review: PriorityReview) -> list[int]:
    chain = Priority.delivery_chain.through.objects.filter(priority_id=review.priority_id)
    return sorted(
        {review.priority.lead_department_id, *chain.values_list("department_id", flat=True)}
    )


class ReviewReportBuilder:
    kind = DocumentKind.REVIEW_REPORT
    formats = (DocumentFormat.PDF, DocumentFormat.DOCX)

    def describe(self, subject: dict[str, Any], user: Any) -> documents.Subject:
        pk = _int(subject.get("review"))
        if pk is None:
            raise documents.DocumentRefused(UNKNOWN_REVIEW)
        # A review out of the principal's scope does not exist for them.
        review = access.get_for_user(PriorityReview.objects.select_related("priority"), user, pk=pk)
        return documents.Subject(
            key=REPORT_KEY.format(pk=review.pk),
            title=TITLE.format(title=review.title),
            department_ids=department_ids(review),
            data={"review": review.pk},
            data_as_at=data_as_at(review, selectors.finding_views(selectors.findings(review))),
        )

    def build(self, document: GeneratedDocument, progress: Callable[[int], None]) -> bytes:
        review = (
            PriorityReview.objects.select_related("priority__lead_department")
            .filter(pk=_int(document.subject.get("review")))
            .first()
        )
        if review is None:
            raise documents.DocumentRefused(UNKNOWN_REVIEW)
        content = report_content(review)
        progress(10)
        for done, chart in enumerate(content.findings, start=1):
            _draw(chart, document.format)
            progress(10 + 80 * done // len(content.findings))
        if document.format == DocumentFormat.PDF:
            images = {
                chart.key: chart.image for chart in content.findings if chart.image is not None
            }
            return rendering.render_pdf(
                "documents/review_report.html",
                {"document": document, "report": content, "wording": _wording()},
                images=images,
            )
        return _word(document, content)


def _wording() -> dict[str, str]:
    return {
        "chart_unavailable": CHART_UNAVAILABLE,
        "image_unavailable": IMAGE_UNAVAILABLE,
        "not_written": NOT_WRITTEN,
        "nothing_yet": NOTHING_YET,
    }


# --- Word ----------------------------------------------------------------------------------


def _heading_table(doc: Any, rows: list[tuple[str, str]]) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = label
        cells[0].paragraphs[0].runs[0].bold = True
        cells[1].text = value or NOT_WRITTEN


def _word_chain(doc: Any, content: ReportContent) -> None:
    doc.add_heading("The delivery chain", level=1)
    if not content.chain:
        doc.add_paragraph(NOTHING_YET)
        return
    rendering.word_table(
        doc,
        ["", "Who", "What they do", "Strength", "Note", "Visits"],
        [
            [
                str(number),
                item["link"].who,
                item["link"].role,
                item["link"].get_strength_display(),
                item["link"].note,
                "; ".join(item["visits"]),
            ]
            for number, item in enumerate(content.chain, start=1)
        ],
    )


def _word_issues(doc: Any, content: ReportContent) -> None:
    from docx.shared import Mm

    doc.add_heading("The issue tree", level=1)
    if not content.issues:
        doc.add_paragraph(NOTHING_YET)
    for row in content.issues:
        node = row.node
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.left_indent = Mm(content.issue_indent[node.pk])
        paragraph.add_run(f"{row.number} ").bold = True
        paragraph.add_run(node.question)
        paragraph.add_run(f" [{node.get_status_display()}]").italic = True
        for label, text in (("Hypothesis", node.hypothesis), ("Evidence", node.evidence)):
            if text:
                detail = doc.add_paragraph()
                detail.paragraph_format.left_indent = Mm(content.issue_indent[node.pk] + 4)
                detail.add_run(f"{label}: ").bold = True
                detail.add_run(text)


def _word_findings(doc: Any, content: ReportContent) -> None:
    from docx.shared import Mm

    doc.add_heading("Findings", level=1)
    if not content.findings:
        doc.add_paragraph(NOTHING_YET)
    for number, chart in enumerate(content.findings, start=1):
        finding = chart.view.finding
        doc.add_heading(f"{number}. {finding.headline}", level=2)
        if finding.evidence:
            doc.add_paragraph(finding.evidence)
        picture = chart.png or chart.image
        if picture is not None:
            doc.add_picture(io.BytesIO(picture), width=Mm(165))
            caption = chart.view.summary or finding.image_description
            if caption:
                doc.add_paragraph(caption).runs[0].italic = True
        elif chart.failed:
            doc.add_paragraph(CHART_UNAVAILABLE)


def _word(document: GeneratedDocument, content: ReportContent) -> bytes:
    review = content.review
    doc = rendering.word_document(document)
    doc.add_heading(document.title, level=0)
    _heading_table(
        doc,
        [
            ("Priority", f"{review.priority.code}: {review.priority.title}"),
            ("Commissioned by", review.commissioner),
            ("Team", "; ".join(str(member) for member in content.team)),
            ("Stage", content.stage_label),
            ("Started", f"{review.start:%d %B %Y}"),
            ("Report due", f"{review.report_due:%d %B %Y}"),
            ("Protective marking", document.marking),
            ("Version", str(document.version or "")),
        ],
    )
    doc.add_heading("Scope and problem statement", level=1)
    _heading_table(doc, content.scope)
    _word_chain(doc, content)
    _word_issues(doc, content)
    doc.add_heading("Analysis and fieldwork plan", level=1)
    if content.plan:
        rendering.word_table(
            doc,
            ["Issue", "Hypothesis", "Analysis", "Source", "Responsibility", "End product"],
            [
                [
                    row.issue.question if row.issue else "",
                    row.hypothesis,
                    row.analysis,
                    row.source,
                    row.responsibility + (f", by {row.due:%d %b %Y}" if row.due else ""),
                    row.end_product,
                ]
                for row in content.plan
            ],
        )
    else:
        doc.add_paragraph(NOTHING_YET)
    doc.add_heading("Frontline visits", level=1)
    if not content.visits:
        doc.add_paragraph(NOTHING_YET)
    for visit in content.visits:
        doc.add_heading(f"{visit.site}, {visit.date:%d %B %Y}", level=2)
        for label, text in (("Who went", visit.visitors), ("What it found", visit.findings)):
            if text:
                paragraph = doc.add_paragraph()
                paragraph.add_run(f"{label}: ").bold = True
                paragraph.add_run(text)
    _word_findings(doc, content)
    doc.add_heading("Prioritised action plan", level=1)
    if content.recommendations:
        rendering.word_table(
            doc,
            ["Priority", "Recommendation", "Owner", "Department", "Due", "In the tracker"],
            [
                [
                    str(rec.rank),
                    rec.description,
                    rec.owner,
                    rec.department.name,
                    f"{rec.due:%d %b %Y}",
                    rec.action.get_status_display() if rec.action else "Not yet accepted",
                ]
                for rec in content.recommendations
            ],
        )
    else:
        doc.add_paragraph(NOTHING_YET)
    return rendering.word_bytes(doc)
