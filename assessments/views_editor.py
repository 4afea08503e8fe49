"""The assessment editor, its key challenges, the read-only assessment page and its history.

One form carries the whole editor: every action on it (save, save and submit, refresh the
performance snapshot, agree, return to draft) first saves what was typed, through
assessments/services.py with the version the user started from, and then acts. So nothing
typed is lost: a refused action leaves the typed text saved, and a conflict (someone else saved
first) comes back as 409 with both versions side by side, the typed values still in the form
and its version moved on, so saving again is a deliberate overwrite.

Key challenges change one at a time with htmx; each action answers with the challenges region
of the editor page (the `challenges` partial), and without JavaScript the same forms post and
come back to the editor. A published round is read-only: the page shows no form, and every
write is refused (409) with the round's message by the services and the models underneath.
"""

import ast
import contextlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.forms import BoundField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deliveryunit import access
from deliveryunit.editing import (
    CONFLICT_MESSAGE,
    NOT_SET,
    Conflict,
    ConflictError,
    ConflictRow,
    HtmxHttpRequest,
    format_number,
    with_version,
)
from deliveryunit.models import User
from priorities import performance, periods
from priorities.charts import format_value
from priorities.models import Priority
from priorities.selectors import HistoryEntry, history_entries, newest_first

from . import services
from .forms import EDITOR_MARKER, AssessmentForm, KeyChallengeForm, MoveForm, area_prefix
from .models import (
    DIMENSION_ORDER,
    ROUND_PUBLISHED,
    Area,
    AreaRating,
    Assessment,
    AssessmentRound,
    AssessmentStatus,
    Dimension,
    KeyChallenge,
    RatingOption,
    RoundLocked,
)

SAVED = "Assessment saved."
SUBMITTED = "Assessment submitted for moderation."
AGREED = "Assessment agreed."
RETURNED = "Assessment returned to its author as a draft."
REFRESHED = "Recent performance refreshed from the latest data."
SAVED_BUT_REFUSED = "Your changes were saved, but the assessment could not be {action}:"
VERSION_MISSING = "The page you sent this from was out of date. Open the assessment again."
CHALLENGE_ADDED = "Key challenge added."
CHALLENGE_SAVED = "Key challenge saved."
CHALLENGE_REMOVED = "Key challenge removed."
CHALLENGE_MOVED = "Key challenge moved."
LAST_ROUND = "Last round ({name})"

ACTIONS = {
    "save": ("saved", SAVED),
    "submit": ("submitted", SUBMITTED),
    "agree": ("agreed", AGREED),
    "return": ("returned to draft", RETURNED),
    "refresh": ("refreshed", REFRESHED),
}

_STATUS_TAGS = {
    performance.ON_TRACK: "govuk-tag--green",
    performance.WITHIN_TOLERANCE: "govuk-tag--yellow",
    performance.OFF_TRACK: "govuk-tag--red",
}
_ASSESSMENT_TAGS = {
    AssessmentStatus.DRAFT: "govuk-tag--grey",
    AssessmentStatus.SUBMITTED: "govuk-tag--blue",
    AssessmentStatus.AGREED: "govuk-tag--green",
}
_RAG = {"red", "amber-red", "amber-green", "green"}


def rag_class(colour: str) -> str:
    """The rating's colour class; challenge and stage are drawn neutral (never colour alone)."""
    return f"du-rag du-rag--{colour}" if colour in _RAG else "du-rag du-rag--neutral"


# --- what the editor shows ------------------------------------------------------------------


@dataclass
class EditorPage:
    round: AssessmentRound
    priority: Priority
    assessment: Assessment | None
    dimensions: list[Dimension]
    last: Assessment | None


def _dimensions() -> list[Dimension]:
    dimensions = Dimension.objects.prefetch_related(
        Prefetch("options", queryset=RatingOption.objects.order_by("order")),
        Prefetch("areas", queryset=Area.objects.order_by("order")),
    )
    position = {str(code): i for i, code in enumerate(DIMENSION_ORDER)}
    return sorted(dimensions, key=lambda d: position.get(d.code, len(position)))


def _assessment_rows() -> Any:
    return Assessment.objects.select_related(
        "round", "priority", "priority__lead_department", "author", "moderator"
    ).prefetch_related(
        "area_ratings",
        Prefetch("key_challenges", queryset=KeyChallenge.objects.order_by("order", "pk")),
    )


