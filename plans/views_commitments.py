"""The register of manifesto commitments: each commitment, the departments responsible and the
objectives in force that cover it. The unit keeps the register; everyone reads the commitments
of their own department (the unit and unscoped ministers all of them)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from deliveryunit import access

from . import selectors, services
from .forms import CommitmentForm
from .pages import edit_page

COMMITMENT_ADDED = "Commitment added: {reference}."
COMMITMENT_SAVED = "Commitment saved: {reference}."


@require_GET
def commitment_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "plans/commitment_list.html",
        {
            "nav_plans": True,
            "rows": selectors.commitment_rows(request.user),
            "can_edit": access.is_editor(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def commitment_create(request: HttpRequest) -> HttpResponse:
    access.check(access.is_editor(request.user))
    return edit_page(
        request,
        form_class=CommitmentForm,
        save=lambda f: services.commitment_create(by=request.user, **f.service_fields()),
        done=lambda saved: COMMITMENT_ADDED.format(reference=saved.reference),
        next_url=lambda saved: reverse("plans:commitment_list"),
        heading="New manifesto commitment",
        back_url=reverse("plans:commitment_list"),
    )


@require_http_methods(["GET", "POST"])
def commitment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    commitment = selectors.commitment_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    return edit_page(
        request,
        form_class=CommitmentForm,
        instance=commitment,
        save=lambda f: services.commitment_update(
            commitment=commitment,
            by=request.user,
            expected_version=f.expected_version,
            **f.service_fields(),
        ),
        done=lambda saved: COMMITMENT_SAVED.format(reference=saved.reference),
        next_url=lambda saved: reverse("plans:commitment_list"),
        heading=f"Edit {commitment.reference}",
        back_url=reverse("plans:commitment_list"),
    )
