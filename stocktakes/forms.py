"""Forms for forums, meetings, attendance and agenda items.

Forms only validate and carry values: every write goes through stocktakes/services.py (and
services_forums.py for standing members). Forms that change an existing row carry a hidden,
required `version`, checked by the service under the row's lock so that two people editing at
once get a conflict; a post without it is refused (VERSION_MISSING), never written blind.
"""

from typing import Any

from django import forms
from django.db.models import Q

from deliveryunit.editing import VERSION_MISSING, VersionedForm
from deliveryunit.forms import DateInput
from deliveryunit.models import Department
from priorities.models import Priority

from .models import AgendaItem, Attendee, AttendeeKind, Forum, ForumMember, Meeting

NAME_REQUIRED = "Enter the forum's name."
CHAIR_REQUIRED = "Enter who chairs the forum, as a post."
CYCLE_RANGE = "Enter a cycle between 1 and 52 weeks."
DATE_REQUIRED = "Enter the date of the meeting."
ROLE_REQUIRED = "Enter the member's role, for example Secretary of State for Education."
KIND_REQUIRED = "Choose whether the member is a minister, an official or the secretariat."
TIME_INVALID = "Enter a time like 09:30."
MINUTES_INVALID = "Enter the time allowed as a whole number of minutes."
PRIORITY_OUT_OF_SCOPE = "Choose one of the forum's priorities."


def version_field() -> forms.IntegerField:
    """The version the user saw, required: without it a write could not tell what it replaces."""
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": VERSION_MISSING,
            "invalid": VERSION_MISSING,
            "min_value": VERSION_MISSING,
        },
    )


class VersionForm(forms.Form):
    """A button that changes a record (marks a meeting held, issues a pack or the minutes,
    removes an item): all it posts is the version the user saw."""

    version = version_field()

    @property
    def expected_version(self) -> int:
        return self.cleaned_data["version"]


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
        # Active priorities, and those already in scope even if inactive: a forum of a past era
        # keeps its priorities when it is edited.
        offered = Q(active=True)
        if self.instance.pk:
            offered |= Q(forums=self.instance.pk)
        self.fields["priorities"].queryset = (  # type: ignore[attr-defined]
            Priority.objects.filter(offered).distinct().order_by("code")
        )
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
    """A standing member to add; `version` is the forum's, as the page showed it."""

    version = version_field()

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

    def service_fields(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


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


class AgendaItemForm(VersionedForm):
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


# --- attendance -------------------------------------------------------------------------------

PRESENT, APOLOGIES = "present", "apologies"
ANSWERS: dict[str, bool | None] = {"": None, PRESENT: True, APOLOGIES: False}


class AttendanceForm(forms.Form):
    """Present, apologies or not recorded for each invited attendee (`attendee-<pk>`), each
    with the attendee's version the user saw (`attendee-<pk>-version`). An attendee left out of
    the post is left as it is."""

    def __init__(self, *args: Any, attendees: list[Attendee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attendees = attendees
        for attendee in attendees:
            name = f"attendee-{attendee.pk}"
            self.fields[name] = forms.ChoiceField(
                choices=[(key, key) for key in ANSWERS], required=False
            )
            self.fields[f"{name}-version"] = forms.IntegerField(min_value=0, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for attendee in self.attendees:
            name = f"attendee-{attendee.pk}"
            if name in self.data and cleaned.get(f"{name}-version") is None:
                raise forms.ValidationError(VERSION_MISSING)
        return cleaned

    def answers(self) -> dict[int, tuple[bool | None, int | None]]:
        """{attendee pk: (present, version seen)} for each attendee the post answers for."""
        return {
            attendee.pk: (
                ANSWERS[self.cleaned_data[f"attendee-{attendee.pk}"]],
                self.cleaned_data[f"attendee-{attendee.pk}-version"],
            )
            for attendee in self.attendees
            if f"attendee-{attendee.pk}" in self.data
        }

    def rows(self) -> list[tuple[Attendee, str, int]]:
        """Each attendee with the answer to show (as typed, when the form is bound) and the
        version to carry."""
        rows = []
        for attendee in self.attendees:
            name = f"attendee-{attendee.pk}"
            answer = {True: PRESENT, False: APOLOGIES, None: ""}[attendee.present]
            if self.is_bound and self.data.get(name) in ANSWERS:
                answer = self.data[name]
            rows.append((attendee, answer, attendee.version))
        return rows
