"""Forum and meeting pages: forums, scheduling, the meeting page with its attendance and agenda
(edited in place with htmx), and marking a meeting held.

Every object comes through stocktakes/selectors.py (scoped, 404 out of scope); every write
through stocktakes/services.py. The meeting page links to the pack, minutes and action pages
that views_packs.py and views_actions.py serve, each only once its URL exists.
"""

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliveryunit import access, clock
from deliveryunit.editing import (
    CONFLICT_MESSAGE,
    VERSION_MISSING,
    ConflictError,
    VersionedForm,
    add_service_errors,
    form_conflict,
    vary_on_htmx,
    with_version,
)

from . import selectors, services, services_forums
from .forms import (
    AgendaItemForm,
    AttendanceForm,
    ForumForm,
    ForumMemberForm,
    MeetingForm,
    VersionForm,
)
from .models import (
    Action,
    AgendaItem,
    AttendeeKind,
    ForumMember,
    Meeting,
    MeetingStatus,
    Minutes,
)

FORUM_CREATED = "Forum created: {name}."
FORUM_SAVED = "Forum saved: {name}."
MEMBER_ADDED = "Member added: {role}."
MEMBER_REMOVED = "Member removed: {role}."
MEETING_SCHEDULED = "Meeting scheduled for {date}."
MEETING_SAVED = "Meeting details saved."
ATTENDANCE_SAVED = "Attendance recorded."
MARKED_HELD = "The meeting is marked as held."
AGENDA_ADDED = "Agenda item added: {title}."
AGENDA_SAVED = "Agenda item saved: {title}."
AGENDA_REMOVED = "Agenda item removed: {title}."
PROPOSED_FROM_CYCLE = "Proposed from the {cycle} cycle: last met on {last}."
PROPOSED_FIRST = (
    "Proposed from the {cycle} cycle: the forum has not met yet, so counted from today."
)
MEMBERS_CONFLICT = (
    "Someone else changed this forum since you opened the page. Its members are shown as they "
    "are now; what you typed is kept. Check them and try again."
)
ATTENDANCE_CONFLICT = (
    "Someone else recorded attendance since you opened the page: {name} is now recorded as "
    "{answer}. Your answers have not been saved but are kept below. Save again to replace "
    "theirs."
)
AGENDA_REMOVE_CONFLICT = (
    "Someone else changed this agenda item since you opened the page: it is now “{title}”. "
    "Check it, then remove it again if it should go."
)

STATUS_TAGS = {
    MeetingStatus.PLANNED: "govuk-tag--grey",
    MeetingStatus.PACK_ISSUED: "govuk-tag--blue",
    MeetingStatus.HELD: "govuk-tag--yellow",
    MeetingStatus.MINUTED: "govuk-tag--green",
}

_NUMBER_WORDS = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    11: "eleven",
    12: "twelve",
}


