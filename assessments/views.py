"""The round pages (list, create, overview, moderation, publish, reopen), the grid of judgements
across rounds and the movement report.

The assessment editor is in views_editor.py, key challenges in views_challenges.py, an
assessment's own pages in views_assessment.py and the framework pages in views_framework.py.
Reads come from selectors.py; every write goes through services.py.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliveryunit import access
from deliveryunit.editing import VERSION_MISSING, ConflictError, add_service_errors, render_form

from . import selectors, services
from .forms_rounds import (
    DEFAULT_GRID_ROUNDS,
    GridFilterForm,
    MovementForm,
    RoundCreateForm,
    RoundReopenForm,
    RoundVersionForm,
)
from .models import AssessmentRound, RoundStatus

ROUND_CREATED = "Round {name} created."
ROUND_TO_MODERATION = "Round {name} moved to moderation."
ROUND_PUBLISHED = "Round {name} published."
ROUND_REOPENED = "Round {name} reopened. It is back in moderation."
ROUND_CHANGED = (
    "Someone else moved round {name} on since you opened the page; it is now {status}. "
    "Nothing was changed: check the round as it is now before you go on."
)
NO_ROUNDS_TO_COMPARE = "There are not yet two rounds to compare."


def _round_url(round_: AssessmentRound) -> str:
    return reverse("assessments:round_detail", args=[round_.pk])


# --- rounds -----------------------------------------------------------------------------------


@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assessments/round_list.html",
        {
            "nav_assessments": True,
            "rounds": selectors.round_list(request.user),
            "is_editor": access.is_editor(request.user),
            "is_unit_lead": access.is_unit_lead(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest) -> HttpResponse:
    access.check(access.is_editor(request.user))
    form = RoundCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_create(
                by=request.user,
                name=form.cleaned_data["name"],
                date=form.cleaned_data["date"],
                priorities=list(form.cleaned_data["priorities"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, ROUND_CREATED.format(name=round_.name))
            return redirect(_round_url(round_))
    return render_form(
        request,
        "assessments/round_create.html",
        {"nav_assessments": True, "form": form},
    )


@require_GET
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = selectors.round_for_user(request.user, pk)
    overview = selectors.round_overview(request.user, round_)
    is_unit_lead = access.is_unit_lead(request.user)
    return render(
        request,
        "assessments/round_detail.html",
        {
            "nav_assessments": True,
            "overview": overview,
            "round": round_,
            "is_editor": access.is_editor(request.user),
            "can_moderate": is_unit_lead and round_.status == RoundStatus.DRAFT,
            "can_publish": is_unit_lead and round_.status != RoundStatus.PUBLISHED,
            "can_reopen": is_unit_lead and round_.status == RoundStatus.PUBLISHED,
        },
    )


def _unit_lead_round(request: HttpRequest, pk: int) -> AssessmentRound:
    # The round first: one the user may not see is 404 (they are not told it exists); one
    # they may see is theirs to read, and only the unit lead's to change (403).
    round_ = selectors.round_for_user(request.user, pk)
    access.check(access.is_unit_lead(request.user))
    return round_


def _round_changed(request: HttpRequest, exc: ConflictError) -> None:
    current = exc.current
    messages.error(
        request,
        ROUND_CHANGED.format(
            name=current.name,
            status=RoundStatus(current.status).label.lower(),  # type: ignore[attr-defined]
        ),
    )


@require_POST
def round_moderation(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _unit_lead_round(request, pk)
    form = RoundVersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, VERSION_MISSING)
        return redirect(_round_url(round_))
    try:
        services.round_to_moderation(
            round_=round_, by=request.user, expected_version=form.expected_version
        )
    except ConflictError as exc:
        _round_changed(request, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, ROUND_TO_MODERATION.format(name=round_.name))
    return redirect(_round_url(round_))


@require_http_methods(["GET", "POST"])
def round_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows what still stops the round being published; POST publishes it, or shows the
    same list again (409) if an assessment is still not agreed."""
    round_ = _unit_lead_round(request, pk)
    refused: list[str] = []
    if request.method == "GET":
        missing = services.publish_blockers(round_)
    else:
        form = RoundVersionForm(request.POST)
        if not form.is_valid():
            messages.error(request, VERSION_MISSING)
            return redirect(_round_url(round_))
        try:
            services.round_publish(
                round_=round_, by=request.user, expected_version=form.expected_version
            )
        except services.PublishRefused as exc:
            missing, refused = exc.missing, [services.PUBLISH_INCOMPLETE]
        except ConflictError as exc:
            _round_changed(request, exc)
            return redirect(_round_url(round_))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(_round_url(round_))
        else:
            messages.success(request, ROUND_PUBLISHED.format(name=round_.name))
            return redirect(_round_url(round_))
    return render(
        request,
        "assessments/round_publish.html",
        {"nav_assessments": True, "round": round_, "missing": missing, "refused": refused},
        status=409 if refused else 200,
    )


@require_http_methods(["GET", "POST"])
def round_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _unit_lead_round(request, pk)
    if round_.status != RoundStatus.PUBLISHED:
        messages.error(request, services.NOT_PUBLISHED)
        return redirect(_round_url(round_))
    form = RoundReopenForm(request.POST or None, initial={"version": round_.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.round_reopen(
                round_=round_,
                by=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.expected_version,
            )
        except ConflictError as exc:
            _round_changed(request, exc)
            return redirect(_round_url(round_))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, ROUND_REOPENED.format(name=round_.name))
            return redirect(_round_url(round_))
    return render_form(
        request,
        "assessments/round_reopen.html",
        {"nav_assessments": True, "round": round_, "form": form},
    )


# --- the grid and the movement report ---------------------------------------------------------


@require_GET
def grid(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = GridFilterForm(request.GET or None, user=user)
    cleaned: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        cleaned = form.cleaned_data
    # Without a choice, a scoped reader starts at their own department; "Whole portfolio" is
    # a choice (an empty value), so it is told apart from no choice at all.
    if "department" in cleaned and "department" in request.GET:
        department = cleaned["department"]
    elif not access.sees_all_departments(user) and access.department_id_of(user):
        department = access.department_id_of(user)
    else:
        department = None
    rounds = cleaned.get("rounds") or DEFAULT_GRID_ROUNDS
    result = selectors.grid(user, department=department, rounds=rounds)
    return render(
        request,
        "assessments/grid.html",
        {
            "nav_assessments": True,
            "form": form,
            "grid": result,
            "departments": list(form.fields["department"].queryset),  # type: ignore[attr-defined]
            "selected_department": result.department.pk if result.department else None,
            "rounds_shown": rounds,
            "is_editor": access.is_editor(user),
        },
    )


@require_GET
def movement(request: HttpRequest) -> HttpResponse:
    user = request.user
    chosen = "from" in request.GET or "to" in request.GET
    form = MovementForm(request.GET if chosen else None, user=user)
    if form.is_bound and form.is_valid():
        pair = (form.cleaned_data["from"], form.cleaned_data["to"])
    else:
        pair = selectors.default_movement_rounds(user)
    return render(
        request,
        "assessments/movement.html",
        {
            "nav_assessments": True,
            "form": form,
            "report": selectors.movement(user, *pair) if pair else None,
            "rounds": list(selectors.rounds_for_user(user)),
            "no_rounds_message": NO_ROUNDS_TO_COMPARE,
        },
    )
