"""How the workspace answers a change to one of its sections, with htmx or without.

With htmx, the answer is the changed section alone (and, out of band, any section that shows
the same rows), swapped into the page in place. Without JavaScript every control is a plain
link or form: a change that succeeds redirects back to the workspace at its section, with the
message shown at the top; a form to fill in, or one refused, is the whole workspace with that
section open. Either way the same template and the same section context draw it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from deliveryunit import access, clock
from deliveryunit.editing import vary_on_htmx

from . import selectors, workspace
from .models import PriorityReview
from .workspace import SectionState

TEMPLATE = "reviews/review_detail.html"

CHANGED_MEANWHILE = (
    "Someone else changed this since you opened the page. It is shown as it is now: check it, "
    "then try again."
)


def editable_review(request: HttpRequest, pk: int) -> PriorityReview:
    """The review, if the user may see it (else 404), and only if they may change it (else
    403): the unit writes, everyone else reads."""
    review = selectors.review_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    return review


def workspace_url(review: PriorityReview, section: str = "") -> str:
    url = reverse("reviews:review_detail", args=[review.pk])
    return f"{url}#{section}" if section else url


def full_page(
    request: HttpRequest,
    review: PriorityReview,
    states: dict[str, SectionState] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = workspace.context(request.user, review, clock.today(), states)
    return vary_on_htmx(render(request, TEMPLATE, context, status=status))


def section_response(
    request: HttpRequest,
    review: PriorityReview,
    section: str,
    state: SectionState,
    status: int = 200,
) -> HttpResponse:
    """The section in `state`: alone for htmx, else the whole workspace."""
    if not getattr(request, "htmx", False):
        return full_page(request, review, {section: state}, status)
    others = workspace.ALSO_SHOWS.get(section, ()) if state.saved else ()
    context = workspace.context(
        request.user, review, clock.today(), {section: state}, only=(section, *others)
    )
    html = render_to_string(f"{TEMPLATE}#{section}", context, request)
    for other in others:
        html += render_to_string(f"{TEMPLATE}#{other}", {**context, "oob": True}, request)
    return vary_on_htmx(HttpResponse(html, status=status))


def section_done(
    request: HttpRequest, review: PriorityReview, section: str, message: str
) -> HttpResponse:
    """After a change: the section drawn afresh (htmx), or back to the workspace."""
    if getattr(request, "htmx", False):
        fresh = selectors.review_for_user(request.user, review.pk)
        return section_response(request, fresh, section, SectionState(saved=message))
    messages.success(request, message)
    return vary_on_htmx(HttpResponseRedirect(workspace_url(review, section)))


def section_refused(
    request: HttpRequest, review: PriorityReview, section: str, error: str, status: int
) -> HttpResponse:
    """A button's change refused: the section as it now is, with the reason."""
    fresh = selectors.review_for_user(request.user, review.pk)
    return section_response(request, fresh, section, SectionState(error=error), status=status)


def rebound(form_class: Any, data: Any, prefix: str, version: int, **kwargs: Any) -> Any:
    """The form as typed, carrying the version now saved, so saving again is deliberate."""
    data = data.copy()
    data[f"{prefix}-version" if prefix else "version"] = str(version)
    return form_class(data, prefix=prefix, **kwargs)
