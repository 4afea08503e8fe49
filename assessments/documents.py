"""The six-monthly delivery report: for one assessment round and a department (or the whole
portfolio), the judgement grid for the round and the two before it, the overall assessment and
its key challenges, and per priority its trajectory charts, recent performance and likelihood
rationale. Built as PDF (WeasyPrint) and Word (python-docx) through deliveryunit.documents.

The grid is read here rather than through selectors.grid(): that function takes the latest
rounds the *user* may see, whereas a report needs the rounds up to and including its own round
(a December 2003 report must not show a later round). Who may ask for which round and
department is decided in deliveryunit.access, for a user or for access.SYSTEM (the reports
queued when a round is published) alike. Every read is a fixed number of queries whatever the
size of the portfolio.

The builder is registered with the pipeline by AssessmentsConfig.ready().
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.http import Http404

from deliveryunit import access, documents, rendering
from deliveryunit.models import Department, DocumentFormat, DocumentKind, GeneratedDocument
from priorities import performance as perf
from priorities import periods
from priorities.charts import format_value, measure_figure, table_rows
from priorities.models import Priority
from priorities.selectors import measure_series_for_priorities, with_measure_data
from priorities.series import MeasureSeries

from .models import (
    DIMENSION_ORDER,
    Assessment,
    AssessmentRound,
    Dimension,
    RatingOption,
    RoundStatus,
)
from .selectors import _tree

log = logging.getLogger(__name__)

UNKNOWN_ROUND = "Choose an assessment round for the report."
UNKNOWN_DEPARTMENT = "Choose a department for the report, or the whole portfolio."
NO_ASSESSMENTS = "The {round} round has no assessments{where}, so there is no report to build."
CHART_UNAVAILABLE = "The chart could not be drawn; its figures are in the table below."
NOT_RECORDED = "Not recorded."
NO_KEY_CHALLENGES = "No key challenges were recorded for this round."
READING_DONE = "Read the round's judgements and data"
WRITING_WORD = "Writing the Word file"

GRID_INTRO = (
    "Each priority and sub-target, judged on the degree of challenge, the quality of planning, "
    "the capacity to drive progress and the stage of delivery, and from those the likelihood of "
    "delivery."
)
GRID_KEY = (
    "Degree of challenge: L low, M medium, H high, VH very high. Planning, capacity and "
    "likelihood: R red, AR amber-red, AG amber-green, G green. Stage of delivery: 1 (designing) "
    "to 4 (established). A blank round means the priority was not assessed in it."
)

PORTFOLIO_LABEL = "Whole portfolio"
# The report's round and the two before it.
GRID_ROUNDS = 3
JUDGEMENTS = [str(code) for code in DIMENSION_ORDER]
_RAG_FAMILIES = {"red", "amber-red", "amber-green", "green"}
# Word cell shading for each colour family: the same colours as the PDF's rag classes.
WORD_FILL = {
    "red": ("D4351C", True),
    "amber-red": ("F47738", False),
    "amber-green": ("FFDD00", False),
    "green": ("00703C", True),
    "neutral": ("F3F2F1", False),
}
# How many of a measure's latest periods the fallback table shows when a chart cannot be drawn.
FALLBACK_ROWS = 12


# --- the content ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One judgement in the grid: its code and the colour family it is drawn in."""

    code: str
    label: str
    family: str  # red, amber-red, amber-green, green or neutral

    @property
    def css(self) -> str:
        return f"rag rag--{self.family}"


@dataclass
class GridRow:
    priority: Priority
    depth: int
    # Per round, oldest first: five cells (None where a judgement was not made), or None where
    # the priority had no assessment in that round.
    rounds: list[list[Cell | None] | None]
    # A parent led by another department, shown only so its sub-targets sit under it.
    context_only: bool = False

    @property
    def indent(self) -> int:
        return min(self.depth, 3)


@dataclass
class MeasureChart:
    series: MeasureSeries
    performance: perf.Performance
    figure: dict[str, Any]
    # Once drawn: the image's name in the PDF (served as chart:<name>), or the PNG for Word.
    image: str = ""
    png: bytes | None = None

    @property
    def fallback_rows(self) -> list[dict[str, Any]]:
        return table_rows(self.series, self.performance)[-FALLBACK_ROWS:]

    @property
    def forecast_note(self) -> str:
        """Why the chart draws no forecast, when the trend is too thin to project."""
        forecast = self.performance.forecast
        return f"{forecast.unreliable_text}." if forecast and not forecast.reliable else ""


