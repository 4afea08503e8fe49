"""The monthly note to the Prime Minister: two pages on the whole portfolio, built from the
stored data. The portfolio app is the roof of the project, so it reads from every app. The
builder is registered with the pipeline by PortfolioConfig.ready(); the monthly build is
queued by portfolio.tasks.build_monthly_pm_note, as access.SYSTEM."""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.http import Http404

from assessments.models import Assessment, RoundStatus
from deliveryunit import access, clock, documents, rendering
from deliveryunit.models import DocumentFormat, DocumentKind, GeneratedDocument
from priorities import performance as perf
from priorities import periods
from priorities.charts import format_value
from priorities.models import Priority
from priorities.selectors import measure_series_for_priorities, with_measure_data

BAD_MONTH = "Choose a month for the note, as YYYY-MM."
NOT_YET_RECORDED = (
    "Not yet recorded in the workbench: this section fills once {what} are kept here."
)
STATUS_ORDER = [perf.OFF_TRACK, perf.WITHIN_TOLERANCE, perf.ON_TRACK, perf.NO_DATA]
LIKELIHOOD_LABELS = {"R": "Red", "AR": "Amber-Red", "AG": "Amber-Green", "G": "Green"}
RAG_CLASS = {"R": "red", "AR": "amber-red", "AG": "amber-green", "G": "green"}


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass
class MeasureLine:
    name: str
    status: str
    status_label: str
    latest: str
    planned: str
    period: str
    change: str
    status_changed_from: str


@dataclass
class PriorityLine:
    priority: Priority
    status: str  # the worst of its measures' statuses
    status_label: str
    likelihood: str
    likelihood_label: str
    likelihood_class: str
    likelihood_round: str
    likelihood_previous: str
    measures: list[MeasureLine] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)


@dataclass
class NoteContent:
    month: date
    status_counts: list[tuple[str, int]]
    likelihood_counts: list[tuple[str, str, int]]
    lines: list[PriorityLine]
    attention: list[PriorityLine]
    overdue_actions_note: str
    stocktakes_note: str


def _latest_likelihoods(priority_ids: list[int]) -> dict[int, list[Assessment]]:
    """Each priority's assessments in published rounds, newest first."""
    by_priority: dict[int, list[Assessment]] = {}
    rows = (
        Assessment.objects.filter(priority_id__in=priority_ids, round__status=RoundStatus.PUBLISHED)
        .exclude(likelihood="")
        .select_related("round")
        .order_by("-round__date")
    )
    for assessment in rows:
        by_priority.setdefault(assessment.priority_id, []).append(assessment)
    return by_priority


def note_content(month: date) -> NoteContent:
    as_at = month_end(month)
    before = month_end(previous_month(month))
    priorities = list(with_measure_data(Priority.objects.filter(active=True)).order_by("code"))
    series = measure_series_for_priorities(priorities)
    likelihoods = _latest_likelihoods([p.pk for p in priorities])
    lines = []
    for priority in priorities:
        measure_lines = []
        statuses = []
        for measure in priority.measures.all():
            s = series[measure.pk]
            now = perf.assess(s, as_at=as_at)
            then = perf.assess(s, as_at=before)
            statuses.append(now.status)
            change = ""
            if now.latest_value is not None and then.latest_value is not None:
                if now.latest_period != then.latest_period:
                    change = format_value(now.latest_value - then.latest_value, s.unit, signed=True)
                else:
                    change = "no new data"
            measure_lines.append(
                MeasureLine(
                    name=s.name,
                    status=now.status,
                    status_label=now.status_label,
                    latest=format_value(now.latest_value, s.unit),
                    planned=format_value(now.planned_value, s.unit),
                    period=periods.label(now.latest_period, s.frequency)
                    if now.latest_period
                    else "",
                    change=change,
                    status_changed_from=then.status_label if then.status != now.status else "",
                )
            )
        assessments = likelihoods.get(priority.pk, [])
        current = assessments[0] if assessments else None
        previous = assessments[1] if len(assessments) > 1 else None
        worst = next((st for st in STATUS_ORDER if st in statuses), perf.NO_DATA)
        line = PriorityLine(
            priority=priority,
            status=worst,
            status_label=perf.STATUS_LABELS[worst],
            likelihood=current.likelihood if current else "",
            likelihood_label=LIKELIHOOD_LABELS.get(current.likelihood, "") if current else "",
            likelihood_class=RAG_CLASS.get(current.likelihood, "") if current else "",
            likelihood_round=current.round.name if current else "",
            likelihood_previous=previous.likelihood if previous else "",
            measures=measure_lines,
        )
        if worst == perf.OFF_TRACK:
            line.attention.append("off track against its trajectory")
        if line.likelihood in ("R", "AR"):
            line.attention.append(f"likelihood of delivery {line.likelihood_label}")
        order = ["R", "AR", "AG", "G"]
        if (
            line.likelihood
            and line.likelihood_previous
            and order.index(line.likelihood) < (order.index(line.likelihood_previous))
        ):
            line.attention.append(f"likelihood worsened from {line.likelihood_previous}")
        if measure_lines or current:
            lines.append(line)
    status_counts = Counter(line.status for line in lines)
    likelihood_counts = Counter(line.likelihood for line in lines if line.likelihood)
    return NoteContent(
        month=month,
        status_counts=[(perf.STATUS_LABELS[s], status_counts.get(s, 0)) for s in STATUS_ORDER],
        likelihood_counts=[
            (code, LIKELIHOOD_LABELS[code], likelihood_counts.get(code, 0))
            for code in ["R", "AR", "AG", "G"]
        ],
        lines=lines,
        attention=[line for line in lines if line.attention],
        overdue_actions_note=NOT_YET_RECORDED.format(what="stocktake and review actions"),
        stocktakes_note=NOT_YET_RECORDED.format(what="stocktake meetings"),
    )


