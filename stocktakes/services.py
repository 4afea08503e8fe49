"""Writes to forums, meetings, agendas, actions, minutes and packs.

Each validates, writes in a transaction and records who made the change. Issued minutes and
issued packs are frozen (the models refuse the write too). Every change to an existing record
carries the version the user started from, compared after the row is locked and inside the
same transaction; a stale one raises deliveryunit.editing.ConflictError and nothing is written.
"""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from deliveryunit import clock
from deliveryunit.editing import ConflictError, attribute, bump, check_version, locked

from . import selectors, tasks
from .models import (
    MINUTES_ISSUED,
    Action,
    ActionSource,
    ActionStatus,
    ActionUpdate,
    AgendaItem,
    Attendee,
    DeliveryStatus,
    Forum,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesDelivery,
    PackIssue,
    guard_minutes,
)

NOT_PLANNED = "Only a planned meeting's details can change once its pack is issued."
PACK_FIRST = "Issue the pack before marking the meeting as held."
HOLD_FIRST = "The meeting must be held before its minutes are issued."
NO_DISTRIBUTION = "Give at least one address on the distribution list."
BAD_ADDRESS = "'{address}' is not an email address."
TITLE_REQUIRED = "Give the agenda item a title."
DESCRIPTION_REQUIRED = "Describe the action."
NO_AGENDA = "Add at least one agenda item before issuing the pack."
PACK_AFTER_MINUTES = (
    "The minutes of this meeting have been issued, so its pack can no longer be issued: the "
    "record of the meeting is closed."
)
ITEM_GONE = "Someone else removed this agenda item since you opened the page."
NOT_ISSUED_YET = "These minutes have not been issued yet."
NOTHING_TO_SEND_AGAIN = (
    "The minutes are being sent or have been sent: there is nothing to send again."
)


def _user(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


# --- forums and meetings ------------------------------------------------------------------


@transaction.atomic
def forum_create(*, by: Any, priorities: list | None = None, **fields: Any) -> Forum:
    forum = Forum(**fields)
    forum.full_clean()
    attribute(forum, by)
    forum.save()
    if priorities:
        forum.priorities.set(priorities)
    return forum


@transaction.atomic
def forum_update(
    *,
    forum: Forum,
    by: Any,
    expected_version: int | None,
    priorities: list | None = None,
    **fields: Any,
) -> Forum:
    current = locked(Forum, forum.pk, expected_version)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.version += 1
    attribute(current, by)
    current.save()
    if priorities is not None:
        current.priorities.set(priorities)
    return current


def proposed_next_date(forum: Forum, today: date | None = None) -> date:
    """The forum's last meeting plus its cycle; from today when it has not met yet."""
    last = forum.meetings.aggregate(last=Max("date"))["last"]
    if last is None:
        return (today or clock.today()) + timedelta(weeks=forum.cycle_weeks)
    return last + timedelta(weeks=forum.cycle_weeks)


@transaction.atomic
def meeting_schedule(
    *, forum: Forum, by: Any, date: date | None = None, copy_members: bool = True, **fields: Any
) -> Meeting:
    """A planned meeting, on the proposed date unless one is given; the forum's standing
    members are invited as attendees."""
    meeting = Meeting(forum=forum, date=date or proposed_next_date(forum), **fields)
    meeting.full_clean()
    attribute(meeting, by)
    meeting.save()
    if copy_members:
        Attendee.objects.bulk_create(
            [
                Attendee(
                    meeting=meeting,
                    name=member.name,
                    role=member.role,
                    kind=member.kind,
                    department=member.department,
                    order=member.order,
                )
                for member in forum.members.all()
            ]
        )
    return meeting


def _locked_meeting(meeting: Meeting, expected_version: int | None = None) -> Meeting:
    return locked(Meeting, meeting.pk, expected_version)


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, by: Any, expected_version: int | None, **fields: Any
) -> Meeting:
    current = _locked_meeting(meeting, expected_version)
    if current.status in (MeetingStatus.HELD, MeetingStatus.MINUTED):
        raise ValidationError(NOT_PLANNED)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.version += 1
    attribute(current, by)
    current.save()
    return current


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, by: Any, answers: dict[int, tuple[bool | None, int | None]]
) -> int:
    """Who came and who sent apologies: for each attendee, present (True), apologies (False)
    or not recorded (None), with the attendee's version the user saw. Every version is checked
    under the lock before anything is written, so a conflict on one attendee saves none.
    Once the minutes are issued, attendance is part of them and cannot change.
    Returns how many answers changed."""
    current = _locked_meeting(meeting)
    guard_minutes(current.pk)
    attendees = list(current.attendees.select_for_update().filter(pk__in=answers).order_by("pk"))
    for attendee in attendees:
        check_version(attendee, answers[attendee.pk][1])
    changed = 0
    for attendee in attendees:
        present = answers[attendee.pk][0]
        if attendee.present != present:
            attendee.present = present
            attendee.version += 1
            attendee.save(update_fields=["present", "version"])
            changed += 1
    if changed:
        bump(current, by)
    return changed


