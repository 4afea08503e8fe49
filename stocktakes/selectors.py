"""Reads for forums, meetings and their trackers, scoped to the user.

The meeting page, the pack and the minutes all read through here, so a meeting's tracker and
outstanding actions are the same wherever they appear. Each read runs a fixed number of
queries whatever the number of actions.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import QueryDict

from deliveryunit import access, clock
from deliveryunit.models import Department
from priorities import performance
from priorities.charts import format_value
from priorities.models import IndicatorType, Priority
from priorities.selectors import measure_series_for_priorities, with_measure_data

from .models import (
    OUTSTANDING,
    Action,
    ActionStatus,
    AgendaItem,
    Attendee,
    Forum,
    ForumMember,
    Meeting,
    Minutes,
    MinutesDelivery,
    PackIssue,
)

_ACTION_RELATED = ("department", "owner_user", "meeting")


# --- forums -----------------------------------------------------------------------------------


def _forums() -> QuerySet[Forum]:
    return Forum.objects.prefetch_related(
        Prefetch("priorities", queryset=Priority.objects.select_related("lead_department")),
        Prefetch("members", queryset=ForumMember.objects.select_related("department")),
    )


def forums_for_user(user: Any) -> QuerySet[Forum]:
    return access.scoped(_forums(), user)


def forum_for_user(user: Any, pk: Any) -> Forum:
    """One forum the user may see, or 404."""
    return access.get_for_user(_forums(), user, pk=pk)


# --- meetings ---------------------------------------------------------------------------------


def _meetings() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("forum").prefetch_related(
        Prefetch("attendees", queryset=Attendee.objects.select_related("department")),
        Prefetch(
            "agenda_items",
            queryset=AgendaItem.objects.select_related("priority").order_by("order", "pk"),
        ),
    )


def meetings_for_user(user: Any) -> QuerySet[Meeting]:
    return access.scoped(_meetings(), user)


def meeting_for_user(user: Any, pk: Any) -> Meeting:
    """One meeting the user may see, with its forum, attendees and agenda, or 404."""
    return access.get_for_user(_meetings(), user, pk=pk)


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The forum's meeting before this one by date (the earlier-made one on the same day)."""
    return (
        Meeting.objects.filter(forum_id=meeting.forum_id)
        .filter(Q(date__lt=meeting.date) | Q(date=meeting.date, pk__lt=meeting.pk))
        .order_by("-date", "-pk")
        .first()
    )


def meeting_tracker(meeting: Meeting) -> list[Action]:
    """The actions agreed at the previous meeting of the forum, in due order."""
    previous = previous_meeting(meeting)
    if previous is None:
        return []
    return list(
        Action.objects.filter(meeting=previous)
        .select_related(*_ACTION_RELATED)
        .order_by("due", "pk")
    )


def outstanding_actions(meeting: Meeting) -> list[Action]:
    """Every open or in-progress action agreed at an earlier meeting of this forum, or about a
    priority in the forum's scope, leaving out those already in the tracker."""
    previous = previous_meeting(meeting)
    earlier = Meeting.objects.filter(forum_id=meeting.forum_id).filter(
        Q(date__lt=meeting.date) | Q(date=meeting.date, pk__lt=meeting.pk)
    )
    in_scope = Forum.priorities.through.objects.filter(forum_id=meeting.forum_id).values(
        "priority_id"
    )
    actions = (
        Action.objects.filter(status__in=OUTSTANDING)
        .filter(Q(meeting__in=earlier.values("pk")) | Q(priority__in=in_scope))
        .exclude(meeting_id=meeting.pk)
    )
    if previous is not None:
        actions = actions.exclude(meeting_id=previous.pk)
    return list(actions.select_related(*_ACTION_RELATED).order_by("due", "pk"))


# --- the pack's contents ----------------------------------------------------------------------


def code_key(priority: Priority) -> tuple:
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", priority.code)
        if part
    )