def _url(name: str, *args: Any) -> str | None:
    """The URL, or None while the page behind the name has not been built."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _prefixed_version(data: Any, prefix: str, version: int) -> Any:
    """with_version for a form whose fields carry a prefix."""
    data = data.copy()
    data[f"{prefix}-version"] = str(version)
    return data


def _refused_without_version(request: HttpRequest) -> VersionForm | None:
    """The posted version as a form, or None (with the refusal said) when there is none."""
    form = VersionForm(request.POST)
    if form.is_valid():
        return form
    messages.error(request, VERSION_MISSING)
    return None


def _edit(
    request: HttpRequest,
    form_class: type[VersionedForm],
    instance: Any,
    save: Any,
    page: Any,
) -> tuple[Any, HttpResponse | None]:
    """POST of an edit form: (saved, None) when saved; (None, page) when refused, with the
    conflict view (409: both versions, what was typed kept, the version moved on) when someone
    else saved first. `page(form, **extra)` draws the form page."""
    form = form_class(request.POST, instance=instance)
    if not form.is_valid():
        return None, page(form)
    try:
        return save(form), None
    except ConflictError as exc:
        conflict = form_conflict(form, exc.current)
        form = form_class(with_version(request.POST, exc.current.version), instance=instance)
        return None, page(form, conflict=conflict, status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None, page(form)


def _day(value: date) -> str:
    return date_format(value, "j F Y")


def cycle_words(weeks: int) -> str:
    return f"{_NUMBER_WORDS.get(weeks, str(weeks))}-week"


def meeting_status_tag(status: str) -> str:
    return STATUS_TAGS.get(status, "govuk-tag--grey")  # type: ignore[call-overload]


# --- forums -----------------------------------------------------------------------------------


@dataclass
class ForumRow:
    forum: Any
    last: Meeting | None
    next: Meeting | None


@require_GET
def forum_list(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    forums = selectors.forums_for_user(request.user).prefetch_related(
        Prefetch("meetings", queryset=Meeting.objects.order_by("date", "pk"))
    )
    rows = []
    for forum in forums:
        meetings = list(forum.meetings.all())
        past = [m for m in meetings if m.date < today]
        coming = [m for m in meetings if m.date >= today]
        rows.append(
            ForumRow(
                forum=forum, last=past[-1] if past else None, next=coming[0] if coming else None
            )
        )
    return render(
        request,
        "stocktakes/forum_list.html",
        {
            "nav_stocktakes": True,
            "rows": rows,
            "can_edit": access.is_editor(request.user),
            "actions_url": _url("stocktakes:action_list"),
        },
    )


def _members_by_kind(members: list[ForumMember] | list[Any]) -> list[tuple[str, list[Any]]]:
    groups: OrderedDict[str, list[Any]] = OrderedDict(
        (label, []) for _, label in AttendeeKind.choices
    )
    labels = dict(AttendeeKind.choices)
    for member in members:
        groups[labels.get(member.kind, member.kind)].append(member)
    return [
        (label + "s" if label != "Secretariat" else label, rows)
        for label, rows in groups.items()
        if rows
    ]


def _forum_page(
    request: HttpRequest,
    forum: Any,
    *,
    member_form: ForumMemberForm | None = None,
    conflict: str = "",
    status: int = 200,
) -> HttpResponse:
    can_edit = access.is_editor(request.user)
    if member_form is None and can_edit:
        member_form = ForumMemberForm(prefix="member", initial={"version": forum.version})
    meetings = list(forum.meetings.order_by("-date", "-pk"))
    context = {
        "nav_stocktakes": True,
        "forum": forum,
        "member_groups": _members_by_kind(list(forum.members.all())),
        "priorities": sorted(forum.priorities.all(), key=selectors.code_key),
        "meetings": [(m, meeting_status_tag(m.status)) for m in meetings],
        "can_edit": can_edit,
        "cycle": cycle_words(forum.cycle_weeks),
        "member_form": member_form,
        "member_errors": [conflict] if conflict else [],
    }
    return render(request, "stocktakes/forum_detail.html", context, status=status)


@require_GET
def forum_detail(request: HttpRequest, pk: int) -> HttpResponse:
    forum = selectors.forum_for_user(request.user, pk)
    return _forum_page(request, forum)


def _forum_form_page(
    request: HttpRequest, form: ForumForm, *, heading: str, back_url: str, **extra: Any
) -> HttpResponse:
    status = extra.pop("status", 422 if form.is_bound and form.errors else 200)
    return render(
        request,
        "stocktakes/forum_form.html",
        {
            "nav_stocktakes": True,
            "form": form,
            "heading": heading,
            "back_url": back_url,
            "submit_label": "Save forum",
            **extra,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def forum_create(request: HttpRequest) -> HttpResponse:
    access.check(access.is_editor(request.user))
    form = ForumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        priorities = list(fields.pop("priorities"))
        try:
            forum = services.forum_create(by=request.user, priorities=priorities, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, FORUM_CREATED.format(name=forum.name))
            return redirect("stocktakes:forum_detail", pk=forum.pk)
    return _forum_form_page(
        request, form, heading="New forum", back_url=reverse("stocktakes:forum_list")
    )


def _save_forum(forum: Any, by: Any, form: ForumForm) -> Any:
    fields = form.service_fields()
    priorities = list(fields.pop("priorities"))
    return services.forum_update(
        forum=forum,
        by=by,
        expected_version=form.expected_version,
        priorities=priorities,
        **fields,
    )


@require_http_methods(["GET", "POST"])
def forum_edit(request: HttpRequest, pk: int) -> HttpResponse:
    forum = selectors.forum_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    back = reverse("stocktakes:forum_detail", args=[forum.pk])

    def page(form: ForumForm, **extra: Any) -> HttpResponse:
        return _forum_form_page(request, form, heading=f"Edit {forum.name}", back_url=back, **extra)

    if request.method != "POST":
        return page(ForumForm(instance=forum))
    saved, refused = _edit(
        request, ForumForm, forum, lambda form: _save_forum(forum, request.user, form), page
    )
    if refused is not None:
        return refused
    messages.success(request, FORUM_SAVED.format(name=saved.name))
    return redirect(back)


@require_POST
def forum_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A standing member, added on the forum's version the page showed."""
    forum = selectors.forum_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    form = ForumMemberForm(request.POST, prefix="member")
    if form.is_valid():
        try:
            member = services_forums.forum_member_add(
                forum=forum,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except ConflictError as exc:
            data = _prefixed_version(request.POST, "member", exc.current.version)
            form = ForumMemberForm(data, prefix="member")
            fresh = selectors.forum_for_user(request.user, pk)
            return _forum_page(
                request, fresh, member_form=form, conflict=MEMBERS_CONFLICT, status=409
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, MEMBER_ADDED.format(role=member.role))
            return redirect(reverse("stocktakes:forum_detail", args=[forum.pk]) + "#members")
    return _forum_page(request, forum, member_form=form, status=422)


@require_POST
def forum_member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    forum = selectors.forum_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    member = get_object_or_404(ForumMember, pk=member_pk, forum=forum)
    version = _refused_without_version(request)
    if version is not None:
        try:
            services_forums.forum_member_remove(
                member=member, by=request.user, expected_version=version.expected_version
            )
        except ConflictError:
            fresh = selectors.forum_for_user(request.user, pk)
            return _forum_page(request, fresh, conflict=MEMBERS_CONFLICT, status=409)
        messages.success(request, MEMBER_REMOVED.format(role=member.role))
    return redirect(reverse("stocktakes:forum_detail", args=[forum.pk]) + "#members")


# --- scheduling and meeting details -----------------------------------------------------------


def proposal_hint(forum: Any) -> str:
    last = forum.meetings.order_by("-date").values_list("date", flat=True).first()
    cycle = cycle_words(forum.cycle_weeks)
    if last is None:
        return PROPOSED_FIRST.format(cycle=cycle)
    return PROPOSED_FROM_CYCLE.format(cycle=cycle, last=_day(last))


@require_http_methods(["GET", "POST"])
def meeting_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    forum = selectors.forum_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    form = MeetingForm(request.POST or None, initial={"date": services.proposed_next_date(forum)})
    form.fields["date"].help_text = proposal_hint(forum)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        try:
            meeting = services.meeting_schedule(forum=forum, by=request.user, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, MEETING_SCHEDULED.format(date=_day(meeting.date)))
            return redirect("stocktakes:meeting_detail", pk=meeting.pk)
    return render(
        request,
        "stocktakes/meeting_form.html",
        {
            "nav_stocktakes": True,
            "form": form,
            "forum": forum,
            "heading": "Schedule a meeting",
            "caption": forum.name,
            "submit_label": "Schedule meeting",
            "back_url": reverse("stocktakes:forum_detail", args=[forum.pk]),
        },
        status=422 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    back = reverse("stocktakes:meeting_detail", args=[meeting.pk])
    context = {
        "nav_stocktakes": True,
        "forum": meeting.forum,
        "heading": "Change meeting details",
        "caption": str(meeting),
        "submit_label": "Save details",
        "back_url": back,
    }

    def page(form: MeetingForm, status: int | None = None, **extra: Any) -> HttpResponse:
        status = status or (422 if form.is_bound and form.errors else 200)
        context.update(form=form, **extra)
        return render(request, "stocktakes/meeting_form.html", context, status=status)

    if request.method != "POST":
        return page(MeetingForm(instance=meeting))
    _saved, refused = _edit(
        request,
        MeetingForm,
        meeting,
        lambda form: services.meeting_update(
            meeting=meeting,
            by=request.user,
            expected_version=form.expected_version,
            **form.service_fields(),
        ),
        page,
    )
    if refused is not None:
        return refused
    messages.success(request, MEETING_SAVED)
    return redirect(back)


# --- the meeting page -------------------------------------------------------------------------


@dataclass
class ActionRow:
    action: Action
    overdue: bool
    update_url: str | None


def _action_rows(actions: list[Action], user: Any, today: date) -> list[ActionRow]:
    """Rows with a link to each action the user may open: actions are scoped by their own
    department, so a meeting in scope can list actions its reader cannot open."""
    sees_all = access.sees_all_departments(user)
    department_id = access.department_id_of(user)
    # Whether the action page exists is the same for every row: ask once.
    can_link = _url("stocktakes:action_list") is not None
    rows = []
    for action in actions:
        url = None
        if can_link and (sees_all or action.department_id == department_id):
            url = _url("stocktakes:action_detail", action.pk)
        rows.append(ActionRow(action, action.is_overdue(today), url))
    return rows


def _agenda_context(
    meeting: Meeting,
    user: Any,
    *,
    add_form: AgendaItemForm | None = None,
    edit_form: AgendaItemForm | None = None,
    editing: int | None = None,
    error: str = "",
    saved: str = "",
    conflict: Any = None,
    items: list[AgendaItem] | None = None,
) -> dict[str, Any]:
    can_edit = access.is_editor(user) and not _minutes_issued(meeting)
    return {
        "meeting": meeting,
        "agenda_items": items if items is not None else list(meeting.agenda_items.all()),
        "can_edit_agenda": can_edit,
        "agenda_add_form": (add_form or AgendaItemForm(meeting=meeting, prefix="new"))
        if can_edit
        else None,
        "agenda_edit_form": edit_form,
        "agenda_editing": editing,
        "agenda_error": error,
        "agenda_saved": saved,
        "conflict": conflict,
    }


def _minutes_issued(meeting: Meeting) -> bool:
    return meeting.status == MeetingStatus.MINUTED


def _meeting_context(
    request: HttpRequest,
    meeting: Meeting,
    *,
    attendance: AttendanceForm | None = None,
    attendance_error: str = "",
    **agenda: Any,
) -> dict[str, Any]:
    user = request.user
    today = clock.today()
    can_edit = access.is_editor(user)
    minutes = Minutes.objects.filter(meeting=meeting).only("pk", "issued_at").first()
    pack_issues = list(meeting.pack_issues.select_related("document").order_by("-number"))
    pk = meeting.pk
    pack_links = {}
    if can_edit:
        pack_links = {
            "build": _url("stocktakes:pack_build", pk),
            # Issued minutes close the record: no pack version can follow them.
            "issue": _url("stocktakes:pack_issue", pk) if not _minutes_issued(meeting) else None,
        }
    issued = minutes is not None and minutes.is_issued
    return {
        "nav_stocktakes": True,
        "forum": meeting.forum,
        "status_tag": meeting_status_tag(meeting.status),
        "attendees": list(meeting.attendees.all()),
        "attendance": attendance or AttendanceForm(attendees=list(meeting.attendees.all())),
        "attendance_error": attendance_error,
        "can_edit": can_edit,
        "can_record_attendance": can_edit and meeting.status != MeetingStatus.MINUTED,
        "can_mark_held": can_edit
        and meeting.status
        in (
            MeetingStatus.PLANNED,
            MeetingStatus.PACK_ISSUED,
        ),
        "can_change_details": can_edit
        and meeting.status in (MeetingStatus.PLANNED, MeetingStatus.PACK_ISSUED),
        "pack_links": {k: v for k, v in pack_links.items() if v},
        "pack_issues": [
            (
                issue,
                _url("stocktakes:pack_detail", issue.pk),
                _url("stocktakes:pack_download", issue.pk),
            )
            for issue in pack_issues
        ],
        "minutes": minutes,
        "minutes_url": (
            _url("stocktakes:minutes_view", pk)
            if issued
            else (_url("stocktakes:minutes_edit", pk) if can_edit else None)
        ),
        "tracker": _action_rows(selectors.meeting_tracker(meeting), user, today),
        "outstanding": _action_rows(selectors.outstanding_actions(meeting), user, today),
        "previous": selectors.previous_meeting(meeting),
        "actions_url": _url("stocktakes:action_list"),
        **_agenda_context(meeting, user, **agenda),
    }


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_user(request.user, pk)
    return vary_on_htmx(
        render(request, "stocktakes/meeting_detail.html", _meeting_context(request, meeting))
    )


def _attendance_refused(request: HttpRequest, pk: int, error: str, status: int) -> HttpResponse:
    """The meeting page as it is now, with the answers as typed and the refusal beside them."""
    meeting = selectors.meeting_for_user(request.user, pk)
    form = AttendanceForm(request.POST, attendees=list(meeting.attendees.all()))
    context = _meeting_context(request, meeting, attendance=form, attendance_error=error)
    return vary_on_htmx(render(request, "stocktakes/meeting_detail.html", context, status=status))


@require_POST
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Present or apologies for each invited attendee; a blank answer clears it. Each answer
    carries the attendee's version the page showed."""
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    form = AttendanceForm(request.POST, attendees=list(meeting.attendees.all()))
    if not form.is_valid():
        errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _attendance_refused(request, pk, errors, 422)
    answers = form.answers()
    if not answers:
        return redirect(reverse("stocktakes:meeting_detail", args=[meeting.pk]) + "#attendees")
    try:
        services.attendance_record(meeting=meeting, by=request.user, answers=answers)
    except ConflictError as exc:
        attendee = exc.current
        answer = {True: "present", False: "sending apologies", None: "not recorded"}
        message = ATTENDANCE_CONFLICT.format(
            name=attendee,
            answer=answer[attendee.present],  # type: ignore[attr-defined]
        )
        return _attendance_refused(request, pk, message, 409)
    except ValidationError as exc:
        # The minutes were issued: attendance is part of them now.
        return _attendance_refused(request, pk, " ".join(exc.messages), 409)
    messages.success(request, ATTENDANCE_SAVED)
    return redirect(reverse("stocktakes:meeting_detail", args=[meeting.pk]) + "#attendees")


@require_POST
def meeting_mark_held(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    version = _refused_without_version(request)
    if version is None:
        return redirect("stocktakes:meeting_detail", pk=meeting.pk)
    try:
        services.meeting_mark_held(
            meeting=meeting, by=request.user, expected_version=version.expected_version
        )
    except ConflictError:
        messages.error(request, CONFLICT_MESSAGE)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, MARKED_HELD)
    return redirect("stocktakes:meeting_detail", pk=meeting.pk)


# --- the agenda, edited in place --------------------------------------------------------------


def _agenda_response(
    request: HttpRequest, meeting: Meeting, *, status: int = 200, **agenda: Any
) -> HttpResponse:
    """The agenda region for htmx, or the whole meeting page (with any error) otherwise."""
    if request.htmx:  # type: ignore[attr-defined]
        context = _agenda_context(meeting, request.user, **agenda)
        response = render(request, "stocktakes/meeting_detail.html#agenda", context, status=status)
    else:
        response = render(
            request,
            "stocktakes/meeting_detail.html",
            _meeting_context(request, meeting, **agenda),
            status=status,
        )
    return vary_on_htmx(response)


def _agenda_done(request: HttpRequest, meeting: Meeting, message: str) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        fresh = selectors.meeting_for_user(request.user, meeting.pk)
        return _agenda_response(request, fresh, saved=message)
    messages.success(request, message)
    url = reverse("stocktakes:meeting_detail", args=[meeting.pk]) + "#agenda"
    return vary_on_htmx(HttpResponseRedirect(url))


def _editable_meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    return meeting


@require_http_methods(["GET", "POST"])
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _editable_meeting(request, pk)
    form = AgendaItemForm(request.POST or None, meeting=meeting, prefix="new")
    if request.method == "GET":
        return _agenda_response(request, meeting, add_form=form)
    if form.is_valid():
        try:
            item = services.agenda_item_add(
                meeting=meeting, by=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _agenda_done(request, meeting, AGENDA_ADDED.format(title=item.title))
    return _agenda_response(request, meeting, add_form=form, status=422)


def _agenda_conflict(
    request: HttpRequest, meeting: Meeting, item: AgendaItem, form: AgendaItemForm, current: Any
) -> HttpResponse:
    """Both versions of the item, what was typed kept and its version moved on."""
    prefix = f"item{item.pk}"
    conflict = form_conflict(form, current)
    data = _prefixed_version(request.POST, prefix, current.version)
    form = AgendaItemForm(data, instance=current, meeting=meeting, prefix=prefix)
    fresh = selectors.meeting_for_user(request.user, meeting.pk)
    return _agenda_response(
        request, fresh, edit_form=form, editing=item.pk, conflict=conflict, status=409
    )


@require_http_methods(["GET", "POST"])
def agenda_edit(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = _editable_meeting(request, pk)
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
    form = AgendaItemForm(
        request.POST or None, instance=item, meeting=meeting, prefix=f"item{item.pk}"
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.agenda_item_update(
                item=item,
                by=request.user,
                expected_version=form.expected_version,
                **form.service_fields(),
            )
        except ConflictError as exc:
            return _agenda_conflict(request, meeting, item, form, exc.current)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _agenda_done(request, meeting, AGENDA_SAVED.format(title=saved.title))
    status = 422 if request.method == "POST" else 200
    return _agenda_response(request, meeting, edit_form=form, editing=item.pk, status=status)


@require_POST
def agenda_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Remove an item, as the page showed it: a changed item is shown again, not removed."""
    meeting = _editable_meeting(request, pk)
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
    version = VersionForm(request.POST)
    if not version.is_valid():
        return _agenda_response(request, meeting, error=VERSION_MISSING, status=422)
    try:
        services.agenda_item_remove(
            item=item, by=request.user, expected_version=version.expected_version
        )
    except ConflictError:
        fresh = selectors.meeting_for_user(request.user, pk)
        error = AGENDA_REMOVE_CONFLICT.format(title=item.title)
        return _agenda_response(request, fresh, error=error, status=409)
    except ValidationError as exc:
        return _agenda_response(request, meeting, error=" ".join(exc.messages), status=422)
    return _agenda_done(request, meeting, AGENDA_REMOVED.format(title=item.title))
