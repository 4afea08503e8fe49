"""Priority reviews: the list, starting a review, the workspace, its details, scope and stage,
and its report.

Every review comes through reviews/selectors.py (scoped by its priority's departments, 404 out
of scope); every write through reviews/services.py, by the unit only (403 for readers). The
parts of the workspace edited row by row are in views_parts.py and views_issues.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliveryunit import access, clock, documents
from deliveryunit.editing import (
    VERSION_MISSING,
    ConflictError,
    add_service_errors,
    form_conflict,
    render_form,
)
from deliveryunit.models import DocumentFormat, DocumentKind

from . import forms, selectors, services
from .models import Stage
from .responses import (
    editable_review,
    full_page,
    rebound,
    section_done,
    section_refused,
    section_response,
)
from .workspace import SectionState

REVIEW_STARTED = "Review started: {title}. Scope it next: the question, the team, the chain."
DETAILS_SAVED = "The review's details are saved."
SCOPE_SAVED = "The scope and problem statement are saved."
STAGE_MOVED = "The review is now at the {stage} stage."
REPORT_REQUESTED = "The review report ({format}) has been requested. It appears below when built."
UNKNOWN_FORMAT = "Choose PDF or Word for the report."
STAGE_CONFLICT = "Someone else changed this review since you opened it: its stage is shown as now."


@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    stage = request.GET.get("stage", "")
    stage = stage if stage in Stage.values else ""
    return render(
        request,
        "reviews/review_list.html",
        {
            "nav_reviews": True,
            "rows": selectors.review_list(request.user, clock.today(), stage),
            "stages": Stage.choices,
            "selected_stage": stage,
            "can_edit": access.is_editor(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def review_create(request: HttpRequest) -> HttpResponse:
    access.check(access.is_editor(request.user))
    initial = {"priority": request.GET.get("priority")} if request.GET.get("priority") else {}
    form = forms.ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_create(by=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, REVIEW_STARTED.format(title=review.title))
            return redirect("reviews:review_detail", pk=review.pk)
    return render_form(request, "reviews/review_form.html", {"nav_reviews": True, "form": form})


@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return full_page(request, selectors.review_for_user(request.user, pk))


def _edit_review(request: HttpRequest, pk: int, section: str, form_class: Any, done: str):  # type: ignore[no-untyped-def]
    """GET opens the section's form; POST saves it through review_update."""
    review = editable_review(request, pk)
    form = form_class(request.POST or None, instance=review, prefix=section)
    state = SectionState(form=form, editing=review.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_update(
                review=review,
                by=request.user,
                expected_version=form.expected_version,
                **form.service_fields(),
            )
        except ConflictError as exc:
            state.conflict = form_conflict(form, exc.current)
            state.form = rebound(
                form_class, request.POST, section, exc.current.version, instance=review
            )
            return section_response(request, review, section, state, status=409)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return section_done(request, review, section, done)
    return section_response(request, review, section, state, 422 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit_review(request, pk, "details", forms.ReviewForm, DETAILS_SAVED)


@require_http_methods(["GET", "POST"])
def scope_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit_review(request, pk, "scope", forms.ScopeForm, SCOPE_SAVED)


@require_POST
def stage_move(request: HttpRequest, pk: int) -> HttpResponse:
    review = editable_review(request, pk)
    form = forms.StageForm(request.POST)
    if not form.is_valid():
        return section_refused(request, review, "details", VERSION_MISSING, 422)
    stage = form.cleaned_data["stage"]
    try:
        services.review_move_stage(
            review=review,
            by=request.user,
            expected_version=form.cleaned_data["version"],
            stage=stage,
        )
    except ConflictError:
        return section_refused(request, review, "details", STAGE_CONFLICT, 409)
    except ValidationError as exc:
        return section_refused(request, review, "details", " ".join(exc.messages), 422)
    label = dict(Stage.choices)[stage].lower()
    return section_done(request, review, "details", STAGE_MOVED.format(stage=label))


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the report's builds (what the section polls while one builds). POST: build it."""
    if request.method == "GET":
        review = selectors.review_for_user(request.user, pk)
        return section_response(request, review, "report", SectionState())
    review = editable_review(request, pk)
    fmt = request.POST.get("format", "")
    if fmt not in DocumentFormat.values:
        return section_refused(request, review, "report", UNKNOWN_FORMAT, 422)
    try:
        documents.document_request(
            kind=DocumentKind.REVIEW_REPORT,
            format=fmt,
            subject={"review": review.pk},
            by=request.user,
        )
    except documents.DocumentRefused as refused:
        return section_refused(request, review, "report", " ".join(refused.messages), 422)
    label = dict(DocumentFormat.choices)[fmt]
    return section_done(request, review, "report", REPORT_REQUESTED.format(format=label))
