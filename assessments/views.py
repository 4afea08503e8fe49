"""The round pages (list, create, overview, moderation, publish, reopen), the grid of judgements
across rounds, the movement report and the framework pages.

The assessment editor and an assessment's own pages are in views_editor.py. Reads come from
selectors.py; every write goes through services.py or services_framework.py.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliveryunit import access
from deliveryunit.editing import add_service_errors, render_form

from . import selectors, services, services_framework
from .forms_rounds import (
    DEFAULT_GRID_ROUNDS,
    AreaForm,
    GridFilterForm,
    MovementForm,
    RatingOptionForm,
    RoundCreateForm,
    RoundReopenForm,
)
from .models import Area, AssessmentRound, RatingOption, RoundStatus

ROUND_CREATED = "Round {name} created."
ROUND_TO_MODERATION = "Round {name} moved to moderation."
ROUND_PUBLISHED = "Round {name} published."
ROUND_REOPENED = "Round {name} reopened. It is back in moderation."
AREA_SAVED = "Area “{name}” saved."
OPTION_SAVED = "{code} on the {dimension} scale saved."
CODES_STAY = (
    "The code {code} stays as it is: judgements already made are stored as codes. Change the "
    "label and what it means."
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
    # The unit lead sees every round; the role decides, whatever the round.
    access.check(access.is_unit_lead(request.user))
    return selectors.round_for_user(request.user, pk)


@require_POST
def round_moderation(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _unit_lead_round(request, pk)
    try:
        services.round_to_moderation(round_=round_, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, ROUND_TO_MODERATION.format(name=round_.name))
    return redirect(_round_url(round_))


@require_http_methods(["GET", "POST"])
def round_publish(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _unit_lead_round(request, pk)
    status = 200
    refused = False
    if request.method == "POST":
        try:
            services.round_publish(round_=round_, by=request.user)
        except services.PublishRefused as exc:
            missing = exc.missing
            refused = True
            status = 409
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(_round_url(round_))
        else:
            messages.success(request, ROUND_PUBLISHED.format(name=round_.name))
            return redirect(_round_url(round_))
    else:
        missing = services.publish_blockers(round_)
    return render(
        request,
        "assessments/round_publish.html",
        {
            "nav_assessments": True,
            "round": round_,
            "missing": missing,
            "refused": refused,
            "refused_message": services.PUBLISH_INCOMPLETE,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def round_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _unit_lead_round(request, pk)
    if round_.status != RoundStatus.PUBLISHED:
        messages.error(request, services.NOT_PUBLISHED)
        return redirect(_round_url(round_))
    form = RoundReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_reopen(
                round_=round_, by=request.user, reason=form.cleaned_data["reason"]
            )
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
    data = {}
    if "from" in request.GET or "to" in request.GET:
        data = {"from_round": request.GET.get("from", ""), "to_round": request.GET.get("to", "")}
    form = MovementForm(data or None, user=user)
    pair = None
    if form.is_bound and form.is_valid():
        pair = (form.cleaned_data["from_round"], form.cleaned_data["to_round"])
    if pair is None:
        pair = selectors.default_movement_rounds(user)
    report = selectors.movement(user, *pair) if pair else None
    return render(
        request,
        "assessments/movement.html",
        {
            "nav_assessments": True,
            "form": form,
            "report": report,
            "rounds": list(selectors.rounds_for_user(user)),
            "no_rounds_message": NO_ROUNDS_TO_COMPARE,
        },
    )


# --- the framework ----------------------------------------------------------------------------


@require_GET
def framework(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assessments/framework.html",
        {
            "nav_assessments": True,
            "dimensions": selectors.framework(),
            "is_unit_lead": access.is_unit_lead(request.user),
        },
    )


def _history(instance: Model, fields: list[str]) -> list[dict[str, Any]]:
    """The record's changes, newest first: when, who, and which fields changed."""
    records = list(instance.history.select_related("history_user").order_by("-history_date"))  # type: ignore[attr-defined]
    labels = {name: str(instance._meta.get_field(name).verbose_name) for name in fields}
    changes = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if older is None:
            changed = ["first recorded wording"]
        else:
            delta = newer.diff_against(older, included_fields=fields)
            changed = [labels[c.field] for c in delta.changes]
            if not changed:
                continue
        changes.append({"when": newer.history_date, "who": newer.history_user, "fields": changed})
    return changes


def _framework_edit(
    request: HttpRequest,
    *,
    form: Any,
    heading: str,
    caption: str,
    instance: Model,
    fields: list[str],
    save: Any,
    success: Any,
    note: str = "",
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success(saved))
            return redirect(reverse("assessments:framework"))
    return render_form(
        request,
        "assessments/framework_edit.html",
        {
            "nav_assessments": True,
            "form": form,
            "heading": heading,
            "caption": caption,
            "note": note,
            "history": _history(instance, fields),
            "back_url": reverse("assessments:framework"),
        },
    )


@require_http_methods(["GET", "POST"])
def framework_area_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access.check(access.is_unit_lead(request.user))
    area = get_object_or_404(Area.objects.select_related("dimension"), pk=pk)
    # The form works on a copy, so a rejected edit never shows as the saved wording.
    form = AreaForm(request.POST or None, instance=Area.objects.get(pk=area.pk))
    return _framework_edit(
        request,
        form=form,
        heading=f"Edit the area “{area.name}”",
        caption=area.dimension.name,
        instance=area,
        fields=list(services_framework.AREA_FIELDS),
        save=lambda data: services_framework.area_update(area=area, by=request.user, data=data),
        success=lambda saved: AREA_SAVED.format(name=saved.name),
    )


@require_http_methods(["GET", "POST"])
def framework_option_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access.check(access.is_unit_lead(request.user))
    option = get_object_or_404(RatingOption.objects.select_related("dimension"), pk=pk)
    form = RatingOptionForm(request.POST or None, instance=RatingOption.objects.get(pk=option.pk))
    return _framework_edit(
        request,
        form=form,
        heading=f"Edit {option.code} on the {option.dimension.name.lower()} scale",
        caption=option.dimension.name,
        note=CODES_STAY.format(code=option.code),
        instance=option,
        fields=list(services_framework.OPTION_FIELDS),
        save=lambda data: services_framework.rating_option_update(
            option=option, by=request.user, label=data["label"], meaning=data["meaning"]
        ),
        success=lambda saved: OPTION_SAVED.format(
            code=saved.code, dimension=option.dimension.name.lower()
        ),
    )
