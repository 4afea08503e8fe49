"""The read pages of priorities: the list, the priority page with its charts, and the history
pages. Forms live in views_edit.py and imports/exports in views_data.py; these pages link to
them only for users allowed to use them."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from deliveryunit import access

from . import charts, periods, selectors
from .models import Milestone, PriorityKind
from .performance import Performance
from .series import MeasureSeries

UNKNOWN_DEPARTMENT = "Choose a department from the list"
UNKNOWN_KIND = "Choose a kind of priority from the list"


def _url(name: str, *args: Any) -> str | None:
    """The URL, or None while the page behind the name has not been built."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _links(allowed: bool, **names: tuple) -> dict[str, str]:
    """{key: url} for the links a user may follow; each value is (url name, *args)."""
    if not allowed:
        return {}
    links = {}
    for key, (name, *args) in names.items():
        url = _url(name, *args)
        if url:
            links[key] = url
    return links


# --- the list ---------------------------------------------------------------------------------


class PriorityFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="All departments",
        label="Department",
        help_text="Lead department or in the delivery chain",
        error_messages={"invalid_choice": UNKNOWN_DEPARTMENT},
    )
    kind = forms.ChoiceField(
        choices=[("", "All kinds"), *PriorityKind.choices],
        required=False,
        label="Kind",
        error_messages={"invalid_choice": UNKNOWN_KIND},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = selectors.departments_for_filter(user)  # type: ignore[attr-defined]


@require_GET
def priority_list(request: HttpRequest) -> HttpResponse:
    form = PriorityFilterForm(request.GET or None, user=request.user)
    # An invalid filter is reported and left out; valid ones still apply.
    filters = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data
    department = filters.get("department")
    kind = filters.get("kind") or None
    rows = selectors.priority_list(request.user, department=department, kind=kind)
    departments = list(form.fields["department"].queryset)  # type: ignore[attr-defined]
    return render(
        request,
        "priorities/priority_list.html",
        {
            "nav_priorities": True,
            "form": form,
            "departments": departments,
            "selected_department": department.pk if department else None,
            "kinds": PriorityKind.choices,
            "selected_kind": kind or "",
            "filtered": bool(department or kind),
            "rows": rows,
            "matching_count": sum(1 for row in rows if not row.context_only),
            "links": {
                **_links(access.is_editor(request.user), create=("priorities:create",)),
                **_links(access.may_import(request.user), import_data=("priorities:import",)),
            },
        },
    )


# --- the priority page ------------------------------------------------------------------------


def _period_words(day: date, frequency: str) -> str:
    if frequency == periods.MONTHLY:
        return day.strftime("%B %Y")
    if frequency == periods.QUARTERLY:
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def _difference(value: float, unit: str) -> str:
    """A difference between two values: percentages differ by points, not per cent."""
    if unit == "%":
        number = charts.format_value(value)
        return f"{number} point{'' if number == '1' else 's'}"
    return charts.format_value(value, unit)


def latest_sentence(series: MeasureSeries, performance: Performance) -> str:
    if performance.latest_value is None:
        return "No actual data yet."
    unit = series.unit
    text = (
        f"Latest actual ({performance.latest_label}"
        f"{', provisional' if performance.latest_provisional else ''}): "
        f"{charts.format_value(performance.latest_value, unit)}"
    )
    if performance.planned_value is None:
        return text + ", with no trajectory for that period."
    text += f" against {charts.format_value(performance.planned_value, unit)} planned"
    ahead = performance.better_by or 0.0
    if abs(ahead) < 1e-9:
        return text + ", exactly on plan."
    side = "better" if ahead > 0 else "worse"
    return text + f", {_difference(abs(ahead), unit)} {side} than planned."


def forecast_sentence(series: MeasureSeries, performance: Performance) -> str:
    """E.g. "On the current trend it reaches 71.2% by March 2025, 6.8 points short of the 78%
    target." """
    unit = series.unit
    forecast = performance.forecast
    if forecast is None:
        target = charts.format_value(series.target_value, unit)
        if performance.target_met is True:
            return f"The {target} target was met."
        if performance.target_met is False:
            return f"The {target} target was missed."
        if performance.latest_value is None:
            return ""
        return "There are too few recent actuals to project a trend."
    text = (
        f"On the current trend it reaches "
        f"{charts.format_value(forecast.value_at_deadline, unit)} by "
        f"{_period_words(forecast.deadline, series.frequency)}"
    )
    if forecast.gap_to_target is None or forecast.target_value is None:
        return text + "."
    target = charts.format_value(forecast.target_value, unit)
    gap = forecast.gap_to_target
    if forecast.will_meet_target and abs(gap) < 1e-9:
        return text + f", meeting the {target} target."
    if forecast.will_meet_target:
        return text + f", {_difference(abs(gap), unit)} better than the {target} target."
    return text + f", {_difference(gap, unit)} short of the {target} target."


def chart_summary(series: MeasureSeries, performance: Performance) -> str:
    """A short text for the chart's accessible description; the data table has the detail."""
    current = series.current_trajectory
    parts = [f"Chart of {series.name}"]
    if series.actuals:
        first, last = series.actuals[0].period, series.actuals[-1].period
        parts.append(
            f"actuals from {periods.label(first, series.frequency)} to "
            f"{periods.label(last, series.frequency)}"
        )
    if current is not None:
        parts.append(f"against trajectory version {current.number}")
    text = ", ".join(parts) + f". Status: {performance.status_label}."
    return text + " The data table below the chart gives every value."


@dataclass
class MeasureSection:
    view: selectors.MeasureView
    latest: str
    forecast: str
    summary: str
    tolerance: str
    links: dict[str, str] = field(default_factory=dict)

    @property
    def figure_id(self) -> str:
        return f"figure-{self.view.measure.pk}"


@dataclass
class MilestoneRow:
    milestone: Milestone
    overdue: bool
    edit_url: str | None


@require_GET
def priority_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.priority_page(request.user, pk)
    priority = page.priority
    user = request.user
    editor = access.is_editor(user)
    submits_data = access.can_submit_data_for(user, {priority.lead_department_id})
    sections = []
    for view in page.measures:
        measure = view.measure
        sections.append(
            MeasureSection(
                view=view,
                latest=latest_sentence(view.series, view.performance),
                forecast=forecast_sentence(view.series, view.performance),
                summary=chart_summary(view.series, view.performance),
                tolerance=(
                    charts.format_value(view.series.tolerance, measure.unit)
                    if view.series.tolerance
                    else ""
                ),
                links={
                    "history": reverse("priorities:measure_history", args=[measure.pk]),
                    **_links(
                        editor,
                        edit=("priorities:measure_edit", measure.pk),
                        trajectory=("priorities:trajectory_create", measure.pk),
                    ),
                    **_links(
                        submits_data,
                        actuals=("priorities:actuals_grid", measure.pk),
                        import_data=("priorities:measure_import", measure.pk),
                    ),
                    **_links(
                        True,
                        export_csv=("priorities:measure_export_csv", measure.pk),
                        export_xlsx=("priorities:measure_export_xlsx", measure.pk),
                    ),
                },
            )
        )
    milestones = [
        MilestoneRow(
            milestone=m,
            overdue=m.is_overdue(),
            edit_url=_url("priorities:milestone_edit", m.pk) if editor else None,
        )
        for m in page.milestones
    ]
    return render(
        request,
        "priorities/priority_detail.html",
        {
            "nav_priorities": True,
            "page": page,
            "priority": priority,
            "sections": sections,
            "milestones": milestones,
            "plot_config": charts.PLOT_CONFIG,
            "links": {
                "history": reverse("priorities:history", args=[priority.pk]),
                **_links(
                    editor,
                    edit=("priorities:edit", priority.pk),
                    add_measure=("priorities:measure_create", priority.pk),
                    add_milestone=("priorities:milestone_create", priority.pk),
                ),
            },
        },
    )


# --- history ----------------------------------------------------------------------------------


@require_GET
def priority_history(request: HttpRequest, pk: int) -> HttpResponse:
    priority = selectors.priority_for_user(request.user, pk)
    return render(
        request,
        "priorities/history.html",
        {
            "nav_priorities": True,
            "title": f"History of {priority.code}",
            "subject": priority,
            "back_url": reverse("priorities:detail", args=[priority.pk]),
            "back_label": f"Back to {priority.code}",
            "entries": selectors.priority_history(priority, user=request.user),
            "covers": "the priority, its delivery chain and its milestones",
        },
    )


@require_GET
def measure_history(request: HttpRequest, pk: int) -> HttpResponse:
    measure = selectors.measure_for_user(request.user, pk)
    return render(
        request,
        "priorities/history.html",
        {
            "nav_priorities": True,
            "title": f"History of {measure.name}",
            "subject": measure,
            "back_url": reverse("priorities:detail", args=[measure.priority_id]),
            "back_label": f"Back to {measure.priority.code}",
            "entries": selectors.measure_history(measure),
            "covers": "the measure, its trajectory versions and their points, and its actuals",
        },
    )