@dataclass
class SnapshotRow:
    measure: str
    period: str
    actual: str
    planned: str
    status: str


@dataclass
class PrioritySection:
    priority: Priority
    assessment: Assessment | None
    likelihood: Cell | None
    charts: list[MeasureChart] = field(default_factory=list)
    snapshot: list[SnapshotRow] = field(default_factory=list)


@dataclass
class Overall:
    """The overall assessment of one top-level priority: its narrative and key challenges."""

    priority: Priority
    assessment: Assessment
    likelihood: Cell | None


@dataclass
class ReportContent:
    round: AssessmentRound
    department: Department | None
    rounds: list[AssessmentRound]  # oldest first, ending with the report's round
    dimensions: list[Dimension]
    rows: list[GridRow]
    overall: list[Overall]
    sections: list[PrioritySection]

    @property
    def scope_label(self) -> str:
        return self.department.name if self.department else PORTFOLIO_LABEL

    @property
    def chart_count(self) -> int:
        return sum(len(s.charts) for s in self.sections)


def _grid_rounds(round_: AssessmentRound) -> list[AssessmentRound]:
    """The report's round and the two published rounds before it, oldest first. Earlier rounds
    still in draft are the unit's working papers and never appear in a report."""
    earlier = list(
        AssessmentRound.objects.filter(status=RoundStatus.PUBLISHED, date__lt=round_.date)
        .exclude(pk=round_.pk)
        .order_by("-date", "-pk")[: GRID_ROUNDS - 1]
    )
    earlier.reverse()
    return [*earlier, round_]


def _cells(ratings: dict[tuple[str, str], Cell], codes: tuple[str, ...]) -> list[Cell | None]:
    cells: list[Cell | None] = []
    for dimension, code in zip(JUDGEMENTS, codes, strict=True):
        if not code:
            cells.append(None)
        else:
            # A code no longer on the scale is shown as recorded, never hidden.
            cells.append(ratings.get((dimension, code), Cell(code, code, "neutral")))
    return cells


def _ratings() -> dict[tuple[str, str], Cell]:
    ratings = {}
    for dimension, code, label, colour in RatingOption.objects.values_list(
        "dimension__code", "code", "label", "colour"
    ):
        family = colour if colour in _RAG_FAMILIES else "neutral"
        ratings[(dimension, code)] = Cell(code, label, family)
    return ratings


def _dimensions() -> list[Dimension]:
    found = {d.code: d for d in Dimension.objects.all()}
    return [found[code] for code in JUDGEMENTS if code in found]


def _snapshot(assessment: Assessment | None, frequencies: dict[str, str]) -> list[SnapshotRow]:
    rows = []
    for item in assessment.performance_snapshot if assessment else []:
        name = str(item.get("measure", ""))
        period = item.get("period")
        try:
            label = periods.label(date.fromisoformat(period), frequencies.get(name, "monthly"))
        except (TypeError, ValueError):
            label = ""
        unit = str(item.get("unit", ""))
        rows.append(
            SnapshotRow(
                measure=name,
                period=label,
                actual=format_value(item.get("actual"), unit),
                planned=format_value(item.get("planned"), unit),
                status=str(item.get("status_label") or ""),
            )
        )
    return rows


