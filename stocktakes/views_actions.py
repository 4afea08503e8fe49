"""The one action tracker, an action's page with its log and status updates, and the minutes of
a meeting: the record per agenda item, actions allocated in place, and issuing.

Who may do what: everyone in scope reads the tracker, an action and issued minutes; editors
update any action and write and issue minutes; an official updates only the actions they own.
Writes go through stocktakes/services.py with the version the user started from, checked there
under the row's lock; a post without it is refused.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliveryunit import access, clock
from deliveryunit.editing import (
    VERSION_MISSING,
    ConflictError,
    HtmxHttpRequest,
    add_service_errors,
    vary_on_htmx,
    with_version,
)
from priorities.models import Priority

from . import selectors, services
from .forms import VersionForm
from .forms_actions import (
    STATUS_FILTERS,
    ActionStatusForm,
    MinutesActionForm,
    MinutesForm,
    TrackerFilterForm,
)
from .models import (
    MINUTES_ISSUED,
    Action,
    ActionSource,
    DeliveryStatus,
    Forum,
    Meeting,
    MeetingStatus,
    Minutes,
)
from .services import NO_DISTRIBUTION

ACTION_UPDATED = "Action updated: now {status}."
ACTION_CONFLICT = (
    "Someone else updated this action since you opened the page: it is now {status}. Your "
    "update has not been saved; your note is kept below. Check the status and save again."
)
NOTHING_TO_SAVE = "Nothing to save: the status is the same and there is no note."
MINUTES_SAVED = "Minutes saved."
MINUTES_CONFLICT = (
    "Someone else saved these minutes since you opened the page. What you typed has not been "
    "saved but is kept below; their version is shown first. Save again to replace theirs."
)
ACTION_ALLOCATED = "Action allocated to {owner}."
MINUTES_ISSUED_SENT = "Minutes issued and sent to {count} address{plural}."
MINUTES_ISSUED_SENDING = (
    "Minutes issued. They are being sent to {count} address{plural}; this page shows how it went."
)
MINUTES_ISSUED_NOT_SENT = (
    "Minutes issued, but sending them failed. The error is shown below: send them again when "
    "the problem is fixed."
)
SENDING_AGAIN = "The minutes are being sent again."
SEND_AGAIN_CONFLICT = (
    "Someone else has already asked for the minutes to be sent again. How that is going is "
    "shown below."
)
ISSUE_CONFLICT = "The minutes changed since you opened the page. Check them and issue them again."
MINUTES_NOT_ISSUED = "These minutes have not been issued yet."


def _url(name: str, *args: Any) -> str | None:
    """The URL, or None while the page behind the name has not been built."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def may_update_action(user: Any, action: Action) -> bool:
    return access.can_update_owned(user, action.owner_user_id)


# --- the tracker --------------------------------------------------------------------------


@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = TrackerFilterForm(
        request.GET or None,
        auto_id="filter-%s",
        departments=selectors.action_departments(user),
        forums=access.scoped(Forum.objects.order_by("name"), user),
        priorities=access.scoped(Priority.objects.all(), user),
    )
    tracker = selectors.tracker_page(user, form.valid_filters(), request.GET, clock.today())
    filters = tracker.filters
    return render(
        request,
        "stocktakes/action_list.html",
        {
            "nav_actions": True,
            "form": form,
            "status_filters": STATUS_FILTERS,
            "selected_status": tracker.status,
            "departments": list(form.fields["department"].queryset),  # type: ignore[attr-defined]
            "selected_department": filters["department"].pk if filters.get("department") else None,
            "forums": list(form.fields["forum"].queryset),  # type: ignore[attr-defined]
            "selected_forum": filters["forum"].pk if filters.get("forum") else None,
            "selected_owner": filters.get("owner") or "",
            "selected_priority": filters.get("priority"),
            "filtered": tracker.filtered,
            "sort": tracker.sort,
            "columns": tracker.columns,
            "page": tracker.page,
            "pages": tracker.pages,
            "overdue_count": tracker.overdue_count,
            "overdue_url": reverse("stocktakes:action_list") + "?status=overdue",
        },
    )


# --- one action ---------------------------------------------------------------------------


def _action_for(user: Any, pk: int) -> Action:
    return access.get_for_user(
        selectors.with_overdue(
            Action.objects.select_related(
                "department", "owner_user", "meeting__forum", "agenda_item", "priority"
            ),
            clock.today(),
        ),
        user,
        pk=pk,
    )


