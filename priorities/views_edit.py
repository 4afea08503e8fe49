"""Forms that create and edit priorities, measures, trajectories and milestones, and the actuals
entry grid that saves one period at a time.

Every write goes through priorities/services.py with the version the user started from. When
someone else saved in between, the form comes back (409) with both versions side by side and
everything the user typed still in it; its hidden version is moved on, so saving again is a
deliberate overwrite.
"""

from datetime import date
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from deliveryunit import access
from deliveryunit.editing import (
    CONFLICT_MESSAGE,
    NOT_SET,
    Conflict,
    ConflictError,
    ConflictRow,
    HtmxHttpRequest,
    VersionedForm,
    add_service_errors,
    form_conflict,
    render_form,
    shown,
    vary_on_htmx,
    with_version,
)

from . import periods, selectors_edit, services
from .forms import (
    ActualCellForm,
    MeasureForm,
    MilestoneForm,
    PriorityForm,
    TrajectoryForm,
    format_number,
)
from .models import ActualStatus, Measure, Milestone, Priority

SAVED_PRIORITY = "Priority {code} saved."
SAVED_MEASURE = "Measure “{name}” saved."
SAVED_TRAJECTORY = "Trajectory version {number} saved for “{name}”."
SAVED_MILESTONE = "Milestone “{title}” saved."
SAVED_CELL = "Saved {period}."
DELETED_CELL = "Deleted the value for {period}."
CELL_CONFLICT = (
    "Someone else changed this period since you opened the page. Their value is shown; yours is "
    "kept in the row. Save again to replace theirs."
)
CELL_CONFLICT_DELETED = (
    "Someone else deleted this period's value since you opened the page. Yours is kept in the "
    "row. Save again to put it back."
)


def _priority_url(priority_id: int) -> str:
    return reverse("priorities:detail", args=[priority_id])


# --- the edit forms -----------------------------------------------------------------------


def _page(heading: str, caption: str, submit_label: str, back_url: str) -> dict[str, str]:
    return {
        "heading": heading,
        "caption": caption,
        "submit_label": submit_label,
        "back_url": back_url,
    }


def _versioned_edit(
    request: HttpRequest,
    *,
    form_class: type[VersionedForm],
    instance: Model,
    save: Any,
    template: str,
    context: dict[str, Any],
    success_message: str,
    success_url: Any,
) -> HttpResponse:
    """GET shows the form; POST validates and saves through `save(form)`, which calls a service
    with the form's expected version. A conflict re-renders the form with both versions."""
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form)
        except ConflictError as exc:
            conflict = form_conflict(form, exc.current)
            form = form_class(with_version(request.POST, exc.current.version), instance=instance)
            return render(
                request, template, {**context, "form": form, "conflict": conflict}, status=409
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success_message.format_map(_Fields(saved)))
            return redirect(success_url(saved))
    return render_form(request, template, {**context, "form": form})


class _Fields(dict):
    """Lets success messages name the saved object's fields: "{code}", "{name}"."""

    def __init__(self, obj: Model) -> None:
        super().__init__()
        self.obj = obj

    def __missing__(self, key: str) -> Any:
        return getattr(self.obj, key)


