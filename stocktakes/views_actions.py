"""The one action tracker, an action's page with its log and status updates, and the minutes of
a meeting: the record per agenda item, actions allocated in place, and issuing.

Who may do what: everyone in scope reads the tracker, an action and issued minutes; editors
update any action and write and issue minutes; an official updates only the actions they own.
Writes go through stocktakes/services.py with the version the user started from.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, Count, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliveryunit import access
from deliveryunit.editing import ConflictError, HtmxHttpRequest, with_version
from deliveryunit.models import Department

from . import selectors, services
from .forms_actions import (
    SORTS,
    STATUS_FILTERS,
    ActionStatusForm,
    MinutesActionForm,
    MinutesForm,
    TrackerFilterForm,
)
from .models import (
    MINUTES_ISSUED,
    OUTSTANDING,
    Action,
    ActionSource,
    ActionStatus,
    Forum,
    Meeting,
    MeetingStatus,
    Minutes,
)
from .services import NO_DISTRIBUTION

ACTIONS_PER_PAGE = 100

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
ISSUE_CONFLICT = "The minutes changed since you opened the page. Check them and issue them again."
MINUTES_NOT_ISSUED = "These minutes have not been issued yet."


def _url(name: str, *args: Any) -> str | None:
    """The URL, or None while the page behind the name has not been built."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _vary(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ("HX-Request",))
    return response


def may_update_action(user: Any, action: Action) -> bool:
    return access.can_update_owned(user, action.owner_user_id)


