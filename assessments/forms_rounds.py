"""Forms for the round pages, the grid and movement filters, and the framework edits.

Forms only validate and carry values: rounds are created, moved and reopened through
assessments/services.py, and the framework is reworded through services_framework.py.
"""

from typing import Any

from django import forms

from deliveryunit.editing import VERSION_MISSING, VersionedForm
from deliveryunit.forms import DateInput
from priorities.models import Priority
from priorities.selectors import departments_for_filter

from .models import Area, AssessmentRound, RatingOption
from .selectors import natural_key, rounds_for_user
from .services import REOPEN_REASON_REQUIRED

ROUND_NAME_REQUIRED = "Enter a name for the round, like December 2003."
ROUND_NAME_TAKEN = "There is already a round with that name."
ROUND_DATE_REQUIRED = "Enter the date the judgements are as at."
ROUND_DATE_INVALID = "Enter a real date, like 2003-12-31."
ROUND_PRIORITIES_REQUIRED = "Choose at least one priority for the round."
UNKNOWN_DEPARTMENT = "Choose a department from the list."
ROUNDS_RANGE = "Show between 1 and {limit} rounds."
UNKNOWN_ROUND = "Choose a round from the list."
SAME_ROUND = "Choose two different rounds."
FIELD_REQUIRED = "Enter the {name}."

MAX_GRID_ROUNDS = 20
DEFAULT_GRID_ROUNDS = 3


class RoundCreateForm(forms.Form):
    name = forms.CharField(
        max_length=60,
        help_text="Usually the month and year the judgements are made, like December 2003.",
        error_messages={"required": ROUND_NAME_REQUIRED},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )
    date = forms.DateField(
        help_text="The date the judgements are as at. Recent performance is measured to it.",
        error_messages={"required": ROUND_DATE_REQUIRED, "invalid": ROUND_DATE_INVALID},
        widget=DateInput,
    )
    priorities = forms.ModelMultipleChoiceField(
        queryset=Priority.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Priorities in the round",
        help_text="Every active priority is chosen to start with.",
        error_messages={
            "required": ROUND_PRIORITIES_REQUIRED,
            "invalid_choice": ROUND_PRIORITIES_REQUIRED,
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["priorities"]
        field.queryset = Priority.objects.order_by("code")  # type: ignore[attr-defined]
        field.label_from_instance = lambda p: f"{p.code}: {p.title}"  # type: ignore[attr-defined]
        if not self.is_bound:
            active = Priority.objects.filter(active=True)
            self.initial["priorities"] = sorted(active, key=natural_key)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(ROUND_NAME_REQUIRED)
        if AssessmentRound.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(ROUND_NAME_TAKEN)
        return name


def _round_version() -> forms.IntegerField:
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": VERSION_MISSING,
            "invalid": VERSION_MISSING,
            "min_value": VERSION_MISSING,
        },
    )


class RoundVersionForm(forms.Form):
    """A button that moves a round on (to moderation, publish): all it posts is the round's
    version the page showed."""

    version = _round_version()

    @property
    def expected_version(self) -> int:
        return self.cleaned_data["version"]


class RoundReopenForm(RoundVersionForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Why are you reopening the round?",
        help_text="The reason is recorded in the round's log, with your name and the time.",
        error_messages={"required": REOPEN_REASON_REQUIRED},
    )


class GridFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Whole portfolio",
        label="Lead department",
        error_messages={"invalid_choice": UNKNOWN_DEPARTMENT},
    )
    rounds = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_GRID_ROUNDS,
        label="Number of rounds",
        error_messages={
            "invalid": ROUNDS_RANGE.format(limit=MAX_GRID_ROUNDS),
            "min_value": ROUNDS_RANGE.format(limit=MAX_GRID_ROUNDS),
            "max_value": ROUNDS_RANGE.format(limit=MAX_GRID_ROUNDS),
        },
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        # The ids of the page's filter fields, which the error summary links to.
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments_for_filter(user)  # type: ignore[attr-defined]


class MovementForm(forms.Form):
    """The two rounds to compare, named as in the page's address (?from=...&to=...)."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        rounds = rounds_for_user(user)
        errors = {"invalid_choice": UNKNOWN_ROUND, "required": UNKNOWN_ROUND}
        # "from" is a Python keyword, so the fields are added here rather than declared.
        self.fields["from"] = forms.ModelChoiceField(
            queryset=rounds, label="Earlier round", error_messages=errors
        )
        self.fields["to"] = forms.ModelChoiceField(
            queryset=rounds, label="Later round", error_messages=errors
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        first, second = cleaned.get("from"), cleaned.get("to")
        if first and second and first.pk == second.pk:
            self.add_error("to", SAME_ROUND)
        return cleaned


def _required(form: forms.ModelForm, names: list[str]) -> None:
    for name in names:
        field = form.fields[name]
        field.error_messages["required"] = FIELD_REQUIRED.format(name=field.label.lower())


class AreaForm(VersionedForm):
    class Meta:
        model = Area
        fields = ["group", "name", "question", "worst_case", "best_case"]
        labels = {
            "group": "Group",
            "name": "Name",
            "question": "Guiding question",
            "worst_case": "Worst case",
            "best_case": "Best case",
        }
        help_texts = {
            "group": "Only the quality of planning areas fall in groups.",
            "worst_case": "What the area looks like at its weakest.",
            "best_case": "What the area looks like at its strongest.",
        }
        widgets = {
            "question": forms.Textarea(attrs={"rows": 3}),
            "worst_case": forms.Textarea(attrs={"rows": 3}),
            "best_case": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _required(self, ["name", "question", "worst_case", "best_case"])


class RatingOptionForm(VersionedForm):
    class Meta:
        model = RatingOption
        fields = ["label", "meaning"]
        labels = {"label": "Label", "meaning": "Meaning"}
        help_texts = {"meaning": "What a judgement at this point of the scale says."}
        widgets = {"meaning": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _required(self, ["label"])