@transaction.atomic
def attendee_add(*, meeting: Meeting, by: Any, **fields: Any) -> Attendee:
    current = _locked_meeting(meeting)
    guard_minutes(current.pk)
    last = current.attendees.aggregate(n=Max("order"))["n"] or 0
    attendee = Attendee(meeting=current, order=last + 1, **fields)
    attendee.full_clean()
    attendee.save()
    bump(current, by)
    return attendee


# --- agenda -------------------------------------------------------------------------------


@transaction.atomic
def agenda_item_add(*, meeting: Meeting, by: Any, title: str, **fields: Any) -> AgendaItem:
    current = _locked_meeting(meeting)
    if not title.strip():
        raise ValidationError({"title": TITLE_REQUIRED})
    last = current.agenda_items.aggregate(n=Max("order"))["n"] or 0
    item = AgendaItem(meeting=current, order=last + 1, title=title.strip(), **fields)
    item.full_clean()
    attribute(item, by)
    item.save()
    bump(current, by)
    return item


def _locked_item(item: AgendaItem, meeting: Meeting, expected_version: int | None) -> AgendaItem:
    try:
        current = AgendaItem.objects.select_for_update().get(pk=item.pk, meeting=meeting)
    except AgendaItem.DoesNotExist:
        raise ValidationError(ITEM_GONE) from None
    check_version(current, expected_version)
    return current


@transaction.atomic
def agenda_item_update(
    *, item: AgendaItem, by: Any, expected_version: int | None, **fields: Any
) -> AgendaItem:
    """Change an item's details, checked against the version the user started from. The
    meeting's version moves on too, so a pack checked before the change is seen to be stale."""
    meeting = _locked_meeting(item.meeting)
    current = _locked_item(item, meeting, expected_version)
    for name, value in fields.items():
        setattr(current, name, value)
    if not current.title.strip():
        raise ValidationError({"title": TITLE_REQUIRED})
    current.full_clean()
    bump(current, by, *fields)
    bump(meeting, by)
    return current


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, by: Any, expected_version: int | None) -> None:
    meeting = _locked_meeting(item.meeting)
    current = _locked_item(item, meeting, expected_version)
    attribute(current, by)
    current.delete()
    for position, other in enumerate(meeting.agenda_items.order_by("order", "pk"), start=1):
        if other.order != position:
            other.order = position
            attribute(other, by)
            other.save(update_fields=["order"])
    bump(meeting, by)


# --- packs --------------------------------------------------------------------------------


@transaction.atomic
def pack_issue(*, meeting: Meeting, by: Any, expected_version: int | None) -> PackIssue:
    """Freeze what the pack contains now as the next version and queue its PDF, built from
    exactly these contents.

    `expected_version` is the meeting's version when the user checked the pack. It is compared
    under the meeting's lock, and the contents are read under the same lock, so what is issued
    is what was checked: a change made meanwhile (an agenda item, attendance, another issue)
    raises ConflictError and nothing is issued."""
    from deliveryunit import documents
    from deliveryunit.models import DocumentFormat, DocumentKind

    current = _locked_meeting(meeting, expected_version)
    if current.status == MeetingStatus.MINUTED:
        raise ValidationError(PACK_AFTER_MINUTES)
    contents = selectors.pack_contents(current)
    if not contents.get("agenda"):
        raise ValidationError(NO_AGENDA)
    previous = current.pack_issues.order_by("-number").first()
    number = (previous.number + 1) if previous else 1
    document = documents.document_request(
        kind=DocumentKind.STOCKTAKE_PACK,
        format=DocumentFormat.PDF,
        subject={"meeting": current.pk, "issue": number},
        by=by,
    )
    issue = PackIssue.objects.create(
        meeting=current,
        number=number,
        document=document,
        contents=contents,
        changes=selectors.pack_changes(previous.contents if previous else None, contents),
        issued_by=_user(by),
    )
    if current.status == MeetingStatus.PLANNED:
        current.status = MeetingStatus.PACK_ISSUED
    current.version += 1
    attribute(current, by)
    current.save(update_fields=["status", "version"])
    return issue


@transaction.atomic
def meeting_mark_held(*, meeting: Meeting, by: Any, expected_version: int | None) -> Meeting:
    current = _locked_meeting(meeting, expected_version)
    if current.status == MeetingStatus.PLANNED:
        raise ValidationError(PACK_FIRST)
    if current.status == MeetingStatus.PACK_ISSUED:
        current.status = MeetingStatus.HELD
        current.version += 1
        attribute(current, by)
        current.save(update_fields=["status", "version"])
    return current


# --- actions ------------------------------------------------------------------------------


