"""The stocktake pack as a document kind: a PDF built through deliveryunit.documents, and
registered with it by StocktakesConfig.ready().

A draft is built from the meeting as it stands (selectors.pack_contents) for the unit to check;
an issued version is built from the contents frozen in its PackIssue, so its cover, agenda,
trackers and indicator table are exactly what was issued. Its charts and the annex are drawn
from the measures' series as they stood on the meeting date (later actuals and trajectories
agreed later left out), so they agree with the frozen table.

Every chart in it comes from priorities.charts: the trajectory charts are the pages' figures
exported through the chart browser; the dashboard's sparklines are charts.sparkline_svg, the
sparkline figure drawn as inline SVG (an export costs about half a second each under load, too
slow for a dashboard of dozens).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils.dateformat import format as date_format

from deliveryunit import access, documents, rendering
from deliveryunit.models import (
    DocumentFormat,
    DocumentKind,
    DocumentStatus,
    GeneratedDocument,
)
from priorities import performance as perf
from priorities.charts import measure_figure, sparkline_svg, table_rows
from priorities.models import Priority
from priorities.selectors import measure_series_for_priorities, with_measure_data
from priorities.series import MeasureSeries

from . import selectors
from .models import Meeting, PackIssue

log = logging.getLogger(__name__)

UNKNOWN_MEETING = "Choose a meeting for the pack."
UNKNOWN_ISSUE = "There is no such issued version of this pack."
ALREADY_BUILT = (
    "Version {number} of this pack has been issued and built; what was issued cannot be built "
    "again. Issue a new version instead."
)
DRAFT_VERSION = "DRAFT (not issued)"
DRAFT_NOTE = "Draft for checking by the Delivery Unit: not for circulation."
CHART_UNAVAILABLE = "The chart could not be drawn; its figures are in the annex."
NO_DATA_FOR_MEASURE = "This measure is no longer recorded in the workbench."
NO_INDICATORS = "No leading indicators are recorded for the priorities in this forum's scope."
NO_TRACKER = "No actions were agreed at the previous meeting."
NO_OUTSTANDING = "No other actions are outstanding."
READING_DONE = "Read the meeting and its indicators"

STATUS_CLASS = {
    perf.ON_TRACK: "rag rag--green",
    perf.WITHIN_TOLERANCE: "rag rag--amber-green",
    perf.OFF_TRACK: "rag rag--red",
}


# --- content ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stamp:
    """What the page furniture (_pdf_base.html) prints: for a pack the version is the issue
    number people know it by, not the pipeline's build counter."""

    title: str
    marking: str
    version: str
    data_as_at: date | None


@dataclass
class IndicatorLine:
    row: dict[str, Any]
    status_class: str
    sparkline: str


@dataclass
class MeasureChart:
    name: str
    series: MeasureSeries | None
    figure: dict[str, Any] | None = None
    # Once drawn: the image's name in the PDF (served as chart:<name>).
    image: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Periods of the series the annex leaves out (before its window, and planned ones beyond).
    earlier_rows: int = 0
    later_rows: int = 0
    # Why the chart draws no forecast, when the trend is too thin to project.
    forecast_note: str = ""


@dataclass
class PriorityCharts:
    code: str
    title: str
    charts: list[MeasureChart] = field(default_factory=list)


@dataclass
class AgendaLine:
    item: dict[str, Any]
    starts: str


@dataclass
class PackContent:
    meeting: Meeting
    contents: dict[str, Any]
    issue: PackIssue | None
    meeting_date: date
    attendees_by_kind: list[tuple[str, list[dict[str, Any]]]]
    agenda: list[AgendaLine]
    tracker: list[dict[str, Any]]
    outstanding: list[dict[str, Any]]
    indicators: list[IndicatorLine]
    priorities: list[PriorityCharts]

    @property
    def charts(self) -> list[MeasureChart]:
        return [chart for group in self.priorities for chart in group.charts]


# The annex's table for each indicator: the periods a meeting discusses, not the whole history
# (which the chart draws, and the priority page and its download give in full): half a year of
# monthly data covers the three meetings of a stocktake's usual cycle. Ten priorities of five
# years' monthly data made a pack of 80 pages before, most of its build time.
ANNEX_PERIODS_BEFORE = 6  # periods with data, up to the meeting date
ANNEX_PERIODS_AFTER = 3  # planned periods after it


