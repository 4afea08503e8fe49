"""Objective pages: an objective with its measures, commitments, timetable and progress; and,
in a draft version, the unit's edits to it (the objective, its measures, its timetable). A task
force's page lists the objectives it drives."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliveryunit import access, clock
from deliveryunit.editing import add_service_errors
from priorities.charts import PLOT_CONFIG

from . import selectors, services
from .forms import MeasureLinkAddForm, MeasureLinkForm, NoteForm, ObjectiveForm, TimetableItemForm
from .models import Objective
from .pages import edit_page, version_button

OBJECTIVE_ADDED = "Objective added: {code}."
OBJECTIVE_SAVED = "Objective saved: {code}."
OBJECTIVE_REMOVED = "Objective removed: {code}."
MEASURE_LINKED = "Measure added: {name}."
MEASURE_LINK_SAVED = "Saved how {name} is shown."
MEASURE_UNLINKED = "Measure removed from the objective: {name}."
ITEM_ADDED = "Added to the timetable: {title}."
ITEM_SAVED = "Timetable line saved: {title}."
ITEM_REMOVED = "Removed from the timetable: {title}."


def _editor_on_draft(request: HttpRequest, objective: Objective) -> None:
    access.check(access.is_editor(request.user) and not objective.plan_version.is_published)


def _objective_url(objective: Objective) -> str:
    return reverse("plans:objective_detail", args=[objective.pk])


@require_GET
def objective_detail(request: HttpRequest, pk: int) -> HttpResponse:
    objective = selectors.objective_for_user(request.user, pk)
    department = objective.plan_version.plan.department_id
    writes_progress = objective.plan_version.is_published and access.can_submit_data_for(
        request.user, {department}
    )
    return render(
        request,
        "plans/objective_detail.html",
        {
            "nav_plans": True,
            "page": selectors.objective_page(objective),
            "can_edit": access.is_editor(request.user) and not objective.plan_version.is_published,
            "is_editor": access.is_editor(request.user),
            "writes_progress": writes_progress,
            "note_form": NoteForm(initial={"noted_on": clock.today()}) if writes_progress else None,
            "plot_config": PLOT_CONFIG,
        },
    )


@require_http_methods(["GET", "POST"])
def objective_create(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_for_user(request.user, pk)
    access.check(access.is_editor(request.user) and not version.is_published)
    return edit_page(
        request,
        form_class=ObjectiveForm,
        form_kwargs={"plan_version": version},
        save=lambda f: services.objective_create(
            plan_version=version, by=request.user, **f.service_fields()
        ),
        done=lambda saved: OBJECTIVE_ADDED.format(code=saved.code),
        next_url=_objective_url,
        heading="New objective",
        caption=str(version),
        back_url=reverse("plans:version_detail", args=[version.pk]),
    )


@require_http_methods(["GET", "POST"])
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    objective = selectors.objective_for_user(request.user, pk)
    _editor_on_draft(request, objective)
    return edit_page(
        request,
        form_class=ObjectiveForm,
        instance=objective,
        form_kwargs={"plan_version": objective.plan_version},
        save=lambda f: services.objective_update(
            objective=objective,
            by=request.user,
            expected_version=f.expected_version,
            **f.service_fields(),
        ),
        done=lambda saved: OBJECTIVE_SAVED.format(code=saved.code),
        next_url=_objective_url,
        heading=f"Edit {objective.code}",
        caption=str(objective.plan_version),
        back_url=_objective_url(objective),
    )


@require_POST
def objective_remove(request: HttpRequest, pk: int) -> HttpResponse:
    objective = selectors.objective_for_user(request.user, pk)
    _editor_on_draft(request, objective)
    response = version_button(
        request,
        lambda expected: services.objective_remove(
            objective=objective, by=request.user, expected_version=expected
        ),
        done=OBJECTIVE_REMOVED.format(code=objective.code),
        back_url=reverse("plans:version_detail", args=[objective.plan_version_id]),
    )
    if Objective.objects.filter(pk=objective.pk).exists():
        return redirect(_objective_url(objective))
    return response


# --- measures of an objective -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def objective_measures(request: HttpRequest, pk: int) -> HttpResponse:
    """The objective's measures, and a form to add one."""
    objective = selectors.objective_for_user(request.user, pk)
    _editor_on_draft(request, objective)
    form = MeasureLinkAddForm(
        request.POST or None, measures=selectors.measures_to_link(request.user, objective)
    )
    if request.method == "POST" and form.is_valid():
        try:
            link = services.objective_measure_link(
                objective=objective, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, MEASURE_LINKED.format(name=link.measure.name))
            return redirect("plans:objective_measures", pk=objective.pk)
    return render(
        request,
        "plans/objective_measures.html",
        {
            "nav_plans": True,
            "objective": objective,
            "form": form,
            "links": objective.measure_links.select_related("measure__priority"),
        },
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def measure_link_edit(request: HttpRequest, pk: int) -> HttpResponse:
    link = selectors.measure_link_for_user(request.user, pk)
    _editor_on_draft(request, link.objective)
    back = reverse("plans:objective_measures", args=[link.objective_id])
    return edit_page(
        request,
        form_class=MeasureLinkForm,
        instance=link,
        save=lambda f: services.objective_measure_update(
            link=link, by=request.user, expected_version=f.expected_version, **f.service_fields()
        ),
        done=lambda saved: MEASURE_LINK_SAVED.format(name=link.measure.name),
        next_url=lambda saved: back,
        heading=link.measure.name,
        caption=str(link.objective),
        back_url=back,
    )


@require_POST
def measure_link_remove(request: HttpRequest, pk: int) -> HttpResponse:
    link = selectors.measure_link_for_user(request.user, pk)
    _editor_on_draft(request, link.objective)
    return version_button(
        request,
        lambda expected: services.objective_measure_unlink(
            link=link, by=request.user, expected_version=expected
        ),
        done=MEASURE_UNLINKED.format(name=link.measure.name),
        back_url=reverse("plans:objective_measures", args=[link.objective_id]),
    )


# --- the implementation timetable -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def timetable_add(request: HttpRequest, pk: int) -> HttpResponse:
    objective = selectors.objective_for_user(request.user, pk)
    _editor_on_draft(request, objective)
    return edit_page(
        request,
        form_class=TimetableItemForm,
        save=lambda f: services.timetable_item_add(
            objective=objective, by=request.user, **f.service_fields()
        ),
        done=lambda saved: ITEM_ADDED.format(title=saved.title),
        next_url=lambda saved: _objective_url(objective),
        heading="Add to the timetable",
        caption=str(objective),
        back_url=_objective_url(objective),
    )


@require_http_methods(["GET", "POST"])
def timetable_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.timetable_item_for_user(request.user, pk)
    _editor_on_draft(request, item.objective)
    return edit_page(
        request,
        form_class=TimetableItemForm,
        instance=item,
        save=lambda f: services.timetable_item_update(
            item=item, by=request.user, expected_version=f.expected_version, **f.service_fields()
        ),
        done=lambda saved: ITEM_SAVED.format(title=saved.title),
        next_url=lambda saved: _objective_url(item.objective),
        heading="Timetable line",
        caption=str(item.objective),
        back_url=_objective_url(item.objective),
    )


@require_POST
def timetable_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.timetable_item_for_user(request.user, pk)
    _editor_on_draft(request, item.objective)
    return version_button(
        request,
        lambda expected: services.timetable_item_remove(
            item=item, by=request.user, expected_version=expected
        ),
        done=ITEM_REMOVED.format(title=item.title),
        back_url=_objective_url(item.objective),
    )


# --- task forces ------------------------------------------------------------------------------


@require_GET
def task_force(request: HttpRequest, pk: int) -> HttpResponse:
    forum = selectors.task_force_for_user(request.user, pk)
    return render(
        request,
        "plans/task_force.html",
        {
            "nav_plans": True,
            "forum": forum,
            "objectives": selectors.task_force_objectives(request.user, forum),
        },
    )
