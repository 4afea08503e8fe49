"""The dashboard's filters, read from the query string so a view can be shared as a link."""

from typing import Any

from django import forms

from deliveryunit.editing import VERSION_MISSING, VersionedForm
from priorities import performance as perf
from priorities.models import PriorityKind
from priorities.selectors import departments_for_filter
from stocktakes.panels import forum_choices

from . import dashboard
from .commentary import COMMENTARY_REQUIRED
from .models import COMMENTARY_MAX_LENGTH, COMMENTARY_TOO_LONG, NoteCommentary

UNKNOWN_DEPARTMENT = "Choose a department from the list"
UNKNOWN_FORUM = "Choose a forum from the list"
UNKNOWN_KIND = "Choose a kind of priority from the list"
UNKNOWN_LIKELIHOOD = "Choose a likelihood of delivery from the list"
UNKNOWN_STATUS = "Choose a performance status from the list"

LIKELIHOOD_CHOICES = [
    ("", "Any likelihood"),
    *[(code, f"{label} ({code})") for code, label in dashboard.LIKELIHOOD_LABELS.items()],
    (dashboard.NOT_ASSESSED, "Not assessed"),
]
STATUS_CHOICES = [
    ("", "Any status"),
    *[(status, perf.STATUS_LABELS[status]) for status in dashboard.STATUS_ORDER],
]


class DashboardFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="All departments",
        label="Department",
        help_text="Lead department or in the delivery chain",
        error_messages={"invalid_choice": UNKNOWN_DEPARTMENT},
    )
    forum = forms.ChoiceField(
        required=False,
        label="Forum",
        help_text="Stocktake or task force with the priority in scope",
        error_messages={"invalid_choice": UNKNOWN_FORUM},
    )
    kind = forms.ChoiceField(
        choices=[("", "All kinds"), *PriorityKind.choices],
        required=False,
        label="Kind",
        error_messages={"invalid_choice": UNKNOWN_KIND},
    )
    likelihood = forms.ChoiceField(
        choices=LIKELIHOOD_CHOICES,
        required=False,
        label="Likelihood of delivery",
        help_text="In the latest published round",
        error_messages={"invalid_choice": UNKNOWN_LIKELIHOOD},
    )
    status = forms.ChoiceField(
        choices=STATUS_CHOICES,
        required=False,
        label="Performance",
        help_text="Against trajectory, worst measure",
        error_messages={"invalid_choice": UNKNOWN_STATUS},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments_for_filter(user)  # type: ignore[attr-defined]
        self.fields["forum"].choices = [("", "All forums"), *forum_choices(user)]  # type: ignore[attr-defined]

    def valid_filters(self) -> dict[str, Any]:
        """The filters that are valid: an invalid one is reported and left out, and the valid
        ones still apply."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class CommentaryForm(VersionedForm):
    """The unit commentary for a month. The version is always sent: 0 when there is no
    commentary yet, so that two first drafts cannot silently replace each other."""

    # Checked after line endings are made single (clean_text), as the service counts them: a
    # browser posts each line break as two characters.
    text = forms.CharField(
        label="Commentary",
        help_text=(
            f"Up to {COMMENTARY_MAX_LENGTH:,} characters. It heads the note, above the figures. "
            "Leave a blank line between paragraphs."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": COMMENTARY_REQUIRED},
    )

    class Meta:
        model = NoteCommentary
        fields = ["text"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = self.fields["version"]
        version.initial = self.instance.version if self.instance.pk else 0
        version.required = True
        version.error_messages["required"] = VERSION_MISSING

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].replace("\r\n", "\n")
        if len(text) > COMMENTARY_MAX_LENGTH:
            raise forms.ValidationError(COMMENTARY_TOO_LONG)
        return text
