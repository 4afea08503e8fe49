"""Every change to a forum, a meeting and its agenda, attendance, minutes and actions carries the
version the user saw: a post without it is refused with VERSION_MISSING and writes nothing; a
post from a version someone else has moved on gets the conflict (409), with what was typed kept
and the version moved on, so that saving again is a decision made knowingly."""

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from deliveryunit.editing import CONFLICT_MESSAGE, VERSION_MISSING
from stocktakes import services, services_forums
from stocktakes.models import AgendaItem, AttendeeKind, ForumMember, Minutes, PackIssue
from stocktakes.views import (
    AGENDA_REMOVE_CONFLICT,
    ATTENDANCE_CONFLICT,
    MEMBERS_CONFLICT,
)
from stocktakes.views_actions import ISSUE_CONFLICT

from .matrix_actions import build_actions

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ctx(world):
    ctx = SimpleNamespace(world=world)
    build_actions(ctx)
    for objects in (ctx.forum, ctx.meeting, ctx.agenda_item):
        for obj in objects.values():
            obj.refresh_from_db()
    return ctx


@pytest.fixture
def client(ctx):
    client = Client()
    client.force_login(ctx.world.users["analyst"])
    return client


@pytest.fixture
def colleague(ctx):
    return ctx.world.users["unit_lead"]


# --- a forum's members ------------------------------------------------------------------------


def _member_post(forum, **extra):
    return {"member-role": "Secretary of State for Education", "member-kind": "minister", **extra}


def test_adding_a_member_without_the_forums_version_is_refused(client, ctx):
    forum = ctx.forum["own"]
    response = client.post(
        reverse("stocktakes:forum_member_add", args=[forum.pk]), _member_post(forum)
    )
    assert response.status_code == 422
    assert VERSION_MISSING in response.content.decode()
    assert not forum.members.filter(role="Secretary of State for Education").exists()


