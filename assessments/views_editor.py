"""The assessment editor: the page, its save, and submit / agree / return.

One form carries the whole editor: every action on it (save, save and submit, refresh the
performance snapshot, agree, return to draft) first saves what was typed, through
assessments/services.py with the version the user started from, and then acts. So nothing
typed is lost: a refused action leaves the typed text saved, and a conflict (someone else saved
first) comes back as 409 with both versions side by side, the typed values still in the form
and its version moved on, so saving again is a deliberate overwrite. A published round is
read-only: the page shows no form, and every write is refused (409) with the round's message.

Key challenges are in views_challenges.py; the read-only assessment page and its history in
views_assessment.py. What the page draws is built in editor.py.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from deliveryunit import access
from deliveryunit.editing import CONFLICT_MESSAGE, ConflictError, HtmxHttpRequest, with_version

from . import editor, selectors_editor, services
from .forms import EDITOR_MARKER, AssessmentForm
from .models import ROUND_PUBLISHED, Assessment, RoundLocked
from .selectors_editor import EditorPage

SAVED = "Assessment saved."
SUBMITTED = "Assessment submitted for moderation."
AGREED = "Assessment agreed."
RETURNED = "Assessment returned to its author as a draft."
REFRESHED = "Recent performance refreshed from the latest data."
SAVED_BUT_REFUSED = "Your changes were saved, but the assessment could not be {action}:"
VERSION_MISSING = "The page you sent this from was out of date. Open the assessment again."

# What each action is called when it is refused, and the message when it is done.
ACTIONS = {
    "save": ("saved", SAVED),
    "submit": ("submitted", SUBMITTED),
    "agree": ("agreed", AGREED),
    "return": ("returned to draft", RETURNED),
    "refresh": ("refreshed", REFRESHED),
}
# The actions the editor's own buttons send; agree and return post to their own URLs.
EDITOR_ACTIONS = ("save", "submit", "refresh")


@require_http_methods(["GET", "POST"])
def assessment_edit(request: HtmxHttpRequest, round_pk: int, priority_pk: int) -> HttpResponse:
    """GET shows the editor and writes nothing; the first POST starts the assessment."""
    round_, priority = selectors_editor.round_and_priority_for_user(
        request.user, round_pk, priority_pk
    )
    access.check(access.is_editor(request.user))
    page = selectors_editor.editor_page(round_, priority)
    if request.method == "GET":
        return _editor(request, page)
    action = request.POST.get("action", "save")
    return _save_then(request, page, action if action in EDITOR_ACTIONS else "save")


@require_POST
def assessment_submit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    selectors_editor.assessment_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    return _assessment_action(request, pk, "submit")


@require_POST
def assessment_agree(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    selectors_editor.assessment_for_user(request.user, pk)
    access.check(access.is_unit_lead(request.user))
    return _assessment_action(request, pk, "agree")


@require_POST
def assessment_return(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    selectors_editor.assessment_for_user(request.user, pk)
    access.check(access.is_unit_lead(request.user))
    return _assessment_action(request, pk, "return")


# --- answering ----------------------------------------------------------------------------------


def _editor(
    request: HttpRequest,
    page: EditorPage,
    form: AssessmentForm | None = None,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    conflict: Any = None,
) -> HttpResponse:
    context = editor.editor_context(page, form, user=request.user, errors=errors, conflict=conflict)
    return render(request, "assessments/assessment_edit.html", context, status=status)


def _locked(request: HttpRequest, page: EditorPage) -> HttpResponse:
    fresh = selectors_editor.editor_page(page.round, page.priority)
    return _editor(request, fresh, status=409, errors=[ROUND_PUBLISHED])


def _conflict(
    request: HttpRequest, page: EditorPage, form: AssessmentForm, current: Assessment
) -> HttpResponse:
    """Both versions per field, the typed values kept, the version moved on to theirs."""
    conflict = editor.assessment_conflict(page, form, current.pk)
    fresh = selectors_editor.editor_page(page.round, page.priority)
    kept = AssessmentForm(
        with_version(request.POST, conflict.their_version), dimensions=fresh.dimensions
    )
    kept.is_valid()
    return _editor(request, fresh, kept, status=409, conflict=conflict)


# --- saving, then acting ------------------------------------------------------------------------


def _assessment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Submit, agree or return: from the editor form, after saving what was typed; from a bare
    button, with only the version the user saw."""
    assessment = selectors_editor.assessment_for_user(request.user, pk)
    page = selectors_editor.editor_page(assessment.round, assessment.priority)
    if EDITOR_MARKER in request.POST:
        return _save_then(request, page, action)
    if page.round.is_published:
        return _locked(request, page)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return _editor(request, page, status=400, errors=[VERSION_MISSING])
    return _act(request, page, assessment, action, form=None, expected_version=version)


def _save_then(request: HttpRequest, page: EditorPage, action: str) -> HttpResponse:
    if page.round.is_published:
        return _locked(request, page)
    form = AssessmentForm(request.POST, dimensions=page.dimensions)
    if not form.is_valid():
        return _editor(request, page, form, status=422)
    try:
        saved = services.assessment_start_and_save(
            round_=page.round,
            priority=page.priority,
            by=request.user,
            expected_version=form.expected_version,
            judgements=form.judgements(),
            texts=form.texts(),
            area_ratings=form.area_ratings(),
        )
    except ConflictError as exc:
        return _conflict(request, page, form, exc.current)  # type: ignore[arg-type]
    except RoundLocked:
        return _locked(request, page)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _editor(request, page, form, status=422)
    return _act(request, page, saved, action, form=form)


def _run(action: str, assessment: Assessment, by: Any, version: int) -> None:
    if action == "refresh":
        services.assessment_refresh_snapshot(assessment=assessment, by=by)
        return
    write = {
        "submit": services.assessment_submit,
        "agree": services.assessment_agree,
        "return": services.assessment_return,
    }.get(action)
    if write is not None:
        write(assessment=assessment, by=by, expected_version=version)


def _act(
    request: HttpRequest,
    page: EditorPage,
    assessment: Assessment,
    action: str,
    *,
    form: AssessmentForm | None,
    expected_version: int | None = None,
) -> HttpResponse:
    """Carry out `action` on the saved assessment, then go back to the editor."""
    version = assessment.version if expected_version is None else expected_version
    try:
        _run(action, assessment, request.user, version)
    except RoundLocked:
        return _locked(request, page)
    except ConflictError as exc:
        if form is not None:
            return _conflict(request, page, form, exc.current)  # type: ignore[arg-type]
        fresh = selectors_editor.editor_page(page.round, page.priority)
        return _editor(request, fresh, status=409, errors=[CONFLICT_MESSAGE])
    except ValidationError as exc:
        return _refused(request, page, assessment, action, form, exc)
    messages.success(request, ACTIONS[action][1])
    return redirect(editor.editor_url(page.round.pk, page.priority.pk))


def _refused(
    request: HttpRequest,
    page: EditorPage,
    assessment: Assessment,
    action: str,
    form: AssessmentForm | None,
    exc: ValidationError,
) -> HttpResponse:
    """The action was refused. From the editor form the typed text is saved: show it again,
    at the saved version, with the reason."""
    fresh = selectors_editor.editor_page(page.round, page.priority)
    errors = [str(m) for m in exc.messages]
    if form is not None:
        errors = [SAVED_BUT_REFUSED.format(action=ACTIONS[action][0]), *errors]
        form = AssessmentForm(
            with_version(request.POST, assessment.version), dimensions=fresh.dimensions
        )
        form.is_valid()
    return _editor(request, fresh, form, status=422, errors=errors)
