"""The portfolio dashboard: every priority a user may see, with what a minister asks about it.

Each row joins what the apps know about one priority: its likelihood of delivery in the latest
published round and the move since the round before (assessments), its performance against
trajectory with a sparkline (the stored MeasurePerformance of its measures, never the actuals),
its next milestone (priorities), its open and overdue actions and the next meeting of a forum
that covers it (stocktakes), and a review under way (through deliveryunit.priority_facts, once
an app supplies reviews). Sub-targets are folded under their parent.

The whole dashboard runs a fixed number of queries whatever the size of the portfolio: one per
kind of fact for all priorities together, joined in Python; filtering by likelihood and status,
sorting, counting and the "what has changed" panel are done on those rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from assessments.selectors import latest_likelihoods
from deliveryunit import access, clock, priority_facts
from deliveryunit.priority_facts import IMPROVED, UNCHANGED, WORSENED, Likelihood, ReviewUnderWay
from priorities import charts
from priorities import performance as perf
from priorities.models import Measure, MeasurePerformance, Milestone, MilestoneStatus, Priority
from priorities.selectors import stored_performance
from stocktakes.models import OUTSTANDING, Action, Meeting, MeetingStatus
from stocktakes.panels import forum_priority_ids, tracker_url

# The worst status first: a priority is as far off track as its worst measure.
STATUS_ORDER = [perf.OFF_TRACK, perf.WITHIN_TOLERANCE, perf.ON_TRACK, perf.NO_DATA]
STATUS_TAGS = {
    perf.ON_TRACK: "govuk-tag--green",
    perf.WITHIN_TOLERANCE: "govuk-tag--yellow",
    perf.OFF_TRACK: "govuk-tag--red",
    perf.NO_DATA: "govuk-tag--grey",
}
# Best first, as a minister reads the scale; "none" is not yet judged.
LIKELIHOOD_CODES = ["G", "AG", "AR", "R"]
LIKELIHOOD_LABELS = {"G": "Green", "AG": "Amber-Green", "AR": "Amber-Red", "R": "Red"}
NOT_ASSESSED = "none"
MOVE_ORDER = {WORSENED: 0, UNCHANGED: 1, IMPROVED: 2, "": 3}
# Top-level rows a page of the table shows, each with its sub-targets. The tiles, counts and
# "what has changed" always cover every row the filters leave, whatever the page.
ROWS_PER_PAGE = 50

_OPEN_MILESTONES = [MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS]
_COMING_MEETINGS = [MeetingStatus.PLANNED, MeetingStatus.PACK_ISSUED]


# --- rows -------------------------------------------------------------------------------------


@dataclass
class MeasureLine:
    """One measure's stored performance as the dashboard says it."""

    measure: Measure
    performance: Any  # MeasurePerformance (stored, or an unsaved "no data" one)

    @property
    def latest_text(self) -> str:
        p = self.performance
        if p.latest_value is None:
            return "No actual data yet"
        text = charts.format_value(p.latest_value, self.measure.unit)
        if p.latest_provisional:
            text += " (provisional)"
        if p.planned_value is not None:
            text += f" against {charts.format_value(p.planned_value, self.measure.unit)} planned"
        return text

    @property
    def period_text(self) -> str:
        day = self.performance.latest_period
        return charts.spark_period(day, self.measure.frequency) if day else ""

    @property
    def sparkline(self) -> SafeString:
        # charts.sparkline_inline draws numbers and our own colours only: nothing to escape.
        svg = charts.sparkline_inline(self.performance.sparkline)
        return mark_safe(svg)  # noqa: S308  # nosec B308 B703  # numbers and our colours only

    @property
    def sparkline_text(self) -> str:
        return charts.sparkline_text(
            self.performance.sparkline, self.measure.unit, self.measure.frequency
        )


@dataclass(frozen=True)
class NextMilestone:
    title: str
    due: date
    overdue: bool


@dataclass(frozen=True)
class NextMeeting:
    pk: int
    forum: str
    date: date


