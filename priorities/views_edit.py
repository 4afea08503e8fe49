"""Forms that create and edit priorities, measures, trajectories and milestones, and the actuals
entry grid that saves one period at a time.

Every write goes through priorities/services.py with the version the user started from. When
someone else saved in between, the form comes back (409) with both versions side by side and
everything the user typed still in it; its hidden version is moved on, so saving again is a
deliberate overwrite.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
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
    with_version,
)

from . import periods, services
from .forms import ADD_ROWS as ROWS_ADDED
from .forms import (
    ActualCellForm,
    MeasureForm,
    MilestoneForm,
    PriorityForm,
    TrajectoryForm,
    format_number,
)
from .models import Actual, ActualStatus, Measure, Milestone, Priority, Trajectory

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

# Ways to act on the trajectory form's grid without saving.
SHOW_PERIODS = "show_periods"
ADD_ROWS = "add_rows"


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


def period_of(day: date, frequency: str) -> date:
    """The start of the period of this frequency that contains `day`."""
    if frequency == periods.QUARTERLY:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if frequency == periods.ANNUAL:
        return date(day.year, 1, 1)
    return date(day.year, day.month, 1)


def _trajectory_range(
    measure: Measure, planned: dict[date, Decimal], first_actual: date | None
) -> tuple[date, date]:
    """Periods the point grid offers: from the first actual (or the priority's start) to the
    target date or deadline, widened to cover the current trajectory."""
    frequency = measure.frequency
    starts = [d for d in (first_actual, *planned) if d]
    if measure.priority.start:
        starts.append(period_of(measure.priority.start, frequency))
    ends = list(planned)
    for day in (measure.target_date, measure.priority.deadline):
        if day:
            ends.append(period_of(day, frequency))
    first = min(starts) if starts else period_of(timezone.localdate(), frequency)
    last = max(ends) if ends else first
    if last < first:
        last = first
    if last == first:
        last = periods.step(first, frequency, ROWS_ADDED[frequency] - 1)
    return first, last


def _trajectory_conflict(
    form: TrajectoryForm, latest: Trajectory | None, planned: dict[date, Decimal]
) -> Conflict:
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
        their_version=latest.number if latest else 0,
    )


@require_http_methods(["GET", "POST"])
def trajectory_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a trajectory version: the first plan, or a re-profile of the current one with a
    reason. Earlier versions are listed and stay as they were."""
    measure = access.get_for_user(Measure.objects.select_related("priority"), request.user, pk=pk)
    access.check(access.is_editor(request.user))
    versions = list(
        measure.trajectories.select_related("created_by")
        .prefetch_related("points")
        .order_by("-number")
    )
    latest = versions[0] if versions else None
    planned = {point.period: point.value for point in latest.points.all()} if latest else {}
    first_actual = measure.actuals.order_by("period").values_list("period", flat=True).first()
    first, last = _trajectory_range(measure, planned, first_actual)
    existing = latest.number if latest else 0
    kwargs = {
        "measure": measure,
        "existing_version": existing,
        "first": first,
        "last": last,
        "values": planned,
    }
    context: dict[str, Any] = {"measure": measure, "priority": measure.priority}
    context["versions"] = versions
    status = 200

    if request.method != "POST":
        form = TrajectoryForm(
            initial={
                "label": "Re-profiled trajectory" if latest else "Agreed trajectory",
                "agreed_on": timezone.localdate(),
            },
            **kwargs,
        )
    elif SHOW_PERIODS in request.POST or ADD_ROWS in request.POST:
        data = request.POST.copy()
        if ADD_ROWS in data:
            try:
                shown_last = periods.parse(data.get("last", ""), measure.frequency)
            except periods.PeriodError:
                shown_last = last
            data["last"] = periods.label(
                periods.step(shown_last, measure.frequency, ROWS_ADDED[measure.frequency]),
                measure.frequency,
            )
        # Unbound, so that asking for more rows does not report missing fields as errors;
        # what was typed is carried over as the initial values.
        form = TrajectoryForm(
            initial={name: data.get(name) for name in ("label", "agreed_on", "reason", "version")},
            cell_data=data,
            **kwargs,
        )
    else:
        # Validated against the version the user saw, so that the conflict is reported before
        # a reason that only the newer version makes necessary.
        seen = _int(request.POST.get("version"))
        form = TrajectoryForm(request.POST, **{**kwargs, "existing_version": seen})
        if form.is_valid():
            if (form.cleaned_data.get("version") or 0) != existing:
                conflict = _trajectory_conflict(form, latest, planned)
                form = TrajectoryForm(with_version(request.POST, existing), **kwargs)
                return render(
                    request,
                    "priorities/trajectory_form.html",
                    {**context, "form": form, "conflict": conflict},
                    status=409,
                )
            try:
                trajectory = services.trajectory_create(
                    measure=measure,
                    by=request.user,
                    label=form.cleaned_data["label"],
                    agreed_on=form.cleaned_data["agreed_on"],
                    reason=form.cleaned_data["reason"],
                    points=form.points,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    SAVED_TRAJECTORY.format(number=trajectory.number, name=measure.name),
                )
                return redirect(_priority_url(measure.priority_id))
        status = 422
    return render(
        request, "priorities/trajectory_form.html", {**context, "form": form}, status=status
    )


# --- the actuals grid ---------------------------------------------------------------------


@dataclass
class GridRow:
    period: date
    label: str
    planned: str
    value: str  # as stored, or as typed when the row comes back with an error
    status: str
    note: str
    version: int  # the version the user is editing from; 0 for an empty cell
    error: str = ""
    saved: str = ""
    their: Actual | None = None  # the other person's value, after a conflict
    conflict: str = ""

    @property
    def stored(self) -> bool:
        return self.version > 0


def _grid_measure(request: HttpRequest, pk: int) -> Measure:
    measure = access.get_for_user(
        Measure.objects.select_related("priority", "priority__lead_department"),
        request.user,
        pk=pk,
    )
    access.check(access.can_submit_data_for(request.user, {measure.priority.lead_department_id}))
    return measure


def _planned(measure: Measure) -> dict[date, Decimal]:
    """The current trajectory's points, in two queries however many versions there are."""
    current = (
        Trajectory.objects.filter(measure=measure)
        .order_by("-number")
        .prefetch_related("points")
        .first()
    )
    return {point.period: point.value for point in current.points.all()} if current else {}


def _grid_periods(measure: Measure, planned: dict[date, Decimal], stored: list[date]) -> list[date]:
    """Newest first: from the earliest planned or actual period to the latest period up to
    today (or to the end of the plan or deadline, when that came earlier)."""
    frequency = measure.frequency
    today = period_of(timezone.localdate(), frequency)
    known = [*planned, *stored]
    if known:
        first = min(known)
    elif measure.priority.start:
        first = period_of(measure.priority.start, frequency)
    else:
        first = today
    horizons = list(planned)
    for day in (measure.target_date, measure.priority.deadline):
        if day:
            horizons.append(period_of(day, frequency))
    last = min(today, max(horizons)) if horizons else today
    if stored:
        last = max(last, max(stored))
    last = max(last, first)
    result = []
    period = last
    while period >= first:
        result.append(period)
        period = periods.step(period, frequency, -1)
    return result


def _row(measure: Measure, period: date, actual: Actual | None, planned: dict) -> GridRow:
    plan = planned.get(period)
    return GridRow(
        period=period,
        label=periods.label(period, measure.frequency),
        planned="" if plan is None else format_number(plan),
        value="" if actual is None else format_number(actual.value),
        status=actual.status if actual else ActualStatus.FINAL,
        note=actual.note if actual else "",
        version=actual.version if actual else 0,
    )


def _grid_context(measure: Measure, replace: GridRow | None = None) -> dict[str, Any]:
    planned = _planned(measure)
    actuals = {actual.period: actual for actual in measure.actuals.all()}
    rows = []
    for period in _grid_periods(measure, planned, list(actuals)):
        if replace is not None and period == replace.period:
            rows.append(replace)
        else:
            rows.append(_row(measure, period, actuals.get(period), planned))
    if replace is not None and replace.period not in {row.period for row in rows}:
        rows.append(replace)
        rows.sort(key=lambda row: row.period, reverse=True)
    return {
        "measure": measure,
        "priority": measure.priority,
        "rows": rows,
        "status_choices": ActualStatus.choices,
        "can_edit_measure": False,
    }


def _vary(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET"])
def actuals_grid(request: HttpRequest, pk: int) -> HttpResponse:
    measure = _grid_measure(request, pk)
    context = _grid_context(measure)
    context["can_edit_measure"] = access.is_editor(request.user)
    return _vary(render(request, "priorities/actuals_grid.html", context))


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
    form = ActualCellForm(request.POST)
    planned_value = _planned(measure).get(day)
    stored = Actual.objects.filter(measure=measure, period=day).first()
    row = GridRow(
        period=day,
        label=periods.label(day, measure.frequency),
        planned="" if planned_value is None else format_number(planned_value),
        value=request.POST.get("value", "").strip(),
        status=request.POST.get("status", ActualStatus.FINAL),
        note=request.POST.get("note", "").strip(),
        version=_int(request.POST.get("version")),
    )
    status = 200
    if not form.is_valid():
        row.error = " ".join(str(e) for errors in form.errors.values() for e in errors)
        status = 422
    else:
        try:
            message = _save_cell(request, measure, day, stored, form)
        except ConflictError as exc:
            their = exc.current if exc.current.pk else None
            row.their = their
            row.conflict = CELL_CONFLICT if their else CELL_CONFLICT_DELETED
            row.version = their.version if their else 0
            status = 409
        except ValidationError as exc:
            row.error = " ".join(exc.messages)
            status = 422
        else:
            actual = Actual.objects.filter(measure=measure, period=day).first()
            plan = {} if planned_value is None else {day: planned_value}
            row = _row(measure, day, actual, plan)
            row.saved = message
            if not request.htmx:
                if message:
                    messages.success(request, message)
                grid = reverse("priorities:actuals_grid", args=[measure.pk])
                return _vary(HttpResponseRedirect(f"{grid}#row-{row.label}"))

    if request.htmx:
        response = render(
            request,
            "priorities/actuals_grid.html#row",
            {"measure": measure, "row": row, "status_choices": ActualStatus.choices},
            status=status,
        )
    else:
        context = _grid_context(measure, replace=row)
        context["can_edit_measure"] = access.is_editor(request.user)
        context["row_with_error"] = row
        response = render(request, "priorities/actuals_grid.html", context, status=status)
    return _vary(response)


def _int(text: str | None) -> int:
    try:
        return max(0, int(text or 0))
    except ValueError:
        return 0


def _save_cell(
    request: HttpRequest,
    measure: Measure,
    day: date,
    stored: Actual | None,
    form: ActualCellForm,
) -> str:
    label = periods.label(day, measure.frequency)
    value = form.cleaned_data["value"]
    expected = form.expected_version
    if value is None:
        if stored is None:
            if expected:
                # They wanted it gone and it is gone: nothing to do, nothing lost.
                return DELETED_CELL.format(period=label)
            return ""
        services.actual_delete(actual=stored, by=request.user, expected_version=expected)
        return DELETED_CELL.format(period=label)
    services.actual_record(
        measure=measure,
        by=request.user,
        expected_version=expected,
        data=services.ActualData(
            period=day,
            value=value,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            # The grid does not show these; a revision keeps what the cell already had.
            source=stored.source if stored else "",
            data_as_at=stored.data_as_at if stored else None,
        ),
    )
    return SAVED_CELL.format(period=label)
