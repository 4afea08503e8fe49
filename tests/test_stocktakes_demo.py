"""The demo forums: the asylum stocktake with its two minuted 2003 meetings, the Earn or Learn
task force with its minuted 2016 meeting, and the 2023 stocktakes on urgent and planned care and
on the legacy asylum backlog, each with a meeting minuted and the next one planned. Every date is
fixed; loading twice changes nothing."""

from datetime import date

import pytest

from deliveryunit import access
from deliveryunit import demo as foundation
from deliveryunit.demo import ILLUSTRATIVE
from priorities import demo as portfolio
from priorities.models import Actual, Measure, Priority
from stocktakes import demo, services
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
    # As the system, by default: the packs it issues ask for their PDFs as a principal.
    demo.load_stocktakes()


def test_loading_twice_changes_nothing(loaded):
    before = _counts()
    assert before["Forum"] == 4
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

    may, july = forum.meetings.order_by("date")
    assert (may.date, july.date) == (date(2003, 5, 20), date(2003, 7, 8))
    for meeting in (may, july):
        assert meeting.status == MeetingStatus.MINUTED
        assert meeting.minutes.is_issued
        assert meeting.pack_issues.count() == 1
    assert may.attendees.filter(present=False).count() == 1
    actions = list(may.actions.order_by("due"))
    assert len(actions) == 2
    assert {a.department.code for a in actions} == {"HO"}
    # Closed in their own era: both done before the July stocktake, whose pack says so.
    assert [a.status for a in actions] == [ActionStatus.DONE, ActionStatus.DONE]
    tracker = july.pack_issues.get().contents["tracker"]
    assert [row["status"] for row in tracker] == ["Done", "Done"]
    assert not any(row["overdue"] for row in tracker)
    assert july.pack_issues.get().contents["outstanding"] == []
    assert [a.status for a in july.actions.order_by("due")] == [
        ActionStatus.DONE,
        ActionStatus.DROPPED,
    ]


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

    assert not priority.active
    meeting = forum.meetings.get()
    # Held and minuted in its era, on a fixed date (never worked out from the day of loading).
    assert meeting.status == MeetingStatus.MINUTED
    assert meeting.date == date(2016, 3, 8)
    assert meeting.attendees.count() == 9
    assert meeting.agenda_items.count() == 3
    contents = meeting.pack_issues.get().contents
    assert [row["measure"] for row in contents["indicators"]] == [measure.name]
    # The pack shows the indicator as it was known at the meeting: on 8 March 2016 the first
    # quarter of 2016 had not ended, so its latest figure is the last quarter of 2015.
    assert contents["indicators"][0]["latest_period"] == "2015-Q4"
    assert {a.status for a in meeting.actions.all()} == {ActionStatus.DONE, ActionStatus.DROPPED}


def test_the_current_stocktakes_have_a_minuted_meeting_and_the_next_planned(loaded):
    for name, codes, held_on, next_on in [
        (demo.HEALTH_FORUM, ["DH-AE-4H", "DH-RTT-18W"], date(2023, 8, 15), date(2023, 11, 7)),
        (demo.BACKLOG_FORUM, ["HO-ASY-LEG"], date(2023, 9, 19), date(2023, 11, 14)),
    ]:
        forum = Forum.objects.get(name=name)
        assert sorted(forum.priorities.values_list("code", flat=True)) == codes
        held, planned = forum.meetings.order_by("date")
        assert (held.date, held.status) == (held_on, MeetingStatus.MINUTED)
        assert held.minutes.is_issued
        assert held.pack_issues.count() == 1
        assert (planned.date, planned.status) == (next_on, MeetingStatus.PLANNED)
        assert planned.agenda_items.exists()
        # The planned meeting is the one the cycle proposes after the held one.
        assert services.proposed_next_date(forum) > next_on
        assert (next_on - held_on).days == forum.cycle_weeks * 7
        assert held.actions.filter(status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS])


def test_the_officials_own_outstanding_actions_in_the_current_stocktakes(loaded):
    for username, forum in [
        ("official", demo.BACKLOG_FORUM),
        ("official_health", demo.HEALTH_FORUM),
    ]:
        owned = Action.objects.filter(owner_user__username=username)
        assert owned.count() == 2
        assert {a.meeting.forum.name for a in owned} == {forum}
        assert {a.department for a in owned} == {owned[0].owner_user.department}
        assert all(a.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS) for a in owned)


def test_text_written_for_the_demo_says_it_is_illustrative(loaded):
    for action in Action.objects.all():
        assert action.description.endswith(ILLUSTRATIVE), action.description
        notes = [u.note for u in action.updates.exclude(note="Action agreed.")]
        assert all(note.endswith(ILLUSTRATIVE) for note in notes), notes
    for minutes in Minutes.objects.all():
        assert minutes.summary.endswith(ILLUSTRATIVE)
    for item in AgendaItem.objects.exclude(record="", decisions=""):
        assert item.record.endswith(ILLUSTRATIVE)
        assert item.decisions.endswith(ILLUSTRATIVE)
    for forum in Forum.objects.exclude(name=demo.TASK_FORCE):
        assert forum.terms_of_reference.endswith(ILLUSTRATIVE)


def test_loading_builds_the_packs_and_sends_the_minutes(
    db, django_capture_on_commit_callbacks, mailoutbox, settings, tmp_path
):
    """As `load_demo` runs it: each held meeting's pack PDF is built when the load commits, and
    each issued minutes' distribution list is told."""
    from deliveryunit.models import DocumentStatus

    settings.MEDIA_ROOT = tmp_path
    foundation.load_foundation()
    portfolio.load_priorities()
    with django_capture_on_commit_callbacks(execute=True):
        demo.load_stocktakes()
    issues = PackIssue.objects.select_related("document", "meeting__forum")
    assert issues.count() == Meeting.objects.exclude(status=MeetingStatus.PLANNED).count() == 5
    for issue in issues:
        issue.document.refresh_from_db()
        assert issue.document.status == DocumentStatus.DONE, issue.document.error
        assert issue.document.requested_by is None
    assert len(mailoutbox) == 5
    assert mailoutbox[0].to == [
        "pmdu-secretariat@example.gov.uk",
        "ho-private-office@example.gov.uk",
    ]


def _dates() -> tuple[list, list, list]:
    from assessments.models import AssessmentRound

    return (
        sorted(Meeting.objects.values_list("forum__name", "date", "status")),
        sorted(Action.objects.values_list("description", "due", "status")),
        sorted(AssessmentRound.objects.values_list("name", "date", "status")),
    )


def test_every_date_is_the_same_whatever_day_the_demo_is_loaded(db, monkeypatch):
    from django.db import transaction
    from django.utils import timezone

    from assessments import demo as assessments_demo

    seen = []
    for day in (date(2024, 1, 15), date(2031, 7, 2)):
        monkeypatch.setattr(timezone, "localdate", lambda *args, _day=day, **kwargs: _day)
        with transaction.atomic():
            foundation.load_foundation()
            portfolio.load_priorities()
            assessments_demo.load_assessments()
            demo.load_stocktakes()
            seen.append(_dates())
            transaction.set_rollback(True)
    meetings, actions, rounds = seen[0]
    assert len(meetings) == 7
    assert len(actions) == 13
    assert len(rounds) == 6
    assert seen[1] == seen[0]
