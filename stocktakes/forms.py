"""Forms for forums, meetings, attendance and agenda items.

Forms only validate and carry values: every write goes through stocktakes/services.py (and
services_forums.py for standing members). Forms that edit an existing row carry a hidden
`version`, checked by the service so that two people editing at once get a conflict.
"""

from typing import Any

from django import forms

from deliveryunit.editing import VersionedForm
from deliveryunit.forms import DateInput
from deliveryunit.models import Department
from priorities.models import Priority

from .models import AgendaItem, AttendeeKind, Forum, ForumMember, Meeting

NAME_REQUIRED = "Enter the forum's name."
CHAIR_REQUIRED = "Enter who chairs the forum, as a post."
CYCLE_RANGE = "Enter a cycle between 1 and 52 weeks."
DATE_REQUIRED = "Enter the date of the meeting."
ROLE_REQUIRED = "Enter the member's role, for example Secretary of State for Education."
KIND_REQUIRED = "Choose whether the member is a minister, an official or the secretariat."
TIME_INVALID = "Enter a time like 09:30."
MINUTES_INVALID = "Enter the time allowed as a whole number of minutes."
PRIORITY_OUT_OF_SCOPE = "Choose one of the forum's priorities."


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(attrs={"class": "govuk-input--width-5"}, format="%H:%M")


class ForumForm(VersionedForm):
    class Meta:
        model = Forum
        fields = ["name", "kind", "chair", "terms_of_reference", "cycle_weeks", "priorities"]
        labels = {
            "cycle_weeks": "Meeting cycle (weeks)",
            "priorities": "Priorities in scope",
            "chair": "Chair",
        }
        help_texts = {
            "chair": 'The post, for example "Minister for the Cabinet Office"',
            "cycle_weeks": "How many weeks between meetings; the next date is proposed from it",
        }
        widgets = {
            "kind": forms.RadioSelect,
            "priorities": forms.CheckboxSelectMultiple,
            "cycle_weeks": forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        }
        error_messages = {
            "name": {"required": NAME_REQUIRED},
            "chair": {"required": CHAIR_REQUIRED},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priorities"].queryset = Priority.objects.filter(active=True).order_by("code")  # type: ignore[attr-defined]
        self.fields["kind"].choices = list(self.fields["kind"].choices)[1:]  # type: ignore[attr-defined]
        self.fields["cycle_weeks"].min_value = 1  # type: ignore[attr-defined]
        self.fields["cycle_weeks"].error_messages.update(
            {"min_value": CYCLE_RANGE, "max_value": CYCLE_RANGE, "invalid": CYCLE_RANGE}
        )

    def clean_cycle_weeks(self) -> int:
        weeks = self.cleaned_data["cycle_weeks"]
        if weeks is None or not 1 <= weeks <= 52:
            raise forms.ValidationError(CYCLE_RANGE)
        return weeks


class ForumMemberForm(forms.ModelForm):
    class Meta:
        model = ForumMember
        fields = ["role", "name", "kind", "department", "is_chair"]
        labels = {"name": "Name", "is_chair": "Chairs the forum"}
        help_texts = {"name": "Leave blank to record the post only"}
        widgets = {"kind": forms.RadioSelect}
        error_messages = {
            "role": {"required": ROLE_REQUIRED},
            "kind": {"required": KIND_REQUIRED, "invalid_choice": KIND_REQUIRED},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["department"].empty_label = "None"  # type: ignore[attr-defined]
        self.fields["kind"].choices = AttendeeKind.choices  # type: ignore[attr-defined]


class MeetingForm(VersionedForm):
    """A meeting's date, time and place, for scheduling and for changing a planned one."""

    class Meta:
        model = Meeting
        fields = ["date", "start_time", "place"]
        labels = {"start_time": "Time", "place": "Place"}
        widgets = {"date": DateInput(), "start_time": TimeInput()}
        error_messages = {
            "date": {"required": DATE_REQUIRED},
            "start_time": {"invalid": TIME_INVALID},
        }


class AgendaItemForm(forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["title", "lead", "minutes_allowed", "priority", "paper"]
        labels = {
            "lead": "Lead",
            "minutes_allowed": "Time (minutes)",
            "priority": "Priority",
            "paper": "Paper",
        }
        help_texts = {"paper": "The paper taken with the item, if any"}
        widgets = {"minutes_allowed": forms.NumberInput(attrs={"class": "govuk-input--width-3"})}
        error_messages = {"minutes_allowed": {"invalid": MINUTES_INVALID}}

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["priority"]
        field.queryset = Priority.objects.filter(forums=meeting.forum_id).order_by("code")  # type: ignore[attr-defined]
        field.empty_label = "None"  # type: ignore[attr-defined]
        field.error_messages["invalid_choice"] = PRIORITY_OUT_OF_SCOPE
        self.fields["title"].required = False  # the service says why a blank title is refused

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
