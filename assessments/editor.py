"""What the assessment editor and the assessment page draw, built from the editor form and the
stored rows (selectors_editor.py reads them): a panel per judgement with its scale, last
round's judgement and the framework's guidance; the performance snapshot as a table; the key
challenges region, which htmx swaps on its own; and, after a conflicting save, both versions
of every field side by side.

The templates are assessments/assessment_edit.html (the editor, and the partials the
assessment page borrows) and assessments/assessment_detail.html.
"""

import contextlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.forms import BoundField
from django.urls import reverse

from deliveryunit import access
from deliveryunit.editing import NOT_SET, Conflict, ConflictRow, conflict_of
from priorities import performance, periods
from priorities.charts import format_value
from priorities.models import Priority

from .forms import EDITOR_MARKER, AssessmentForm, KeyChallengeForm, area_prefix
from .models import ROUND_PUBLISHED, Area, Assessment, AssessmentStatus, Dimension, KeyChallenge
from .selectors import rating_css
from .selectors_editor import EditorPage, assessments_with_parts

LAST_ROUND = "Last round ({name})"

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


def editor_url(round_id: int, priority_id: int) -> str:
    return reverse("assessments:assessment_edit", args=[round_id, priority_id])


# --- the judgement panels ---------------------------------------------------------------------


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
    """One judgement: its scale as radio choices, its rationale, the framework's areas to
    consider (with the optional area ratings), and last round's judgement beside it."""

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


def dimension_panels(form: AssessmentForm, page: EditorPage) -> list[DimensionPanel]:
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
                css=rating_css(o.colour),
                id=f"{bound.auto_id}_{i}",
                checked=o.code == value,
            )
            for i, o in enumerate(options)
        ]
        groups, open_guidance = _area_groups(form, dimension, {o.code: o for o in options})
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
            _add_last_round(panel, page.last, {o.code: o for o in options})
        panels.append(panel)
    return panels


def _area_groups(
    form: AssessmentForm, dimension: Dimension, by_code: dict[str, Any]
) -> tuple[list[AreaGroup], bool]:
    """The dimension's areas in their groups, and whether any has a rating, evidence or an
    error (then the guidance starts open, so what was given is seen)."""
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
            rating_css=rating_css(chosen.colour) if chosen else "",
        )
        if groups and groups[-1].name == area.group:
            groups[-1].areas.append(panel)
        else:
            groups.append(AreaGroup(area.group, [panel]))
    return groups, open_guidance


def _add_last_round(panel: DimensionPanel, last: Assessment, by_code: dict[str, Any]) -> None:
    last_code = last.judgement(panel.code)
    last_option = by_code.get(last_code)
    panel.last_code = last_code
    panel.last_label = last_option.label if last_option else ""
    panel.last_css = rating_css(last_option.colour) if last_option else rating_css("")
    panel.last_rationale = getattr(last, f"{panel.code}_rationale")


# --- recent performance -----------------------------------------------------------------------


@dataclass
class SnapshotRow:
    measure: str
    period: str
    actual: str
    planned: str
    status_label: str
    tag: str


def snapshot_rows(assessment: Assessment | None, priority: Priority) -> list[SnapshotRow]:
    """The measures against trajectory as stored when the assessment was made (or refreshed)."""
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


# --- key challenges ---------------------------------------------------------------------------


def new_challenge_form(data: Any = None) -> KeyChallengeForm:
    return KeyChallengeForm(data, auto_id="new-challenge-%s")


def challenge_form(challenge: KeyChallenge, data: Any = None) -> KeyChallengeForm:
    return KeyChallengeForm(data, instance=challenge, auto_id=f"challenge-{challenge.pk}-%s")


@dataclass
class ChallengeRow:
    challenge: KeyChallenge
    form: KeyChallengeForm
    first: bool
    last: bool
    open: bool = False  # the change form starts open: it holds a refused change


@dataclass
class Challenges:
    """The key challenges region (the `challenges` partial), on the editor page or alone as
    the answer to an htmx change."""

    assessment: Assessment | None
    rows: list[ChallengeRow]
    add_form: KeyChallengeForm
    editable: bool
    # The editor form's version, which every challenge form sends back as `editor_version`:
    # the editor's version follows a challenge change only if it was current before it.
    editor_version: Any = None
    # Set when it does follow: the editor form's version input is swapped for this one.
    oob_version: int | None = None
    errors: list[str] = field(default_factory=list)
    notice: str = ""
    conflict: Conflict | None = None


def challenges(
    assessment: Assessment | None,
    *,
    editable: bool,
    add_form: KeyChallengeForm | None = None,
    failed: KeyChallengeForm | None = None,
    **state: Any,
) -> Challenges:
    """The region for `assessment`; `failed` is a refused change form, shown open in its row
    with what was typed."""
    rows = []
    stored = list(assessment.key_challenges.order_by("order", "pk")) if assessment else []
    for index, challenge in enumerate(stored):
        is_failed = failed is not None and failed.instance.pk == challenge.pk
        rows.append(
            ChallengeRow(
                challenge=challenge,
                form=failed if failed is not None and is_failed else challenge_form(challenge),
                first=index == 0,
                last=index == len(stored) - 1,
                open=is_failed,
            )
        )
    return Challenges(
        assessment=assessment,
        rows=rows,
        add_form=add_form or new_challenge_form(),
        editable=editable and assessment is not None,
        **state,
    )


