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

from django.db.models import Count, Min
from django.http import Http404
from django.urls import reverse

from assessments.models import Assessment, RoundStatus
from deliveryunit import access, clock, documents, rendering
from deliveryunit.models import DocumentFormat, DocumentKind, GeneratedDocument
from priorities import performance as perf
from priorities import periods
from priorities.charts import format_value
from priorities.models import Actual, Priority
from priorities.selectors import measure_series_for_priorities, with_measure_data
from stocktakes.models import OUTSTANDING, Action, Meeting

from .models import NoteCommentary

BAD_MONTH = "Choose a month for the note, as YYYY-MM."
MONTH_OUT_OF_RANGE = "Choose a month from {first} to {last}: the months with data."
STATUS_ORDER = [perf.OFF_TRACK, perf.WITHIN_TOLERANCE, perf.ON_TRACK, perf.NO_DATA]
# Worse first: how far a status is from on track (no data is not a move either way).
_STATUS_RANK = {perf.ON_TRACK: 0, perf.WITHIN_TOLERANCE: 1, perf.OFF_TRACK: 2}
LIKELIHOODS = ["R", "AR", "AG", "G"]  # worst first
LIKELIHOOD_LABELS = {"R": "Red", "AR": "Amber-Red", "AG": "Amber-Green", "G": "Green"}
RAG_CLASS = {"R": "red", "AR": "amber-red", "AG": "amber-green", "G": "green"}
# The note stays within two pages at any portfolio size: this many priorities, actions and
# meetings are listed, the rest counted and left to the dashboard.
MAX_ATTENTION = 10
MAX_IMPROVED = 5
MAX_ACTIONS = 6
MAX_MEETINGS = 6
MORE_ATTENTION = "and {count} more {noun} needing attention ({detail}): see the dashboard."
MORE_IMPROVED = "and {count} more: see the dashboard."
MORE_ACTIONS = "and {count} more overdue {noun}: see the action tracker."
MORE_MEETINGS = "and {count} more {noun}: see the stocktakes page."
NO_OVERDUE_ACTIONS = "No action was overdue at the end of the month."
NO_STOCKTAKES = "No stocktake is planned for {month}."


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def next_month(month: date) -> date:
    return month_end(month) + timedelta(days=1)


def _others(line: PriorityLine) -> str:
    count = line.other_measures
    return f" (and {count} other {_plural(count, 'measure')})" if count else ""


def _plural(count: int, noun: str) -> str:
    return noun if count == 1 else f"{noun}s"


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
    status_before: str = perf.NO_DATA
    measures: list[MeasureLine] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    improved: list[str] = field(default_factory=list)
    overdue_actions: int = 0

    @property
    def shown_measures(self) -> list[MeasureLine]:
        """The one measure the note's table shows for this priority: the worst placed, and of
        those one whose status changed this month. The others are counted, so the note stays
        within two pages however many measures a priority has."""
        if not self.measures:
            return []
        rank = {status: n for n, status in enumerate(STATUS_ORDER)}
        return [min(self.measures, key=lambda m: (rank[m.status], not m.status_changed_from))]

    @property
    def other_measures(self) -> int:
        return len(self.measures) - len(self.shown_measures)

    @property
    def likelihood_worsened(self) -> bool:
        return _likelihood_move(self) < 0

    @property
    def slipped_off_track(self) -> bool:
        return self.status == perf.OFF_TRACK and self.status_before in (
            perf.ON_TRACK,
            perf.WITHIN_TOLERANCE,
        )

    def importance(self) -> tuple[int, int, str]:
        """Sort key, most important first: a worsened likelihood or a slip off track before
        the rest; then by likelihood, Red before Amber-Red; then by code."""
        first = 0 if self.likelihood_worsened or self.slipped_off_track else 1
        severity = LIKELIHOODS.index(self.likelihood) if self.likelihood else len(LIKELIHOODS)
        return (first, severity, self.priority.code)