@dataclass
class Row:
    priority: Priority
    measures: list[MeasureLine]
    likelihood: Likelihood | None
    next_milestone: NextMilestone | None
    open_actions: int
    overdue_actions: int
    next_meeting: NextMeeting | None
    review: ReviewUnderWay | None
    depth: int = 0
    children: list[Row] = field(default_factory=list)
    # Set on a sub-target shown at the top level because its parent is not among the rows.
    parent_code: str = ""

    @property
    def status(self) -> str:
        statuses = {line.performance.status for line in self.measures}
        return next((s for s in STATUS_ORDER if s in statuses), perf.NO_DATA)

    @property
    def status_label(self) -> str:
        return perf.STATUS_LABELS[self.status]

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS[self.status]

    @property
    def headline(self) -> MeasureLine | None:
        """The measure that sets the row's status (the worst), outcomes before lead indicators,
        then in the order the measures were added."""
        if not self.measures:
            return None
        return min(
            self.measures,
            key=lambda line: (
                STATUS_ORDER.index(line.performance.status),
                line.measure.indicator_type != "outcome",
                line.measure.pk,
            ),
        )

    @property
    def slipped(self) -> list[MeasureLine]:
        """Measures off track now that were not at their previous actual."""
        return [line for line in self.measures if line.performance.slipped]

    @property
    def likelihood_code(self) -> str:
        return self.likelihood.code if self.likelihood else NOT_ASSESSED

    @property
    def actions_url(self) -> str:
        return tracker_url(self.priority.pk)

    @property
    def overdue_url(self) -> str:
        return tracker_url(self.priority.pk, "overdue")

    @property
    def indent(self) -> int:
        return min(self.depth, 3)

    def walk(self) -> Iterable[Row]:
        """This row and its sub-targets, depth first, in their order."""
        yield self
        for child in self.children:
            yield from child.walk()


# --- sorting ----------------------------------------------------------------------------------