def _page(round_: AssessmentRound, priority: Priority) -> EditorPage:
    assessment = _assessment_rows().filter(round=round_, priority=priority).first()
    # Last round: the latest earlier round, by date, in which this priority was assessed.
    last = (
        Assessment.objects.filter(priority=priority, round__date__lt=round_.date)
        .select_related("round")
        .order_by("-round__date")
        .first()
    )
    return EditorPage(round_, priority, assessment, _dimensions(), last)


@dataclass
class OptionChoice:
    code: str
    label: str
    meaning: str
    css: str
    id: str
    checked: bool


@dataclass
class AreaPanel:
    area: Area
    rating: BoundField
    evidence: BoundField
    rating_label: str  # the chosen rating as read, for the read-only view
    rating_css: str


@dataclass
class AreaGroup:
    name: str
    areas: list[AreaPanel]


@dataclass
class DimensionPanel:
    dimension: Dimension
    field: BoundField
    rationale: BoundField
    options: list[OptionChoice]
    groups: list[AreaGroup]
    chosen: OptionChoice | None
    last_label: str = ""
    last_code: str = ""
    last_css: str = ""
    last_rationale: str = ""
    open_guidance: bool = False

    @property
    def code(self) -> str:
        return self.dimension.code


def _panels(form: AssessmentForm, page: EditorPage) -> list[DimensionPanel]:
    panels = []
    for dimension in page.dimensions:
        options = list(dimension.options.all())
        bound = form[dimension.code]
        value = str(bound.value() or "")
        choices = [
            OptionChoice(
                code=o.code,
                label=o.label,
                meaning=o.meaning,
                css=rag_class(o.colour),
                id=f"{bound.auto_id}_{i}",
                checked=o.code == value,
            )
            for i, o in enumerate(options)
        ]
        by_code = {o.code: o for o in options}
        groups: list[AreaGroup] = []
        open_guidance = False
        for area in dimension.areas.all():
            prefix = area_prefix(area)
            rating, evidence = form[f"{prefix}_rating"], form[f"{prefix}_evidence"]
            chosen = by_code.get(str(rating.value() or ""))
            if rating.value() or evidence.value() or rating.errors or evidence.errors:
                open_guidance = True
            panel = AreaPanel(
                area=area,
                rating=rating,
                evidence=evidence,
                rating_label=f"{chosen.code} {chosen.label}" if chosen else "",
                rating_css=rag_class(chosen.colour) if chosen else "",
            )
            if groups and groups[-1].name == area.group:
                groups[-1].areas.append(panel)
            else:
                groups.append(AreaGroup(area.group, [panel]))
        panel = DimensionPanel(
            dimension=dimension,
            field=bound,
            rationale=form[f"{dimension.code}_rationale"],
            options=choices,
            groups=groups,
            chosen=next((c for c in choices if c.checked), None),
            open_guidance=open_guidance,
        )
        if page.last is not None:
            last_code = page.last.judgement(dimension.code)
            last_option = by_code.get(last_code)
            panel.last_code = last_code
            panel.last_label = last_option.label if last_option else ""
            panel.last_css = rag_class(last_option.colour) if last_option else rag_class("")
            panel.last_rationale = getattr(page.last, f"{dimension.code}_rationale")
        panels.append(panel)
    return panels


@dataclass
class SnapshotRow:
    measure: str
    period: str
    actual: str
    planned: str
    status_label: str
    tag: str


def _snapshot_rows(assessment: Assessment | None, priority: Priority) -> list[SnapshotRow]:
    if assessment is None:
        return []
    frequency = dict(priority.measures.values_list("name", "frequency"))
    rows = []
    for item in assessment.performance_snapshot or []:
        unit = item.get("unit") or ""
        period = item.get("period") or ""
        if period:
            with contextlib.suppress(ValueError):
                period = periods.label(
                    date.fromisoformat(period), frequency.get(item.get("measure"), "")
                )
        rows.append(
            SnapshotRow(
                measure=str(item.get("measure", "")),
                period=period or "No data",
                actual=_with_unit(item.get("actual"), unit),
                planned=_with_unit(item.get("planned"), unit),
                status_label=str(item.get("status_label") or "No data"),
                tag=_STATUS_TAGS.get(item.get("status"), "govuk-tag--grey"),
            )
        )
    return rows


