"""Pages for people, beside the API itself: API tokens under each user's account (a unit lead
manages anyone's), and the API's documentation drawn from its OpenAPI schema on our own page
(no script or style from anywhere else, so the content security policy holds)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from deliveryunit import access
from deliveryunit.editing import add_service_errors
from deliveryunit.models import User

from . import docs, services
from .forms import TokenForm
from .models import ApiToken

TOKEN_MADE = "Token made: {name}. Copy it now: it is shown only this once and is not stored."  # noqa: S105 - a message
TOKEN_REVOKED = "Token revoked: {name}. Calls with it are refused from now on."  # noqa: S105 - a message


def _tokens_page(
    request: HttpRequest,
    owner: Any,
    *,
    form: TokenForm | None = None,
    made: str = "",
    made_name: str = "",
    status: int = 200,
) -> HttpResponse:
    own = owner.pk == request.user.pk
    response = render(
        request,
        "api/tokens.html",
        {
            "owner": owner,
            "own": own,
            "tokens": owner.api_tokens.select_related("created_by", "revoked_by"),
            "form": form or TokenForm(),
            "create_url": (
                reverse("tokens:create") if own else reverse("tokens:user_create", args=[owner.pk])
            ),
            "made": made,
            "made_message": TOKEN_MADE.format(name=made_name) if made else "",
            "is_unit_lead": access.is_unit_lead(request.user),
        },
        status=status,
    )
    # The page showing a new token must not be kept by the browser or anything between.
    response["Cache-Control"] = "no-store"
    return response


def _create(request: HttpRequest, owner: Any) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            row, token = services.token_create(
                user=owner, by=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # Shown in this response only: not in a message, which would be stored in a cookie.
            return _tokens_page(request, owner, made=token, made_name=row.name, status=201)
    return _tokens_page(request, owner, form=form, status=422)


@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    return _tokens_page(request, request.user)


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    return _create(request, request.user)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = ApiToken.objects.select_related("user").filter(pk=pk).first()
    # Someone else's token is not theirs to know about.
    if token is None or not access.can_manage_tokens_of(request.user, token.user):
        raise Http404
    try:
        services.token_revoke(token=token, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, TOKEN_REVOKED.format(name=token.name))
    if token.user_id == request.user.pk:
        return redirect("tokens:list")
    return redirect("tokens:user", pk=token.user_id)


@require_GET
@access.unit_lead_required
def token_users(request: HttpRequest) -> HttpResponse:
    users = User.objects.select_related("department").order_by("username")
    return render(request, "api/token_users.html", {"users": users, "active": _active_counts()})


def _active_counts() -> dict[int, int]:
    counts: dict[int, int] = {}
    for user_id in ApiToken.objects.filter(revoked_at__isnull=True).values_list(
        "user_id", flat=True
    ):
        counts[user_id] = counts.get(user_id, 0) + 1
    return counts


@require_GET
@access.unit_lead_required
def token_user(request: HttpRequest, pk: int) -> HttpResponse:
    return _tokens_page(request, get_object_or_404(User, pk=pk))


@require_POST
@access.unit_lead_required
def token_user_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _create(request, get_object_or_404(User, pk=pk))


# --- documentation ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _documentation() -> docs.Documentation:
    return docs.documentation()


@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    return render(request, "api/docs.html", {"docs": _documentation()})