def _likelihood_move(line: PriorityLine) -> int:
    """Positive when the likelihood improved since the previous published round, negative
    when it worsened, 0 otherwise."""
    if not (line.likelihood and line.likelihood_previous):
        return 0
    return LIKELIHOODS.index(line.likelihood) - LIKELIHOODS.index(line.likelihood_previous)


@dataclass
class ActionLine:
    description: str
    owner: str
    department: str
    due: date
    priority: str


@dataclass
class MeetingLine:
    date: date
    forum: str
    chair: str
    priorities: int


@dataclass
class NoteContent:
    month: date
    status_counts: list[tuple[str, int]]
    likelihood_counts: list[tuple[str, str, int]]
    lines: list[PriorityLine]
    attention: list[PriorityLine]
    attention_more: str = ""
    moves: list[str] = field(default_factory=list)
    improved: list[PriorityLine] = field(default_factory=list)
    improved_more: str = ""
    overdue_actions: list[ActionLine] = field(default_factory=list)
    overdue_more: str = ""
    overdue_note: str = ""
    stocktakes: list[MeetingLine] = field(default_factory=list)
    stocktakes_more: str = ""
    stocktakes_note: str = ""
    commentary: str = ""

    @property
    def listed(self) -> list[PriorityLine]:
        """The priorities named in the note, in the order named."""
        return self.attention + self.improved


def _latest_likelihoods(priority_ids: list[int], as_at: date) -> dict[int, list[Assessment]]:
    """Each priority's assessments in rounds published and dated by `as_at`, newest first."""
    by_priority: dict[int, list[Assessment]] = {}
    rows = (
        Assessment.objects.filter(
            priority_id__in=priority_ids,
            round__status=RoundStatus.PUBLISHED,
            round__date__lte=as_at,
        )
        .exclude(likelihood="")
        .select_related("round")
        # Only what the note reads: an assessment's texts are long, and there are three rounds
        # of them for each priority.
        .only("priority_id", "likelihood", "round__name", "round__date")
        .order_by("-round__date")
    )
    for assessment in rows:
        by_priority.setdefault(assessment.priority_id, []).append(assessment)
    return by_priority


def _overdue_actions(as_at: date) -> list[Action]:
    """The actions outstanding and past their due date at the end of `as_at`, as the tracker
    stood then: an action since done still counts, one raised later does not (two queries)."""
    candidates = list(
        Action.objects.filter(due__lt=as_at, created_at__date__lte=as_at)
        .select_related("department", "priority")
        .order_by("due", "pk")
    )
    status_then: dict[int, str] = {}
    for record in (
        Action.history.filter(id__in=[a.pk for a in candidates], history_date__date__lte=as_at)
        .order_by("history_date", "history_id")
        .values("id", "status")
    ):
        status_then[record["id"]] = record["status"]
    return [a for a in candidates if status_then.get(a.pk, a.status) in OUTSTANDING]


def _planned_meetings(month: date) -> list[Meeting]:
    start, end = next_month(month), month_end(next_month(month))
    return list(
        # Every meeting of that month was still to come at the note's month end, whatever it
        # has become since.
        Meeting.objects.filter(date__range=(start, end))
        .select_related("forum")
        .annotate(priority_count=Count("forum__priorities", distinct=True))
        .order_by("date", "pk")
    )