def test_adding_a_member_on_a_forum_changed_meanwhile_is_a_conflict(client, ctx, colleague):
    forum = ctx.forum["own"]
    seen = forum.version
    services_forums.forum_member_add(
        forum=forum,
        by=colleague,
        expected_version=seen,
        role="Minister for Skills",
        kind=AttendeeKind.MINISTER,
        is_chair=True,
    )
    response = client.post(
        reverse("stocktakes:forum_member_add", args=[forum.pk]),
        _member_post(forum, **{"member-version": seen, "member-is_chair": "on"}),
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert MEMBERS_CONFLICT in body
    # Their new chair is on the page, not stood down; what was typed is kept, on the new version.
    assert "Minister for Skills" in body
    assert forum.members.get(role="Minister for Skills").is_chair
    assert 'value="Secretary of State for Education"' in body
    assert f'name="member-version" value="{seen + 1}"' in body
    assert not forum.members.filter(role="Secretary of State for Education").exists()


def test_removing_a_member_needs_the_version_and_refuses_a_stale_one(client, ctx, colleague):
    forum = ctx.forum["own"]
    member = ctx.forum_member["own"]
    url = reverse("stocktakes:forum_member_remove", args=[forum.pk, member.pk])

    response = client.post(url, follow=True)
    assert VERSION_MISSING in response.content.decode()
    assert ForumMember.objects.filter(pk=member.pk).exists()

    seen = forum.version
    services.forum_update(forum=forum, by=colleague, expected_version=seen, chair="New chair")
    response = client.post(url, {"version": seen})
    assert response.status_code == 409
    assert MEMBERS_CONFLICT in response.content.decode()
    assert ForumMember.objects.filter(pk=member.pk).exists()

    response = client.post(url, {"version": seen + 1})
    assert response.status_code == 302
    assert not ForumMember.objects.filter(pk=member.pk).exists()


# --- attendance -------------------------------------------------------------------------------


def test_attendance_without_versions_is_refused(client, ctx):
    meeting = ctx.meeting["own"]
    attendee = meeting.attendees.first()
    response = client.post(
        reverse("stocktakes:meeting_attendance", args=[meeting.pk]),
        {f"attendee-{attendee.pk}": "present"},
    )
    assert response.status_code == 422
    assert VERSION_MISSING in response.content.decode()
    attendee.refresh_from_db()
    assert attendee.present is None


def test_attendance_over_someone_elses_answer_is_a_conflict_that_keeps_the_answers(
    client, ctx, colleague
):
    meeting = ctx.meeting["own"]
    minister, official = meeting.attendees.order_by("order")
    services.attendance_record(
        meeting=meeting, by=colleague, answers={minister.pk: (False, minister.version)}
    )
    response = client.post(
        reverse("stocktakes:meeting_attendance", args=[meeting.pk]),
        {
            f"attendee-{minister.pk}": "present",
            f"attendee-{minister.pk}-version": minister.version,
            f"attendee-{official.pk}": "apologies",
            f"attendee-{official.pk}-version": official.version,
        },
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert escape(ATTENDANCE_CONFLICT.format(name=minister, answer="sending apologies")) in body
    # Nothing of this post was saved, not even the answer nobody else touched.
    minister.refresh_from_db()
    official.refresh_from_db()
    assert (minister.present, official.present) == (False, None)
    # What was typed is on the page, carrying the versions now saved.
    assert (
        f'id="attendee-{minister.pk}-present" name="attendee-{minister.pk}" type="radio" '
        'value="present" checked' in body
    )
    assert f'name="attendee-{minister.pk}-version" value="{minister.version}"' in body


# --- the agenda -------------------------------------------------------------------------------


def test_editing_an_agenda_item_changed_meanwhile_is_a_conflict(client, ctx, colleague):
    meeting, item = ctx.meeting["own"], ctx.agenda_item["own"]
    seen = item.version
    services.agenda_item_update(item=item, by=colleague, expected_version=seen, lead="Minister")
    prefix = f"item{item.pk}"
    response = client.post(
        reverse("stocktakes:agenda_edit", args=[meeting.pk, item.pk]),
        {f"{prefix}-title": "My title", f"{prefix}-lead": "Director", f"{prefix}-version": seen},
        **HX,
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "<html" not in body
    assert CONFLICT_MESSAGE in body
    assert 'value="My title"' in body
    assert f'name="{prefix}-version" value="{seen + 1}"' in body
    item.refresh_from_db()
    assert (item.title, item.lead) == ("Matrix item own", "Minister")


def test_editing_an_agenda_item_without_its_version_is_refused(client, ctx):
    meeting, item = ctx.meeting["own"], ctx.agenda_item["own"]
    response = client.post(
        reverse("stocktakes:agenda_edit", args=[meeting.pk, item.pk]),
        {f"item{item.pk}-title": "Blind"},
        **HX,
    )
    assert response.status_code == 422
    assert VERSION_MISSING in response.content.decode()
    assert AgendaItem.objects.get(pk=item.pk).title == "Matrix item own"


def test_removing_an_agenda_item_needs_its_version_and_refuses_a_changed_one(
    client, ctx, colleague
):
    meeting, item = ctx.meeting["own"], ctx.agenda_item["own"]
    url = reverse("stocktakes:agenda_remove", args=[meeting.pk, item.pk])

    response = client.post(url, **HX)
    assert response.status_code == 422
    assert VERSION_MISSING in response.content.decode()

    seen = item.version
    services.agenda_item_update(item=item, by=colleague, expected_version=seen, title="Changed")
    response = client.post(url, {"version": seen}, **HX)
    assert response.status_code == 409
    assert escape(AGENDA_REMOVE_CONFLICT.format(title="Changed")) in response.content.decode()
    assert AgendaItem.objects.filter(pk=item.pk).exists()


# --- marking held, the pack, minutes and actions ----------------------------------------------


def test_marking_held_without_the_version_is_refused(client, ctx):
    meeting = ctx.meeting["own"]
    response = client.post(reverse("stocktakes:meeting_mark_held", args=[meeting.pk]), follow=True)
    assert VERSION_MISSING in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.version == ctx.meeting["own"].version


def test_issuing_a_pack_without_the_version_is_refused(client, ctx):
    meeting = ctx.meeting["own"]
    response = client.post(reverse("stocktakes:pack_issue", args=[meeting.pk]))
    assert response.status_code == 400
    assert VERSION_MISSING in response.content.decode()
    assert not PackIssue.objects.exists()


def test_minutes_without_the_version_are_refused(client, ctx):
    meeting = ctx.meeting["own"]
    response = client.post(
        reverse("stocktakes:minutes_edit", args=[meeting.pk]), {"summary": "Blind"}
    )
    assert response.status_code == 422
    assert VERSION_MISSING in response.content.decode()
    assert not meeting.agenda_items.filter(record="Blind").exists()

    response = client.post(reverse("stocktakes:minutes_issue", args=[meeting.pk]))
    assert response.status_code == 422
    assert VERSION_MISSING in response.content.decode()


def test_issuing_minutes_changed_meanwhile_is_a_conflict(client, ctx, colleague):
    meeting = ctx.held_meeting["own"]
    minutes = Minutes.objects.get(meeting=meeting)
    seen = minutes.version
    services.minutes_save(
        meeting=meeting,
        by=colleague,
        expected_version=seen,
        summary="Second",
        distribution="secretariat@example.gov.uk",
        items={},
    )
    response = client.post(
        reverse("stocktakes:minutes_issue", args=[meeting.pk]), {"version": seen}
    )
    assert response.status_code == 409
    assert ISSUE_CONFLICT in response.content.decode()
    minutes.refresh_from_db()
    assert not minutes.is_issued


def test_an_action_update_without_the_version_is_refused(client, ctx):
    action = ctx.action["own"]
    response = client.post(
        reverse("stocktakes:action_update", args=[action.pk]), {"status": "done"}
    )
    assert response.status_code == 422
    assert VERSION_MISSING in response.content.decode()
    action.refresh_from_db()
    assert action.status != "done"
