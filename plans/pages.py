"""What the plans views share: the one-form page, the edit flow with its conflict view, and the
version buttons (publish, submit, agree, remove) that post nothing but the version seen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from deliveryunit.editing import (
    ConflictError,
    add_service_errors,
    form_conflict,
    with_version,
)

from .forms import VersionForm

FORM_TEMPLATE = "priorities/_form_layout.html"


def form_page(
    request: HttpRequest,
    form: Any,
    *,
    heading: str,
    back_url: str,
    submit_label: str = "Save",
    caption: str = "",
    status: int | None = None,
    **extra: Any,
) -> HttpResponse:
    """A page with one form. A posted form with errors answers 422, a conflict 409."""
    if status is None:
        status = 422 if form.is_bound and form.errors else 200
    context = {
        "nav_plans": True,
        "form": form,
        "heading": heading,
        "back_url": back_url,
        "submit_label": submit_label,
        "caption": caption,
        **extra,
    }
    return render(request, FORM_TEMPLATE, context, status=status)


def save_form(
    request: HttpRequest,
    form: Any,
    save: Callable[[Any], Any],
    page: Callable[..., HttpResponse],
    rebuild: Callable[[Any], Any] | None = None,
) -> tuple[Any, HttpResponse | None]:
    """Validate a posted form and hand it to `save`: (saved, None), or (None, the page again)
    with the errors, or with both versions side by side (409) when someone saved first.
    `rebuild(data)` makes the form again from data (for a conflict, with the version moved
    on)."""
    if not form.is_valid():
        return None, page(form)
    try:
        return save(form), None
    except ConflictError as exc:
        conflict = form_conflict(form, exc.current)
        again = rebuild(with_version(request.POST, exc.current.version)) if rebuild else form
        return None, page(again, conflict=conflict, status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None, page(form)


def version_button(
    request: HttpRequest,
    act: Callable[[int], Any],
    *,
    done: str,
    back_url: str,
) -> HttpResponse:
    """A button that posts only the version seen: do it and say so, or say why not. Either
    way back to the page it was on."""
    form = VersionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back_url)
    try:
        act(form.expected_version)
    except ConflictError as exc:
        messages.error(request, str(exc.args[0]) if exc.args else "")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(back_url)


def edit_page(
    request: HttpRequest,
    *,
    form_class: type[Any],
    instance: Any = None,
    form_kwargs: dict[str, Any] | None = None,
    save: Callable[[Any], Any],
    done: Callable[[Any], str],
    next_url: Callable[[Any], str],
    **page: Any,
) -> HttpResponse:
    """The whole of a one-form page: GET draws the form; POST saves through `save(form)`, says
    `done(saved)` and goes on to `next_url(saved)`, or draws the form again with its errors or
    the conflict. `page` holds form_page's heading, back_url and the rest."""
    kwargs = form_kwargs or {}

    def build(data: Any = None) -> Any:
        return form_class(data, instance=instance, **kwargs)

    def draw(form: Any, **extra: Any) -> HttpResponse:
        return form_page(request, form, **page, **extra)

    if request.method != "POST":
        return draw(build())
    saved, refused = save_form(request, build(request.POST), save, draw, build)
    if refused is not None:
        return refused
    messages.success(request, done(saved))
    return redirect(next_url(saved))
