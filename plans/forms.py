"""Forms for plans, objectives, commitments, timetables and the progress tracks.

Forms validate and carry values; every write goes through plans/services.py. Forms that change
an existing row carry its version (required), which the service checks under the row's lock.
"""

from __future__ import annotations

from typing import Any

from django import forms

from deliveryunit.editing import VERSION_MISSING, VersionedForm
from deliveryunit.forms import DateInput
from deliveryunit.models import Department
from priorities.models import Measure, Priority
from stocktakes.models import Forum, ForumKind

from .models import (
    DepartmentalPlan,
    ManifestoCommitment,
    Objective,
    ObjectiveMeasure,
    PlanVersion,
    QuarterlyReturn,
    TimetableItem,
)

YEAR_RANGE = "Enter a year between 1900 and 2100."


class VersionForm(forms.Form):
    """A button that changes a record (publish, submit, agree, remove): all it posts is the
    version the user saw."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": VERSION_MISSING,
            "invalid": VERSION_MISSING,
            "min_value": VERSION_MISSING,
        },
    )

    @property
    def expected_version(self) -> int:
        return self.cleaned_data["version"]


class PlanForm(forms.ModelForm):
    class Meta:
        model = DepartmentalPlan
        fields = ["department", "period_start", "period_end", "title"]
        labels = {"period_start": "First year", "period_end": "Last year"}
        help_texts = {
            "period_start": "For example 2015, the year of the election",
            "title": "Leave blank for the usual title, for example "
            '"Home Office Single Departmental Plan 2015 to 2020"',
        }
        widgets = {
            "period_start": forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
            "period_end": forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["department"].queryset = Department.objects.order_by("name")
        for name in ("period_start", "period_end"):
            self.fields[name].min_value = 1900
            self.fields[name].max_value = 2100
            self.fields[name].error_messages.update(
                {"min_value": YEAR_RANGE, "max_value": YEAR_RANGE}
            )

    def validate_unique(self) -> None:
        # The service says so in its own words when the plan exists already.
        pass


class VersionSummaryForm(VersionedForm):
    class Meta:
        model = PlanVersion
        fields = ["summary"]
        labels = {"summary": "Introduction"}
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}


class ObjectiveForm(VersionedForm):
    commitments = forms.ModelMultipleChoiceField(
        queryset=ManifestoCommitment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Manifesto commitments covered",
        help_text="Every strategic objective covers at least one of the department's commitments.",
    )
    task_forces = forms.ModelMultipleChoiceField(
        queryset=Forum.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Implementation task forces driving it",
    )

    class Meta:
        model = Objective
        fields = ["group", "code", "title", "target", "owner", "deadline", "priority", "order"]
        labels = {"group": "Kind of objective", "priority": "Priority it carries"}
        help_texts = {"code": 'Leave blank for the next free code, for example "SO3"'}
        widgets = {
            "group": forms.RadioSelect,
            "target": forms.Textarea(attrs={"rows": 3}),
            "deadline": DateInput(),
            "code": forms.TextInput(attrs={"class": "govuk-input--width-5"}),
            "order": forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        }

    def __init__(self, *args: Any, plan_version: PlanVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department = plan_version.plan.department_id
        self.fields["code"].required = False
        self.fields["order"].required = False
        self.fields["commitments"].queryset = ManifestoCommitment.objects.filter(
            departments=department
        ).order_by("reference")
        self.fields["task_forces"].queryset = Forum.objects.filter(
            kind=ForumKind.TASK_FORCE
        ).order_by("name")
        self.fields["priority"].queryset = Priority.objects.order_by("code")
        if self.instance.pk:
            self.fields["commitments"].initial = list(
                self.instance.commitment_links.values_list("commitment_id", flat=True)
            )
            self.fields["task_forces"].initial = list(
                self.instance.task_force_links.values_list("forum_id", flat=True)
            )

    def validate_unique(self) -> None:
        # plan_version is not a field of the form; the service checks codes within the version.
        pass

    def service_fields(self) -> dict[str, Any]:
        fields = super().service_fields()
        fields["commitments"] = list(fields.pop("commitments"))
        fields["task_forces"] = list(fields.pop("task_forces"))
        if fields.get("order") is None:
            fields.pop("order", None)
        if not fields.get("code"):
            fields.pop("code", None)
        return fields


class MeasureLinkAddForm(forms.Form):
    measure = forms.ModelChoiceField(queryset=Measure.objects.none(), label="Measure")
    public = forms.BooleanField(
        required=False,
        label="Show its figures on the public progress pages",
        help_text="Only once the plan is published, and only the figures: never notes or "
        "judgements.",
    )
    illustrative = forms.BooleanField(required=False, label="The figures are illustrative")
    public_note = forms.CharField(
        required=False,
        max_length=300,
        label="Note for the public",
        help_text="The source, or where real figures would come from",
    )

    def __init__(self, *args: Any, measures: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = measures
        self.fields["measure"].label_from_instance = lambda m: f"{m.priority.code}: {m.name}"


class MeasureLinkForm(VersionedForm):
    class Meta:
        model = ObjectiveMeasure
        fields = ["public", "illustrative", "public_note"]
        labels = {
            "public": "Show its figures on the public progress pages",
            "illustrative": "The figures are illustrative",
        }


class CommitmentForm(VersionedForm):
    class Meta:
        model = ManifestoCommitment
        fields = [
            "reference",
            "text",
            "source_document",
            "page",
            "departments",
            "illustrative",
            "provenance",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "departments": forms.CheckboxSelectMultiple,
            "reference": forms.TextInput(attrs={"class": "govuk-input--width-10"}),
            "page": forms.NumberInput(attrs={"class": "govuk-input--width-4"}),
        }

    def service_fields(self) -> dict[str, Any]:
        fields = super().service_fields()
        fields["departments"] = list(fields["departments"])
        return fields


class TimetableItemForm(VersionedForm):
    class Meta:
        model = TimetableItem
        fields = ["kind", "title", "due", "owner", "completed_on", "order"]
        widgets = {
            "kind": forms.RadioSelect,
            "due": DateInput(),
            "completed_on": DateInput(),
            "order": forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False

    def service_fields(self) -> dict[str, Any]:
        fields = super().service_fields()
        if fields.get("order") is None:
            fields.pop("order", None)
        return fields


class ReturnForm(VersionedForm):
    class Meta:
        model = QuarterlyReturn
        fields = ["quarter", "rag", "commentary", "milestones_met", "milestones_missed"]
        labels = {
            "quarter": "Quarter starting",
            "milestones_met": "Timetable lines met this quarter",
            "milestones_missed": "Timetable lines missed this quarter",
        }
        widgets = {
            "quarter": DateInput(),
            "rag": forms.RadioSelect,
            "commentary": forms.Textarea(attrs={"rows": 5}),
            "milestones_met": forms.CheckboxSelectMultiple,
            "milestones_missed": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, objective: Objective, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("milestones_met", "milestones_missed"):
            self.fields[name].queryset = objective.timetable.order_by("due", "order", "pk")
            self.fields[name].required = False

    def validate_unique(self) -> None:
        # The objective is not a field of the form; the service says when the quarter is taken.
        pass


NOTE_DATE_REQUIRED = "Enter the date of the note, for example 2016-11-30."
NOTE_TEXT_REQUIRED = "Write the note."


class NoteForm(forms.Form):
    noted_on = forms.DateField(
        label="Date",
        widget=DateInput(),
        error_messages={"required": NOTE_DATE_REQUIRED, "invalid": NOTE_DATE_REQUIRED},
    )
    text = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": NOTE_TEXT_REQUIRED},
    )