def _with_overdue(queryset: QuerySet[Action], today: date) -> QuerySet[Action]:
    return queryset.annotate(
        overdue=Case(
            When(status__in=OUTSTANDING, due__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


# --- the tracker --------------------------------------------------------------------------

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
_COLUMNS = [
    ("description", "Action"),
    ("owner", "Owner"),
    ("department", "Department"),
    ("due", "Due"),
    ("status", "Status"),
]


@dataclass
class Column:
    key: str
    label: str
    url: str
    # "ascending", "descending" or "none", as aria-sort wants.
    sorted: str


def _departments_for(user: Any) -> QuerySet[Department]:
    """Actions are scoped by their own department, so that is what the filter offers."""
    if access.sees_all_departments(user):
        return Department.objects.order_by("name")
    return Department.objects.filter(pk=access.department_id_of(user))


def _query(params: QueryDict, **changes: str) -> str:
    """The tracker's query string with some parameters changed, back on the first page."""
    values = {key: params.get(key, "") for key in ("status", "department", "forum", "owner")}
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


def tracker_actions(
    user: Any, filters: dict[str, Any], sort: tuple[str, bool], today: date
) -> QuerySet[Action]:
    """The actions `user` may see that match the filters, with `overdue` and in order."""
    actions = _with_overdue(
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
    key, descending = sort
    order = _ORDERINGS[key]
    if key == "status":
        actions = actions.annotate(status_rank=_STATUS_RANK)
    if descending:
        order = (f"-{order[0]}", *order[1:])
    return actions.order_by(*order)


@require_GET
def action_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    form = TrackerFilterForm(
        request.GET or None,
        departments=_departments_for(user),
        forums=access.scoped(Forum.objects.order_by("name"), user),
    )
    # An invalid filter is reported and left out; the valid ones still apply.
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data
    sort = _sort(request.GET)
    actions = tracker_actions(user, filters, sort, today)
    page = Paginator(actions, ACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    overdue_count = (
        access.scoped(Action.objects.all(), user)
        .filter(status__in=OUTSTANDING, due__lt=today)
        .aggregate(n=Count("pk"))["n"]
    )

    key, descending = sort
    columns = []
    for column_key, label in _COLUMNS:
        is_sorted = column_key == key
        next_sort = f"-{column_key}" if is_sorted and not descending else column_key
        columns.append(
            Column(
                key=column_key,
                label=label,
                url=_query(request.GET, sort=next_sort),
                sorted=("descending" if descending else "ascending") if is_sorted else "none",
            )
        )
    status = filters.get("status") or "outstanding"
    pages = {
        "previous": _query(request.GET, page=str(page.previous_page_number()))
        if page.has_previous()
        else "",
        "next": _query(request.GET, page=str(page.next_page_number())) if page.has_next() else "",
    }
    return render(
        request,
        "stocktakes/action_list.html",
        {
            "nav_actions": True,
            "form": form,
            "status_filters": STATUS_FILTERS,
            "selected_status": status,
            "departments": list(form.fields["department"].queryset),  # type: ignore[attr-defined]
            "selected_department": filters["department"].pk if filters.get("department") else None,
            "forums": list(form.fields["forum"].queryset),  # type: ignore[attr-defined]
            "selected_forum": filters["forum"].pk if filters.get("forum") else None,
            "selected_owner": filters.get("owner") or "",
            "filtered": any(filters.get(name) for name in ("department", "forum", "owner"))
            or status != "outstanding",
            "sort": f"-{key}" if descending else key,
            "columns": columns,
            "page": page,
            "pages": pages,
            "overdue_count": overdue_count,
            "overdue_url": reverse("stocktakes:action_list") + "?status=overdue",
        },
    )


# --- one action ---------------------------------------------------------------------------


def _action_for(user: Any, pk: int) -> Action:
    return access.get_for_user(
        _with_overdue(
            Action.objects.select_related(
                "department", "owner_user", "meeting__forum", "agenda_item", "priority"
            ),
            timezone.localdate(),
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
    return _vary(response)


@require_GET
def action_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    action = _action_for(request.user, pk)
    return _render_action(request, action, _panel_context(request, action))


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
            action=action,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
    except ConflictError as exc:
        action = _action_for(request.user, pk)
        last = action.updates.select_related("by").first()
        conflict = ActionConflict(
            message=ACTION_CONFLICT.format(status=action.get_status_display().lower()),
            status_label=action.get_status_display(),
            by=str(last.by) if last and last.by else "",
            at=last.at if last else None,
        )
        form = ActionStatusForm(with_version(request.POST, exc.current.version))  # type: ignore[attr-defined]
        return _render_action(
            request, action, _panel_context(request, action, form=form, conflict=conflict), 409
        )
    except ValidationError as exc:
        for name, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
            form.add_error(name if name in form.fields else None, errors)
        return _render_action(request, action, _panel_context(request, action, form=form), 422)
    if updated.version == action.version:
        saved = NOTHING_TO_SAVE
    else:
        saved = ACTION_UPDATED.format(status=updated.get_status_display().lower())
    if not request.htmx:
        messages.success(request, saved)
        return _vary(redirect("stocktakes:action_detail", pk=action.pk))
    action = _action_for(request.user, pk)
    return _render_action(request, action, _panel_context(request, action, saved=saved))


# --- minutes ------------------------------------------------------------------------------


def _minutes_of(meeting: Meeting) -> Minutes | None:
    return Minutes.objects.select_related("issued_by").filter(meeting=meeting).first()


def _allocated(meeting: Meeting) -> list[Action]:
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
        "allocated": _allocated(meeting),
        "allocated_message": allocated_message,
        "conflict": conflict,
        "conflict_message": MINUTES_CONFLICT,
        "issue_errors": issue_errors or [],
        "may_issue": meeting.status in (MeetingStatus.HELD, MeetingStatus.MINUTED),
        "meeting_url": _url("stocktakes:meeting_detail", meeting.pk),
        "attendees": list(meeting.attendees.all()),
    }


def _render_minutes(
    request: HttpRequest, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return _vary(render(request, "stocktakes/minutes_edit.html", context, status=status))


def _refused_issued(request: HtmxHttpRequest, meeting: Meeting, minutes: Minutes) -> HttpResponse:
    """Issued minutes cannot change: the read-only page, saying so, and nothing written."""
    context = _minutes_context(
        request,
        meeting,
        minutes,
        issue_errors=[IssueError(MINUTES_ISSUED, "minutes-record")],
    )
    if request.htmx:
        return _vary(render(request, "stocktakes/minutes_edit.html#allocated", context, status=409))
    return _render_minutes(request, context, 409)


@require_http_methods(["GET", "POST"])
def minutes_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    minutes = _minutes_of(meeting)
    if minutes is not None and minutes.is_issued:
        if request.method == "POST":
            return _refused_issued(request, meeting, minutes)
        return _render_minutes(request, _minutes_context(request, meeting, minutes))
    if request.method == "GET":
        return _render_minutes(request, _minutes_context(request, meeting, minutes))

    form = MinutesForm(request.POST, items=list(meeting.agenda_items.all()))
    if not form.is_valid():
        return _render_minutes(request, _minutes_context(request, meeting, minutes, form=form), 422)
    try:
        services.minutes_save(
            meeting=meeting,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            summary=form.cleaned_data["summary"],
            distribution=form.cleaned_data["distribution"],
            items=form.item_values(),
        )
    except ConflictError as exc:
        current = _minutes_of(meeting)
        form = MinutesForm(
            with_version(request.POST, exc.current.version),  # type: ignore[attr-defined]
            items=list(meeting.agenda_items.all()),
        )
        form.is_valid()
        return _render_minutes(
            request,
            _minutes_context(request, meeting, current, form=form, conflict=current),
            409,
        )
    except ValidationError as exc:
        current = _minutes_of(meeting)
        if current is not None and current.is_issued:
            return _refused_issued(request, meeting, current)
        for name, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
            form.add_error(name if name in form.fields else None, errors)
        return _render_minutes(request, _minutes_context(request, meeting, minutes, form=form), 422)
    messages.success(request, MINUTES_SAVED)
    return _vary(redirect("stocktakes:minutes_edit", pk=meeting.pk))


@require_POST
def action_create_in_minutes(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """An action allocated at the meeting, added to the minutes in place."""
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    minutes = _minutes_of(meeting)
    if minutes is not None and minutes.is_issued:
        return _refused_issued(request, meeting, minutes)
    form = MinutesActionForm(request.POST, meeting=meeting)
    status = 422
    message = ""
    if form.is_valid():
        data = form.cleaned_data
        item = data["agenda_item"]
        try:
            action = services.action_create(
                by=request.user,
                description=data["description"],
                owner=data["owner"],
                owner_user=data["owner_user"],
                department=data["department"],
                due=data["due"],
                meeting=meeting,
                agenda_item=item,
                priority=item.priority if item else None,
                source=ActionSource.MEETING,
            )
        except ValidationError as exc:
            current = _minutes_of(meeting)
            if current is not None and current.is_issued:
                return _refused_issued(request, meeting, current)
            for name, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            message = ACTION_ALLOCATED.format(owner=action.owner)
            if not request.htmx:
                messages.success(request, message)
                url = reverse("stocktakes:minutes_edit", args=[meeting.pk])
                return _vary(redirect(f"{url}#allocated"))
            form = MinutesActionForm(meeting=meeting)
            status = 200
    context = _minutes_context(
        request, meeting, minutes, action_form=form, allocated_message=message
    )
    if request.htmx:
        return _vary(
            render(request, "stocktakes/minutes_edit.html#allocated", context, status=status)
        )
    return _render_minutes(request, context, status)


@require_POST
def minutes_issue(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Issue the minutes: read-only from now on, and the distribution list told by email."""
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    try:
        version: int | None = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        minutes = services.minutes_issue(meeting=meeting, by=request.user, expected_version=version)
    except ConflictError:
        errors = [IssueError(ISSUE_CONFLICT, "minutes-record")]
        status = 409
    except ValidationError as exc:
        current = _minutes_of(meeting)
        if current is not None and current.is_issued:
            return _refused_issued(request, meeting, current)
        on_distribution = (hasattr(exc, "error_dict") and "distribution" in exc.error_dict) or (
            NO_DISTRIBUTION in exc.messages
        )
        anchor = "id_distribution" if on_distribution else "issue"
        errors = [IssueError(message, anchor) for message in exc.messages]
        status = 422
    else:
        count = len(services.distribution_addresses(minutes.distribution))
        messages.success(
            request, MINUTES_ISSUED_SENT.format(count=count, plural="" if count == 1 else "es")
        )
        return redirect("stocktakes:minutes_view", pk=meeting.pk)
    meeting = selectors.meeting_for_user(request.user, pk)
    return _render_minutes(
        request,
        _minutes_context(request, meeting, _minutes_of(meeting), issue_errors=errors),
        status,
    )


@require_GET
def minutes_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes as issued, for everyone who may see the meeting."""
    meeting = selectors.meeting_for_user(request.user, pk)
    minutes = _minutes_of(meeting)
    issued = minutes is not None and minutes.is_issued
    allocated = _allocated(meeting) if issued else []
    # Minutes list every action agreed, but link only to those the reader may open.
    visible = (
        set(
            access.scoped(Action.objects.filter(meeting=meeting), request.user).values_list(
                "pk", flat=True
            )
        )
        if issued
        else set()
    )
    return render(
        request,
        "stocktakes/minutes_view.html",
        {
            "meeting": meeting,
            "minutes": minutes,
            "issued": issued,
            "items": list(meeting.agenda_items.all()),
            "attendees": list(meeting.attendees.all()),
            "allocated": allocated,
            "visible_actions": visible,
            "not_issued": MINUTES_NOT_ISSUED,
            "edit_url": reverse("stocktakes:minutes_edit", args=[meeting.pk])
            if access.is_editor(request.user)
            else "",
            "meeting_url": _url("stocktakes:meeting_detail", meeting.pk),
        },
    )