def natural_key(code: str) -> tuple:
    """Natural order of codes, so "PSA 7" comes before "PSA 10"."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", code)
        if part
    )


@dataclass(frozen=True)
class SortKey:
    key: str
    label: str
    # The value sorted on, or None for rows that go last whichever way the column is sorted.
    value: Callable[[Row], Any]


SORT_KEYS = [
    SortKey("priority", "Priority", lambda r: natural_key(r.priority.code)),
    SortKey("department", "Lead department", lambda r: r.priority.lead_department.name.lower()),
    SortKey(
        "likelihood",
        "Likelihood of delivery",
        lambda r: r.likelihood.order if r.likelihood else None,
    ),
    SortKey(
        "status",
        "Performance against trajectory",
        lambda r: STATUS_ORDER.index(r.status) if r.measures else None,
    ),
    SortKey(
        "milestone",
        "Next milestone",
        lambda r: r.next_milestone.due if r.next_milestone else None,
    ),
    SortKey("actions", "Actions", lambda r: (-r.overdue_actions, -r.open_actions)),
    SortKey("meeting", "Next meeting", lambda r: r.next_meeting.date if r.next_meeting else None),
    # Shown only when an app supplies reviews (priority_facts.has_reviews).
    SortKey("review", "Review under way", lambda r: r.review.title.lower() if r.review else None),
]
SORTS = {sort.key: sort for sort in SORT_KEYS}
DEFAULT_SORT = "priority"


def parse_sort(raw: str | None) -> tuple[str, bool]:
    """("status", True) from "-status"; the default for anything unknown."""
    raw = raw or ""
    key = raw.removeprefix("-")
    if key not in SORTS:
        return DEFAULT_SORT, False
    return key, raw.startswith("-")


def sort_rows(rows: list[Row], key: str, descending: bool) -> list[Row]:
    """Rows sorted on one column, ties and rows without a value in code order (the latter
    last, whichever the direction); sub-targets sorted the same way under their parent."""
    value = SORTS[key].value
    by_code = sorted(rows, key=lambda r: natural_key(r.priority.code))
    known = [r for r in by_code if value(r) is not None]
    unknown = [r for r in by_code if value(r) is None]
    ordered = sorted(known, key=value, reverse=descending) + unknown
    for row in ordered:
        row.children = sort_rows(row.children, key, descending)
    return ordered


# --- reading the facts ------------------------------------------------------------------------


def _priorities(user: Any, filters: dict[str, Any], today: date) -> list[Priority]:
    """The active priorities `user` may see that match the department, forum and kind filters,
    each with its next open milestone (annotated: one query)."""
    priorities = access.scoped(Priority.objects.filter(active=True), user)
    if department := filters.get("department"):
        priorities = priorities.filter(
            pk__in=Priority.objects.filter(
                Q(lead_department=department) | Q(delivery_chain=department)
            ).values("pk")
        )
    if forum := filters.get("forum"):
        priorities = priorities.filter(pk__in=forum_priority_ids(user, forum))
    if kind := filters.get("kind"):
        priorities = priorities.filter(kind=kind)
    next_milestone = Milestone.objects.filter(
        priority=OuterRef("pk"), status__in=_OPEN_MILESTONES
    ).order_by("due", "pk")
    return list(
        priorities.select_related("lead_department", "parent").annotate(
            next_milestone_title=Subquery(next_milestone.values("title")[:1]),
            next_milestone_due=Subquery(next_milestone.values("due")[:1]),
        )
    )


# What a row says of a measure's stored performance (the sparkline aside).
_PERFORMANCE_FIELDS = (
    "measure",
    "status",
    "latest_period",
    "latest_value",
    "latest_provisional",
    "planned_value",
    "previous_status",
)


def _measures(ids: list[int]) -> dict[int, list[MeasureLine]]:
    # Sparklines are read only for the rows on the page (_add_sparklines): decoding every
    # measure's points would cost more than the rest of the dashboard at portfolio scale.
    lines: dict[int, list[MeasureLine]] = defaultdict(list)
    for measure in (
        Measure.objects.filter(priority_id__in=ids)
        .select_related("stored_performance")
        .only(
            "priority_id",
            "name",
            "unit",
            "frequency",
            "indicator_type",
            *(f"stored_performance__{name}" for name in _PERFORMANCE_FIELDS),
        )
        .order_by("pk")
    ):
        lines[measure.priority_id].append(MeasureLine(measure, stored_performance(measure)))
    return lines


def _action_counts(user: Any, ids: list[int], today: date) -> dict[int, tuple[int, int]]:
    """(open, overdue) actions on each priority that `user` may see."""
    rows = (
        access.scoped(Action.objects.filter(priority_id__in=ids, status__in=OUTSTANDING), user)
        .values("priority_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due__lt=today)))
        .values_list("priority_id", "open", "overdue")
    )
    return {priority_id: (open_, overdue) for priority_id, open_, overdue in rows}


def _next_meetings(ids: list[int], today: date) -> dict[int, NextMeeting]:
    """The next meeting, on or after today, of a forum with each priority in its scope."""
    found: dict[int, NextMeeting] = {}
    for priority_id, pk, day, forum in (
        Meeting.objects.filter(
            date__gte=today, status__in=_COMING_MEETINGS, forum__priorities__in=ids
        )
        .order_by("date", "pk")
        .values_list("forum__priorities", "pk", "date", "forum__name")
    ):
        found.setdefault(priority_id, NextMeeting(pk=pk, forum=forum, date=day))
    return found


def _add_sparklines(rows: Iterable[Row]) -> None:
    """The stored sparkline of each row's headline measure, in one query. Every other line
    gets an empty one, so that reading it never asks the database again."""
    headlines = {}
    for row in rows:
        for line in row.measures:
            if line.performance.pk is not None:
                line.performance.sparkline = {}
        if (line := row.headline) is not None and line.performance.pk is not None:
            headlines[line.performance.pk] = line.performance
    if not headlines:
        return
    for pk, points in MeasurePerformance.objects.filter(pk__in=headlines).values_list(
        "pk", "sparkline"
    ):
        headlines[pk].sparkline = points


def visible_ids(user: Any) -> set[int]:
    return set(access.scoped(Priority.objects.all(), user).values_list("pk", flat=True))


def fold(rows: list[Row], visible: set[int]) -> list[Row]:
    """Sub-targets under their parent (any depth) when the parent is among the rows; others at
    the top level, saying whose sub-target they are when the user may see the parent (one out
    of their scope is never named)."""
    by_id = {row.priority.pk: row for row in rows}
    top = []
    for row in rows:
        parent = by_id.get(row.priority.parent_id)
        if parent is not None and parent is not row:
            parent.children.append(row)
            continue
        if row.priority.parent_id in visible:
            row.parent_code = row.priority.parent.code  # type: ignore[union-attr]
        top.append(row)
    return top


def _set_depths(rows: list[Row], depth: int = 0) -> None:
    for row in rows:
        row.depth = depth
        _set_depths(row.children, depth + 1)


def rows_for(user: Any, filters: dict[str, Any]) -> list[Row]:
    """Every row the department, forum and kind filters leave, not yet folded or sorted."""
    today = clock.today()
    priorities = _priorities(user, filters, today)
    ids = [p.pk for p in priorities]
    measures = _measures(ids)
    likelihoods = latest_likelihoods(user, ids)
    actions = _action_counts(user, ids, today)
    meetings = _next_meetings(ids, today)
    reviews = priority_facts.reviews_under_way(user, ids)
    rows = []
    for priority in priorities:
        due = priority.next_milestone_due  # type: ignore[attr-defined]
        open_, overdue = actions.get(priority.pk, (0, 0))
        rows.append(
            Row(
                priority=priority,
                measures=measures.get(priority.pk, []),
                likelihood=likelihoods.get(priority.pk),
                next_milestone=NextMilestone(
                    title=priority.next_milestone_title,  # type: ignore[attr-defined]
                    due=due,
                    overdue=due < today,
                )
                if due
                else None,
                open_actions=open_,
                overdue_actions=overdue,
                next_meeting=meetings.get(priority.pk),
                review=reviews.get(priority.pk),
            )
        )
    return rows


# --- the page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    key: str  # the filter value
    label: str
    count: int
    url: str
    selected: bool
    css: str = ""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    url: str
    sorted: str  # "ascending", "descending" or "none", as aria-sort wants


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool

    @property
    def link_id(self) -> str:
        return f"page-{self.number}"


@dataclass
class Dashboard:
    rows: list[Row]  # this page's top-level rows, sub-targets in their children
    matching: int  # rows, sub-targets included, that match every filter
    total: int  # rows the department, forum and kind filters leave
    likelihood_tiles: list[Tile]
    status_tiles: list[Tile]
    columns: list[Column]
    sort: str
    moved: list[Row]
    moved_round: str
    slipped: list[Row]
    show_reviews: bool
    page: Page
    page_links: list[PageLink] = field(default_factory=list)
    previous_url: str = ""
    next_url: str = ""

    def all_rows(self) -> list[Row]:
        return [shown for row in self.rows for shown in row.walk()]


FILTER_NAMES = ("department", "forum", "kind", "likelihood", "status")


def query(params: dict[str, Any], **changes: str) -> str:
    """A dashboard query string: the current filters and sort with some changed. The page is
    kept only when asked for: another filter or sort starts again at the first page."""
    values = {name: params.get(name) or "" for name in (*FILTER_NAMES, "sort")}
    values.update(changes)
    encoded = urlencode({k: v for k, v in values.items() if v})
    return f"{reverse('home')}?{encoded}" if encoded else reverse("home")


def _matches(row: Row, filters: dict[str, Any]) -> bool:
    likelihood = filters.get("likelihood")
    if likelihood and row.likelihood_code != likelihood:
        return False
    status = filters.get("status")
    return not (status and row.status != status)


def _tiles(rows: list[Row], params: dict[str, Any], filters: dict[str, Any]) -> tuple[list, list]:
    likelihood_counts = defaultdict(int)
    status_counts = defaultdict(int)
    for row in rows:
        likelihood_counts[row.likelihood_code] += 1
        status_counts[row.status] += 1
    likelihood_tiles = [
        Tile(
            key=code,
            label=LIKELIHOOD_LABELS.get(code, "Not assessed"),
            count=likelihood_counts[code],
            url=query(params, likelihood=code, status=""),
            selected=filters.get("likelihood") == code,
            css=f"du-rag du-rag--{LIKELIHOOD_LABELS[code].lower()}"
            if code in LIKELIHOOD_LABELS
            else "",
        )
        for code in [*LIKELIHOOD_CODES, NOT_ASSESSED]
    ]
    status_tiles = [
        Tile(
            key=status,
            label=perf.STATUS_LABELS[status],
            count=status_counts[status],
            url=query(params, status=status, likelihood=""),
            selected=filters.get("status") == status,
            css=STATUS_TAGS[status],
        )
        for status in STATUS_ORDER
    ]
    return likelihood_tiles, status_tiles


def _columns(params: dict[str, Any], key: str, descending: bool) -> list[Column]:
    columns = []
    for sort in SORT_KEYS:
        if sort.key == "review" and not priority_facts.has_reviews():
            continue
        is_sorted = sort.key == key
        next_sort = f"-{sort.key}" if is_sorted and not descending else sort.key
        columns.append(
            Column(
                key=sort.key,
                label=sort.label,
                url=query(params, sort=next_sort),
                sorted=("descending" if descending else "ascending") if is_sorted else "none",
            )
        )
    return columns


def _move_order(row: Row) -> tuple:
    """Worse first, then in code order."""
    direction = row.likelihood.direction if row.likelihood else ""
    return MOVE_ORDER[direction], natural_key(row.priority.code)


def dashboard(user: Any, filters: dict[str, Any], params: dict[str, Any]) -> Dashboard:
    """The dashboard for `user`: `filters` are the valid ones (an invalid filter is left out),
    `params` the query string as given, for the links that keep it."""
    rows = rows_for(user, filters)
    likelihood_tiles, status_tiles = _tiles(rows, params, filters)
    matching = [row for row in rows if _matches(row, filters)]
    key, descending = parse_sort(params.get("sort"))

    latest_round = max(
        (r.likelihood.round_date for r in rows if r.likelihood and r.likelihood.round_date),
        default=None,
    )
    moved = [
        r
        for r in rows
        if r.likelihood
        and r.likelihood.direction in (IMPROVED, WORSENED)
        and r.likelihood.round_date == latest_round
    ]
    top = fold(matching, visible_ids(user))
    _set_depths(top)
    page = Paginator(sort_rows(top, key, descending), ROWS_PER_PAGE).get_page(params.get("page"))
    _add_sparklines(shown for row in page.object_list for shown in row.walk())
    return Dashboard(
        rows=list(page.object_list),
        matching=len(matching),
        total=len(rows),
        likelihood_tiles=likelihood_tiles,
        status_tiles=status_tiles,
        columns=_columns(params, key, descending),
        sort=f"-{key}" if descending else key,
        moved=sorted(moved, key=_move_order),
        moved_round=next((r.likelihood.round_name for r in moved if r.likelihood), ""),
        slipped=sorted((r for r in rows if r.slipped), key=lambda r: natural_key(r.priority.code)),
        show_reviews=priority_facts.has_reviews(),
        page=page,
        **_page_links(params, page),
    )


def _page_url(params: dict[str, Any], number: int) -> str:
    return query(params, page=str(number) if number > 1 else "")


def _page_links(params: dict[str, Any], page: Page) -> dict[str, Any]:
    if page.paginator.num_pages < 2:
        return {}
    return {
        "page_links": [
            PageLink(number=n, url=_page_url(params, n), current=n == page.number)
            for n in page.paginator.page_range
        ],
        "previous_url": _page_url(params, page.previous_page_number())
        if page.has_previous()
        else "",
        "next_url": _page_url(params, page.next_page_number()) if page.has_next() else "",
    }