def _priority_line(
    priority: Priority,
    series: dict[int, Any],
    assessments: list[Assessment],
    as_at: date,
    before: date,
) -> PriorityLine:
    measure_lines = []
    statuses, statuses_before = [], []
    for measure in priority.measures.all():
        s = series[measure.pk]
        # The note quotes no forecast: status and latest figures only.
        now = perf.assess(s, as_at=as_at, with_forecast=False)
        then = perf.assess(s, as_at=before, with_forecast=False)
        statuses.append(now.status)
        statuses_before.append(then.status)
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
                period=periods.label(now.latest_period, s.frequency) if now.latest_period else "",
                change=change,
                status_changed_from=then.status_label if then.status != now.status else "",
            )
        )
    current = assessments[0] if assessments else None
    previous = assessments[1] if len(assessments) > 1 else None
    worst = next((st for st in STATUS_ORDER if st in statuses), perf.NO_DATA)
    worst_before = next((st for st in STATUS_ORDER if st in statuses_before), perf.NO_DATA)
    return PriorityLine(
        priority=priority,
        status=worst,
        status_label=perf.STATUS_LABELS[worst],
        likelihood=current.likelihood if current else "",
        likelihood_label=LIKELIHOOD_LABELS.get(current.likelihood, "") if current else "",
        likelihood_class=RAG_CLASS.get(current.likelihood, "") if current else "",
        likelihood_round=current.round.name if current else "",
        likelihood_previous=previous.likelihood if previous else "",
        status_before=worst_before,
        measures=measure_lines,
    )


def _judge(line: PriorityLine) -> None:
    """Say what makes `line` an exception: what needs attention, what improved."""
    move = _likelihood_move(line)
    if move < 0:
        line.attention.append(f"likelihood worsened from {line.likelihood_previous}")
    if line.slipped_off_track:
        line.attention.append(
            f"slipped off track (was {perf.STATUS_LABELS[line.status_before].lower()})"
        )
    elif line.status == perf.OFF_TRACK:
        line.attention.append("off track against its trajectory")
    elif (
        line.status in _STATUS_RANK
        and line.status_before in _STATUS_RANK
        and _STATUS_RANK[line.status] > _STATUS_RANK[line.status_before]
    ):
        line.attention.append(
            f"now {line.status_label.lower()} "
            f"(was {perf.STATUS_LABELS[line.status_before].lower()})"
        )
    if line.likelihood in ("R", "AR"):
        line.attention.append(f"likelihood of delivery {line.likelihood_label}")
    if line.overdue_actions:
        line.attention.append(
            f"{line.overdue_actions} overdue {_plural(line.overdue_actions, 'action')}"
        )
    if move > 0:
        line.improved.append(f"likelihood improved from {line.likelihood_previous}")
    if (
        line.status in _STATUS_RANK
        and line.status_before in _STATUS_RANK
        and _STATUS_RANK[line.status] < _STATUS_RANK[line.status_before]
    ):
        line.improved.append(
            f"now {line.status_label.lower()} "
            f"(was {perf.STATUS_LABELS[line.status_before].lower()})"
        )


