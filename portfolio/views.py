from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliveryunit import access, clock, documents
from deliveryunit.editing import (
    VERSION_MISSING,
    ConflictError,
    HtmxHttpRequest,
    add_service_errors,
    form_conflict,
    render_form,
    vary_on_htmx,
    with_version,
)
from reviews.selectors import reviews_under_way_count

from . import commentary, dashboard, due, pm_note
from . import home as home_sections
from .forms import CommentaryForm, DashboardFilterForm

TEMPLATE_COMMENTARY = "portfolio/note_commentary.html"
COMMENTARY_SAVED = "Commentary for {month} saved."
NOTE_ISSUED = (
    "The note for {month} is issued: its commentary is frozen, and every build of the note "
    "for {month} carries it."
)


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The portfolio dashboard, for every role, scoped to what the user may see. Filters and
    sorting live in the query string; htmx asks for the results part only."""
    user = request.user
    form = DashboardFilterForm(request.GET or None, auto_id="filter-%s", user=user)
    board = dashboard.dashboard(user, form.valid_filters(), request.GET)
    context = {"nav_home": True, "form": form, "board": board}
    if request.htmx:
        return vary_on_htmx(render(request, "portfolio/home.html#results", context))
    context |= {
        "due": due.due_from(user),
        "scope_description": home_sections.scope_description(user),
        "role_summary": home_sections.ROLE_SUMMARY.get(user.role, ""),
        "reviews_under_way": reviews_under_way_count(user),
    }
    return vary_on_htmx(render(request, "portfolio/home.html", context))


def _note_month(request: HttpRequest) -> date:
    """The month the commentary is for, from ?month=YYYY-MM (this month when not given); a
    month the note cannot be built for is refused as the note's own request would be."""
    value = request.GET.get("month") or f"{clock.today():%Y-%m}"
    month = pm_note.parse_month(value)
    pm_note.check_month(month)
    return month


def _commentary_url(month: date, name: str = "pm_note_commentary") -> str:
    return f"{reverse(name)}?month={month:%Y-%m}"


def _month_or_none(request: HttpRequest) -> date | None:
    """The month the request names, or None with the note's message for the user."""
    try:
        return _note_month(request)
    except documents.DocumentRefused as refused:
        messages.error(request, " ".join(refused.messages))
        return None


@access.editor_required
@require_http_methods(["GET", "POST"])
def note_commentary(request: HttpRequest) -> HttpResponse:
    """A month's unit commentary: the unit lead writes it until the note is issued."""
    if (month := _month_or_none(request)) is None:
        return redirect("documents:list")
    current = commentary.commentary_for(month)
    writable = access.is_unit_lead(request.user) and not (current and current.is_issued)
    posted = request.method == "POST"
    access.check(not posted or access.is_unit_lead(request.user))
    form = CommentaryForm(request.POST if posted else None, instance=current)
    context: dict[str, Any] = {"month": month, "commentary": current, "writable": writable}
    if posted and form.is_valid():
        try:
            commentary.commentary_save(
                month=month,
                text=form.cleaned_data["text"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except ConflictError as exc:
            context["conflict"] = form_conflict(form, exc.current)
            form = CommentaryForm(with_version(request.POST, exc.current.version), instance=current)
            return render_form(request, TEMPLATE_COMMENTARY, context | {"form": form}, status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, COMMENTARY_SAVED.format(month=f"{month:%B %Y}"))
            return redirect(_commentary_url(month))
    return render_form(request, TEMPLATE_COMMENTARY, context | {"form": form})


@access.unit_lead_required
@require_POST
def note_commentary_issue(request: HttpRequest) -> HttpResponse:
    """Issue the month's note: its commentary is frozen from now on."""
    try:
        month = _note_month(request)
    except documents.DocumentRefused as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect("documents:list")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        messages.error(request, VERSION_MISSING)
        return redirect(_commentary_url(month))
    try:
        commentary.commentary_issue(month=month, by=request.user, expected_version=version)
    except ConflictError as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, NOTE_ISSUED.format(month=f"{month:%B %Y}"))
    return redirect(_commentary_url(month))
