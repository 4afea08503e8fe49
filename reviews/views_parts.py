"""The workspace's lists edited row by row (reviews/parts.py): the team, the delivery chain,
the analysis plan, frontline visits, findings and recommendations. One set of views serves
them all: add, change, remove and reorder a row, each in place with htmx and as a plain form
without it. Also here: accepting a recommendation into the tracker, and a finding's image.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliveryunit.editing import (
    VERSION_MISSING,
    ConflictError,
    add_service_errors,
    form_conflict,
)

from . import selectors, services
from .forms import VersionForm
from .models import ChartKind, Finding, PriorityReview, Recommendation
from .parts import ADDED, MOVED, PARTS, REMOVED, SAVED, Part
from .responses import (
    CHANGED_MEANWHILE,
    editable_review,
    rebound,
    section_done,
    section_refused,
    section_response,
)
from .workspace import SectionState

ACCEPTED = "Recommendation {rank} accepted: it is now an action in the tracker."
NO_IMAGE = "This finding has no image."


def _part(section: str) -> Part:
    try:
        return PARTS[section]
    except KeyError:
        raise Http404 from None


def _row(part: Part, review: PriorityReview, item_pk: int) -> Any:
    return selectors.part_of(review, part.model, item_pk, part.owner(review))


def _form(part: Part, request: HttpRequest, review: PriorityReview, row: Any = None) -> Any:
    prefix = f"{part.section}-{row.pk}" if row is not None else f"new-{part.section}"
    data = request.POST if request.method == "POST" else None
    files = request.FILES if data is not None and part.accepts_files else None
    return part.form(data, files, instance=row, review=review, prefix=prefix)


@require_http_methods(["GET", "POST"])
def part_add(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    part = _part(section)
    review = editable_review(request, pk)
    form = _form(part, request, review)
    if request.method == "POST" and form.is_valid():
        try:
            part.add(review, request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return section_done(request, review, section, ADDED.format(noun=part.noun))
    state = SectionState(form=form, editing="new")
    return section_response(request, review, section, state, 422 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def part_edit(request: HttpRequest, pk: int, item_pk: int, section: str) -> HttpResponse:
    part = _part(section)
    review = editable_review(request, pk)
    row = _row(part, review, item_pk)
    if part.update is None:
        raise Http404
    form = _form(part, request, review, row)
    state = SectionState(form=form, editing=row.pk)
    if request.method == "POST" and form.is_valid():
        try:
            part.update(row, request.user, form.expected_version, **form.service_fields())
        except ConflictError as exc:
            state.conflict = form_conflict(form, exc.current)
            state.form = rebound(
                part.form,
                request.POST,
                form.prefix,
                exc.current.version,
                instance=row,
                review=review,
            )
            return section_response(request, review, section, state, 409)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return section_done(request, review, section, SAVED.format(noun=part.noun))
    return section_response(request, review, section, state, 422 if form.is_bound else 200)


def _button(request: HttpRequest, pk: int, item_pk: int, section: str) -> tuple[Any, ...]:
    """A button's post: the part, the review, the row and the version it was pressed on."""
    part = _part(section)
    review = editable_review(request, pk)
    row = _row(part, review, item_pk)
    form = VersionForm(request.POST)
    return part, review, row, form if form.is_valid() else None


def _press(
    request: HttpRequest, review: PriorityReview, section: str, change: Any, done: str
) -> HttpResponse:
    """Make a button's change; refused or stale, the section is shown as it is now."""
    try:
        change()
    except ConflictError:
        return section_refused(request, review, section, CHANGED_MEANWHILE, 409)
    except ValidationError as exc:
        return section_refused(request, review, section, " ".join(exc.messages), 422)
    return section_done(request, review, section, done)


@require_POST
def part_delete(request: HttpRequest, pk: int, item_pk: int, section: str) -> HttpResponse:
    part, review, row, form = _button(request, pk, item_pk, section)
    if form is None:
        return section_refused(request, review, section, VERSION_MISSING, 422)
    return _press(
        request,
        review,
        section,
        lambda: part.remove(row, request.user, form.expected_version),
        REMOVED.format(noun=part.noun),
    )


@require_POST
def part_reorder(request: HttpRequest, pk: int, item_pk: int, section: str) -> HttpResponse:
    part, review, row, form = _button(request, pk, item_pk, section)
    if part.reorder is None:
        raise Http404
    if form is None:
        return section_refused(request, review, section, VERSION_MISSING, 422)
    return _press(
        request,
        review,
        section,
        lambda: part.reorder(row, request.user, form.expected_version, form.up),  # type: ignore[misc]
        MOVED.format(noun=part.noun),
    )


@require_POST
def recommendation_accept(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """The recommendation becomes an action in the tracker, followed up by stocktakes."""
    _part_, review, row, form = _button(request, pk, item_pk, "recommendations")
    if form is None:
        return section_refused(request, review, "recommendations", VERSION_MISSING, 422)
    recommendation: Recommendation = row
    return _press(
        request,
        review,
        "recommendations",
        lambda: services.recommendation_accept(
            recommendation=recommendation, by=request.user, expected_version=form.expected_version
        ),
        ACCEPTED.format(rank=recommendation.rank),
    )


@require_GET
def finding_image(request: HttpRequest, pk: int, item_pk: int) -> FileResponse:
    """A finding's uploaded image, for whoever may read the review: a download, never a page,
    and never sniffed as anything but the image it was checked to be."""
    review = selectors.review_for_user(request.user, pk)
    finding: Finding = selectors.part_of(review, Finding, item_pk)
    if finding.chart_kind != ChartKind.IMAGE or not finding.image:
        raise Http404(NO_IMAGE)
    extension = finding.image.name.rsplit(".", 1)[-1]
    response = FileResponse(
        finding.image.open("rb"),
        as_attachment=True,
        filename=f"review-{review.pk}-finding-{finding.pk}.{extension}",
        content_type=finding.image_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