def note_content(month: date) -> NoteContent:
    """The note for `month`: figures as they were known at its end, the likelihoods of the
    rounds published by then, the tracker as it stood then."""
    as_at = month_end(month)
    before = month_end(previous_month(month))
    priorities = list(with_measure_data(Priority.objects.filter(active=True)).order_by("code"))
    series = measure_series_for_priorities(priorities, known_at=as_at)
    likelihoods = _latest_likelihoods([p.pk for p in priorities], as_at)
    overdue = _overdue_actions(as_at)
    overdue_by_priority = Counter(a.priority_id for a in overdue if a.priority_id)
    lines = []
    for priority in priorities:
        line = _priority_line(priority, series, likelihoods.get(priority.pk, []), as_at, before)
        line.overdue_actions = overdue_by_priority.get(priority.pk, 0)
        _judge(line)
        if line.measures or line.likelihood:
            lines.append(line)
    status_counts = Counter(line.status for line in lines)
    likelihood_counts = Counter(line.likelihood for line in lines if line.likelihood)
    attention = sorted((line for line in lines if line.attention), key=PriorityLine.importance)
    improved = [line for line in lines if line.improved and not line.attention]
    meetings = _planned_meetings(month)
    return NoteContent(
        month=month,
        # Once the note is issued this is the issued text, which can no longer change.
        commentary=NoteCommentary.objects.filter(month=month.replace(day=1))
        .values_list("text", flat=True)
        .first()
        or "",
        status_counts=[(perf.STATUS_LABELS[s], status_counts.get(s, 0)) for s in STATUS_ORDER],
        likelihood_counts=[
            (code, LIKELIHOOD_LABELS[code], likelihood_counts.get(code, 0)) for code in LIKELIHOODS
        ],
        lines=lines,
        moves=_moves(lines),
        attention=attention[:MAX_ATTENTION],
        attention_more=_more_attention(attention[MAX_ATTENTION:]),
        improved=improved[:MAX_IMPROVED],
        improved_more=(
            MORE_IMPROVED.format(count=len(improved) - MAX_IMPROVED)
            if len(improved) > MAX_IMPROVED
            else ""
        ),
        overdue_actions=[
            ActionLine(
                description=a.description,
                owner=a.owner,
                department=a.department.code,
                due=a.due,
                priority=a.priority.code if a.priority else "",
            )
            for a in overdue[:MAX_ACTIONS]
        ],
        overdue_more=(
            MORE_ACTIONS.format(
                count=len(overdue) - MAX_ACTIONS,
                noun=_plural(len(overdue) - MAX_ACTIONS, "action"),
            )
            if len(overdue) > MAX_ACTIONS
            else ""
        ),
        overdue_note="" if overdue else NO_OVERDUE_ACTIONS,
        stocktakes=[
            MeetingLine(
                date=m.date, forum=m.forum.name, chair=m.forum.chair, priorities=m.priority_count
            )
            for m in meetings[:MAX_MEETINGS]
        ],
        stocktakes_more=(
            MORE_MEETINGS.format(
                count=len(meetings) - MAX_MEETINGS,
                noun=_plural(len(meetings) - MAX_MEETINGS, "meeting"),
            )
            if len(meetings) > MAX_MEETINGS
            else ""
        ),
        stocktakes_note=""
        if meetings
        else NO_STOCKTAKES.format(month=f"{next_month(month):%B %Y}"),
    )


def _moves(lines: list[PriorityLine]) -> list[str]:
    """The moves since last month, counted: what the headline table cannot show."""
    counts = [
        (sum(1 for line in lines if _likelihood_move(line) < 0), "likelihood worsened"),
        (sum(1 for line in lines if _likelihood_move(line) > 0), "likelihood improved"),
        (sum(1 for line in lines if line.slipped_off_track), "slipped off track"),
        (
            sum(
                1
                for line in lines
                if line.status in _STATUS_RANK
                and line.status_before in _STATUS_RANK
                and _STATUS_RANK[line.status] < _STATUS_RANK[line.status_before]
            ),
            "back towards trajectory",
        ),
    ]
    return [f"{what}: {count}" for count, what in counts]


def _more_attention(rest: list[PriorityLine]) -> str:
    if not rest:
        return ""
    off_track = sum(1 for line in rest if line.status == perf.OFF_TRACK)
    red = sum(1 for line in rest if line.likelihood in ("R", "AR"))
    detail = f"{off_track} off track, {red} Red or Amber-Red"
    return MORE_ATTENTION.format(
        count=len(rest), noun="priority" if len(rest) == 1 else "priorities", detail=detail
    )


# --- the builder ------------------------------------------------------------------------------


def parse_month(value: Any) -> date:
    try:
        year, month = str(value).split("-")
        return date(int(year), int(month), 1)
    except (ValueError, TypeError):
        raise documents.DocumentRefused(BAD_MONTH) from None


def check_month(month: date) -> None:
    latest = clock.today().replace(day=1)
    earliest = Actual.objects.aggregate(first=Min("period"))["first"]
    if month > latest or (earliest is not None and month < earliest.replace(day=1)):
        first = f"{earliest:%B %Y}" if earliest else f"{latest:%B %Y}"
        raise documents.DocumentRefused(
            MONTH_OUT_OF_RANGE.format(first=first, last=f"{latest:%B %Y}")
        )


