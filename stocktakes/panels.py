"""What stocktakes add to the priority pages through the base: two panels of the priority page
(deliveryunit/panels.py) - the actions on the priority, and the meetings that covered it - and
the forum filter of the priority list (deliveryunit/priority_facts.py). Registered by
StocktakesConfig.ready()."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.urls import reverse

from deliveryunit import access, clock
from deliveryunit.panels import Panel
from deliveryunit.priority_facts import Grouping
from priorities.models import Priority

from .models import OUTSTANDING, Action, AgendaItem, Forum, Meeting, PackIssue
from .selectors import with_overdue

ACTIONS_TEMPLATE = "stocktakes/priority_panels.html#actions"
MEETINGS_TEMPLATE = "stocktakes/priority_panels.html#meetings"
UNKNOWN_FORUM = "Choose a forum from the list"


def tracker_url(priority_id: int, status: str = "outstanding") -> str:
    """The action tracker showing one priority's actions."""
    query = urlencode({"priority": priority_id, "status": status})
    return f"{reverse('stocktakes:action_list')}?{query}"


def actions_panel(user: Any, priority: Priority) -> Panel | None:
    """The actions on the priority that the user may see: outstanding ones first, by due date,
    overdue ones marked; then the finished ones, latest due first. One query."""
    actions = list(
        with_overdue(
            access.scoped(Action.objects.filter(priority_id=priority.pk), user),
            clock.today(),
        )
        .select_related("department", "meeting__forum")
        .order_by("due", "pk")
    )
    outstanding = [a for a in actions if a.status in OUTSTANDING]
    finished = [a for a in reversed(actions) if a.status not in OUTSTANDING]
    return Panel(
        template=ACTIONS_TEMPLATE,
        context={
            "priority": priority,
            "actions": outstanding + finished,
            "outstanding": len(outstanding),
            "overdue": sum(1 for a in outstanding if a.overdue),  # type: ignore[attr-defined]
            "tracker_url": tracker_url(priority.pk, "all"),
        },
    )


@dataclass
class MeetingRow:
    meeting: Meeting
    # Why it is listed: the forum has the priority in its scope, or an agenda item was on it.
    in_scope: bool
    on_agenda: bool
    pack: PackIssue | None  # the latest issued pack


def meetings_panel(user: Any, priority: Priority) -> Panel | None:
    """Meetings of forums with the priority in scope and meetings with an agenda item on it,
    that the user may see: the coming ones first, soonest first, then the past ones, latest
    first; each with its latest issued pack. Two queries."""
    meetings = (
        access.scoped(Meeting.objects.all(), user)
        .annotate(
            covers=Exists(
                Forum.priorities.through.objects.filter(
                    forum_id=OuterRef("forum_id"), priority_id=priority.pk
                )
            ),
            on_agenda=Exists(
                AgendaItem.objects.filter(meeting_id=OuterRef("pk"), priority_id=priority.pk)
            ),
        )
        .filter(Q(covers=True) | Q(on_agenda=True))
        .select_related("forum")
        .prefetch_related(
            Prefetch(
                "pack_issues",
                queryset=PackIssue.objects.order_by("-number"),
                to_attr="packs_newest_first",
            )
        )
        .order_by("date", "pk")
    )
    rows = [
        MeetingRow(
            meeting=meeting,
            in_scope=meeting.covers,  # type: ignore[attr-defined]
            on_agenda=meeting.on_agenda,  # type: ignore[attr-defined]
            pack=next(iter(meeting.packs_newest_first), None),  # type: ignore[attr-defined]
        )
        for meeting in meetings
    ]
    today = clock.today()
    past = [r for r in rows if r.meeting.date < today]
    past.reverse()
    return Panel(
        template=MEETINGS_TEMPLATE,
        context={
            "priority": priority,
            "upcoming": [r for r in rows if r.meeting.date >= today],
            "past": past,
        },
    )


# --- the forum filter ---------------------------------------------------------------------


def forum_choices(user: Any) -> list[tuple[str, str]]:
    return [
        (str(pk), name)
        for pk, name in access.scoped(Forum.objects.order_by("name"), user).values_list(
            "pk", "name"
        )
    ]


def forum_priority_ids(user: Any, value: str) -> list[int]:
    """The priorities in the scope of forum `value` (one the user may see), as ids."""
    forum = access.scoped(Forum.objects.filter(pk=value), user).values("pk")
    return list(
        Forum.priorities.through.objects.filter(forum_id__in=forum).values_list(
            "priority_id", flat=True
        )
    )


FORUM_GROUPING = Grouping(
    key="forum",
    label="Forum",
    hint="Priorities in the scope of a stocktake or task force",
    all_label="All forums",
    invalid=UNKNOWN_FORUM,
    choices=forum_choices,
    members=forum_priority_ids,
)