def report_content(round_: AssessmentRound, department: Department | None) -> ReportContent:
    """Everything the report shows, read in a fixed number of queries."""
    rounds = _grid_rounds(round_)
    round_ids = [r.pk for r in rounds]
    in_round = Priority.objects.filter(assessment_rounds=round_)
    assessed = Priority.objects.filter(assessments__round=round_)
    if department is not None:
        in_round = in_round.filter(lead_department=department)
        assessed = assessed.filter(lead_department=department)
    matching = set(in_round.values_list("pk", flat=True)) | set(
        assessed.values_list("pk", flat=True)
    )

    # Parents led elsewhere are kept as context rows so a sub-target sits under its priority.
    parent_of = dict(Priority.objects.values_list("pk", "parent_id"))
    needed = set(matching)
    for pk in matching:
        parent = parent_of.get(pk)
        while parent is not None and parent not in needed:
            needed.add(parent)
            parent = parent_of.get(parent)

    priorities = list(with_measure_data(Priority.objects.filter(pk__in=needed)))
    assessments = {
        (a.round_id, a.priority_id): a
        for a in Assessment.objects.filter(
            round_id__in=round_ids, priority_id__in=matching
        ).prefetch_related("key_challenges")
    }
    ratings = _ratings()
    # The charts show the data as it stood on the round's date, so a report rebuilt next year
    # still says what it said: figures as then known, trajectories then agreed.
    series = measure_series_for_priorities(
        [p for p in priorities if p.pk in matching], known_at=round_.date
    )

    rows = []
    sections = []
    overall = []
    for priority, depth in _tree(priorities):
        context_only = priority.pk not in matching
        cells: list[list[Cell | None] | None] = []
        for r in rounds:
            assessment = assessments.get((r.pk, priority.pk))
            cells.append(
                _cells(ratings, tuple(assessment.judgement(c) for c in JUDGEMENTS))
                if assessment
                else None
            )
        rows.append(GridRow(priority, depth, cells, context_only))
        if context_only:
            continue
        current = assessments.get((round_.pk, priority.pk))
        likelihood = cells[-1][-1] if cells[-1] else None
        parent = priority.parent_id
        if current is not None and (parent is None or parent not in matching):
            overall.append(Overall(priority, current, likelihood))
        charts = []
        frequencies = {}
        for measure in priority.measures.all():
            measure_series = series[measure.pk]
            frequencies[measure_series.name] = measure_series.frequency
            result = perf.assess(measure_series, as_at=round_.date)
            charts.append(
                MeasureChart(measure_series, result, measure_figure(measure_series, result))
            )
        sections.append(
            PrioritySection(priority, current, likelihood, charts, _snapshot(current, frequencies))
        )
    return ReportContent(
        round=round_,
        department=department,
        rounds=rounds,
        dimensions=_dimensions(),
        rows=rows,
        overall=overall,
        sections=sections,
    )


# --- images --------------------------------------------------------------------------------


def _draw(charts: list[MeasureChart], fmt: str, progress: documents.Progress) -> dict[str, bytes]:
    """Draw every chart (in batches, or from the chart cache); a chart that cannot be drawn
    leaves the report with its figures as a table instead, rather than failing the whole
    report. Returns the PDF's images by name."""
    drawn = rendering.draw_charts([c.figure for c in charts], fmt=fmt, progress=progress)
    images = {}
    for number, (chart, image) in enumerate(zip(charts, drawn, strict=True)):
        if image is None:
            continue
        if fmt == DocumentFormat.PDF:
            chart.image = f"c{number}"
            images[chart.image] = image
        else:
            chart.png = image
    return images