# --- the pages --------------------------------------------------------------------------------


def _status(assessment: Assessment | None) -> dict[str, str]:
    status = AssessmentStatus(assessment.status if assessment else AssessmentStatus.DRAFT)
    return {"status_label": status.label, "status_tag": _ASSESSMENT_TAGS[status]}


def _shown(page: EditorPage, form: AssessmentForm) -> dict[str, Any]:
    """What the editor and the assessment page both show."""
    return {
        "nav_assessments": True,
        "page": page,
        "round": page.round,
        "priority": page.priority,
        "assessment": page.assessment,
        "panels": dimension_panels(form, page),
        "snapshot": snapshot_rows(page.assessment, page.priority),
        "last_round_heading": LAST_ROUND.format(name=page.last.round.name) if page.last else "",
        "editor_url": editor_url(page.round.pk, page.priority.pk),
        **_status(page.assessment),
    }


def saved_form(page: EditorPage) -> AssessmentForm:
    """The editor form as saved: the assessment, or an empty one at version 0."""
    return AssessmentForm(
        initial=AssessmentForm.initial_for(page.assessment), dimensions=page.dimensions
    )


def editor_context(
    page: EditorPage,
    form: AssessmentForm | None,
    *,
    user: Any,
    errors: list[str] | None = None,
    conflict: Conflict | None = None,
    challenge_state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The editor page. A published round shows the assessment read-only, without a form."""
    form = form or saved_form(page)
    read_only = page.round.is_published
    assessment = page.assessment
    status = assessment.status if assessment else AssessmentStatus.DRAFT
    is_unit_lead = access.is_unit_lead(user) and assessment is not None
    return {
        **_shown(page, form),
        "form": form,
        "read_only": read_only,
        "errors": errors or [],
        "conflict": conflict,
        "can_submit": status == AssessmentStatus.DRAFT,
        "can_agree": is_unit_lead and status == AssessmentStatus.SUBMITTED,
        "can_return": is_unit_lead and status != AssessmentStatus.DRAFT,
        "round_published_message": ROUND_PUBLISHED,
        "editor_marker": EDITOR_MARKER,
        "challenges": challenges(
            assessment,
            editable=not read_only and access.is_editor(user),
            **{"editor_version": form["version"].value(), **(challenge_state or {})},
        ),
    }


def detail_context(page: EditorPage, *, user: Any) -> dict[str, Any]:
    """The assessment as read, for everyone in scope."""
    return {
        **_shown(page, saved_form(page)),
        "can_edit": access.is_editor(user) and not page.round.is_published,
        "challenges": challenges(page.assessment, editable=False),
    }


# --- conflicts --------------------------------------------------------------------------------


def assessment_conflict(page: EditorPage, form: AssessmentForm, pk: int) -> Conflict:
    """The assessment as saved now against what the user typed, per field: each judgement and
    its rationale, the area ratings either side has given, the commentary and the narrative."""
    current = assessments_with_parts().get(pk=pk)
    saved_areas = {r.area_id: r for r in current.area_ratings.all()}
    typed = form.cleaned_data
    rows = []
    for dimension in page.dimensions:
        names = {o.code: f"{o.code} {o.label}" for o in dimension.options.all()}
        code = dimension.code
        rows.append(
            _row(dimension.name, current.judgement(code), typed.get(code), names),
        )
        rows.append(
            _row(
                f"Rationale: {dimension.name.lower()}",
                getattr(current, f"{code}_rationale"),
                typed.get(f"{code}_rationale"),
            )
        )
        for area in dimension.areas.all():
            saved = saved_areas.get(area.pk)
            prefix = area_prefix(area)
            theirs = (saved.rating, saved.evidence) if saved else ("", "")
            yours = (typed.get(f"{prefix}_rating") or "", typed.get(f"{prefix}_evidence") or "")
            if theirs == ("", "") and yours == ("", ""):
                continue
            rows.append(_row(f"{area.name}: rating", theirs[0], yours[0], names))
            rows.append(_row(f"{area.name}: evidence", theirs[1], yours[1]))
    rows.append(
        _row(
            "Commentary on recent performance",
            current.performance_commentary,
            typed.get("performance_commentary"),
        )
    )
    rows.append(_row("Overall assessment", current.narrative, typed.get("narrative")))
    return conflict_of(rows, current)


def _row(label: str, theirs: Any, yours: Any, names: dict[str, str] | None = None) -> ConflictRow:
    """One field both ways; a rating code reads as its code and label."""
    names = names or {}
    theirs, yours = theirs or "", yours or ""
    return ConflictRow(
        label, names.get(theirs, theirs) or NOT_SET, names.get(yours, yours) or NOT_SET
    )
