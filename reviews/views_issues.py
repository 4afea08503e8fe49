"""The issue tree of a review, edited in place: add a question (at the top level or under
another), change or settle it, move it under another question, reorder it among its siblings,
delete it if it has no sub-questions. With htmx each swaps the tree alone; without JavaScript
each is a link or a form that comes back to the workspace at the tree.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods, require_POST

from deliveryunit.editing import VERSION_MISSING, ConflictError, add_service_errors, form_conflict

from . import selectors, services
from .forms import IssueForm, IssueMoveForm, VersionForm
from .models import IssueNode, PriorityReview
from .responses import (
    CHANGED_MEANWHILE,
    editable_review,
    rebound,
    section_done,
    section_refused,
    section_response,
)
from .workspace import SectionState

SECTION = "issues"
QUESTION_ADDED = "Question {number} added."
QUESTION_SAVED = "Question saved."
QUESTION_MOVED = "Question moved."
QUESTION_DELETED = "Question deleted."


def _node(review: PriorityReview, node_pk: int) -> IssueNode:
    return selectors.part_of(review, IssueNode, node_pk)


def _move_form(request: HttpRequest, review: PriorityReview, node: IssueNode) -> IssueMoveForm:
    data = request.POST if request.method == "POST" else None
    initial = {"parent": node.parent_id, "version": node.version}
    return IssueMoveForm(data, review=review, node=node, prefix=f"move-{node.pk}", initial=initial)


@require_http_methods(["GET", "POST"])
def issue_add(request: HttpRequest, pk: int, node_pk: int | None = None) -> HttpResponse:
    """A question at the top level, or (with node_pk) a sub-question of that question."""
    review = editable_review(request, pk)
    parent = _node(review, node_pk) if node_pk is not None else None
    prefix = f"new-issue-{parent.pk}" if parent else "new-issue"
    form = IssueForm(request.POST or None, review=review, prefix=prefix)
    if request.method == "POST" and form.is_valid():
        try:
            node = services.issue_add(
                review=review, by=request.user, parent=parent, **form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            number = next(
                row.number
                for row in selectors.issue_rows(selectors.review_issues(review))
                if row.node.pk == node.pk
            )
            return section_done(request, review, SECTION, QUESTION_ADDED.format(number=number))
    state = SectionState(form=form, editing="new", parent=parent.pk if parent else None)
    return section_response(request, review, SECTION, state, 422 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
def issue_edit(request: HttpRequest, pk: int, node_pk: int) -> HttpResponse:
    """Change a question or settle it; the form also offers moving, reordering and deleting."""
    review = editable_review(request, pk)
    node = _node(review, node_pk)
    form = IssueForm(request.POST or None, instance=node, review=review, prefix=f"issue-{node.pk}")
    state = SectionState(form=form, editing=node.pk, move_form=_move_form(request, review, node))
    if request.method == "POST" and form.is_valid():
        try:
            services.issue_update(
                node=node, by=request.user, expected_version=form.expected_version,
                **form.service_fields(),
            )  # fmt: skip
        except ConflictError as exc:
            state.conflict = form_conflict(form, exc.current)
            state.form = rebound(
                IssueForm,
                request.POST,
                form.prefix,
                exc.current.version,
                instance=node,
                review=review,
            )
            return section_response(request, review, SECTION, state, 409)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return section_done(request, review, SECTION, QUESTION_SAVED)
    return section_response(request, review, SECTION, state, 422 if form.is_bound else 200)


@require_POST
def issue_move(request: HttpRequest, pk: int, node_pk: int) -> HttpResponse:
    """Move a question (and everything under it) under another question, or to the top."""
    review = editable_review(request, pk)
    node = _node(review, node_pk)
    move = _move_form(request, review, node)
    if move.is_valid():
        try:
            services.issue_move(
                node=node,
                by=request.user,
                expected_version=move.expected_version,
                parent=move.cleaned_data["parent"],
            )
        except ConflictError:
            return section_refused(request, review, SECTION, CHANGED_MEANWHILE, 409)
        except ValidationError as exc:
            add_service_errors(move, exc)
        else:
            return section_done(request, review, SECTION, QUESTION_MOVED)
    form = IssueForm(instance=node, review=review, prefix=f"issue-{node.pk}")
    state = SectionState(form=form, editing=node.pk, move_form=move)
    return section_response(request, review, SECTION, state, 422)


def _pressed(request: HttpRequest, pk: int, node_pk: int, change, done: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    review = editable_review(request, pk)
    node = _node(review, node_pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return section_refused(request, review, SECTION, VERSION_MISSING, 422)
    try:
        change(node, form)
    except ConflictError:
        return section_refused(request, review, SECTION, CHANGED_MEANWHILE, 409)
    except ValidationError as exc:
        return section_refused(request, review, SECTION, " ".join(exc.messages), 422)
    return section_done(request, review, SECTION, done)


@require_POST
def issue_reorder(request: HttpRequest, pk: int, node_pk: int) -> HttpResponse:
    return _pressed(
        request,
        pk,
        node_pk,
        lambda node, form: services.issue_reorder(
            node=node, by=request.user, expected_version=form.expected_version, up=form.up
        ),
        QUESTION_MOVED,
    )


@require_POST
def issue_delete(request: HttpRequest, pk: int, node_pk: int) -> HttpResponse:
    return _pressed(
        request,
        pk,
        node_pk,
        lambda node, form: services.issue_delete(
            node=node, by=request.user, expected_version=form.expected_version
        ),
        QUESTION_DELETED,
    )