def _with_unit(value: Any, unit: str) -> str:
    return format_value(None if value is None else float(value), unit)


@dataclass
class ChallengeRow:
    challenge: KeyChallenge
    form: KeyChallengeForm
    first: bool
    last: bool
    open: bool = False


def _challenge_rows(
    assessment: Assessment | None, failed: tuple[int, KeyChallengeForm] | None = None
) -> list[ChallengeRow]:
    if assessment is None:
        return []
    challenges = list(assessment.key_challenges.order_by("order", "pk"))
    rows = []
    for index, challenge in enumerate(challenges):
        form = KeyChallengeForm(
            auto_id=f"challenge-{challenge.pk}-%s",
            initial={"title": challenge.title, "progress": challenge.progress},
        )
        is_failed = failed is not None and failed[0] == challenge.pk
        if is_failed and failed is not None:
            form = failed[1]
        rows.append(
            ChallengeRow(
                challenge=challenge,
                form=form,
                first=index == 0,
                last=index == len(challenges) - 1,
                open=is_failed,
            )
        )
    return rows


def _new_challenge_form(data: Any = None) -> KeyChallengeForm:
    return KeyChallengeForm(data, auto_id="new-challenge-%s")


def _challenge_context(
    request: HttpRequest,
    assessment: Assessment | None,
    *,
    read_only: bool,
    add_form: KeyChallengeForm | None = None,
    failed: tuple[int, KeyChallengeForm] | None = None,
    errors: list[str] | None = None,
    notice: str = "",
    oob_version: int | None = None,
) -> dict[str, Any]:
    return {
        "challenge_assessment": assessment,
        "challenge_rows": _challenge_rows(assessment, failed),
        "challenge_add_form": add_form or _new_challenge_form(),
        "challenges_editable": (
            not read_only and assessment is not None and access.is_editor(request.user)
        ),
        "challenge_errors": errors or [],
        "challenge_notice": notice,
        "oob_version": oob_version,
    }


def _editor_url(round_id: int, priority_id: int) -> str:
    return reverse("assessments:assessment_edit", args=[round_id, priority_id])


def _status_context(assessment: Assessment | None) -> dict[str, Any]:
    status = assessment.status if assessment else AssessmentStatus.DRAFT
    return {
        "status_label": AssessmentStatus(status).label,
        "status_tag": _ASSESSMENT_TAGS[AssessmentStatus(status)],
    }