@transaction.atomic
def action_create(*, by: Any, description: str, **fields: Any) -> Action:
    if not description.strip():
        raise ValidationError({"description": DESCRIPTION_REQUIRED})
    meeting = fields.get("meeting")
    if meeting is not None:
        guard_minutes(meeting.pk)
    fields.setdefault("source", ActionSource.MEETING)
    action = Action(description=description.strip(), **fields)
    action.full_clean()
    attribute(action, by)
    action.save()
    ActionUpdate.objects.create(
        action=action, by=_user(by), status_to=action.status, note="Action agreed."
    )
    return action


@transaction.atomic
def action_update_status(
    *, action: Action, by: Any, expected_version: int | None, status: str, note: str = ""
) -> Action:
    current = locked(Action, action.pk, expected_version)
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose a status from the list."})
    if status == current.status and not note.strip():
        return current
    previous = current.status
    current.status = status
    current.version += 1
    attribute(current, by)
    current.save(update_fields=["status", "version"])
    ActionUpdate.objects.create(
        action=current, by=_user(by), status_from=previous, status_to=status, note=note.strip()
    )
    return current


# --- minutes ------------------------------------------------------------------------------


def _minutes_for(meeting: Meeting) -> Minutes:
    minutes, _ = Minutes.objects.get_or_create(meeting=meeting)
    return minutes


@transaction.atomic
def minutes_save(
    *,
    meeting: Meeting,
    by: Any,
    expected_version: int | None,
    summary: str,
    distribution: str,
    items: dict[int, tuple[str, str]],
) -> Minutes:
    """The record of discussion and decisions per agenda item, the summary and the
    distribution list."""
    _locked_meeting(meeting)
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    if minutes is None:
        minutes = Minutes(meeting=meeting)
    elif minutes.is_issued:
        raise ValidationError(MINUTES_ISSUED)
    else:
        check_version(minutes, expected_version)
    minutes.summary, minutes.distribution = summary, distribution
    if minutes.pk:
        minutes.version += 1
    attribute(minutes, by)
    minutes.save()
    for item in meeting.agenda_items.filter(pk__in=items):
        record, decisions = items[item.pk]
        if (item.record, item.decisions) != (record, decisions):
            item.record, item.decisions = record, decisions
            attribute(item, by)
            item.save(update_fields=["record", "decisions"])
    return minutes


def distribution_addresses(text: str) -> list[str]:
    from django.core.validators import validate_email

    addresses = [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError({"distribution": BAD_ADDRESS.format(address=address)}) from None
    return addresses


@transaction.atomic
def minutes_issue(*, meeting: Meeting, by: Any, expected_version: int | None) -> Minutes:
    """Issue the minutes: they become read-only, the meeting is minuted, and the distribution
    list is told by email once the transaction commits."""
    current = _locked_meeting(meeting)
    if current.status not in (MeetingStatus.HELD, MeetingStatus.MINUTED):
        raise ValidationError(HOLD_FIRST)
    minutes = Minutes.objects.select_for_update().filter(meeting=current).first()
    if minutes is None:
        raise ValidationError(NO_DISTRIBUTION)
    if minutes.is_issued:
        raise ValidationError(MINUTES_ISSUED)
    check_version(minutes, expected_version)
    addresses = distribution_addresses(minutes.distribution)
    if not addresses:
        raise ValidationError({"distribution": NO_DISTRIBUTION})
    # The meeting first: once the minutes are issued it is frozen with them.
    current.status = MeetingStatus.MINUTED
    current.version += 1
    attribute(current, by)
    current.save(update_fields=["status", "version"])
    minutes.issued_at = timezone.now()
    minutes.issued_by = _user(by)
    minutes.version += 1
    attribute(minutes, by)
    minutes.save()
    _deliver(minutes, addresses, by)
    return minutes


def _deliver(minutes: Minutes, addresses: list[str], by: Any) -> MinutesDelivery:
    """Ask for the minutes to be sent, once the transaction commits. The sending is the task's:
    whatever the mail server does, issuing has happened and stays done, and the delivery
    records how the sending went."""
    delivery = MinutesDelivery.objects.create(
        minutes=minutes, recipients=addresses, requested_by=_user(by)
    )
    # robust: with tasks run in-process, a mail server that is down must not turn the page
    # that issued the minutes into an error; the delivery already says it was not sent.
    transaction.on_commit(lambda: tasks.send_minutes.delay(delivery.pk), robust=True)
    return delivery


@transaction.atomic
def minutes_send_again(*, meeting: Meeting, by: Any, failed_delivery_id: int | None) -> Any:
    """Send issued minutes again after their last delivery failed. `failed_delivery_id` is the
    failed delivery the user saw: if another has been asked for since, nothing is sent twice."""
    _locked_meeting(meeting)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None or not minutes.is_issued:
        raise ValidationError(NOT_ISSUED_YET)
    latest = minutes.deliveries.order_by("-requested_at", "-pk").first()
    if latest is not None and latest.pk != failed_delivery_id:
        raise ConflictError(latest)
    if latest is None or latest.status != DeliveryStatus.FAILED:
        raise ValidationError(NOTHING_TO_SEND_AGAIN)
    return _deliver(minutes, list(latest.recipients), by)