# --- the builder ------------------------------------------------------------------------------


def parse_month(value: Any) -> date:
    try:
        year, month = str(value).split("-")
        return date(int(year), int(month), 1)
    except (ValueError, TypeError):
        raise documents.DocumentRefused(BAD_MONTH) from None


class PMNoteBuilder:
    kind = DocumentKind.PM_NOTE
    formats = (DocumentFormat.DOCX, DocumentFormat.PDF)

    def describe(self, subject: dict[str, Any], user: Any) -> documents.Subject:
        if not access.sees_all_departments(user):
            # The note is about the whole portfolio: for a scoped principal it does not exist.
            raise Http404
        month = parse_month(subject.get("month", ""))
        return documents.Subject(
            key=f"month={month:%Y-%m}",
            title=f"Note to the Prime Minister, {month:%B %Y}",
            department_ids=[],
            data={"month": f"{month:%Y-%m}"},
            data_as_at=clock.today(),
        )

    def request_form(self, user: Any) -> dict[str, Any]:
        today = clock.today().replace(day=1)
        months = [today]
        for _ in range(11):
            months.append(previous_month(months[-1]))
        return {
            "kind": self.kind,
            "title": "Monthly note to the Prime Minister",
            "short_title": "the note",
            "fields": [
                {
                    "name": "month",
                    "label": "Month",
                    "choices": [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months],
                }
            ],
            "formats": [(f.value, f.label) for f in (DocumentFormat.DOCX, DocumentFormat.PDF)],
        }

    def build(self, document: GeneratedDocument, progress: documents.Progress) -> bytes:
        content = note_content(parse_month(document.subject["month"]))
        progress(60)
        if document.format == DocumentFormat.PDF:
            return rendering.render_pdf(
                "documents/pm_note.html", {"document": document, "note": content}
            )
        return _word(document, content)


def _word(document: GeneratedDocument, note: NoteContent) -> bytes:
    doc = rendering.word_document(document)
    doc.add_heading(document.title, level=1)
    doc.add_heading("Headlines", level=2)
    doc.add_paragraph(
        "Priorities against trajectory: "
        + "; ".join(f"{label} {count}" for label, count in note.status_counts)
        + "."
    )
    doc.add_paragraph(
        "Likelihood of delivery (latest published round): "
        + "; ".join(f"{label} {count}" for _code, label, count in note.likelihood_counts)
        + "."
    )
    doc.add_heading("Needs your attention", level=2)
    if note.attention:
        for line in note.attention:
            doc.add_paragraph(
                f"{line.priority.code} {line.priority.title}: {', '.join(line.attention)}.",
                style="List Bullet",
            )
    else:
        doc.add_paragraph("Nothing this month.")
    doc.add_heading("Priorities", level=2)
    rows = []
    for line in note.lines:
        for index, m in enumerate(line.measures or [None]):
            rows.append(
                [
                    f"{line.priority.code} {line.priority.title}" if index == 0 else "",
                    m.name if m else "",
                    f"{m.latest} ({m.period}) vs {m.planned}" if m else "",
                    m.status_label if m else "",
                    m.change if m else "",
                    (line.likelihood_label or "Not assessed") if index == 0 else "",
                ]
            )
    rendering.word_table(
        doc,
        ["Priority", "Measure", "Latest vs trajectory", "Status", "Change", "Likelihood"],
        rows,
    )
    doc.add_heading("Overdue actions", level=2)
    doc.add_paragraph(note.overdue_actions_note)
    doc.add_heading("Forthcoming stocktakes", level=2)
    doc.add_paragraph(note.stocktakes_note)
    return rendering.word_bytes(doc)


def request_monthly_note(*, month: date, by: Any) -> list[GeneratedDocument]:
    """Queue the note for `month` in both formats, asked for by `by` (a user, or access.SYSTEM
    on the schedule); a format already being built is skipped."""
    queued = []
    for fmt in PMNoteBuilder.formats:
        try:
            queued.append(
                documents.document_request(
                    kind=DocumentKind.PM_NOTE,
                    format=fmt,
                    subject={"month": f"{month:%Y-%m}"},
                    by=by,
                )
            )
        except documents.DocumentRefused:
            continue
    return queued