def _render_editor(
    request: HttpRequest,
    page: EditorPage,
    form: AssessmentForm | None = None,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    conflict: Any = None,
    challenge_kwargs: dict[str, Any] | None = None,
) -> HttpResponse:
    read_only = page.round.is_published
    if form is None:
        form = AssessmentForm(
            initial=AssessmentForm.initial_for(page.assessment), dimensions=page.dimensions
        )
    assessment = page.assessment
    is_unit_lead = access.is_unit_lead(request.user)
    assessment_status = assessment.status if assessment else AssessmentStatus.DRAFT
    context = {
        "nav_assessments": True,
        "page": page,
        "round": page.round,
        "priority": page.priority,
        "assessment": assessment,
        "form": form,
        "panels": _panels(form, page),
        "snapshot": _snapshot_rows(assessment, page.priority),
        "read_only": read_only,
        "errors": errors or [],
        "conflict": conflict,
        "last_round_heading": LAST_ROUND.format(name=page.last.round.name) if page.last else "",
        "editor_url": _editor_url(page.round.pk, page.priority.pk),
        "can_submit": assessment_status == AssessmentStatus.DRAFT,
        "can_agree": is_unit_lead
        and assessment is not None
        and assessment_status == AssessmentStatus.SUBMITTED,
        "can_return": is_unit_lead
        and assessment is not None
        and assessment_status != AssessmentStatus.DRAFT,
        "round_published_message": ROUND_PUBLISHED,
        "editor_marker": EDITOR_MARKER,
        **_status_context(assessment),
        **_challenge_context(request, assessment, read_only=read_only, **(challenge_kwargs or {})),
    }
    response = render(request, "assessments/assessment_edit.html", context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- access ---------------------------------------------------------------------------------


def _round_and_priority(request: HttpRequest, round_pk: int, priority_pk: int) -> Any:
    round_ = get_object_or_404(AssessmentRound, pk=round_pk)
    priority = access.get_for_user(
        Priority.objects.select_related("lead_department"), request.user, pk=priority_pk
    )
    in_round = round_.priorities.filter(pk=priority.pk).exists()
    if not in_round and not Assessment.objects.filter(round=round_, priority=priority).exists():
        raise Http404
    return round_, priority


def _assessment_for(request: HttpRequest, pk: int) -> Assessment:
    return access.get_for_user(
        Assessment.objects.select_related("round", "priority"), request.user, pk=pk
    )


def _challenge_for(request: HttpRequest, pk: int) -> KeyChallenge:
    visible = access.scoped(Assessment.objects.all(), request.user)
    return get_object_or_404(
        KeyChallenge.objects.select_related("assessment", "assessment__round"),
        pk=pk,
        assessment__in=visible,
    )


# --- the editor -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def assessment_edit(request: HtmxHttpRequest, round_pk: int, priority_pk: int) -> HttpResponse:
    """GET shows the editor and writes nothing; the first POST starts the assessment."""
    round_, priority = _round_and_priority(request, round_pk, priority_pk)
    access.check(access.is_editor(request.user))
    page = _page(round_, priority)
    if request.method == "GET":
        return _render_editor(request, page)
    action = request.POST.get("action", "save")
    if action not in ("save", "submit", "refresh"):
        action = "save"
    return _editor_post(request, page, action)


def _locked(request: HttpRequest, page: EditorPage) -> HttpResponse:
    return _render_editor(request, page, status=409, errors=[ROUND_PUBLISHED])


def _messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _add_editor_errors(form: AssessmentForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        if name in form.fields:
            form.add_error(name, errors)
        elif name.startswith("area-") and f"area_{name[5:]}_rating" in form.fields:
            form.add_error(f"area_{name[5:]}_rating", errors)
        else:
            form.add_error(None, errors)


def _editor_post(request: HttpRequest, page: EditorPage, action: str) -> HttpResponse:
    if page.round.is_published:
        return _locked(request, page)
    form = AssessmentForm(request.POST, dimensions=page.dimensions)
    if not form.is_valid():
        return _render_editor(request, page, form, status=422)
    try:
        # Starting and saving together: a save the service refuses leaves no empty
        # assessment behind.
        with transaction.atomic():
            assessment = Assessment.objects.filter(round=page.round, priority=page.priority).first()
            if assessment is None:
                assessment = services.assessment_start(
                    round_=page.round, priority=page.priority, by=request.user
                )
                expected = assessment.version
            else:
                # Someone else may have started it since this form was opened (version 0).
                expected = form.expected_version
            saved = services.assessment_save(
                assessment=assessment,
                by=request.user,
                expected_version=expected,
                judgements=form.judgements(),
                texts=form.texts(),
                area_ratings=form.area_ratings(),
            )
    except ConflictError as exc:
        return _conflict(request, page, form, exc.current)
    except RoundLocked:
        return _locked(request, _page(page.round, page.priority))
    except ValidationError as exc:
        _add_editor_errors(form, exc)
        return _render_editor(request, page, form, status=422)
    return _act(request, page, saved, action, form=form)


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
        if action == "submit":
            services.assessment_submit(
                assessment=assessment, by=request.user, expected_version=version
            )
        elif action == "agree":
            services.assessment_agree(
                assessment=assessment, by=request.user, expected_version=version
            )
        elif action == "return":
            services.assessment_return(
                assessment=assessment, by=request.user, expected_version=version
            )
        elif action == "refresh":
            services.assessment_refresh_snapshot(assessment=assessment, by=request.user)
    except RoundLocked:
        return _locked(request, _page(page.round, page.priority))
    except ConflictError as exc:
        fresh = _page(page.round, page.priority)
        if form is not None:
            return _conflict(request, fresh, form, exc.current)
        return _render_editor(request, fresh, status=409, errors=[CONFLICT_MESSAGE])
    except ValidationError as exc:
        fresh = _page(page.round, page.priority)
        errors = _messages_of(exc)
        if form is not None:
            # The typed text is saved; show it again with the reason the action was refused.
            errors = [SAVED_BUT_REFUSED.format(action=ACTIONS[action][0]), *errors]
            form = AssessmentForm(
                with_version(request.POST, assessment.version), dimensions=fresh.dimensions
            )
            form.is_valid()
        return _render_editor(request, fresh, form, status=422, errors=errors)
    messages.success(request, ACTIONS[action][1])
    return redirect(_editor_url(page.round.pk, page.priority.pk))


# --- conflicts ------------------------------------------------------------------------------


def _conflict(
    request: HttpRequest, page: EditorPage, form: AssessmentForm, current: Any
) -> HttpResponse:
    """Both versions per field, the typed values kept, the version moved on to theirs."""
    current = _assessment_rows().get(pk=current.pk)
    saved_areas = {r.area_id: r for r in current.area_ratings.all()}
    typed = form.cleaned_data
    rows = []
    for dimension in page.dimensions:
        names = {o.code: f"{o.code} {o.label}" for o in dimension.options.all()}
        code = dimension.code
        rows.append(
            ConflictRow(
                dimension.name,
                names.get(current.judgement(code), current.judgement(code)) or NOT_SET,
                names.get(typed.get(code) or "", typed.get(code) or "") or NOT_SET,
            )
        )
        rows.append(
            ConflictRow(
                f"Rationale: {dimension.name.lower()}",
                getattr(current, f"{code}_rationale") or NOT_SET,
                typed.get(f"{code}_rationale") or NOT_SET,
            )
        )
        for area in dimension.areas.all():
            saved = saved_areas.get(area.pk)
            prefix = area_prefix(area)
            theirs = (saved.rating, saved.evidence) if saved else ("", "")
            yours = (typed.get(f"{prefix}_rating") or "", typed.get(f"{prefix}_evidence") or "")
            if theirs == ("", "") and yours == ("", ""):
                continue
            rows.append(
                ConflictRow(
                    f"{area.name}: rating",
                    names.get(theirs[0], theirs[0]) or NOT_SET,
                    names.get(yours[0], yours[0]) or NOT_SET,
                )
            )
            rows.append(
                ConflictRow(f"{area.name}: evidence", theirs[1] or NOT_SET, yours[1] or NOT_SET)
            )
    rows.append(
        ConflictRow(
            "Commentary on recent performance",
            current.performance_commentary or NOT_SET,
            typed.get("performance_commentary") or NOT_SET,
        )
    )
    rows.append(
        ConflictRow(
            "Overall assessment", current.narrative or NOT_SET, typed.get("narrative") or NOT_SET
        )
    )
    record = current.history.select_related("history_user").first()
    conflict = Conflict(
        message=CONFLICT_MESSAGE,
        rows=rows,
        saved_by=str(record.history_user) if record and record.history_user else "",
        saved_at=record.history_date if record else None,
        their_version=current.version,
    )
    fresh = _page(page.round, page.priority)
    kept = AssessmentForm(with_version(request.POST, current.version), dimensions=fresh.dimensions)
    kept.is_valid()
    return _render_editor(request, fresh, kept, status=409, conflict=conflict)


# --- submit, agree, return ------------------------------------------------------------------


def _assessment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    assessment = _assessment_for(request, pk)
    page = _page(assessment.round, assessment.priority)
    if EDITOR_MARKER in request.POST:
        # Sent from the editor form: save what was typed, then act.
        return _editor_post(request, page, action)
    if page.round.is_published:
        return _locked(request, page)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return _render_editor(request, page, status=400, errors=[VERSION_MISSING])
    return _act(request, page, assessment, action, form=None, expected_version=version)


@require_POST
def assessment_submit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    _assessment_for(request, pk)
    access.check(access.is_editor(request.user))
    return _assessment_action(request, pk, "submit")


@require_POST
def assessment_agree(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    _assessment_for(request, pk)
    access.check(access.is_unit_lead(request.user))
    return _assessment_action(request, pk, "agree")


@require_POST
def assessment_return(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    _assessment_for(request, pk)
    access.check(access.is_unit_lead(request.user))
    return _assessment_action(request, pk, "return")


# --- key challenges -------------------------------------------------------------------------


def _posted_editor_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _challenges_response(
    request: HtmxHttpRequest,
    assessment: Assessment,
    *,
    status: int = 200,
    notice: str = "",
    errors: list[str] | None = None,
    add_form: KeyChallengeForm | None = None,
    failed: tuple[int, KeyChallengeForm] | None = None,
    version_before: int | None = None,
) -> HttpResponse:
    """The challenges region for htmx; otherwise back to the editor (or the editor with the
    errors, when there are any)."""
    assessment = _assessment_rows().get(pk=assessment.pk)
    read_only = assessment.round.is_published
    # The editor form's version follows the challenge change only if the form was up to date
    # before it: otherwise a later save must still meet the other person's change.
    oob = None
    posted = _posted_editor_version(request)
    if status == 200 and version_before is not None and posted == version_before:
        oob = assessment.version
    kwargs = {
        "add_form": add_form,
        "failed": failed,
        "errors": errors,
        "notice": notice,
        "oob_version": oob,
    }
    if request.htmx:
        context = {
            "assessment": assessment,
            **_challenge_context(request, assessment, read_only=read_only, **kwargs),
        }
        response = render(
            request, "assessments/assessment_edit.html#challenges", context, status=status
        )
    elif status == 200:
        messages.success(request, notice)
        response = redirect(
            _editor_url(assessment.round_id, assessment.priority_id) + "#key-challenges"
        )
    else:
        page = _page(assessment.round, assessment.priority)
        kwargs["oob_version"] = None
        response = _render_editor(
            request, page, status=status, errors=errors, challenge_kwargs=kwargs
        )
    patch_vary_headers(response, ["HX-Request"])
    return response


def _challenge_refused(
    request: HtmxHttpRequest, assessment: Assessment, exc: ValidationError, status: int
) -> HttpResponse:
    return _challenges_response(request, assessment, status=status, errors=_messages_of(exc))


def _challenge_write(
    request: HtmxHttpRequest, assessment: Assessment, write: Any, notice: str
) -> HttpResponse:
    """Run one key-challenge service call and answer with the re-rendered list, or with the
    refusal: 409 for a published round, 422 for anything else the service rejects."""
    try:
        write()
    except RoundLocked as exc:
        return _challenge_refused(request, assessment, exc, 409)
    except ValidationError as exc:
        return _challenge_refused(request, assessment, exc, 422)
    return _challenges_response(
        request, assessment, notice=notice, version_before=assessment.version
    )


@require_POST
def challenge_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment_for(request, pk)
    access.check(access.is_editor(request.user))
    form = _new_challenge_form(request.POST)
    if assessment.round.is_published:
        return _challenge_refused(request, assessment, RoundLocked(), 409)
    if not form.is_valid():
        return _challenges_response(
            request,
            assessment,
            status=422,
            add_form=form,
            errors=[e for errors in form.errors.values() for e in errors],
        )
    return _challenge_write(
        request,
        assessment,
        lambda: services.key_challenge_add(
            assessment=assessment,
            by=request.user,
            title=form.cleaned_data["title"],
            progress=form.cleaned_data["progress"],
        ),
        notice=CHALLENGE_ADDED,
    )


@require_POST
def challenge_update(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge_for(request, pk)
    access.check(access.is_editor(request.user))
    assessment = challenge.assessment
    form = KeyChallengeForm(request.POST, auto_id=f"challenge-{challenge.pk}-%s")
    if assessment.round.is_published:
        return _challenge_refused(request, assessment, RoundLocked(), 409)
    if not form.is_valid():
        return _challenges_response(
            request,
            assessment,
            status=422,
            failed=(challenge.pk, form),
            errors=[e for errors in form.errors.values() for e in errors],
        )
    return _challenge_write(
        request,
        assessment,
        lambda: services.key_challenge_update(
            challenge=challenge,
            by=request.user,
            title=form.cleaned_data["title"],
            progress=form.cleaned_data["progress"],
        ),
        notice=CHALLENGE_SAVED,
    )


@require_POST
def challenge_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge_for(request, pk)
    access.check(access.is_editor(request.user))
    assessment = challenge.assessment
    return _challenge_write(
        request,
        assessment,
        lambda: services.key_challenge_remove(challenge=challenge, by=request.user),
        notice=CHALLENGE_REMOVED,
    )


@require_POST
def challenge_move(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    challenge = _challenge_for(request, pk)
    access.check(access.is_editor(request.user))
    assessment = challenge.assessment
    form = MoveForm(request.POST)
    if assessment.round.is_published:
        return _challenge_refused(request, assessment, RoundLocked(), 409)
    if not form.is_valid():
        return _challenges_response(
            request,
            assessment,
            status=400,
            errors=[e for errors in form.errors.values() for e in errors],
        )
    return _challenge_write(
        request,
        assessment,
        lambda: services.key_challenge_move(
            challenge=challenge, by=request.user, offset=form.offset
        ),
        notice=CHALLENGE_MOVED,
    )


# --- reading --------------------------------------------------------------------------------


@require_GET
def assessment_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One assessment as read: for everyone in scope, ministers and officials included."""
    assessment = _assessment_for(request, pk)
    page = _page(assessment.round, assessment.priority)
    form = AssessmentForm(
        initial=AssessmentForm.initial_for(page.assessment), dimensions=page.dimensions
    )
    context = {
        "nav_assessments": True,
        "page": page,
        "round": page.round,
        "priority": page.priority,
        "assessment": page.assessment,
        "panels": _panels(form, page),
        "snapshot": _snapshot_rows(page.assessment, page.priority),
        "last_round_heading": LAST_ROUND.format(name=page.last.round.name) if page.last else "",
        "can_edit": access.is_editor(request.user) and not page.round.is_published,
        "editor_url": _editor_url(page.round.pk, page.priority.pk),
        **_status_context(page.assessment),
        **_challenge_context(request, page.assessment, read_only=True),
    }
    return render(request, "assessments/assessment_detail.html", context)


def _snapshot_text(text: str) -> str:
    """A stored performance snapshot as a person reads it: one line per measure."""
    if not text:
        return ""
    try:
        items = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    if not isinstance(items, list):
        return text
    lines = []
    for item in items:
        if not isinstance(item, dict):
            continue
        value = item.get("actual")
        shown = "no data" if value is None else format_number(value)
        lines.append(
            f"{item.get('measure', '')}: {shown} ({item.get('status_label') or 'no data'})"
        )
    return "\n".join(lines)


def assessment_history_entries(assessment: Assessment) -> list[HistoryEntry]:
    """Every recorded change to the assessment, its area ratings and its key challenges,
    newest first, with who made it and each field before and after."""
    assessment_records = list(
        Assessment.history.filter(id=assessment.pk).select_related("history_user")  # type: ignore[attr-defined]
    )
    area_records = list(
        AreaRating.history.filter(assessment_id=assessment.pk).select_related("history_user")  # type: ignore[attr-defined]
    )
    challenge_records = list(
        KeyChallenge.history.filter(assessment_id=assessment.pk).select_related("history_user")  # type: ignore[attr-defined]
    )
    user_ids = {r.author_id for r in assessment_records} | {
        r.moderator_id for r in assessment_records
    }
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids - {None})}
    own = {assessment.pk: str(assessment)}
    area_names = dict(
        Area.objects.filter(pk__in={r.area_id for r in area_records}).values_list("pk", "name")
    )
    entries = history_entries(
        assessment_records,
        Assessment,
        lambda r: "Assessment",
        {
            "round": {assessment.round_id: assessment.round.name},
            "priority": {assessment.priority_id: assessment.priority.code},
            "author": users,
            "moderator": users,
        },
    )
    entries += history_entries(
        area_records,
        AreaRating,
        lambda r: f"Area: {area_names.get(r.area_id, r.area_id)}",
        {"assessment": own, "area": area_names},
    )
    entries += history_entries(
        challenge_records,
        KeyChallenge,
        lambda r: f"Key challenge: {r.title}",
        {"assessment": own},
    )
    for entry in entries:
        entry.changes = [
            type(change)(change.field, _snapshot_text(change.before), _snapshot_text(change.after))
            if change.field == "Performance snapshot"
            else change
            for change in entry.changes
        ]
    return newest_first(entries)


@require_GET
def assessment_history(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment_for(request, pk)
    return render(
        request,
        "assessments/assessment_history.html",
        {
            "nav_assessments": True,
            "assessment": assessment,
            "title": (
                f"History of the assessment of {assessment.priority.code}, {assessment.round.name}"
            ),
            "covers": "this assessment, its area ratings and its key challenges",
            "back_url": reverse("assessments:assessment_detail", args=[assessment.pk]),
            "back_label": "Back to the assessment",
            "entries": assessment_history_entries(assessment),
        },
    )