def _action_row(action: Action, today: date) -> dict[str, Any]:
    return {
        "key": action.pk,
        "description": action.description,
        "owner": action.owner,
        "department": action.department.name,
        "due": action.due.isoformat(),
        "status": action.get_status_display(),
        "overdue": action.is_overdue(today),
    }


def _indicator_rows(meeting: Meeting) -> list[dict[str, Any]]:
    priorities = sorted(
        with_measure_data(Priority.objects.filter(forums=meeting.forum_id)), key=code_key
    )
    # The dashboard as it stood on the meeting date: figures as then known.
    series = measure_series_for_priorities(priorities, known_at=meeting.date)
    rows = []
    for priority in priorities:
        measures = list(priority.measures.all())
        leads = [m for m in measures if m.indicator_type == IndicatorType.LEAD]
        for measure in leads or [m for m in measures if m.indicator_type == IndicatorType.OUTCOME]:
            measure_series = series[measure.pk]
            assessed = performance.assess(measure_series, as_at=meeting.date)
            earlier = sorted(
                (a for a in measure_series.actuals if a.period <= meeting.date),
                key=lambda a: a.period,
            )
            change = (
                float(earlier[-1].value) - float(earlier[-2].value) if len(earlier) > 1 else None
            )
            rows.append(
                {
                    "key": measure.pk,
                    "priority_code": priority.code,
                    "priority": priority.title,
                    "measure": measure.name,
                    "unit": measure.unit,
                    "latest": assessed.latest_value,
                    "latest_period": assessed.latest_label,
                    "planned": assessed.planned_value,
                    "status": assessed.status,
                    "status_label": assessed.status_label,
                    "change": change,
                    "provisional": assessed.latest_provisional,
                    "latest_text": format_value(assessed.latest_value, measure.unit),
                    "planned_text": format_value(assessed.planned_value, measure.unit),
                    "change_text": format_value(change, measure.unit, signed=True),
                }
            )
    return rows


def pack_contents(meeting: Meeting, today: date | None = None) -> dict[str, Any]:
    """Everything a pack for `meeting` shows, as plain JSON-ready data: what an issued pack
    freezes, and what the next version is compared with."""
    today = today or clock.today()
    meeting = _meetings().get(pk=meeting.pk)
    attendees = list(meeting.attendees.all())
    return {
        "meeting": {
            "forum": meeting.forum.name,
            "kind": meeting.forum.get_kind_display(),
            "date": meeting.date.isoformat(),
            "time": meeting.start_time.strftime("%H:%M") if meeting.start_time else "",
            "place": meeting.place,
            "chair": meeting.forum.chair,
        },
        "attendees": [
            {
                "key": a.pk,
                "name": a.name,
                "role": a.role,
                "kind": a.get_kind_display(),
                "department": a.department.name if a.department else "",
                "present": a.present,
            }
            for a in attendees
        ],
        "agenda": [
            {
                "key": item.pk,
                "order": item.order,
                "title": item.title,
                "lead": item.lead,
                "minutes": item.minutes_allowed,
                "priority": (
                    f"{item.priority.code}: {item.priority.title}" if item.priority else ""
                ),
                "paper": item.paper,
            }
            for item in meeting.agenda_items.all()
        ],
        "tracker": [_action_row(a, today) for a in meeting_tracker(meeting)],
        "outstanding": [_action_row(a, today) for a in outstanding_actions(meeting)],
        "indicators": _indicator_rows(meeting),
        # The pack goes to the people invited, by post: the cover lists them.
        "distribution": [
            f"{a.role} ({a.name})" if a.name else a.role
            for a in sorted(attendees, key=lambda a: (a.order, a.pk))
        ],
    }


# --- issuing the pack -------------------------------------------------------------------------


def packs() -> QuerySet[PackIssue]:
    return PackIssue.objects.select_related("meeting__forum", "document", "issued_by")


