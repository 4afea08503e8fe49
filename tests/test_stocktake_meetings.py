"""Forum and meeting pages: scoping by role, scheduling from the cycle, the agenda edited with
htmx, attendance, marking held; and the shared selectors (tracker, outstanding actions, pack
contents) with their query bounds."""

import json
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stocktakes import selectors, services
from stocktakes.forms import CYCLE_RANGE
from stocktakes.models import (
    Action,
    ActionStatus,
    AgendaItem,
    AttendeeKind,
    Forum,
    ForumKind,
    ForumMember,
    MeetingStatus,
)
from stocktakes.services import PACK_FIRST, TITLE_REQUIRED
from stocktakes.views import AGENDA_REMOVED, ATTENDANCE_SAVED, PROPOSED_FIRST, PROPOSED_FROM_CYCLE

from .factories import MeasureFactory, PriorityFactory, add_trajectory
from .matrix_stocktakes import build_stocktakes

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ctx(world):
    ctx = SimpleNamespace(world=world)
    build_stocktakes(ctx)
    return ctx


def _client(world, user):
    client = Client()
    client.force_login(world.users[user])
    return client


def _meeting_url(meeting):
    return reverse("stocktakes:meeting_detail", args=[meeting.pk])


# --- forums ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "sees_other"),
    [
        ("analyst", True),
        ("unit_lead", True),
        ("minister_all", True),
        ("minister", False),
        ("official", False),
    ],
)
def test_forum_list_is_scoped(ctx, user, sees_other):
    response = _client(ctx.world, user).get(reverse("stocktakes:forum_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Matrix forum own" in body
    assert ("Matrix forum other" in body) is sees_other
    assert ('href="/stocktakes/forums/new/"' in body) is (user in ("analyst", "unit_lead"))


def test_forum_detail_shows_members_by_role_priorities_and_meetings(ctx):
    forum = ctx.forum["own"]
    ForumMember.objects.create(
        forum=forum, role="Delivery Unit secretariat", kind=AttendeeKind.SECRETARIAT, order=3
    )
    response = _client(ctx.world, "official").get(
        reverse("stocktakes:forum_detail", args=[forum.pk])
    )
    assert response.status_code == 200
    body = response.content.decode()
    ministers = body.index(">Ministers<")
    officials = body.index(">Officials<")
    secretariat = body.index(">Secretariat<")
    assert ministers < body.index("Minister for the Cabinet Office", ministers) < officials
    assert officials < body.index("Director General", officials) < secretariat
    assert ctx.priority["own"].code in body
    assert "Every 6 weeks" in body
    assert 'data-status="planned"' in body
    # Officials read: no edit controls.
    assert "Schedule a meeting" not in body
    assert "Remove" not in body


def test_official_out_of_scope_gets_404_for_forum_and_meeting(ctx):
    client = _client(ctx.world, "official")
    forum_url = reverse("stocktakes:forum_detail", args=[ctx.forum["other"].pk])
    assert client.get(forum_url).status_code == 404
    assert client.get(_meeting_url(ctx.meeting["other"])).status_code == 404
    assert client.get(_meeting_url(ctx.meeting["own"])).status_code == 200


def test_analyst_creates_and_edits_a_forum(ctx):
    client = _client(ctx.world, "analyst")
    response = client.post(
        reverse("stocktakes:forum_create"),
        {
            "name": "New task force",
            "kind": ForumKind.TASK_FORCE,
            "chair": "Minister for the Cabinet Office",
            "terms_of_reference": "Unblock delivery.",
            "cycle_weeks": "4",
            "priorities": [ctx.priority["own"].pk],
        },
    )
    forum = Forum.objects.get(name="New task force")
    assert response.status_code == 302
    assert list(forum.priorities.all()) == [ctx.priority["own"]]
    assert forum.history.first().history_user == ctx.world.users["analyst"]

    edit = reverse("stocktakes:forum_edit", args=[forum.pk])
    data = {
        "name": "New task force",
        "kind": ForumKind.TASK_FORCE,
        "chair": "Chancellor of the Duchy of Lancaster",
        "cycle_weeks": "6",
        "version": str(forum.version),
    }
    assert client.post(edit, data).status_code == 302
    forum.refresh_from_db()
    assert (forum.chair, forum.cycle_weeks, forum.version) == (
        "Chancellor of the Duchy of Lancaster",
        6,
        2,
    )
    # Someone saved since: the stale version is a conflict, not an overwrite.
    stale = client.post(edit, {**data, "chair": "Someone else", "version": "1"})
    assert stale.status_code == 409
    forum.refresh_from_db()
    assert forum.chair == "Chancellor of the Duchy of Lancaster"


def test_a_forum_of_inactive_priorities_keeps_them_when_edited(ctx):
    past = PriorityFactory(code="OLD-1", lead_department=ctx.world.own, active=False)
    forum = services.forum_create(
        by=None, name="Past forum", kind=ForumKind.STOCKTAKE, chair="PM", priorities=[past]
    )
    client = _client(ctx.world, "analyst")
    edit = reverse("stocktakes:forum_edit", args=[forum.pk])
    assert f'value="{past.pk}"' in client.get(edit).content.decode()
    data = {
        "name": "Past forum",
        "kind": ForumKind.STOCKTAKE,
        "chair": "Prime Minister",
        "cycle_weeks": "6",
        "priorities": [past.pk],
        "version": str(forum.version),
    }
    assert client.post(edit, data).status_code == 302
    assert list(forum.priorities.all()) == [past]
    # A new forum is offered active priorities only.
    assert f'value="{past.pk}"' not in client.get(reverse("stocktakes:forum_create")).text


def test_forum_form_reports_a_bad_cycle(ctx):
    response = _client(ctx.world, "analyst").post(
        reverse("stocktakes:forum_create"),
        {"name": "X", "kind": ForumKind.STOCKTAKE, "chair": "Prime Minister", "cycle_weeks": "0"},
    )
    assert response.status_code == 422
    assert CYCLE_RANGE in response.content.decode()
    assert 'href="#id_cycle_weeks"' in response.content.decode()


def test_members_added_and_removed(ctx):
    forum = ctx.forum["own"]
    client = _client(ctx.world, "analyst")
    response = client.post(
        reverse("stocktakes:forum_member_add", args=[forum.pk]),
        {
            "member-role": "Secretary of State for Education",
            "member-kind": AttendeeKind.MINISTER,
            "member-is_chair": "on",
            "member-version": forum.version,
        },
    )
    assert response.status_code == 302
    added = forum.members.get(role="Secretary of State for Education")
    # Naming a new chair stands the old one down.
    assert list(forum.members.filter(is_chair=True)) == [added]
    forum.refresh_from_db()
    client.post(
        reverse("stocktakes:forum_member_remove", args=[forum.pk, added.pk]),
        {"version": forum.version},
    )
    assert not forum.members.filter(pk=added.pk).exists()


# --- scheduling -----------------------------------------------------------------------------


def test_scheduling_proposes_the_last_meeting_plus_the_cycle(ctx):
    forum = ctx.forum["own"]
    client = _client(ctx.world, "analyst")
    url = reverse("stocktakes:meeting_schedule", args=[forum.pk])
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="2024-04-17"' in body  # 6 March 2024 + 6 weeks
    assert PROPOSED_FROM_CYCLE.format(cycle="six-week", last="6 March 2024") in body

    response = client.post(url, {"date": "2024-04-17", "start_time": "09:30", "place": "No 10"})
    meeting = forum.meetings.get(date=date(2024, 4, 17))
    assert response.status_code == 302
    assert response["Location"] == _meeting_url(meeting)
    assert meeting.status == MeetingStatus.PLANNED
    assert sorted(meeting.attendees.values_list("role", flat=True)) == [
        "Director General",
        "Minister for the Cabinet Office",
    ]


def test_scheduling_a_first_meeting_counts_from_today(ctx):
    forum = services.forum_create(
        by=None, name="Fresh", kind=ForumKind.TASK_FORCE, chair="PM", cycle_weeks=3
    )
    response = _client(ctx.world, "analyst").get(
        reverse("stocktakes:meeting_schedule", args=[forum.pk])
    )
    assert PROPOSED_FIRST.format(cycle="three-week") in response.content.decode()


# --- the meeting page -----------------------------------------------------------------------


@pytest.mark.parametrize("user", ["analyst", "unit_lead", "minister", "minister_all", "official"])
def test_meeting_page_for_each_role(ctx, user):
    response = _client(ctx.world, user).get(_meeting_url(ctx.meeting["own"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Matrix item own" in body
    assert 'data-testid="meeting-status" data-status="planned"' in body
    editor = user in ("analyst", "unit_lead")
    assert ('data-testid="mark-held"' in body) is editor
    assert ("Add an agenda item" in body) is editor
    assert ("Save attendance" in body) is editor
    meeting = ctx.meeting["own"]
    assert (reverse("stocktakes:pack_issue", args=[meeting.pk]) in body) is editor
    assert (reverse("stocktakes:minutes_edit", args=[meeting.pk]) in body) is editor


def test_mark_held_is_refused_before_the_pack_is_issued(ctx):
    meeting = ctx.meeting["own"]
    meeting.refresh_from_db()
    client = _client(ctx.world, "analyst")
    response = client.post(
        reverse("stocktakes:meeting_mark_held", args=[meeting.pk]),
        {"version": meeting.version},
        follow=True,
    )
    assert PACK_FIRST in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED


def test_mark_held_after_the_pack_is_issued(ctx):
    meeting = ctx.meeting["own"]
    meeting.refresh_from_db()
    issue = services.pack_issue(
        meeting=meeting, by=ctx.world.users["analyst"], expected_version=meeting.version
    )
    meeting.refresh_from_db()
    body = _client(ctx.world, "official").get(_meeting_url(meeting)).content.decode()
    pack = body[body.index('data-testid="pack-issues"') :]
    assert reverse("stocktakes:pack_download", args=[issue.pk]) in pack
    assert "Version 1" in pack

    client = _client(ctx.world, "analyst")
    client.post(
        reverse("stocktakes:meeting_mark_held", args=[meeting.pk]), {"version": meeting.version}
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD


def test_attendance_is_recorded(ctx):
    meeting = ctx.meeting["own"]
    minister, official = meeting.attendees.order_by("order")
    response = _client(ctx.world, "analyst").post(
        reverse("stocktakes:meeting_attendance", args=[meeting.pk]),
        {
            f"attendee-{minister.pk}": "present",
            f"attendee-{minister.pk}-version": minister.version,
            f"attendee-{official.pk}": "apologies",
            f"attendee-{official.pk}-version": official.version,
        },
        follow=True,
    )
    assert ATTENDANCE_SAVED in response.content.decode()
    minister.refresh_from_db()
    official.refresh_from_db()
    assert (minister.present, official.present) == (True, False)
    assert meeting.history.first().history_user == ctx.world.users["analyst"]


def test_attendance_is_not_for_officials(ctx):
    meeting = ctx.meeting["own"]
    attendee = meeting.attendees.first()
    response = _client(ctx.world, "official").post(
        reverse("stocktakes:meeting_attendance", args=[meeting.pk]),
        {f"attendee-{attendee.pk}": "present"},
    )
    assert response.status_code == 403
    attendee.refresh_from_db()
    assert attendee.present is None


# --- the agenda with htmx -------------------------------------------------------------------


def test_agenda_add_edit_remove_with_htmx(ctx):
    meeting = ctx.meeting["own"]
    client = _client(ctx.world, "analyst")

    response = client.post(
        reverse("stocktakes:agenda_add", args=[meeting.pk]),
        {"new-title": "Removals <plan>", "new-lead": "DG", "new-minutes_allowed": "15"},
        **HX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="agenda"')
    assert "Removals &lt;plan&gt;" in body
    item = AgendaItem.objects.get(meeting=meeting, title="Removals <plan>")
    assert (item.order, item.minutes_allowed) == (2, 15)

    edit = reverse("stocktakes:agenda_edit", args=[meeting.pk, item.pk])
    form = client.get(edit, **HX).content.decode()
    assert "<html" not in form
    assert f'name="item{item.pk}-title"' in form
    response = client.post(
        edit,
        {
            f"item{item.pk}-title": "Removals plan",
            f"item{item.pk}-priority": ctx.priority["own"].pk,
            f"item{item.pk}-version": item.version,
        },
        **HX,
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    item.refresh_from_db()
    assert (item.title, item.priority) == ("Removals plan", ctx.priority["own"])

    first = ctx.agenda_item["own"]
    response = client.post(
        reverse("stocktakes:agenda_remove", args=[meeting.pk, first.pk]),
        {"version": first.version},
        **HX,
    )
    body = response.content.decode()
    assert "<html" not in body
    assert AGENDA_REMOVED.format(title="Matrix item own") in body
    item.refresh_from_db()
    assert item.order == 1
    assert list(meeting.agenda_items.all()) == [item]


def test_agenda_errors_come_back_in_the_partial(ctx):
    meeting = ctx.meeting["own"]
    client = _client(ctx.world, "analyst")
    response = client.post(
        reverse("stocktakes:agenda_add", args=[meeting.pk]), {"new-title": "  "}, **HX
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert "<html" not in body
    assert TITLE_REQUIRED in body
    # A priority outside the forum's scope is refused.
    response = client.post(
        reverse("stocktakes:agenda_add", args=[meeting.pk]),
        {"new-title": "Other", "new-priority": ctx.priority["other"].pk},
        **HX,
    )
    assert response.status_code == 422
    assert meeting.agenda_items.count() == 1


def test_agenda_without_htmx_redirects_to_the_meeting(ctx):
    meeting = ctx.meeting["own"]
    response = _client(ctx.world, "analyst").post(
        reverse("stocktakes:agenda_add", args=[meeting.pk]), {"new-title": "Plain post"}
    )
    assert response.status_code == 302
    assert response["Location"] == _meeting_url(meeting) + "#agenda"


def test_htmx_posts_need_the_csrf_token(ctx):
    meeting = ctx.meeting["own"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(ctx.world.users["analyst"])
    url = reverse("stocktakes:agenda_add", args=[meeting.pk])
    assert client.post(url, {"new-title": "Forged"}, **HX).status_code == 403
    assert not meeting.agenda_items.filter(title="Forged").exists()
    # With the token the page gives (hx-headers on <body>), the same post is accepted.
    client.get(_meeting_url(meeting))
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"new-title": "Genuine"}, HTTP_X_CSRFTOKEN=token, **HX)
    assert response.status_code == 200
    assert meeting.agenda_items.filter(title="Genuine").exists()


# --- selectors: tracker, outstanding, pack contents -----------------------------------------


def _action(meeting=None, *, department, due, status=ActionStatus.OPEN, priority=None, text=""):
    return Action.objects.create(
        description=text or f"Action due {due}",
        owner="Director",
        department=department,
        due=due,
        status=status,
        meeting=meeting,
        priority=priority,
    )


@pytest.fixture
def series(ctx):
    """Three meetings of the own forum: first (Jan), previous (Feb) and current (6 March)."""
    forum = ctx.forum["own"]
    current = ctx.meeting["own"]
    first = services.meeting_schedule(forum=forum, by=None, date=date(2024, 1, 10))
    previous = services.meeting_schedule(forum=forum, by=None, date=date(2024, 2, 14))
    return SimpleNamespace(forum=forum, first=first, previous=previous, current=current)


def test_tracker_and_outstanding_actions(ctx, series):
    own, other = ctx.world.own, ctx.world.other
    day = date(2024, 3, 1)
    tracker_done = _action(series.previous, department=own, due=day, status=ActionStatus.DONE)
    tracker_open = _action(series.previous, department=other, due=day - timedelta(days=5))
    earlier_open = _action(series.first, department=own, due=day + timedelta(days=3))
    dropped = _action(series.first, department=own, due=day, status=ActionStatus.DROPPED)
    in_scope = _action(
        department=own,
        due=day - timedelta(days=9),
        priority=ctx.priority["own"],
        status=ActionStatus.IN_PROGRESS,
    )
    _action(department=other, due=day, priority=ctx.priority["other"])
    _action(series.current, department=own, due=day)
    other_forum = _action(ctx.meeting["other"], department=other, due=day)

    assert selectors.previous_meeting(series.current) == series.previous
    assert selectors.previous_meeting(series.first) is None
    assert selectors.meeting_tracker(series.current) == [tracker_open, tracker_done]
    assert selectors.outstanding_actions(series.current) == [in_scope, earlier_open]
    assert selectors.meeting_tracker(series.first) == []
    # At the previous meeting, every action agreed at the first is its tracker, whatever its
    # status.
    assert selectors.meeting_tracker(series.previous) == [dropped, earlier_open]
    assert other_forum not in selectors.outstanding_actions(series.current)


def test_meeting_page_shows_tracker_and_overdue(ctx, series):
    own = _action(
        series.previous, department=ctx.world.own, due=date(2000, 1, 1), text="Long overdue"
    )
    other = _action(
        series.previous, department=ctx.world.other, due=date(2999, 1, 1), text="Health's"
    )
    body = _client(ctx.world, "official").get(_meeting_url(series.current)).content.decode()
    tracker = body[body.index('data-testid="tracker"') :]
    assert "Long overdue" in tracker
    assert tracker.count("data-overdue") == 1
    # Actions are scoped by their own department: the official may open only their own.
    assert "Health&#x27;s" in tracker
    assert reverse("stocktakes:action_detail", args=[own.pk]) in tracker
    assert reverse("stocktakes:action_detail", args=[other.pk]) not in tracker


def _bulk_actions(meetings, department, priority, count):
    Action.objects.bulk_create(
        Action(
            description=f"Bulk action {i}",
            owner="Director",
            department=department,
            due=date(2024, 1, 1) + timedelta(days=i % 300),
            meeting=meetings[i % len(meetings)],
            priority=priority if i % 3 == 0 else None,
        )
        for i in range(count)
    )


def _queries(callable_):
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured.captured_queries)


def test_meeting_page_queries_do_not_grow_with_actions(ctx, series):
    client = _client(ctx.world, "official")
    url = _meeting_url(series.current)
    meetings = [series.first, series.previous]
    _bulk_actions(meetings, ctx.world.own, ctx.priority["own"], 10)
    client.get(url)  # warm the session and caches
    few = _queries(lambda: client.get(url))
    few_tracker = _queries(lambda: selectors.meeting_tracker(series.current))
    few_outstanding = _queries(lambda: selectors.outstanding_actions(series.current))

    _bulk_actions(meetings, ctx.world.own, ctx.priority["own"], 990)
    assert Action.objects.count() == 1000
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Bulk action") == 1000
    assert len(captured.captured_queries) == few
    assert _queries(lambda: selectors.meeting_tracker(series.current)) == few_tracker == 2
    assert _queries(lambda: selectors.outstanding_actions(series.current)) == few_outstanding
    assert few_outstanding <= 2


def test_pack_contents_shape(ctx, series):
    meeting = series.current
    lead = MeasureFactory(
        priority=ctx.priority["own"], name="Lead indicator", indicator_type="lead"
    )
    add_trajectory(lead, [(date(2024, 1, 1), 10), (date(2024, 12, 1), 20)])
    from priorities import services as priority_services

    for period, value in [(date(2024, 1, 1), 10), (date(2024, 2, 1), 13)]:
        priority_services.actual_record(
            measure=lead, by=None, data=priority_services.ActualData(period=period, value=value)
        )
    # A later actual is after the meeting date and is left out.
    priority_services.actual_record(
        measure=lead,
        by=None,
        data=priority_services.ActualData(period=date(2024, 6, 1), value=99),
    )
    second = PriorityFactory(code="M-HO-2", lead_department=ctx.world.own)
    outcome = MeasureFactory(priority=second, name="Outcome only")
    services.forum_update(
        forum=series.forum,
        by=None,
        expected_version=None,
        priorities=[ctx.priority["own"], second],
    )
    tracked = _action(series.previous, department=ctx.world.own, due=date(2000, 1, 1))

    contents = selectors.pack_contents(meeting)
    json.dumps(contents)
    assert set(contents) == {
        "meeting",
        "attendees",
        "agenda",
        "tracker",
        "outstanding",
        "indicators",
        "distribution",
    }
    assert contents["meeting"] == {
        "forum": "Matrix forum own",
        "kind": "Implementation task force",
        "date": "2024-03-06",
        "time": "10:00",
        "place": "70 Whitehall",
        "chair": "Minister for the Cabinet Office",
    }
    assert [a["role"] for a in contents["attendees"]] == [
        "Minister for the Cabinet Office",
        "Director General",
    ]
    assert set(contents["attendees"][0]) == {"key", "name", "role", "kind", "department", "present"}
    assert contents["agenda"] == [
        {
            "key": ctx.agenda_item["own"].pk,
            "order": 1,
            "title": "Matrix item own",
            "lead": "Director General",
            "minutes": 20,
            "priority": f"{ctx.priority['own'].code}: Matrix priority own",
            "paper": "",
        }
    ]
    assert contents["tracker"] == [
        {
            "key": tracked.pk,
            "description": tracked.description,
            "owner": "Director",
            "department": "Home Office",
            "due": "2000-01-01",
            "status": "Open",
            "overdue": True,
        }
    ]
    assert contents["outstanding"] == []
    # The lead indicator stands for its priority; a priority without one shows its outcomes.
    indicators = {row["key"]: row for row in contents["indicators"]}
    assert set(indicators) == {lead.pk, outcome.pk}
    row = indicators[lead.pk]
    assert (row["priority_code"], row["measure"], row["unit"]) == (
        ctx.priority["own"].code,
        "Lead indicator",
        "%",
    )
    assert row["latest"] == 13.0
    assert row["latest_period"] == "2024-02"
    assert row["change"] == 3.0
    assert row["status"] == "on_track"
    assert row["status_label"] == "On track"
    assert row["provisional"] is False
    assert row["planned"] is not None
    assert indicators[outcome.pk]["status"] == "no_data"
    assert contents["distribution"] == ["Minister for the Cabinet Office", "Director General"]
