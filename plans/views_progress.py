"""The two tracks of progress on an objective of the plan in force: the formal quarterly return
(drafted and submitted by the department or the unit, agreed by the unit) and informal notes.

Who may write them is decided in deliveryunit.access: the unit, and officials of the plan's
department (as they submit their department's data); ministers read them."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from deliveryunit import access, clock

from . import selectors, services
from .forms import NoteForm, ReturnForm
from .models import Objective, QuarterlyReturn
from .pages import edit_page, version_button

RETURN_SAVED = "Quarterly return saved as a draft."
RETURN_SUBMITTED = "Quarterly return submitted."
RETURN_AGREED = "Quarterly return agreed."
NOTE_ADDED = "Note added."


def _may_write(request: HttpRequest, objective: Objective) -> None:
    access.check(
        access.can_submit_data_for(request.user, {objective.plan_version.plan.department_id})
    )


def _back(objective: Objective) -> str:
    return reverse("plans:objective_detail", args=[objective.pk]) + "#returns"


def _data(form: ReturnForm) -> services.ReturnData:
    fields = form.cleaned_data
    return services.ReturnData(
        quarter=fields["quarter"],
        rag=fields["rag"],
        commentary=fields["commentary"],
        milestones_met=list(fields["milestones_met"]),
        milestones_missed=list(fields["milestones_missed"]),
    )


def _return_page(
    request: HttpRequest, objective: Objective, instance: Any, save: Any
) -> HttpResponse:
    return edit_page(
        request,
        form_class=ReturnForm,
        instance=instance,
        form_kwargs={"objective": objective},
        save=save,
        done=lambda saved: RETURN_SAVED,
        next_url=lambda saved: _back(objective),
        heading="Quarterly return",
        caption=str(objective),
        back_url=_back(objective),
        submit_label="Save draft",
    )


@require_http_methods(["GET", "POST"])
def return_create(request: HttpRequest, pk: int) -> HttpResponse:
    objective = selectors.objective_for_user(request.user, pk)
    _may_write(request, objective)
    return _return_page(
        request,
        objective,
        None,
        lambda f: services.return_create(
            objective=objective, by=request.user, data=_data(f), today=clock.today()
        ),
    )


@require_http_methods(["GET", "POST"])
def return_edit(request: HttpRequest, pk: int) -> HttpResponse:
    quarterly = selectors.return_for_user(request.user, pk)
    _may_write(request, quarterly.objective)
    return _return_page(
        request,
        quarterly.objective,
        quarterly,
        lambda f: services.return_update(
            quarterly=quarterly,
            by=request.user,
            expected_version=f.expected_version,
            data=_data(f),
            today=clock.today(),
        ),
    )


def _return_button(
    request: HttpRequest, quarterly: QuarterlyReturn, service: Any, done: str
) -> HttpResponse:
    return version_button(
        request,
        lambda expected: service(quarterly=quarterly, by=request.user, expected_version=expected),
        done=done,
        back_url=_back(quarterly.objective),
    )


@require_POST
def return_submit(request: HttpRequest, pk: int) -> HttpResponse:
    quarterly = selectors.return_for_user(request.user, pk)
    _may_write(request, quarterly.objective)
    return _return_button(request, quarterly, services.return_submit, RETURN_SUBMITTED)


@require_POST
def return_agree(request: HttpRequest, pk: int) -> HttpResponse:
    quarterly = selectors.return_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    return _return_button(request, quarterly, services.return_agree, RETURN_AGREED)


@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    objective = selectors.objective_for_user(request.user, pk)
    _may_write(request, objective)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_add(objective=objective, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, NOTE_ADDED)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(reverse("plans:objective_detail", args=[objective.pk]) + "#notes")
