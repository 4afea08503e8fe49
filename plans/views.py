"""Plan pages: the list of plans, a plan and its versions, drafting and publishing a version,
and the coverage check of manifesto commitments.

Objects come through plans/selectors.py (scoped by department, drafts for the unit only; 404
out of scope); writes go through plans/services.py. The unit writes plans; officials and
ministers read their department's published plans, unscoped ministers all of them.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliveryunit import access
from deliveryunit.editing import add_service_errors

from . import selectors, services
from .forms import PlanForm, VersionSummaryForm
from .models import PlanVersion
from .pages import edit_page, form_page, version_button

PLAN_CREATED = "Plan created: {title}. Its first version is a draft."
SUMMARY_SAVED = "Introduction saved."
PUBLISHED = "Version {number} is published. It can no longer be changed."
DRAFT_STARTED = "Version {number} is a new draft, copied from the version in force."
NO_VERSION = "This plan has no version you can see yet."


@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "plans/plan_list.html",
        {
            "nav_plans": True,
            "rows": selectors.plan_rows(request.user),
            "can_edit": access.is_editor(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    access.check(access.is_editor(request.user))
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, PLAN_CREATED.format(title=plan.title))
            return redirect("plans:plan_detail", pk=plan.pk)
    return form_page(
        request,
        form,
        heading="New departmental plan",
        back_url=reverse("plans:plan_list"),
        submit_label="Create plan",
    )


def _version_page(request: HttpRequest, version: PlanVersion) -> HttpResponse:
    user = request.user
    plan = version.plan
    versions = list(plan.versions.filter(access.visible_plan_versions(user)).order_by("-number"))
    context: dict[str, Any] = {
        "nav_plans": True,
        "plan": plan,
        "version": version,
        "versions": versions,
        "groups": selectors.version_groups(version),
        "coverage": selectors.coverage(version),
        "can_edit": access.is_editor(user) and not version.is_published,
        "is_editor": access.is_editor(user),
        "has_draft": any(not v.is_published for v in versions),
        "latest_published": next((v for v in versions if v.is_published), None),
        "publish_problems": (services.publish_problems(version) if access.is_editor(user) else []),
    }
    return render(request, "plans/plan_detail.html", context)


@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_for_user(request.user, pk)
    version = selectors.version_shown(request.user, plan)
    if version is None:
        return render(
            request,
            "plans/plan_empty.html",
            {"nav_plans": True, "plan": plan, "message": NO_VERSION},
        )
    return _version_page(request, version)


@require_GET
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _version_page(request, selectors.version_for_user(request.user, pk))


@require_http_methods(["GET", "POST"])
def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_for_user(request.user, pk)
    access.check(access.is_editor(request.user) and not version.is_published)
    back = reverse("plans:version_detail", args=[version.pk])
    return edit_page(
        request,
        form_class=VersionSummaryForm,
        instance=version,
        save=lambda f: services.version_update(
            plan_version=version,
            by=request.user,
            expected_version=f.expected_version,
            summary=f.cleaned_data["summary"],
        ),
        done=lambda saved: SUMMARY_SAVED,
        next_url=lambda saved: back,
        heading="Introduction",
        caption=str(version),
        back_url=back,
    )


@require_POST
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    return version_button(
        request,
        lambda expected: services.version_publish(
            plan_version=version, by=request.user, expected_version=expected
        ),
        done=PUBLISHED.format(number=version.number),
        back_url=reverse("plans:version_detail", args=[version.pk]),
    )


@require_POST
def version_new_draft(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    try:
        draft = services.version_new_draft(plan=plan, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("plans:plan_detail", pk=plan.pk)
    messages.success(request, DRAFT_STARTED.format(number=draft.number))
    return redirect("plans:version_detail", pk=draft.pk)


@require_GET
def coverage(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.version_for_user(request.user, pk)
    return render(
        request,
        "plans/coverage.html",
        {
            "nav_plans": True,
            "version": version,
            "plan": version.plan,
            "coverage": selectors.coverage(version),
        },
    )