# --- the builder ---------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DeliveryReportBuilder:
    kind = DocumentKind.DELIVERY_REPORT
    formats = (DocumentFormat.PDF, DocumentFormat.DOCX)

    def _round(self, value: Any, user: Any) -> AssessmentRound:
        # A round the principal may not see (a draft, to anyone but the unit) does not exist.
        rounds = AssessmentRound.objects.filter(access.visible_rounds(user))
        pk = _int(value)
        round_ = rounds.filter(pk=pk).first() if pk is not None else None
        if round_ is None:
            raise documents.DocumentRefused(UNKNOWN_ROUND)
        return round_

    def _department(self, value: Any, user: Any) -> Department | None:
        wanted = "" if value is None else str(value).strip()
        if not access.sees_all_departments(user):
            # A scoped user may ask only for their own department's report; anything else
            # (another department, the whole portfolio) is out of scope and so not found.
            own = access.department_id_of(user)
            if own is None or _int(wanted) != own:
                raise Http404
        if wanted == "":
            return None
        pk = _int(wanted)
        department = Department.objects.filter(pk=pk).first() if pk is not None else None
        if department is None:
            raise documents.DocumentRefused(UNKNOWN_DEPARTMENT)
        return department

    def describe(self, subject: dict[str, Any], user: Any) -> documents.Subject:
        department = self._department(subject.get("department", ""), user)
        round_ = self._round(subject.get("round"), user)
        assessments = Assessment.objects.filter(round=round_)
        if department is not None:
            assessments = assessments.filter(priority__lead_department=department)
        if not assessments.exists():
            where = f" for {department.name}" if department else ""
            raise documents.DocumentRefused(NO_ASSESSMENTS.format(round=round_.name, where=where))
        scope = department.name if department else "whole portfolio"
        title = f"Delivery report: {scope}, {round_.name}"
        if not round_.is_published:
            title += " (draft)"
        return documents.Subject(
            key=f"round={round_.pk};department={department.code if department else 'all'}",
            title=title,
            # Until the round is published the report is the unit's alone, like the round.
            department_ids=[department.pk] if department and round_.is_published else [],
            data={"round": round_.pk, "department": department.pk if department else ""},
            data_as_at=round_.date,
        )

    def request_form(self, user: Any) -> dict[str, Any]:
        rounds = AssessmentRound.objects.filter(access.visible_rounds(user)).order_by(
            "-date", "-pk"
        )
        return {
            "kind": self.kind,
            "title": "Six-monthly delivery report",
            "short_title": "the report",
            "fields": [
                {
                    "name": "round",
                    "label": "Assessment round",
                    "choices": [
                        (
                            str(r.pk),
                            r.name if r.is_published else f"{r.name} ({r.get_status_display()})",
                        )
                        for r in rounds
                    ],
                },
                {
                    "name": "department",
                    "label": "Department",
                    "choices": [("", PORTFOLIO_LABEL)]
                    + [(str(d.pk), d.name) for d in Department.objects.order_by("name")],
                },
            ],
            "formats": [(f.value, f.label) for f in (DocumentFormat.PDF, DocumentFormat.DOCX)],
        }

    def build(self, document: GeneratedDocument, progress: documents.Progress) -> bytes:
        round_ = AssessmentRound.objects.filter(pk=_int(document.subject.get("round"))).first()
        if round_ is None:
            raise documents.DocumentRefused(UNKNOWN_ROUND)
        department = None
        if document.subject.get("department") not in ("", None):
            department = Department.objects.filter(pk=_int(document.subject["department"])).first()
            if department is None:
                raise documents.DocumentRefused(UNKNOWN_DEPARTMENT)
        content = report_content(round_, department)
        progress(10, READING_DONE)
        charts = [chart for section in content.sections for chart in section.charts]
        images = _draw(charts, document.format, progress)
        if document.format == DocumentFormat.PDF:
            return rendering.render_pdf(
                "documents/delivery_report.html",
                {"document": document, "report": content, "wording": _wording()},
                images=images,
                progress=progress,
            )
        progress(90, WRITING_WORD)
        return _word(document, content)


def _wording() -> dict[str, str]:
    return {
        "grid_intro": GRID_INTRO,
        "grid_key": GRID_KEY,
        "chart_unavailable": CHART_UNAVAILABLE,
        "not_recorded": NOT_RECORDED,
        "no_key_challenges": NO_KEY_CHALLENGES,
    }


# --- Word ----------------------------------------------------------------------------------


def _shade(cell: Any, family: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    fill, white_text = WORD_FILL[family]
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)
    for run in cell.paragraphs[0].runs:
        run.bold = True
        if white_text:
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)


def _word_grid(doc: Any, content: ReportContent) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    per_round = len(JUDGEMENTS)
    columns = 1 + per_round * len(content.rounds)
    table = doc.add_table(rows=2, cols=columns)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    top, names = table.rows[0].cells, table.rows[1].cells
    top[0].merge(names[0]).text = "Priority"
    for index, round_ in enumerate(content.rounds):
        first = 1 + index * per_round
        merged = top[first].merge(top[first + per_round - 1])
        merged.text = round_.name
        merged.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        for offset, dimension in enumerate(content.dimensions):
            names[first + offset].text = dimension.short_name
    for row in table.rows[:2]:
        for cell in row.cells:
            for run in cell.paragraphs[0].runs:
                run.bold = True
    for grid_row in content.rows:
        cells = table.add_row().cells
        label = cells[0].paragraphs[0]
        label.text = f"{grid_row.priority.code} {grid_row.priority.title}"
        label.paragraph_format.left_indent = Mm(3 * grid_row.indent)
        if grid_row.context_only:
            label.runs[0].italic = True
        for index, judgements in enumerate(grid_row.rounds):
            for offset in range(per_round):
                cell = cells[1 + index * per_round + offset]
                judgement = judgements[offset] if judgements else None
                if judgement is None:
                    continue
                cell.text = judgement.code
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
                _shade(cell, judgement.family)
    for row in table.rows:
        row.cells[0].width = Mm(55)
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(7.5)


