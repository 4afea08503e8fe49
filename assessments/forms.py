"""Forms for the assessment editor and its key challenges.

Forms only validate and carry values: every write goes through assessments/services.py. The
editor form is built from the framework as stored (dimensions, their scales and areas), so a
rating the unit lead has not put on a scale is refused here with a clear message, before the
service would refuse it too. Every form that changes a stored row carries a hidden, required
`version`, the version the user started from, which the service checks so that two people
editing at once get a conflict, not an overwrite.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from deliveryunit.editing import VERSION_MISSING, VersionedForm

from .models import Area, Assessment, Dimension, KeyChallenge
from .services import CHALLENGE_TITLE_REQUIRED, JUDGEMENT_FIELDS

RATING_NOT_ON_SCALE = "Choose one of the ratings on the {dimension} scale."
AREA_RATING_NOT_ON_SCALE = "Choose one of the ratings on the {dimension} scale for {area}."
CHALLENGE_TITLE_TOO_LONG = "Keep the key challenge's title to {limit} characters or fewer."
UNKNOWN_DIRECTION = "Choose to move the key challenge up or down."

# Marks a POST as coming from the editor form (all fields present), as opposed to a bare
# submit/agree/return that carries only the version.
EDITOR_MARKER = "editor"

CHALLENGE_TITLE_LIMIT = 300


def area_prefix(area: Area) -> str:
    return f"area_{area.pk}"


class AssessmentForm(forms.Form):
    """The whole editor: five judgements with rationales, optional area ratings and evidence,
    recent-performance commentary and the overall narrative."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, dimensions: list[Dimension], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dimensions = dimensions
        for dimension in dimensions:
            options = list(dimension.options.all())
            self.fields[dimension.code] = forms.ChoiceField(
                label=dimension.name,
                choices=[(o.code, f"{o.code} {o.label}") for o in options],
                required=False,
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": RATING_NOT_ON_SCALE.format(dimension=dimension.name.lower())
                },
            )
            self.fields[f"{dimension.code}_rationale"] = forms.CharField(
                label=f"Rationale for the {dimension.name.lower()} rating",
                required=False,
                widget=forms.Textarea(attrs={"rows": 5}),
            )
            for area in dimension.areas.all():
                prefix = area_prefix(area)
                self.fields[f"{prefix}_rating"] = forms.ChoiceField(
                    label=f"{area.name}: rating",
                    choices=[("", "No rating")]
                    + [(o.code, f"{o.code} {o.label}") for o in options],
                    required=False,
                    error_messages={
                        "invalid_choice": AREA_RATING_NOT_ON_SCALE.format(
                            dimension=dimension.name.lower(), area=area.name
                        )
                    },
                )
                self.fields[f"{prefix}_evidence"] = forms.CharField(
                    label=f"{area.name}: evidence",
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
        self.fields["performance_commentary"] = forms.CharField(
            label="Commentary on recent performance",
            required=False,
            widget=forms.Textarea(attrs={"rows": 5}),
        )
        self.fields["narrative"] = forms.CharField(
            label="Overall assessment",
            help_text="The argument for the likelihood of delivery, in a few paragraphs.",
            required=False,
            widget=forms.Textarea(attrs={"rows": 8}),
        )

    @classmethod
    def initial_for(cls, assessment: Assessment | None) -> dict[str, Any]:
        """The form's starting values: the saved assessment, or an empty one (version 0)."""
        if assessment is None:
            return {"version": 0}
        initial: dict[str, Any] = {"version": assessment.version}
        for name in JUDGEMENT_FIELDS:
            initial[name] = getattr(assessment, name)
            initial[f"{name}_rationale"] = getattr(assessment, f"{name}_rationale")
        initial["performance_commentary"] = assessment.performance_commentary
        initial["narrative"] = assessment.narrative
        for rating in assessment.area_ratings.all():
            initial[f"area_{rating.area_id}_rating"] = rating.rating
            initial[f"area_{rating.area_id}_evidence"] = rating.evidence
        return initial

    @property
    def expected_version(self) -> int:
        return self.cleaned_data["version"]

    def add_service_errors(self, exc: ValidationError) -> None:
        """The service's refusal on the fields it names; an area's rating is named by the
        service as "area-<id>" and shown on that area's rating field."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.message_dict.items():
            area_field = f"area_{name.removeprefix('area-')}_rating"
            if name in self.fields:
                self.add_error(name, errors)
            elif name.startswith("area-") and area_field in self.fields:
                self.add_error(area_field, errors)
            else:
                self.add_error(None, errors)

    def judgements(self) -> dict[str, str]:
        return {d.code: self.cleaned_data.get(d.code) or "" for d in self.dimensions}

    def texts(self) -> dict[str, str]:
        texts = {
            f"{d.code}_rationale": self.cleaned_data.get(f"{d.code}_rationale", "")
            for d in self.dimensions
        }
        texts["performance_commentary"] = self.cleaned_data.get("performance_commentary", "")
        texts["narrative"] = self.cleaned_data.get("narrative", "")
        return texts

    def area_ratings(self) -> dict[int, tuple[str, str]]:
        return {
            area.pk: (
                self.cleaned_data.get(f"{area_prefix(area)}_rating") or "",
                self.cleaned_data.get(f"{area_prefix(area)}_evidence") or "",
            )
            for dimension in self.dimensions
            for area in dimension.areas.all()
        }


class KeyChallengeForm(VersionedForm):
    """A key challenge's title and progress note: a new one (no version), or a change to one
    that carries the version the user started from."""

    class Meta:
        model = KeyChallenge
        fields = ["title", "progress"]
        labels = {"title": "Key challenge", "progress": "Progress"}
        widgets = {"progress": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "title": {
                "required": CHALLENGE_TITLE_REQUIRED,
                "max_length": CHALLENGE_TITLE_TOO_LONG.format(limit=CHALLENGE_TITLE_LIMIT),
            }
        }


class ChallengeVersionForm(forms.Form):
    """What a button on one key challenge sends (remove, move): the version of the challenge
    the user saw, so acting on one someone else has changed since is refused."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": VERSION_MISSING, "invalid": VERSION_MISSING},
    )

    @property
    def expected_version(self) -> int:
        return self.cleaned_data["version"]


class MoveForm(ChallengeVersionForm):
    direction = forms.ChoiceField(
        choices=[("up", "Up"), ("down", "Down")],
        error_messages={"required": UNKNOWN_DIRECTION, "invalid_choice": UNKNOWN_DIRECTION},
    )

    @property
    def offset(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1
