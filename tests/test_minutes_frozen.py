"""Issued minutes are the record of the meeting: everything they show (attendance, the meeting's
details, the agenda) is frozen with them, and no pack can be issued after them. Services and
models refuse the change, and the pages offer no control to make it."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from stocktakes import services
from stocktakes.models import MINUTES_ISSUED, Attendee, Meeting, MeetingStatus, PackIssue
from stocktakes.services import PACK_AFTER_MINUTES

from .matrix_stocktakes import build_stocktakes


@pytest.fixture
def minuted(world, django_capture_on_commit_callbacks):
    """The own meeting, held with one attendee present and one sending apologies, its minutes
    issued."""
    ctx = SimpleNamespace(world=world)
    build_stocktakes(ctx)
    meeting = ctx.meeting["own"]
    analyst = world.users["analyst"]
    attendees = list(meeting.attendees.order_by("pk"))
    services.attendance_record(
        meeting=meeting,
        by=analyst,
        answers={attendees[0].pk: (True, 1), attendees[1].pk: (False, 1)},
    )
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.HELD)
    services.minutes_save(
        meeting=meeting,
        by=analyst,
        expected_version=0,
        summary="Agreed the plan.",
        distribution="private.office@example.gov.uk",
        items={},
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_issue(meeting=meeting, by=analyst, expected_version=1)
    meeting.refresh_from_db()
    return SimpleNamespace(meeting=meeting, attendees=attendees, analyst=analyst, ctx=ctx)


def _attendance(meeting):
    return list(Attendee.objects.filter(meeting=meeting).order_by("pk").values_list("present"))


def test_attendance_of_a_minuted_meeting_cannot_be_changed_through_the_page(client, minuted):
    before = _attendance(minuted.meeting)
    client.force_login(minuted.analyst)
    first, second = minuted.attendees
    response = client.post(
        reverse("stocktakes:meeting_attendance", args=[minuted.meeting.pk]),
        {
            f"attendee-{first.pk}": "apologies",
            f"attendee-{first.pk}-version": "2",
            f"attendee-{second.pk}": "present",
            f"attendee-{second.pk}-version": "2",
        },
    )
    assert response.status_code == 409
    assert escape(MINUTES_ISSUED) in response.content.decode()
    assert _attendance(minuted.meeting) == before
    minutes = client.get(reverse("stocktakes:minutes_view", args=[minuted.meeting.pk]))
    html = minutes.content.decode()
    assert html.index("Present") < html.index("Apologies")


def test_the_attendance_service_and_model_refuse_once_minutes_are_issued(minuted):
    first = minuted.attendees[0]
    with pytest.raises(ValidationError) as refused:
        services.attendance_record(
            meeting=minuted.meeting, by=minuted.analyst, answers={first.pk: (False, 2)}
        )
    assert MINUTES_ISSUED in refused.value.messages
    with pytest.raises(ValidationError):
        services.attendee_add(
            meeting=minuted.meeting, by=minuted.analyst, role="Late arrival", kind="official"
        )
    attendee = Attendee.objects.get(pk=first.pk)
    attendee.present = False
    with pytest.raises(ValidationError):
        attendee.save()
    with pytest.raises(ValidationError):
        attendee.delete()
    assert _attendance(minuted.meeting) == [(True,), (False,)]


def test_the_meeting_itself_is_frozen_with_its_minutes(minuted):
    meeting = Meeting.objects.get(pk=minuted.meeting.pk)
    meeting.place = "Somewhere else"
    with pytest.raises(ValidationError):
        meeting.save()
    assert Meeting.objects.get(pk=meeting.pk).place == "70 Whitehall"


def test_no_pack_can_be_issued_after_the_minutes(client, minuted):
    meeting = minuted.meeting
    with pytest.raises(ValidationError) as refused:
        services.pack_issue(meeting=meeting, by=minuted.analyst, expected_version=meeting.version)
    assert PACK_AFTER_MINUTES in refused.value.messages

    client.force_login(minuted.analyst)
    url = reverse("stocktakes:pack_issue", args=[meeting.pk])
    response = client.post(url, {"version": meeting.version})
    assert response.status_code == 400
    assert escape(PACK_AFTER_MINUTES) in response.content.decode()
    assert not PackIssue.objects.filter(meeting=meeting).exists()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.MINUTED

    page = client.get(url).content.decode()
    assert 'id="issue-pack"' not in page
    assert 'data-testid="pack-closed"' in page


def test_the_minuted_meeting_page_offers_no_edit_controls(client, minuted):
    client.force_login(minuted.analyst)
    meeting = minuted.meeting
    html = client.get(reverse("stocktakes:meeting_detail", args=[meeting.pk])).content.decode()
    assert reverse("stocktakes:meeting_attendance", args=[meeting.pk]) not in html
    assert reverse("stocktakes:pack_issue", args=[meeting.pk]) not in html
    assert reverse("stocktakes:meeting_edit", args=[meeting.pk]) not in html
    assert reverse("stocktakes:agenda_add", args=[meeting.pk]) not in html
    assert 'data-testid="mark-held"' not in html


def test_a_meeting_whose_minutes_are_not_issued_still_records_attendance(world):
    ctx = SimpleNamespace(world=world)
    build_stocktakes(ctx)
    meeting = ctx.meeting["own"]
    attendee = meeting.attendees.order_by("pk").first()
    changed = services.attendance_record(
        meeting=meeting, by=world.users["analyst"], answers={attendee.pk: (True, 1)}
    )
    assert changed == 1
    assert meeting.date == date(2024, 3, 6)