class PMNoteBuilder:
    kind = DocumentKind.PM_NOTE
    formats = (DocumentFormat.DOCX, DocumentFormat.PDF)

    def describe(self, subject: dict[str, Any], user: Any) -> documents.Subject:
        if not access.sees_all_departments(user):
            # The note is about the whole portfolio: for a scoped principal it does not exist.
            raise Http404
        month = parse_month(subject.get("month", ""))
        check_month(month)
        return documents.Subject(
            key=f"month={month:%Y-%m}",
            title=f"Note to the Prime Minister, {month:%B %Y}",
            department_ids=[],
            data={"month": f"{month:%Y-%m}"},
            # Figures as known at the month's end (or today, for the month under way).
            data_as_at=min(month_end(month), clock.today()),
        )

    def request_form(self, user: Any) -> dict[str, Any]:
        # A month input rather than a list: any month with data may be asked for, and the
        # range is checked when the request is made (describe), without a query per page view.
        latest = f"{clock.today():%Y-%m}"
        return {
            "kind": self.kind,
            "title": "Monthly note to the Prime Minister",
            "short_title": "the note",
            "fields": [
                {
                    "name": "month",
                    "label": "Month",
                    "input": "month",
                    "value": latest,
                    "max": latest,
                    "hint": "Any month from the earliest figures to now.",
                }
            ],
            "formats": [(f.value, f.label) for f in (DocumentFormat.DOCX, DocumentFormat.PDF)],
            # The unit lead writes the month's commentary there; analysts read it.
            "companion": {
                "url": reverse("pm_note_commentary"),
                "title": "Unit commentary",
                "button": (
                    "Write the commentary" if access.is_unit_lead(user) else "Read the commentary"
                ),
                "month": latest,
            },
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
    if note.commentary:
        doc.add_heading("From the Delivery Unit", level=2)
        for paragraph in note.commentary.split("\n\n"):
            doc.add_paragraph(paragraph.strip())
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
    doc.add_paragraph("Since last month: " + "; ".join(note.moves) + ".")
    doc.add_heading("Needs your attention", level=2)
    if note.attention:
        for line in note.attention:
            doc.add_paragraph(
                f"{line.priority.code} {line.priority.title}: {', '.join(line.attention)}.",
                style="List Bullet",
            )
        if note.attention_more:
            doc.add_paragraph(note.attention_more)
    else:
        doc.add_paragraph("Nothing this month.")
    if note.improved:
        doc.add_heading("Improved", level=2)
        for line in note.improved:
            doc.add_paragraph(
                f"{line.priority.code} {line.priority.title}: {', '.join(line.improved)}."
            )
        if note.improved_more:
            doc.add_paragraph(note.improved_more)
    if note.listed:
        doc.add_heading("The figures", level=2)
        rows = []
        for line in note.listed:
            for index, m in enumerate(line.shown_measures or [None]):
                rows.append(
                    [
                        f"{line.priority.code} {line.priority.title}" if index == 0 else "",
                        (m.name + _others(line)) if m else "",
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
    for action in note.overdue_actions:
        doc.add_paragraph(
            f"{action.description} ({action.owner}, {action.department}"
            + (f", {action.priority}" if action.priority else "")
            + f"): due {action.due:%-d %B %Y}."
        )
    for text in (note.overdue_more, note.overdue_note):
        if text:
            doc.add_paragraph(text)
    doc.add_heading("Forthcoming stocktakes", level=2)
    for meeting in note.stocktakes:
        doc.add_paragraph(
            f"{meeting.date:%-d %B %Y}: {meeting.forum}, chaired by {meeting.chair} "
            f"({meeting.priorities} {'priority' if meeting.priorities == 1 else 'priorities'})."
        )
    for text in (note.stocktakes_more, note.stocktakes_note):
        if text:
            doc.add_paragraph(text)
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
