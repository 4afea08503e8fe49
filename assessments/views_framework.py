"""The framework pages: the framework as everyone reads it, and the unit lead's rewording of an
area to consider or a point of a scale. Each edit carries the version the unit lead started
from: if someone else saved the same wording first, the page comes back (409) with both
versions side by side and what was typed kept. Writes go through services_framework.py.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from deliveryunit import access
from deliveryunit.editing import (
    ConflictError,
    VersionedForm,
    add_service_errors,
    form_conflict,
    render_form,
    with_version,
)

from . import selectors, selectors_framework, services_framework
from .forms_rounds import AreaForm, RatingOptionForm
from .models import Area, RatingOption

AREA_SAVED = "Area “{name}” saved."
OPTION_SAVED = "{code} on the {dimension} scale saved."
CODES_STAY = (
    "The code {code} stays as it is: judgements already made are stored as codes. Change the "
    "label and what it means."
)


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


@require_http_methods(["GET", "POST"])
def framework_area_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access.check(access.is_unit_lead(request.user))
    area = get_object_or_404(Area.objects.select_related("dimension"), pk=pk)
    return _framework_edit(
        request,
        area,
        AreaForm,
        heading=f"Edit the area “{area.name}”",
        save=lambda form: services_framework.area_update(
            area=area,
            by=request.user,
            expected_version=form.expected_version,
            data=form.service_fields(),
        ),
        success=lambda saved: AREA_SAVED.format(name=saved.name),
        fields=services_framework.AREA_FIELDS,
    )


@require_http_methods(["GET", "POST"])
def framework_option_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access.check(access.is_unit_lead(request.user))
    option = get_object_or_404(RatingOption.objects.select_related("dimension"), pk=pk)
    dimension = option.dimension.name.lower()
    return _framework_edit(
        request,
        option,
        RatingOptionForm,
        heading=f"Edit {option.code} on the {dimension} scale",
        note=CODES_STAY.format(code=option.code),
        save=lambda form: services_framework.rating_option_update(
            option=option,
            by=request.user,
            expected_version=form.expected_version,
            **form.service_fields(),
        ),
        success=lambda saved: OPTION_SAVED.format(code=saved.code, dimension=dimension),
        fields=services_framework.OPTION_FIELDS,
    )


def _framework_edit(
    request: HttpRequest,
    instance: Area | RatingOption,
    form_class: type[VersionedForm],
    *,
    heading: str,
    save: Callable[[VersionedForm], Any],
    success: Callable[[Any], str],
    fields: tuple[str, ...],
    note: str = "",
) -> HttpResponse:
    """The edit page; POST saves through `save(form)`, or shows errors (422) or a conflict (409)."""
    # The form works on a copy, so a rejected edit never shows as the saved wording.
    form = form_class(request.POST or None, instance=type(instance).objects.get(pk=instance.pk))
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form)
        except ConflictError as exc:
            conflict = form_conflict(form, exc.current)
            data = with_version(request.POST, exc.current.version)  # type: ignore[attr-defined]
            form = form_class(data, instance=exc.current)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success(saved))
            return redirect(reverse("assessments:framework"))
    context = {
        "nav_assessments": True,
        "form": form,
        "conflict": conflict,
        "heading": heading,
        "caption": instance.dimension.name,
        "note": note,
        "history": selectors_framework.wording_changes(instance, list(fields)),
        "back_url": reverse("assessments:framework"),
    }
    return render_form(
        request, "assessments/framework_edit.html", context, status=409 if conflict else 200
    )