def annex_window(rows: list[dict[str, Any]], as_at: date) -> tuple[list[dict[str, Any]], int, int]:
    """The annex rows of an indicator: its last ANNEX_PERIODS_BEFORE periods on or before
    `as_at` and the next ANNEX_PERIODS_AFTER, with how many rows were left out before and
    after."""
    upto = [row for row in rows if row["period"] <= as_at]
    after = [row for row in rows if row["period"] > as_at]
    shown = upto[max(0, len(upto) - ANNEX_PERIODS_BEFORE) :] + after[:ANNEX_PERIODS_AFTER]
    return (
        shown,
        max(0, len(upto) - ANNEX_PERIODS_BEFORE),
        max(0, len(after) - ANNEX_PERIODS_AFTER),
    )


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _as_time(value: Any) -> time | None:
    try:
        return time.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _agenda(contents: dict[str, Any]) -> list[AgendaLine]:
    """Agenda items with their start times, counted on from the meeting's start while every
    earlier item has a time allowed."""
    clock = _as_time(contents.get("meeting", {}).get("time"))
    at = datetime.combine(date(2000, 1, 1), clock) if clock else None
    lines = []
    for item in contents.get("agenda", []):
        lines.append(AgendaLine(item, at.strftime("%H:%M") if at else ""))
        minutes = item.get("minutes")
        at = at + timedelta(minutes=int(minutes)) if at and minutes else None
    return lines


def _attendees(contents: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {"Minister": [], "Official": [], "Secretariat": []}
    for attendee in contents.get("attendees", []):
        groups.setdefault(str(attendee.get("kind", "")), []).append(attendee)
    headings = {"Minister": "Ministers", "Official": "Officials", "Secretariat": "Secretariat"}
    return [(headings.get(kind, kind), people) for kind, people in groups.items() if people]


def _actions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "due_date": _as_date(row.get("due"))} for row in rows]


def _series_for(measure_ids: list[int], as_at: date) -> dict[int, MeasureSeries]:
    """The measures' series as they stood on `as_at`: figures as then known (none first
    reported later, revisions as then reported) and trajectories then agreed, so a pack
    rebuilt later still draws what the meeting saw."""
    priorities = with_measure_data(Priority.objects.filter(measures__pk__in=measure_ids).distinct())
    return measure_series_for_priorities(priorities, known_at=as_at)


def pack_content(
    meeting: Meeting, contents: dict[str, Any], issue: PackIssue | None
) -> PackContent:
    """The pack's sections: the frozen (or live) contents, with each indicator's series as at
    the meeting date for its sparkline, chart and annex table. Charts are left undrawn."""
    as_at = meeting.date
    indicators = contents.get("indicators", [])
    series = _series_for(
        [row["key"] for row in indicators if isinstance(row.get("key"), int)], as_at
    )
    lines = []
    groups: dict[str, PriorityCharts] = {}
    for row in indicators:
        measure_series = series.get(row.get("key"))  # type: ignore[arg-type]
        lines.append(
            IndicatorLine(
                row=row,
                status_class=STATUS_CLASS.get(str(row.get("status")), "rag"),
                sparkline=sparkline_svg(measure_series) if measure_series else "",
            )
        )
        code = str(row.get("priority_code", ""))
        group = groups.setdefault(code, PriorityCharts(code, str(row.get("priority", ""))))
        chart = MeasureChart(name=str(row.get("measure", "")), series=measure_series)
        if measure_series is not None:
            assessed = perf.assess(measure_series, as_at=as_at)
            chart.rows, chart.earlier_rows, chart.later_rows = annex_window(
                table_rows(measure_series, assessed), as_at
            )
            chart.figure = measure_figure(measure_series, assessed)
            forecast = assessed.forecast
            if forecast is not None and not forecast.reliable:
                chart.forecast_note = f"{forecast.unreliable_text}."
        group.charts.append(chart)
    return PackContent(
        meeting=meeting,
        contents=contents,
        issue=issue,
        meeting_date=_as_date(contents.get("meeting", {}).get("date")) or meeting.date,
        attendees_by_kind=_attendees(contents),
        agenda=_agenda(contents),
        tracker=_actions(contents.get("tracker", [])),
        outstanding=_actions(contents.get("outstanding", [])),
        indicators=lines,
        priorities=list(groups.values()),
    )


def _draw(charts: list[MeasureChart], progress: documents.Progress) -> dict[str, bytes]:
    """Draw the trajectory charts (in batches, or from the chart cache); one that cannot be
    drawn leaves its figures to the annex rather than failing the pack. Returns the images by
    name."""
    drawable = [chart for chart in charts if chart.figure is not None]
    drawn = rendering.draw_charts(
        [chart.figure for chart in drawable if chart.figure is not None],
        fmt=DocumentFormat.PDF,
        progress=progress,
    )
    images = {}
    for number, (chart, image) in enumerate(zip(drawable, drawn, strict=True)):
        if image is not None:
            chart.image = f"c{number}"
            images[chart.image] = image
    return images