def _orient(section: Any, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    long, short = Mm(297), Mm(210)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    section.left_margin = section.right_margin = Mm(16)


def _word(document: GeneratedDocument, content: ReportContent) -> bytes:
    from docx.enum.section import WD_SECTION
    from docx.shared import Mm, Pt

    doc = rendering.word_document(document)
    # As in the PDF: the cover and the grid on a landscape first page, the rest portrait. Later
    # sections keep the first one's header and footer.
    _orient(doc.sections[0], landscape=True)

    doc.add_heading(document.title, level=0)
    cover = [
        ("Department", content.scope_label),
        ("Assessment round", content.round.name),
        ("Protective marking", document.marking),
        ("Version", str(document.version or "")),
        ("Data as at", f"{content.round.date:%d %B %Y}"),
    ]
    if not content.round.is_published:
        cover.append(("Status", "Draft: the round is not yet published"))
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in cover:
        cells = table.add_row().cells
        cells[0].text = label
        cells[0].paragraphs[0].runs[0].bold = True
        cells[1].text = value

    doc.add_heading("Judgements across rounds", level=1)
    doc.add_paragraph(GRID_INTRO)
    _word_grid(doc, content)
    doc.add_paragraph().add_run(GRID_KEY).font.size = Pt(8)
    _orient(doc.add_section(WD_SECTION.NEW_PAGE), landscape=False)

    doc.add_heading("Overall assessment", level=1)
    for item in content.overall:
        if len(content.overall) > 1:
            doc.add_heading(f"{item.priority.code} {item.priority.title}", level=2)
        if item.likelihood:
            line = doc.add_paragraph()
            line.add_run("Likelihood of delivery: ").bold = True
            line.add_run(f"{item.likelihood.code} {item.likelihood.label}")
        doc.add_paragraph(item.assessment.narrative or NOT_RECORDED)
        doc.add_heading("Key challenges", level=3)
        challenges = list(item.assessment.key_challenges.all())
        if not challenges:
            doc.add_paragraph(NO_KEY_CHALLENGES)
        for challenge in challenges:
            paragraph = doc.add_paragraph(style="List Number")
            paragraph.add_run(challenge.title).bold = True
            if challenge.progress:
                doc.add_paragraph(challenge.progress).paragraph_format.left_indent = Mm(6)

    for number, priority_section in enumerate(content.sections):
        heading = doc.add_heading(
            f"{priority_section.priority.code} {priority_section.priority.title}", level=1
        )
        if number == 0:
            heading.paragraph_format.page_break_before = True
        lead = f"Lead department: {priority_section.priority.lead_department.name}."
        target = priority_section.priority.target_statement
        doc.add_paragraph(f"{lead} {target}" if target else lead)
        assessment = priority_section.assessment
        for chart in priority_section.charts:
            doc.add_heading(chart.series.name, level=3)
            if chart.png:
                doc.add_picture(_png_stream(chart.png), width=Mm(170))
                if chart.forecast_note:
                    doc.add_paragraph(chart.forecast_note)
            else:
                doc.add_paragraph(CHART_UNAVAILABLE)
                rendering.word_table(
                    doc,
                    ["Period", "Trajectory", "Actual", "Status"],
                    [
                        [r["label"], r["planned_text"], r["actual_text"], r["status_label"]]
                        for r in chart.fallback_rows
                    ],
                )
        doc.add_heading("Recent performance", level=3)
        if priority_section.snapshot:
            rendering.word_table(
                doc,
                ["Measure", "Period", "Actual", "Trajectory", "Status"],
                [
                    [r.measure, r.period, r.actual, r.planned, r.status]
                    for r in priority_section.snapshot
                ],
            )
        doc.add_paragraph((assessment.performance_commentary if assessment else "") or NOT_RECORDED)
        doc.add_heading("Likelihood of delivery", level=3)
        likelihood = assessment.likelihood if assessment else ""
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{likelihood or 'Not assessed'}. ").bold = True
        paragraph.add_run((assessment.likelihood_rationale if assessment else "") or NOT_RECORDED)
    return rendering.word_bytes(doc)


def _png_stream(png: bytes) -> Any:
    import io

    return io.BytesIO(png)