@dataclass
class ActionConflict:
    message: str
    status_label: str
    by: str
    at: Any


def _panel_context(
    request: HttpRequest,
    action: Action,
    *,
    form: ActionStatusForm | None = None,
    conflict: ActionConflict | None = None,
    saved: str = "",
) -> dict[str, Any]:
    may_update = may_update_action(request.user, action)
    if may_update and form is None:
        form = ActionStatusForm(initial={"status": action.status, "version": action.version})
    return {
        "action": action,
        "updates": list(action.updates.select_related("by")),
        "may_update": may_update,
        "form": form,
        "conflict": conflict,
        "saved": saved,
    }


def _source_links(user: Any, action: Action) -> dict[str, str]:
    """Links to where the action came from, where the user may follow them."""
    links: dict[str, str] = {}
    meeting = action.meeting
    if meeting is not None and access.in_scope(meeting, user):
        if url := _url("stocktakes:meeting_detail", meeting.pk):
            links["meeting"] = url
        if Minutes.objects.filter(meeting=meeting, issued_at__isnull=False).exists():
            links["minutes"] = reverse("stocktakes:minutes_view", args=[meeting.pk])
    priority_url = _url("priorities:detail", action.priority_id) if action.priority_id else None
    if priority_url and access.in_scope(action.priority, user):  # type: ignore[arg-type]
        links["priority"] = priority_url
    return links