def pack_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """Plain sentences saying what differs between two issued versions of a pack."""
    if before is None:
        return []
    changes: list[str] = []
    sections = [
        ("agenda", "Agenda item", "title"),
        ("tracker", "Action from last meeting", "description"),
        ("outstanding", "Outstanding action", "description"),
        ("indicators", "Indicator", "measure"),
    ]
    for key, noun, label_field in sections:
        old = {row.get("key", row.get(label_field)): row for row in before.get(key, [])}
        new = {row.get("key", row.get(label_field)): row for row in after.get(key, [])}
        for row_key in new.keys() - old.keys():
            changes.append(f"{noun} added: {new[row_key].get(label_field)}")
        for row_key in old.keys() - new.keys():
            changes.append(f"{noun} removed: {old[row_key].get(label_field)}")
        for row_key in old.keys() & new.keys():
            if old[row_key] != new[row_key]:
                changes.append(f"{noun} changed: {new[row_key].get(label_field)}")
    if before.get("meeting") != after.get("meeting"):
        changes.append("Meeting details changed (date, time or place).")
    if before.get("attendees") != after.get("attendees"):
        changes.append("Attendance list changed.")
    return changes


@dataclass
class PackIssuePage:
    """What issuing the pack now would freeze, and how it differs from the last version."""

    contents: dict[str, Any]
    issues: list[PackIssue]  # newest first
    changes: list[str]

    @property
    def previous(self) -> PackIssue | None:
        return self.issues[0] if self.issues else None

    @property
    def next_number(self) -> int:
        return self.previous.number + 1 if self.previous else 1


def pack_issue_page(meeting: Meeting) -> PackIssuePage:
    contents = pack_contents(meeting)
    issues = list(packs().filter(meeting=meeting).order_by("-number"))
    changes = pack_changes(issues[0].contents, contents) if issues else []
    return PackIssuePage(contents=contents, issues=issues, changes=changes)


# --- the action tracker -----------------------------------------------------------------------

ACTIONS_PER_PAGE = 100

_STATUS_RANK = Case(
    *(When(status=value, then=Value(rank)) for rank, value in enumerate(ActionStatus.values)),
    output_field=IntegerField(),
)
_ORDERINGS = {
    "due": ("due", "pk"),
    "description": ("description", "pk"),
    "owner": ("owner", "due", "pk"),
    "department": ("department__name", "due", "pk"),
    "status": ("status_rank", "due", "pk"),
}
# Sort keys offered by the tracker's column headings.
SORTS = tuple(_ORDERINGS)
_COLUMNS = [
    ("description", "Action"),
    ("owner", "Owner"),
    ("department", "Department"),
    ("due", "Due"),
    ("status", "Status"),
]


