"""Key challenges, changed one at a time on the editor page.

With htmx each change answers with the key challenges region alone (the `challenges` partial of
assessments/assessment_edit.html); without JavaScript the same forms post and come back to the
editor. Every form on an existing challenge carries the challenge's version: a change, removal
or move of one that someone else has changed since is refused (409), a refused change keeping
what was typed beside the challenge as it is now. A published round refuses every change (409).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from deliveryunit import access
from deliveryunit.editing import (
    ConflictError,
    HtmxHttpRequest,
    form_conflict,
    vary_on_htmx,
    with_version,
)

from . import editor, selectors_editor, services
from .forms import ChallengeVersionForm, KeyChallengeForm, MoveForm
from .models import ROUND_PUBLISHED, Assessment, KeyChallenge, RoundLocked

CHALLENGE_ADDED = "Key challenge added."
CHALLENGE_SAVED = "Key challenge saved."
CHALLENGE_REMOVED = "Key challenge removed."
CHALLENGE_MOVED = "Key challenge moved."
CHALLENGE_CHANGED = (
    "Someone else changed this key challenge since you opened the page, so it was not {action}. "
    "It is shown below as it is now: check it and try again."
)


@require_POST
def challenge_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assessment = selectors_editor.assessment_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    form = editor.new_challenge_form(request.POST)
    return _write(
        request,
        assessment,
        form,
        lambda: services.key_challenge_add(
            assessment=assessment, by=request.user, **form.service_fields()
        ),
        notice=CHALLENGE_ADDED,
    )


@require_POST
def challenge_update(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    challenge = selectors_editor.key_challenge_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    form = editor.challenge_form(challenge, request.POST)
    return _write(
        request,
        challenge.assessment,
        form,
        lambda: services.key_challenge_update(
            challenge=challenge,
            by=request.user,
            expected_version=form.expected_version,
            **form.service_fields(),
        ),
        notice=CHALLENGE_SAVED,
    )


@require_POST
def challenge_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    challenge = selectors_editor.key_challenge_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    form = ChallengeVersionForm(request.POST)
    return _write(
        request,
        challenge.assessment,
        form,
        lambda: services.key_challenge_remove(
            challenge=challenge, by=request.user, expected_version=form.expected_version
        ),
        notice=CHALLENGE_REMOVED,
        refused=CHALLENGE_CHANGED.format(action="removed"),
    )


@require_POST
def challenge_move(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    challenge = selectors_editor.key_challenge_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    form = MoveForm(request.POST)
    return _write(
        request,
        challenge.assessment,
        form,
        lambda: services.key_challenge_move(
            challenge=challenge,
            by=request.user,
            expected_version=form.expected_version,
            offset=form.offset,
        ),
        notice=CHALLENGE_MOVED,
        refused=CHALLENGE_CHANGED.format(action="moved"),
    )


# --- one write, and its answer ------------------------------------------------------------------


def _write(
    request: HtmxHttpRequest,
    assessment: Assessment,
    form: forms.Form,
    write: Callable[[], Any],
    *,
    notice: str,
    refused: str = "",
) -> HttpResponse:
    """Validate `form`, run the one service call `write`, and answer with the region (or the
    editor). A typed form that is refused comes back with what was typed (422); a button's
    form that is malformed is a bad request (400)."""
    if assessment.round.is_published:
        return _answer(request, assessment, status=409, errors=[ROUND_PUBLISHED])
    typed = isinstance(form, KeyChallengeForm)
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        return _answer(request, assessment, status=422 if typed else 400, errors=errors, form=form)
    try:
        write()
    except ConflictError as exc:
        if typed:
            return _conflict(request, assessment, form, exc.current)  # type: ignore[arg-type]
        return _answer(request, assessment, status=409, errors=[refused])
    except RoundLocked as exc:
        return _answer(request, assessment, status=409, errors=exc.messages)
    except ValidationError as exc:
        return _answer(request, assessment, status=422, errors=exc.messages, form=form)
    return _answer(request, assessment, notice=notice, version_before=assessment.version)


def _conflict(
    request: HtmxHttpRequest, assessment: Assessment, form: KeyChallengeForm, current: KeyChallenge
) -> HttpResponse:
    """Both versions of the challenge side by side; the change form keeps what was typed, at
    their version, so saving it again knowingly replaces theirs."""
    conflict = form_conflict(form, current)
    kept = editor.challenge_form(current, with_version(request.POST, current.version))
    return _answer(request, assessment, status=409, form=kept, conflict=conflict)


def _answer(
    request: HtmxHttpRequest,
    assessment: Assessment,
    *,
    status: int = 200,
    form: forms.Form | None = None,
    version_before: int | None = None,
    **state: Any,
) -> HttpResponse:
    """The region for htmx; otherwise back to the editor, or the editor page with the refusal."""
    assessment = selectors_editor.assessments_with_parts().get(pk=assessment.pk)
    if request.htmx:
        response = _region(request, assessment, status, form, version_before, state)
    elif status == 200:
        messages.success(request, state["notice"])
        url = editor.editor_url(assessment.round_id, assessment.priority_id)
        response = redirect(url + "#key-challenges")
    else:
        page = selectors_editor.editor_page(assessment.round, assessment.priority)
        challenge_state = {**_forms(form), **state}
        context = editor.editor_context(
            page,
            None,
            user=request.user,
            errors=state.get("errors"),
            challenge_state=challenge_state,
        )
        response = render(request, "assessments/assessment_edit.html", context, status=status)
    return vary_on_htmx(response)


def _region(
    request: HtmxHttpRequest,
    assessment: Assessment,
    status: int,
    form: forms.Form | None,
    version_before: int | None,
    state: dict[str, Any],
) -> HttpResponse:
    # The editor form's version follows the challenge change only if the form was up to date
    # before it: otherwise a later save must still meet the other person's change.
    posted = _posted_editor_version(request)
    follows = status == 200 and version_before is not None and posted == version_before
    region = editor.challenges(
        assessment,
        editable=not assessment.round.is_published and access.is_editor(request.user),
        editor_version=assessment.version if follows else posted,
        oob_version=assessment.version if follows else None,
        **_forms(form),
        **state,
    )
    context = {"assessment": assessment, "challenges": region}
    return render(request, "assessments/assessment_edit.html#challenges", context, status=status)


def _forms(form: forms.Form | None) -> dict[str, Any]:
    """Where a refused typed form is shown again: in its challenge's row, or as the add form."""
    if not isinstance(form, KeyChallengeForm):
        return {}
    return {"failed": form} if form.instance.pk else {"add_form": form}


def _posted_editor_version(request: HtmxHttpRequest) -> int | None:
    try:
        return int(request.POST.get("editor_version", ""))
    except ValueError:
        return None