@require_http_methods(["GET", "POST"])
def priority_create(request: HttpRequest) -> HttpResponse:
    access.check(access.is_editor(request.user))
    form = PriorityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            priority = services.priority_create(by=request.user, **_priority_fields(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, SAVED_PRIORITY.format(code=priority.code))
            return redirect(_priority_url(priority.pk))
    return render_form(
        request,
        "priorities/priority_form.html",
        {
            "form": form,
            "priority": None,
            **_page("Add a priority", "", "Save priority", reverse("priorities:list")),
        },
    )


def _priority_fields(form: VersionedForm) -> dict[str, Any]:
    fields = form.service_fields()
    fields["delivery_chain"] = list(fields.get("delivery_chain") or [])
    return fields


@require_http_methods(["GET", "POST"])
def priority_edit(request: HttpRequest, pk: int) -> HttpResponse:
    priority = access.get_for_user(Priority.objects.all(), request.user, pk=pk)
    access.check(access.is_editor(request.user))
    return _versioned_edit(
        request,
        form_class=PriorityForm,
        instance=priority,
        save=lambda form: services.priority_update(
            priority=priority,
            by=request.user,
            expected_version=form.expected_version,
            **_priority_fields(form),
        ),
        template="priorities/priority_form.html",
        context={
            "priority": priority,
            **_page("Edit priority", priority.code, "Save priority", _priority_url(priority.pk)),
        },
        success_message=SAVED_PRIORITY,
        success_url=lambda saved: _priority_url(saved.pk),
    )


def _create_under_priority(
    request: HttpRequest,
    pk: int,
    *,
    form_class: Any,
    create: Any,
    template: str,
    name: str,
    title: str,
    button: str,
    message: Any,
) -> HttpResponse:
    """Add a measure or milestone to a priority: scoped, editors only, through the service."""
    priority = access.get_for_user(Priority.objects.all(), request.user, pk=pk)
    access.check(access.is_editor(request.user))
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = create(priority=priority, by=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, message(created))
            return redirect(_priority_url(priority.pk))
    return render_form(
        request,
        template,
        {
            "form": form,
            "priority": priority,
            name: None,
            **_page(title, priority.code, button, _priority_url(priority.pk)),
        },
    )


@require_http_methods(["GET", "POST"])
def measure_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _create_under_priority(
        request,
        pk,
        form_class=MeasureForm,
        create=services.measure_create,
        template="priorities/measure_form.html",
        name="measure",
        title="Add a measure",
        button="Save measure",
        message=lambda measure: SAVED_MEASURE.format(name=measure.name),
    )


@require_http_methods(["GET", "POST"])
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    measure = access.get_for_user(Measure.objects.select_related("priority"), request.user, pk=pk)
    access.check(access.is_editor(request.user))
    return _versioned_edit(
        request,
        form_class=MeasureForm,
        instance=measure,
        save=lambda form: services.measure_update(
            measure=measure,
            by=request.user,
            expected_version=form.expected_version,
            **form.service_fields(),
        ),
        template="priorities/measure_form.html",
        context={
            "priority": measure.priority,
            "measure": measure,
            **_page(
                "Edit measure",
                f"{measure.priority.code}: {measure.name}",
                "Save measure",
                _priority_url(measure.priority_id),
            ),
        },
        success_message=SAVED_MEASURE,
        success_url=lambda saved: _priority_url(saved.priority_id),
    )


@require_http_methods(["GET", "POST"])
def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _create_under_priority(
        request,
        pk,
        form_class=MilestoneForm,
        create=services.milestone_create,
        template="priorities/milestone_form.html",
        name="milestone",
        title="Add a milestone",
        button="Save milestone",
        message=lambda milestone: SAVED_MILESTONE.format(title=milestone.title),
    )


@require_http_methods(["GET", "POST"])
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = access.get_for_user(
        Milestone.objects.select_related("priority"), request.user, pk=pk
    )
    access.check(access.is_editor(request.user))
    return _versioned_edit(
        request,
        form_class=MilestoneForm,
        instance=milestone,
        save=lambda form: services.milestone_update(
            milestone=milestone,
            by=request.user,
            expected_version=form.expected_version,
            **form.service_fields(),
        ),
        template="priorities/milestone_form.html",
        context={
            "priority": milestone.priority,
            "milestone": milestone,
            **_page(
                "Edit milestone",
                milestone.priority.code,
                "Save milestone",
                _priority_url(milestone.priority_id),
            ),
        },
        success_message=SAVED_MILESTONE,
        success_url=lambda saved: _priority_url(saved.priority_id),
    )


# --- trajectories -------------------------------------------------------------------------

TRAJECTORY_TEMPLATE = "priorities/trajectory_form.html"


def _trajectory_conflict(form: TrajectoryForm, page: selectors_edit.TrajectoryPage) -> Conflict:
    """The version now saved beside the one the user typed, period by period."""
    latest, planned = page.latest, page.planned
    yours = dict(form.points)
    rows = [
        ConflictRow("Label", latest.label if latest else NOT_SET, form.cleaned_data["label"]),
        ConflictRow(
            "Agreed on",
            shown(django_forms.DateField(), latest.agreed_on if latest else None),
            shown(django_forms.DateField(), form.cleaned_data["agreed_on"]),
        ),
    ]
    for row in form.rows:
        theirs_value, your_value = planned.get(row.period), yours.get(row.period)
        rows.append(
            ConflictRow(
                row.label,
                NOT_SET if theirs_value is None else format_number(theirs_value),
                NOT_SET if your_value is None else format_number(your_value),
            )
        )
    saved_by, saved_at = (str(latest.created_by or ""), latest.created_at) if latest else ("", None)
    return Conflict(
        message=CONFLICT_MESSAGE,
        rows=rows,
        saved_by=saved_by,
        saved_at=saved_at,
        their_version=page.existing_version,
    )


def _trajectory_conflict_page(
    request: HttpRequest, measure: Measure, form: TrajectoryForm
) -> HttpResponse:
    """Someone saved a version after the one this user started from: both side by side, what
    they typed kept, and the hidden version moved on so that saving again is deliberate."""
    page = selectors_edit.trajectory_page(measure)
    conflict = _trajectory_conflict(form, page)
    form = TrajectoryForm(with_version(request.POST, page.existing_version), **page.form_kwargs())
    context = {"measure": measure, "priority": measure.priority, "versions": page.versions}
    return render(
        request, TRAJECTORY_TEMPLATE, {**context, "form": form, "conflict": conflict}, status=409
    )


@require_http_methods(["GET", "POST"])
def trajectory_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a trajectory version: the first plan, or a re-profile of the current one with a
    reason. Earlier versions are listed and stay as they were."""
    measure = access.get_for_user(Measure.objects.select_related("priority"), request.user, pk=pk)
    access.check(access.is_editor(request.user))
    page = selectors_edit.trajectory_page(measure)
    context = {"measure": measure, "priority": measure.priority, "versions": page.versions}
    if request.method != "POST":
        form = TrajectoryForm.blank(**page.form_kwargs())
        return render(request, TRAJECTORY_TEMPLATE, {**context, "form": form})
    if TrajectoryForm.redraws(request.POST):
        form = TrajectoryForm.redrawn(request.POST, **page.form_kwargs())
        return render(request, TRAJECTORY_TEMPLATE, {**context, "form": form})
    # Validated against the version the user saw, so that a reason that only the newer
    # version makes necessary is not asked for before the conflict is reported.
    seen = _int(request.POST.get("version"))
    form = TrajectoryForm(request.POST, **page.form_kwargs(existing_version=seen))
    if form.is_valid():
        try:
            trajectory = services.trajectory_create(
                measure=measure,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except ConflictError:
            return _trajectory_conflict_page(request, measure, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            message = SAVED_TRAJECTORY.format(number=trajectory.number, name=measure.name)
            messages.success(request, message)
            return redirect(_priority_url(measure.priority_id))
    return render(request, TRAJECTORY_TEMPLATE, {**context, "form": form}, status=422)


# --- the actuals grid ---------------------------------------------------------------------

GRID_TEMPLATE = "priorities/actuals_grid.html"
CELL_MESSAGES = {
    services.CellOutcome.SAVED: SAVED_CELL,
    services.CellOutcome.DELETED: DELETED_CELL,
    services.CellOutcome.NOTHING: "",
}


def _grid_measure(request: HttpRequest, pk: int) -> Measure:
    measure = access.get_for_user(
        Measure.objects.select_related("priority", "priority__lead_department"),
        request.user,
        pk=pk,
    )
    access.check(access.can_submit_data_for(request.user, {measure.priority.lead_department_id}))
    return measure


def _grid_page(
    request: HttpRequest, measure: Measure, replace: selectors_edit.GridRow | None = None
) -> dict[str, Any]:
    return {
        "measure": measure,
        "priority": measure.priority,
        "rows": selectors_edit.grid_rows(measure, replace=replace),
        "status_choices": ActualStatus.choices,
        "can_edit_measure": access.is_editor(request.user),
    }


@require_http_methods(["GET"])
def actuals_grid(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _grid_measure(request, pk)
    return vary_on_htmx(render(request, GRID_TEMPLATE, _grid_page(request, measure)))


def _save_cell(
    request: HttpRequest, measure: Measure, day: date
) -> tuple[selectors_edit.GridRow, int]:
    """The row after saving it (200), or as typed with its error (422) or with the value now
    saved beside it (409)."""
    form = ActualCellForm(request.POST)
    row = selectors_edit.typed_row(measure, day, request.POST)
    if not form.is_valid():
        row.error = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return row, 422
    try:
        outcome = services.actual_cell_save(
            measure=measure,
            by=request.user,
            period=day,
            expected_version=form.expected_version,
            **form.service_fields(),
        )
    except ConflictError as exc:
        their = exc.current if exc.current.pk else None
        row.their = their
        row.conflict = CELL_CONFLICT if their else CELL_CONFLICT_DELETED
        row.version = their.version if their else 0
        return row, 409
    except ValidationError as exc:
        row.error = " ".join(exc.messages)
        return row, 422
    row = selectors_edit.saved_row(measure, day)
    row.saved = CELL_MESSAGES[outcome].format(period=row.label)
    return row, 200


@require_POST
def actual_cell(request: HtmxHttpRequest, pk: int, period: str) -> HttpResponse:
    """Save, revise or (with an empty value) delete one period's actual.

    htmx posts get just the row back; plain posts are redirected to the grid, or get the whole
    grid again with the row's error in it."""
    measure = _grid_measure(request, pk)
    try:
        day = periods.parse(period, measure.frequency)
    except periods.PeriodError as exc:
        raise Http404 from exc
    row, status = _save_cell(request, measure, day)
    if request.htmx:
        context = {"measure": measure, "row": row, "status_choices": ActualStatus.choices}
        return vary_on_htmx(render(request, f"{GRID_TEMPLATE}#row", context, status=status))
    if status == 200:
        if row.saved:
            messages.success(request, row.saved)
        grid = reverse("priorities:actuals_grid", args=[measure.pk])
        return vary_on_htmx(HttpResponseRedirect(f"{grid}#row-{row.label}"))
    context = {**_grid_page(request, measure, replace=row), "error_cells": [row.summary_cell]}
    return vary_on_htmx(render(request, GRID_TEMPLATE, context, status=status))


def _int(text: str | None) -> int:
    try:
        return max(0, int(text or 0))
    except ValueError:
        return 0
