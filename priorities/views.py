"""The read pages of priorities: the list, the priority page with its charts, and the history
pages. Forms live in views_edit.py and imports/exports in views_data.py; these pages link to
them only for users allowed to use them."""

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from deliveryunit import access, clock, panels, priority_facts

from . import charts, selectors
from .models import PriorityKind

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
        self.user = user
        self.fields["department"].queryset = selectors.departments_for_filter(user)  # type: ignore[attr-defined]
        # Filters other apps supply (a forum's scope, from stocktakes).
        self.groupings = priority_facts.groupings()
        for grouping in self.groupings:
            self.fields[grouping.key] = forms.ChoiceField(
                choices=[("", grouping.all_label), *grouping.choices(user)],
                required=False,
                label=grouping.label,
                help_text=grouping.hint,
                error_messages={"invalid_choice": grouping.invalid},
            )

    def valid_filters(self) -> dict[str, Any]:
        """The filters that are valid: an invalid one is reported and left out, and the valid
        ones still apply."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def grouping_fields(self) -> list[tuple[forms.BoundField, Any]]:
        return [(self[grouping.key], grouping) for grouping in self.groupings]

    def within(self, filters: dict[str, Any]) -> set[int] | None:
        """The priority ids the chosen groupings allow, or None when none is chosen."""
        allowed: set[int] | None = None
        for grouping in self.groupings:
            if value := filters.get(grouping.key):
                members = set(grouping.members(self.user, value))
                allowed = members if allowed is None else allowed & members
        return allowed


@require_GET
def priority_list(request: HttpRequest) -> HttpResponse:
    form = PriorityFilterForm(request.GET or None, auto_id="filter-%s", user=request.user)
    filters = form.valid_filters()
    department = filters.get("department")
    kind = filters.get("kind") or None
    within = form.within(filters)
    rows = selectors.priority_list(request.user, department, kind, within=within)
    page, pages = selectors.list_page(rows, request.GET)
    return render(
        request,
        "priorities/priority_list.html",
        {
            "nav_priorities": True,
            "form": form,
            "departments": list(form.fields["department"].queryset),  # type: ignore[attr-defined]
            "selected_department": department.pk if department else None,
            "kinds": PriorityKind.choices,
            "selected_kind": kind or "",
            "filtered": bool(department or kind or within is not None),
            "show_likelihood": priority_facts.has_likelihood(),
            "rows": [row for tree in page.object_list for row in tree],
            "page": page,
            "pages": pages,
            "matching_count": sum(1 for row in rows if not row.context_only),
            "links": {
                **_links(access.is_editor(request.user), create=("priorities:create",)),
                **_links(access.may_import(request.user), import_data=("priorities:import",)),
            },
        },
    )


# --- the priority page ------------------------------------------------------------------------


def _measure_links(measure: Any, *, editor: bool, submits_data: bool) -> dict[str, str]:
    return {
        "history": reverse("priorities:measure_history", args=[measure.pk]),
        "earlier_trajectories": reverse("priorities:earlier_trajectories", args=[measure.pk]),
        "whole_table": (
            f"{reverse('priorities:detail', args=[measure.priority_id])}?table={measure.pk}"
            f"#data-table-{measure.pk}"
        ),
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
    }


def _priority_links(priority: Any, *, editor: bool) -> dict[str, str]:
    return {
        "history": reverse("priorities:history", args=[priority.pk]),
        **_links(
            editor,
            edit=("priorities:edit", priority.pk),
            add_measure=("priorities:measure_create", priority.pk),
            add_milestone=("priorities:milestone_create", priority.pk),
        ),
    }


def _milestone_rows(page: selectors.PriorityPage, *, editor: bool) -> list[Any]:
    today = clock.today()
    return [
        selectors.MilestoneRow(
            milestone=m,
            overdue=m.is_overdue(today),
            edit_url=_url("priorities:milestone_edit", m.pk) if editor else None,
        )
        for m in page.milestones
    ]


@require_GET
def priority_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.priority_page(request.user, pk, whole_table=request.GET.get("table"))
    priority = page.priority
    editor = access.is_editor(request.user)
    submits_data = access.can_submit_data_for(request.user, {priority.lead_department_id})
    sections = page.sections()
    for section in sections:
        section.links = _measure_links(
            section.view.measure, editor=editor, submits_data=submits_data
        )
    return render(
        request,
        "priorities/priority_detail.html",
        {
            "nav_priorities": True,
            "page": page,
            "priority": priority,
            "sections": sections,
            "milestones": _milestone_rows(page, editor=editor),
            "plot_config": charts.PLOT_CONFIG,
            "links": _priority_links(priority, editor=editor),
            # What other apps know about the priority (deliveryunit/panels.py).
            "panels": panels.for_priority(request.user, priority),
        },
    )


@require_GET
def earlier_trajectories(request: HttpRequest, pk: int) -> JsonResponse:
    """The chart traces of a measure's earlier trajectory versions, which the priority page
    adds to its chart when the reader asks (charts.mjs)."""
    return JsonResponse({"data": selectors.earlier_trajectory_traces(request.user, pk)})


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