# --- the builder ------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def forum_department_ids(meeting: Meeting) -> list[int]:
    """The departments of the forum's priorities, leading them or in their delivery chains."""
    priorities = Priority.objects.filter(forums=meeting.forum_id)
    leads = priorities.values_list("lead_department_id", flat=True)
    chains = Priority.delivery_chain.through.objects.filter(priority__in=priorities)
    return sorted(set(leads) | set(chains.values_list("department_id", flat=True)))


def issued_document(issue: PackIssue) -> GeneratedDocument | None:
    """The file of an issued version: the build made when it was issued or, if that build
    failed, the build that replaced it (made from the same frozen contents)."""
    if issue.document.status == DocumentStatus.DONE and issue.document.file:
        return issue.document
    return (
        GeneratedDocument.objects.filter(
            kind=DocumentKind.STOCKTAKE_PACK,
            subject_key=issue.document.subject_key,
            format=issue.document.format,
            status=DocumentStatus.DONE,
        )
        .order_by("-version")
        .first()
    )


def subject_key(meeting_id: int, number: int | None) -> str:
    return f"meeting={meeting_id};issue={number or 'draft'}"


def pack_title(meeting: Meeting, number: int | None) -> str:
    version = f"version {number}" if number else "draft"
    return f"Stocktake pack: {meeting.forum.name}, {date_format(meeting.date, 'j F Y')} ({version})"


class StocktakePackBuilder:
    kind = DocumentKind.STOCKTAKE_PACK
    formats = (DocumentFormat.PDF,)

    def _meeting(self, value: Any, user: Any) -> Meeting:
        meetings = Meeting.objects.select_related("forum")
        pk = _int(value)
        if pk is None:
            raise documents.DocumentRefused(UNKNOWN_MEETING)
        # Out of the principal's scope, the meeting does not exist for them.
        return access.get_for_user(meetings, user, pk=pk)

    def _number(self, value: Any, meeting: Meeting) -> int | None:
        if value in ("", None, "draft"):
            return None
        number = _int(value)
        if number is None or number < 1:
            raise documents.DocumentRefused(UNKNOWN_ISSUE)
        issue = meeting.pack_issues.select_related("document").filter(number=number).first()
        if issue is None:
            # Only the next version may be asked for before its PackIssue exists: that is
            # services.pack_issue, which makes the row in the same transaction.
            last = max(meeting.pack_issues.values_list("number", flat=True), default=0)
            if number != last + 1:
                raise documents.DocumentRefused(UNKNOWN_ISSUE)
        elif issued_document(issue) is not None:
            raise documents.DocumentRefused(ALREADY_BUILT.format(number=number))
        return number

    def describe(self, subject: dict[str, Any], user: Any) -> documents.Subject:
        meeting = self._meeting(subject.get("meeting"), user)
        number = self._number(subject.get("issue", ""), meeting)
        return documents.Subject(
            key=subject_key(meeting.pk, number),
            title=pack_title(meeting, number),
            # A draft is the unit's working paper; an issued pack goes to the forum's departments.
            department_ids=forum_department_ids(meeting) if number else [],
            data={"meeting": meeting.pk, "issue": number or ""},
            data_as_at=meeting.date,
        )

    def build(self, document: GeneratedDocument, progress: documents.Progress) -> bytes:
        meeting = (
            Meeting.objects.select_related("forum")
            .filter(pk=_int(document.subject.get("meeting")))
            .first()
        )
        if meeting is None:
            raise documents.DocumentRefused(UNKNOWN_MEETING)
        number = _int(document.subject.get("issue"))
        issue = None
        if number:
            issue = (
                PackIssue.objects.select_related("issued_by")
                .filter(meeting=meeting, number=number)
                .first()
            )
            if issue is None:
                raise documents.DocumentRefused(UNKNOWN_ISSUE)
            contents = issue.contents
        else:
            contents = selectors.pack_contents(meeting)
        content = pack_content(meeting, contents, issue)
        progress(10, READING_DONE)
        images = _draw(content.charts, progress)
        stamp = Stamp(
            title=document.title,
            marking=document.marking or settings.PROTECTIVE_MARKING,
            version=str(number) if number else DRAFT_VERSION,
            data_as_at=document.data_as_at,
        )
        return rendering.render_pdf(
            "documents/stocktake_pack.html",
            {"document": stamp, "pack": content, "wording": _wording()},
            images=images,
            progress=progress,
        )


def _wording() -> dict[str, str]:
    return {
        "draft_note": DRAFT_NOTE,
        "chart_unavailable": CHART_UNAVAILABLE,
        "no_data_for_measure": NO_DATA_FOR_MEASURE,
        "no_indicators": NO_INDICATORS,
        "no_tracker": NO_TRACKER,
        "no_outstanding": NO_OUTSTANDING,
        "annex_before": str(ANNEX_PERIODS_BEFORE),
        "annex_after": str(ANNEX_PERIODS_AFTER),
    }
