"""The demo forums: the asylum stocktake with its minuted 2003 meeting and the Earn or Learn
task force with one planned meeting. Loading twice changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deliveryunit import access
from deliveryunit import demo as foundation
from priorities import demo as portfolio
from priorities.models import Actual, Measure, Priority
from stocktakes import demo, selectors
from stocktakes.models import (
    Action,
    ActionStatus,
    AgendaItem,
    Attendee,
    AttendeeKind,
    Forum,
    ForumKind,
    ForumMember,
    Meeting,
    MeetingStatus,
    Minutes,
    PackIssue,
)

COUNTED = [
    Forum,
    ForumMember,
    Meeting,
    Attendee,
    AgendaItem,
    Action,
    Minutes,
    PackIssue,
    Priority,
    Measure,
    Actual,
]


def _counts():
    counts = {model.__name__: model.objects.count() for model in COUNTED}
    for model in (Forum, Meeting, AgendaItem, Action, Priority, Actual):
        counts[f"history {model.__name__}"] = model.history.count()
    return counts


@pytest.fixture
def loaded(db):
    foundation.load_foundation()
    portfolio.load_priorities()
    demo.load_stocktakes(by=access.SYSTEM)


def test_loading_twice_changes_nothing(loaded):
    before = _counts()
    assert before["Forum"] == 2
    demo.load_stocktakes(by=access.SYSTEM)
    assert _counts() == before


def test_asylum_stocktake(loaded):
    forum = Forum.objects.get(name=demo.ASYLUM_FORUM)
    assert forum.kind == ForumKind.STOCKTAKE
    assert forum.chair == "Prime Minister"
    assert forum.cycle_weeks == 6
    codes = sorted(forum.priorities.values_list("code", flat=True))
    assert codes == ["PSA 7", "PSA 7.1", "PSA 7.2", "PSA 7.3", "PSA 7.4", "PSA 7.5", "PSA 7.6"]
    assert {p.lead_department.code for p in forum.priorities.all()} == {"HO"}
    kinds = set(forum.members.values_list("kind", flat=True))
    assert kinds == {AttendeeKind.MINISTER, AttendeeKind.OFFICIAL, AttendeeKind.SECRETARIAT}
    assert forum.members.get(is_chair=True).role == "Prime Minister"

    meeting = forum.meetings.get()
    assert meeting.date.year == 2003
    assert meeting.status == MeetingStatus.MINUTED
    assert meeting.minutes.is_issued
    assert meeting.pack_issues.count() == 1
    assert meeting.attendees.filter(present=False).count() == 1
    actions = list(meeting.actions.order_by("due"))
    assert len(actions) == 2
    assert {a.department.code for a in actions} == {"HO"}
    assert [a.status for a in actions] == [ActionStatus.DONE, ActionStatus.OPEN]


def test_earn_or_learn_task_force(loaded):
    forum = Forum.objects.get(name=demo.TASK_FORCE)
    assert forum.kind == ForumKind.TASK_FORCE
    assert forum.cycle_weeks == 6
    assert forum.chair == "Minister for the Cabinet Office"
    terms = forum.terms_of_reference
    assert "two million jobs" in terms
    assert "three million apprenticeships" in terms
    assert "earning or learning" in terms
    assert list(forum.members.order_by("order").values_list("role", flat=True)) == [
        "Minister for the Cabinet Office",
        "Chancellor of the Duchy of Lancaster",
        "Secretary of State for Work and Pensions",
        "Secretary of State for Communities and Local Government",
        "Secretary of State for Education",
        "Chief Secretary to the Treasury",
        "Minister of State for Employment",
        "Minister of State for Business, Innovation and Skills",
        "Parliamentary Secretary for the Cabinet Office",
    ]
    # Roles, not people.
    assert not forum.members.exclude(name="").exists()
    assert forum.members.get(is_chair=True).role == "Minister for the Cabinet Office"

    priority = forum.priorities.get()
    assert priority.lead_department.code == "DWP"
    assert {d.code for d in priority.delivery_chain.all()} == {"DfE", "CO"}
    measure = priority.measures.get()
    assert measure.indicator_type == "lead"
    assert "Illustrative" in measure.source
    assert "illustrative" in measure.name
    assert measure.actuals.count() == len(demo.TASK_FORCE_ACTUALS)

    meeting = forum.meetings.get()
    assert meeting.status == MeetingStatus.PLANNED
    assert meeting.date == timezone.localdate() + timedelta(weeks=6)
    assert meeting.attendees.count() == 9
    assert meeting.agenda_items.count() == 3
    contents = selectors.pack_contents(meeting)
    assert [row["measure"] for row in contents["indicators"]] == [measure.name]
    assert contents["indicators"][0]["latest_period"] == "2016-Q3"


def test_loading_builds_the_2003_pack_and_sends_the_minutes(
    db, django_capture_on_commit_callbacks, mailoutbox, settings, tmp_path
):
    """As `load_demo` runs it: the pack's PDF is built when the load commits, and the minutes'
    distribution list is told."""
    from deliveryunit.models import DocumentStatus

    settings.MEDIA_ROOT = tmp_path
    foundation.load_foundation()
    portfolio.load_priorities()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load_stocktakes(by=access.SYSTEM)
    issue = PackIssue.objects.get(meeting__forum__name=demo.ASYLUM_FORUM)
    issue.document.refresh_from_db()
    assert issue.document.status == DocumentStatus.DONE
    assert [m.to for m in mailoutbox] == [
        ["pmdu-secretariat@example.gov.uk", "ho-private-office@example.gov.uk"]
    ]