def with_overdue(queryset: QuerySet[Action], today: date) -> QuerySet[Action]:
    return queryset.annotate(
        overdue=Case(
            When(status__in=OUTSTANDING, due__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def action_departments(user: Any) -> QuerySet[Department]:
    """Actions are scoped by their own department, so that is what the filter offers."""
    if access.sees_all_departments(user):
        return Department.objects.order_by("name")
    return Department.objects.filter(pk=access.department_id_of(user))


def tracker_actions(
    user: Any, filters: dict[str, Any], sort: tuple[str, bool], today: date
) -> QuerySet[Action]:
    """The actions `user` may see that match the filters, with `overdue` and in order."""
    actions = with_overdue(
        access.scoped(Action.objects.all(), user).select_related(
            "department", "owner_user", "meeting__forum"
        ),
        today,
    )
    status = filters.get("status") or "outstanding"
    if status == "outstanding":
        actions = actions.filter(status__in=OUTSTANDING)
    elif status == "overdue":
        actions = actions.filter(status__in=OUTSTANDING, due__lt=today)
    elif status == "done":
        actions = actions.filter(status=ActionStatus.DONE)
    if filters.get("department"):
        actions = actions.filter(department=filters["department"])
    if filters.get("forum"):
        actions = actions.filter(meeting__forum=filters["forum"])
    if filters.get("owner") == "mine":
        actions = actions.filter(owner_user=user)
    if filters.get("priority"):
        actions = actions.filter(priority=filters["priority"])
    key, descending = sort
    order = _ORDERINGS[key]
    if key == "status":
        actions = actions.annotate(status_rank=_STATUS_RANK)
    if descending:
        order = (f"-{order[0]}", *order[1:])
    return actions.order_by(*order)


@dataclass
class Column:
    key: str
    label: str
    url: str
    # "ascending", "descending" or "none", as aria-sort wants.
    sorted: str


def _query(params: QueryDict, **changes: str) -> str:
    """The tracker's query string with some parameters changed, back on the first page."""
    values = {
        key: params.get(key, "") for key in ("status", "department", "forum", "owner", "priority")
    }
    values["sort"] = params.get("sort", "")
    values.update(changes)
    return "?" + urlencode({key: value for key, value in values.items() if value})


def _sort(params: QueryDict) -> tuple[str, bool]:
    raw = params.get("sort", "")
    descending = raw.startswith("-")
    key = raw.removeprefix("-")
    if key not in SORTS:
        return "due", False
    return key, descending


@dataclass
class TrackerPage:
    """One page of the tracker: the actions, sortable columns and links to other pages."""

    filters: dict[str, Any]
    sort: str  # as the query string gives it: "due", "-status"
    columns: list[Column]
    page: Page
    pages: dict[str, str]  # "previous" and "next" query strings, "" at either end
    overdue_count: int

    @property
    def status(self) -> str:
        return self.filters.get("status") or "outstanding"

    @property
    def filtered(self) -> bool:
        chosen = any(
            self.filters.get(name) for name in ("department", "forum", "owner", "priority")
        )
        return chosen or self.status != "outstanding"


def tracker_page(user: Any, filters: dict[str, Any], params: QueryDict, today: date) -> TrackerPage:
    key, descending = _sort(params)
    actions = tracker_actions(user, filters, (key, descending), today)
    page = Paginator(actions, ACTIONS_PER_PAGE).get_page(params.get("page"))
    overdue_count = (
        access.scoped(Action.objects.all(), user)
        .filter(status__in=OUTSTANDING, due__lt=today)
        .aggregate(n=Count("pk"))["n"]
    )
    columns = []
    for column_key, label in _COLUMNS:
        is_sorted = column_key == key
        next_sort = f"-{column_key}" if is_sorted and not descending else column_key
        columns.append(
            Column(
                key=column_key,
                label=label,
                url=_query(params, sort=next_sort),
                sorted=("descending" if descending else "ascending") if is_sorted else "none",
            )
        )
    previous = page.previous_page_number() if page.has_previous() else None
    following = page.next_page_number() if page.has_next() else None
    return TrackerPage(
        filters=filters,
        sort=f"-{key}" if descending else key,
        columns=columns,
        page=page,
        pages={
            "previous": _query(params, page=str(previous)) if previous else "",
            "next": _query(params, page=str(following)) if following else "",
        },
        overdue_count=overdue_count,
    )


# --- minutes ----------------------------------------------------------------------------------


def minutes_of(meeting: Meeting) -> Minutes | None:
    return Minutes.objects.select_related("issued_by").filter(meeting=meeting).first()


def latest_delivery(minutes: Minutes | None) -> MinutesDelivery | None:
    """How the latest sending of the minutes went, with each try."""
    if minutes is None or not minutes.is_issued:
        return None
    return (
        MinutesDelivery.objects.filter(minutes=minutes)
        .prefetch_related("attempts")
        .order_by("-requested_at", "-pk")
        .first()
    )


def allocated_actions(meeting: Meeting) -> list[Action]:
    """The actions agreed at this meeting, grouped by agenda item as the minutes list them."""
    return list(
        Action.objects.filter(meeting=meeting)
        .select_related("department", "owner_user", "agenda_item")
        .order_by(
            Case(When(agenda_item__isnull=True, then=Value(1)), default=Value(0)),
            "agenda_item__order",
            "due",
            "pk",
        )
    )


def visible_action_ids(meeting: Meeting, user: Any) -> set[int]:
    """Of the actions agreed at the meeting, those `user` may open (actions are scoped by their
    own department, which need not be one the meeting's reader sees)."""
    return set(
        access.scoped(Action.objects.filter(meeting=meeting), user).values_list("pk", flat=True)
    )