def _render_action(
    request: HtmxHttpRequest, action: Action, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    if request.htmx:
        response = render(request, "stocktakes/action_detail.html#panel", context, status=status)
    else:
        context = {
            **context,
            "nav_actions": True,
            "links": _source_links(request.user, action),
            "tracker_url": reverse("stocktakes:action_list"),
        }
        response = render(request, "stocktakes/action_detail.html", context, status=status)
    return vary_on_htmx(response)


@require_GET
def action_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    action = _action_for(request.user, pk)
    return _render_action(request, action, _panel_context(request, action))


def _action_conflict(request: HtmxHttpRequest, pk: int, current: Model) -> HttpResponse:
    """The panel as the action now is, with the update as typed and its version moved on."""
    action = _action_for(request.user, pk)
    last = action.updates.select_related("by").first()
    conflict = ActionConflict(
        message=ACTION_CONFLICT.format(status=action.get_status_display().lower()),
        status_label=action.get_status_display(),
        by=str(last.by) if last and last.by else "",
        at=last.at if last else None,
    )
    form = ActionStatusForm(with_version(request.POST, current.version))  # type: ignore[attr-defined]
    context = _panel_context(request, action, form=form, conflict=conflict)
    return _render_action(request, action, context, 409)


@require_POST
def action_update(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """An owner's or editor's status update with a progress note; htmx gets the panel back."""
    action = _action_for(request.user, pk)
    access.check(may_update_action(request.user, action))
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        return _render_action(request, action, _panel_context(request, action, form=form), 422)
    try:
        updated = services.action_update_status(
            action=action, by=request.user, **form.service_fields()
        )
    except ConflictError as exc:
        return _action_conflict(request, pk, exc.current)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_action(request, action, _panel_context(request, action, form=form), 422)
    if updated.version == action.version:
        saved = NOTHING_TO_SAVE
    else:
        saved = ACTION_UPDATED.format(status=updated.get_status_display().lower())
    if not request.htmx:
        messages.success(request, saved)
        return vary_on_htmx(redirect("stocktakes:action_detail", pk=action.pk))
    action = _action_for(request.user, pk)
    return _render_action(request, action, _panel_context(request, action, saved=saved))


# --- minutes ------------------------------------------------------------------------------


@dataclass
class IssueError:
    message: str
    anchor: str


def _minutes_context(
    request: HttpRequest,
    meeting: Meeting,
    minutes: Minutes | None,
    *,
    form: MinutesForm | None = None,
    action_form: MinutesActionForm | None = None,
    conflict: Minutes | None = None,
    issue_errors: list[IssueError] | None = None,
    allocated_message: str = "",
) -> dict[str, Any]:
    items = list(meeting.agenda_items.all())
    issued = minutes is not None and minutes.is_issued
    if form is None and not issued:
        form = MinutesForm(
            items=items,
            initial={
                "summary": minutes.summary if minutes else "",
                "distribution": minutes.distribution if minutes else "",
                # 0 when there are none yet: if someone else starts them first, that is a
                # conflict rather than a silent overwrite.
                "version": minutes.version if minutes else 0,
            },
        )
    if action_form is None and not issued:
        action_form = MinutesActionForm(meeting=meeting)
    return {
        "meeting": meeting,
        "minutes": minutes,
        "issued": issued,
        "items": items,
        "form": form,
        "action_form": action_form,
        "allocated": selectors.allocated_actions(meeting),
        "allocated_message": allocated_message,
        "conflict": conflict,
        "conflict_message": MINUTES_CONFLICT,
        "issue_errors": issue_errors or [],
        "may_issue": meeting.status in (MeetingStatus.HELD, MeetingStatus.MINUTED),
        "meeting_url": _url("stocktakes:meeting_detail", meeting.pk),
        "attendees": list(meeting.attendees.all()),
        "delivery": selectors.latest_delivery(minutes),
    }


def _render_minutes(
    request: HttpRequest, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return vary_on_htmx(render(request, "stocktakes/minutes_edit.html", context, status=status))


def _render_allocated(
    request: HtmxHttpRequest, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The allocated actions region for htmx, or the whole minutes page."""
    if request.htmx:
        template = "stocktakes/minutes_edit.html#allocated"
        return vary_on_htmx(render(request, template, context, status=status))
    return _render_minutes(request, context, status)


def _refused_issued(request: HtmxHttpRequest, meeting: Meeting, minutes: Minutes) -> HttpResponse:
    """Issued minutes cannot change: the read-only page, saying so, and nothing written."""
    context = _minutes_context(
        request,
        meeting,
        minutes,
        issue_errors=[IssueError(MINUTES_ISSUED, "minutes-record")],
    )
    return _render_allocated(request, context, 409)


def _issued_meanwhile(request: HtmxHttpRequest, meeting: Meeting) -> HttpResponse | None:
    """After a refused write: the refusal for issued minutes if they were issued meanwhile."""
    current = selectors.minutes_of(meeting)
    if current is not None and current.is_issued:
        return _refused_issued(request, meeting, current)
    return None


def _minutes_conflict(request: HttpRequest, meeting: Meeting, current: Model) -> HttpResponse:
    """Their minutes first, then what this user typed, with the version moved on."""
    saved = selectors.minutes_of(meeting)
    form = MinutesForm(
        with_version(request.POST, current.version),  # type: ignore[attr-defined]
        items=list(meeting.agenda_items.all()),
    )
    form.is_valid()
    context = _minutes_context(request, meeting, saved, form=form, conflict=saved)
    return _render_minutes(request, context, 409)


@require_http_methods(["GET", "POST"])
def minutes_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    minutes = selectors.minutes_of(meeting)
    if request.method == "GET":
        return _render_minutes(request, _minutes_context(request, meeting, minutes))
    if minutes is not None and minutes.is_issued:
        return _refused_issued(request, meeting, minutes)
    form = MinutesForm(request.POST, items=list(meeting.agenda_items.all()))
    if form.is_valid():
        try:
            services.minutes_save(meeting=meeting, by=request.user, **form.service_fields())
        except ConflictError as exc:
            return _minutes_conflict(request, meeting, exc.current)
        except ValidationError as exc:
            if refused := _issued_meanwhile(request, meeting):
                return refused
            add_service_errors(form, exc)
        else:
            messages.success(request, MINUTES_SAVED)
            return vary_on_htmx(redirect("stocktakes:minutes_edit", pk=meeting.pk))
    context = _minutes_context(request, meeting, minutes, form=form)
    return _render_minutes(request, context, 422)


@require_POST
def action_create_in_minutes(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """An action allocated at the meeting, added to the minutes in place."""
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    minutes = selectors.minutes_of(meeting)
    if minutes is not None and minutes.is_issued:
        return _refused_issued(request, meeting, minutes)
    form = MinutesActionForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            action = services.action_create(
                by=request.user,
                meeting=meeting,
                source=ActionSource.MEETING,
                **form.service_fields(),
            )
        except ValidationError as exc:
            if refused := _issued_meanwhile(request, meeting):
                return refused
            add_service_errors(form, exc)
        else:
            message = ACTION_ALLOCATED.format(owner=action.owner)
            if not request.htmx:
                messages.success(request, message)
                url = reverse("stocktakes:minutes_edit", args=[meeting.pk])
                return vary_on_htmx(redirect(f"{url}#allocated"))
            context = _minutes_context(request, meeting, minutes, allocated_message=message)
            return _render_allocated(request, context)
    context = _minutes_context(request, meeting, minutes, action_form=form)
    return _render_allocated(request, context, 422)


def _issue_refused(request: HtmxHttpRequest, pk: int, exc: ValidationError) -> HttpResponse:
    meeting = selectors.meeting_for_user(request.user, pk)
    if refused := _issued_meanwhile(request, meeting):
        return refused
    on_distribution = (hasattr(exc, "error_dict") and "distribution" in exc.error_dict) or (
        NO_DISTRIBUTION in exc.messages
    )
    anchor = "id_distribution" if on_distribution else "issue"
    errors = [IssueError(message, anchor) for message in exc.messages]
    return _issue_page(request, meeting, errors, 422)


def _issue_page(
    request: HttpRequest, meeting: Meeting, errors: list[IssueError], status: int
) -> HttpResponse:
    minutes = selectors.minutes_of(meeting)
    context = _minutes_context(request, meeting, minutes, issue_errors=errors)
    return _render_minutes(request, context, status)


@require_POST
def minutes_issue(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Issue the minutes: read-only from now on, and the distribution list told by email."""
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    version = VersionForm(request.POST)
    if not version.is_valid():
        return _issue_page(request, meeting, [IssueError(VERSION_MISSING, "issue")], 422)
    try:
        minutes = services.minutes_issue(
            meeting=meeting, by=request.user, expected_version=version.expected_version
        )
    except ConflictError:
        fresh = selectors.meeting_for_user(request.user, pk)
        return _issue_page(request, fresh, [IssueError(ISSUE_CONFLICT, "minutes-record")], 409)
    except ValidationError as exc:
        return _issue_refused(request, pk, exc)
    _report_delivery(request, minutes)
    return redirect("stocktakes:minutes_view", pk=meeting.pk)


def _report_delivery(request: HttpRequest, minutes: Minutes) -> None:
    """What became of the e-mail, as far as is known when the page answers: with tasks run
    in-process it has been sent or has failed; with a worker it is on its way."""
    delivery = selectors.latest_delivery(minutes)
    count = len(delivery.recipients) if delivery else 0
    plural = "" if count == 1 else "es"
    if delivery is None or delivery.status == DeliveryStatus.SENDING:
        messages.success(request, MINUTES_ISSUED_SENDING.format(count=count, plural=plural))
    elif delivery.status == DeliveryStatus.SENT:
        messages.success(request, MINUTES_ISSUED_SENT.format(count=count, plural=plural))
    else:
        messages.error(request, MINUTES_ISSUED_NOT_SENT)


@require_POST
def minutes_send_again(request: HttpRequest, pk: int) -> HttpResponse:
    """Send issued minutes again after their last sending failed."""
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    try:
        failed = int(request.POST.get("delivery", ""))
    except ValueError:
        failed = None
    try:
        services.minutes_send_again(meeting=meeting, by=request.user, failed_delivery_id=failed)
    except ConflictError:
        messages.error(request, SEND_AGAIN_CONFLICT)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, SENDING_AGAIN)
    return redirect("stocktakes:minutes_view", pk=meeting.pk)


@require_GET
def minutes_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes as issued, for everyone who may see the meeting."""
    meeting = selectors.meeting_for_user(request.user, pk)
    minutes = selectors.minutes_of(meeting)
    issued = minutes is not None and minutes.is_issued
    may_edit = access.is_editor(request.user)
    return render(
        request,
        "stocktakes/minutes_view.html",
        {
            "meeting": meeting,
            "minutes": minutes,
            "issued": issued,
            "items": list(meeting.agenda_items.all()),
            "attendees": list(meeting.attendees.all()),
            "allocated": selectors.allocated_actions(meeting) if issued else [],
            # Minutes list every action agreed, but link only to those the reader may open.
            "visible_actions": selectors.visible_action_ids(meeting, request.user)
            if issued
            else set(),
            "not_issued": MINUTES_NOT_ISSUED,
            # How the e-mail went: for the unit, who can send it again.
            "delivery": selectors.latest_delivery(minutes) if may_edit else None,
            "edit_url": reverse("stocktakes:minutes_edit", args=[meeting.pk]) if may_edit else "",
            "meeting_url": _url("stocktakes:meeting_detail", meeting.pk),
        },
    )
