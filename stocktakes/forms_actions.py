"""Forms for the action tracker and the minutes: the tracker's filters, an owner's status
update, the minutes with a record per agenda item, and an action allocated in the minutes.

Forms only validate and carry values; every write goes through stocktakes/services.py with the
version the user started from.
"""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from deliveryunit.editing import VERSION_MISSING
from deliveryunit.forms import DateInput
from deliveryunit.models import Department
from priorities.models import Priority

from . import services
from .models import ActionStatus, AgendaItem, Forum, Meeting

UNKNOWN_STATUS_FILTER = "Choose which actions to show from the list"
UNKNOWN_DEPARTMENT = "Choose a department from the list"
UNKNOWN_FORUM = "Choose a forum from the list"
UNKNOWN_OWNER = "Choose whose actions to show from the list"
UNKNOWN_PRIORITY = "The actions of that priority cannot be shown: choose a priority you can see"
CHOOSE_STATUS = "Choose the action's status."
NOTE_TOO_LONG = "Keep the progress note to {limit} characters or fewer."
OWNER_REQUIRED = "Say who owns the action."
DEPARTMENT_REQUIRED = "Choose the department that owns the action."
DUE_REQUIRED = "Enter the date the action is due, like 2024-06-30."
UNKNOWN_AGENDA_ITEM = "Choose an agenda item of this meeting from the list"
UNKNOWN_USER = "Choose a workbench user from the list"

NOTE_LIMIT = 2000

# Which actions the tracker shows; "outstanding" (open or in progress) unless asked.
STATUS_FILTERS = [
    ("outstanding", "Outstanding"),
    ("overdue", "Overdue"),
    ("done", "Done"),
    ("all", "All"),
]
OWNER_FILTERS = [("", "Anyone"), ("mine", "Mine")]


def _version_field() -> forms.IntegerField:
    """The version the user started from, required: a post without it is refused."""
    return forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, error_messages={"required": VERSION_MISSING}
    )


class TrackerFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=STATUS_FILTERS,
        required=False,
        label="Show",
        error_messages={"invalid_choice": UNKNOWN_STATUS_FILTER},
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        empty_label="All departments",
        label="Department",
        error_messages={"invalid_choice": UNKNOWN_DEPARTMENT},
    )
    forum = forms.ModelChoiceField(
        queryset=Forum.objects.none(),
        required=False,
        empty_label="All forums",
        label="Forum",
        help_text="Where the action was agreed",
        error_messages={"invalid_choice": UNKNOWN_FORUM},
    )
    owner = forms.ChoiceField(
        choices=OWNER_FILTERS,
        required=False,
        label="Owner",
        error_messages={"invalid_choice": UNKNOWN_OWNER},
    )
    # Set by links from a priority (the dashboard, the priority page), not chosen in the form:
    # a hidden field that keeps it while the other filters change.
    priority = forms.ModelChoiceField(
        queryset=Priority.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": UNKNOWN_PRIORITY},
    )

    def __init__(
        self,
        *args: Any,
        departments: QuerySet[Department],
        forums: QuerySet[Forum],
        priorities: QuerySet[Priority] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["forum"].queryset = forums  # type: ignore[attr-defined]
        if priorities is not None:
            self.fields["priority"].queryset = priorities  # type: ignore[attr-defined]

    def valid_filters(self) -> dict[str, Any]:
        """The filters that are valid: an invalid one is reported and left out, and the valid
        ones still apply."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data


class ActionStatusForm(forms.Form):
    """An owner's (or an editor's) update: the status now and what has happened."""

    status = forms.ChoiceField(
        choices=ActionStatus.choices,
        label="Update the status",
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_STATUS, "invalid_choice": CHOOSE_STATUS},
    )
    note = forms.CharField(
        label="Progress note",
        help_text="What has been done since the last update, and what is next",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_LIMIT,
        error_messages={"max_length": NOTE_TOO_LONG.format(limit=NOTE_LIMIT)},
    )
    version = _version_field()

    def service_fields(self) -> dict[str, Any]:
        return {
            "expected_version": self.cleaned_data["version"],
            "status": self.cleaned_data["status"],
            "note": self.cleaned_data["note"],
        }


def _users() -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .select_related("department")
        .order_by("first_name", "last_name", "username")
    )


class _UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = str(obj)
        return f"{name} ({obj.department.name})" if obj.department_id else name


class MinutesActionForm(forms.Form):
    """An action agreed at the meeting, written into the minutes as it is allocated."""

    description = forms.CharField(
        label="Action",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": services.DESCRIPTION_REQUIRED},
    )
    owner = forms.CharField(
        label="Owner",
        max_length=200,
        help_text="The post or person who owns it",
        error_messages={"required": OWNER_REQUIRED},
    )
    owner_user = _UserChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label="Workbench user who updates it",
        help_text="They can then record progress on the action themselves",
        empty_label="Nobody yet",
        error_messages={"invalid_choice": UNKNOWN_USER},
    )
    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("name"),
        label="Department",
        error_messages={"required": DEPARTMENT_REQUIRED, "invalid_choice": DEPARTMENT_REQUIRED},
    )
    due = forms.DateField(
        label="Due",
        widget=DateInput(),
        error_messages={"required": DUE_REQUIRED, "invalid": DUE_REQUIRED},
    )
    agenda_item = forms.ModelChoiceField(
        queryset=AgendaItem.objects.none(),
        required=False,
        label="Agenda item",
        empty_label="Not about one item",
        error_messages={"invalid_choice": UNKNOWN_AGENDA_ITEM},
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "action")
        super().__init__(*args, **kwargs)
        self.fields["owner_user"].queryset = _users()  # type: ignore[attr-defined]
        self.fields["agenda_item"].queryset = AgendaItem.objects.filter(  # type: ignore[attr-defined]
            meeting=meeting
        ).order_by("order", "pk")

    def service_fields(self) -> dict[str, Any]:
        """The action as services.action_create takes it; an action about an agenda item is
        about that item's priority."""
        item = self.cleaned_data["agenda_item"]
        return {
            **{
                name: self.cleaned_data[name]
                for name in ("description", "owner", "owner_user", "department", "due")
            },
            "agenda_item": item,
            "priority": item.priority if item else None,
        }


class MinutesForm(forms.Form):
    """The summary, a record of discussion and the decisions for each agenda item, and the
    distribution list. Item fields are named record_<pk> and decisions_<pk>."""

    summary = forms.CharField(
        label="Summary",
        help_text="The meeting in a few sentences: what was concluded",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    distribution = forms.CharField(
        label="Distribution list",
        help_text="One email address a line. Keep the list tight: only those who must act or know",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )
    # 0 when there are no minutes yet.
    version = _version_field()

    def __init__(self, *args: Any, items: list[AgendaItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"record_{item.pk}"] = forms.CharField(
                label="Record of discussion",
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                initial=item.record,
            )
            self.fields[f"decisions_{item.pk}"] = forms.CharField(
                label="Decisions",
                help_text="One decision a line",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=item.decisions,
            )

    def clean_distribution(self) -> str:
        text = self.cleaned_data.get("distribution", "")
        try:
            addresses = services.distribution_addresses(text)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["distribution"]) from exc
        return "\n".join(addresses)

    def item_fields(self) -> list[tuple[AgendaItem, Any, Any]]:
        """Each agenda item with its bound record and decisions fields, for the template."""
        return [
            (item, self[f"record_{item.pk}"], self[f"decisions_{item.pk}"]) for item in self.items
        ]

    def item_values(self) -> dict[int, tuple[str, str]]:
        return {
            item.pk: (
                self.cleaned_data.get(f"record_{item.pk}", ""),
                self.cleaned_data.get(f"decisions_{item.pk}", ""),
            )
            for item in self.items
        }

    def service_fields(self) -> dict[str, Any]:
        """What services.minutes_save takes, besides the meeting and who saves."""
        return {
            "expected_version": self.cleaned_data["version"],
            "summary": self.cleaned_data["summary"],
            "distribution": self.cleaned_data["distribution"],
            "items": self.item_values(),
        }
