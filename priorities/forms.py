"""Forms for priorities, measures, trajectories, milestones and one cell of the actuals grid.

Forms only validate and carry values: every write goes through priorities/services.py. Forms
that edit an existing row carry a hidden `version`, the version the user started from, which
the service checks so that two people editing at once get a conflict, not a silent overwrite.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from deliveryunit import clock
from deliveryunit.editing import VERSION_MISSING, VersionedForm, format_number
from deliveryunit.forms import DateInput
from deliveryunit.models import Department

from . import periods
from .models import VALUE_DIGITS, ActualStatus, Measure, Milestone, Priority
from .services import NO_POINTS, REASON_REQUIRED

NOT_A_NUMBER = "Enter a number, like 92.5 or 8770."
PERIOD_RANGE_BACKWARDS = "The last period must not be before the first."
TOO_MANY_PERIODS = "Show at most {limit} periods at a time."
NOT_A_PERIOD = "Enter a period like {example}."
DEADLINE_BEFORE_START = "The deadline must be on or after the start date."
NUMBER_TOO_PRECISE = "Enter a number with at most 14 digits before the point and 4 after it."

# Enough for 50 years of months; a bigger grid is more than anyone will type into by hand.
MAX_TRAJECTORY_ROWS = 600
# How many periods "Add more periods" adds at the end, by frequency.
ADD_ROWS = {periods.MONTHLY: 12, periods.QUARTERLY: 4, periods.ANNUAL: 2}
PERIOD_EXAMPLE = {periods.MONTHLY: "2023-09", periods.QUARTERLY: "2003-Q3", periods.ANNUAL: "2004"}
# Buttons of the trajectory form that redraw its grid without saving.
SHOW_PERIODS = "show_periods"
ADD_MORE_ROWS = "add_rows"


def parse_number(text: str) -> Decimal:
    """A decimal from what someone typed: spaces and thousands commas allowed, nothing else."""
    cleaned = text.strip().replace(",", "").replace(" ", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(NOT_A_NUMBER) from exc
    if not number.is_finite():
        raise ValueError(NOT_A_NUMBER)
    return number


def parse_value(text: str) -> Decimal:
    """A value for an actual or a trajectory point: a number that fits the stored column."""
    number = parse_number(text)
    _sign, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(NOT_A_NUMBER)
    decimals = max(0, -exponent)
    whole = max(0, len(digits) + exponent)
    places = VALUE_DIGITS["decimal_places"]
    if decimals > places or whole > VALUE_DIGITS["max_digits"] - places:
        raise ValueError(NUMBER_TOO_PRECISE)
    return number


class NumberField(forms.DecimalField):
    """A decimal typed as text, so the browser never rewrites or rejects it before we can
    explain what is wrong."""

    widget = forms.TextInput

    default_error_messages = {"invalid": NOT_A_NUMBER}

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        try:
            return parse_number(str(value))
        except ValueError as exc:
            raise forms.ValidationError(NOT_A_NUMBER, code="invalid") from exc

    def prepare_value(self, value: Any) -> Any:
        # Stored values come back with the column's four places; show them as typed.
        if isinstance(value, Decimal):
            return format_number(value)
        return value

    def widget_attrs(self, widget: forms.Widget) -> dict:
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        attrs["inputmode"] = "decimal"
        attrs["spellcheck"] = "false"
        return attrs


# --- priorities ---------------------------------------------------------------------------


def descendant_ids(priority: Priority) -> set[int]:
    """The priority's sub-targets at any depth, read in one query."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Priority.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = [priority.pk]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


class PriorityForm(VersionedForm):
    class Meta:
        model = Priority
        fields = [
            "code",
            "title",
            "target_statement",
            "lead_department",
            "delivery_chain",
            "parent",
            "senior_responsible_owner",
            "minister",
            "kind",
            "start",
            "deadline",
            "active",
        ]
        widgets = {
            "code": forms.TextInput(attrs={"class": "govuk-input--width-10"}),
            "target_statement": forms.Textarea(attrs={"rows": 4}),
            "delivery_chain": forms.CheckboxSelectMultiple,
            "start": DateInput,
            "deadline": DateInput,
        }
        labels = {
            "senior_responsible_owner": "Senior responsible owner",
            "minister": "Responsible minister",
            "parent": "Sub-target of",
            "active": "Active",
        }
        help_texts = {
            "target_statement": "What will be achieved, by when, as it is stated in public.",
            "delivery_chain": "Other departments whose action the priority depends on.",
            "parent": "Leave empty for a top-level priority.",
            "active": "Inactive priorities are kept but left off dashboards.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = Department.objects.order_by("name")
        self.fields["lead_department"].queryset = departments
        self.fields["lead_department"].empty_label = "Choose a department"
        self.fields["delivery_chain"].queryset = departments
        parents = Priority.objects.order_by("code")
        if self.instance.pk:
            # A priority cannot sit under itself or anything beneath it.
            parents = parents.exclude(pk__in={self.instance.pk, *descendant_ids(self.instance)})
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = "None (top-level priority)"
        self.fields["parent"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, deadline = cleaned.get("start"), cleaned.get("deadline")
        if start and deadline and deadline < start:
            self.add_error("deadline", DEADLINE_BEFORE_START)
        return cleaned


# --- measures -----------------------------------------------------------------------------


class MeasureForm(VersionedForm):
    target_value = NumberField(
        required=False,
        max_digits=18,
        decimal_places=4,
        help_text="In the measure's unit. Leave empty if the target is not a number.",
    )
    tolerance = NumberField(
        max_digits=18,
        decimal_places=4,
        min_value=0,
        help_text="How far from the trajectory, in the measure's unit, still counts as within "
        "tolerance.",
    )

    class Meta:
        model = Measure
        fields = [
            "name",
            "unit",
            "direction",
            "frequency",
            "indicator_type",
            "source",
            "target_value",
            "target_date",
            "tolerance",
        ]
        widgets = {
            "unit": forms.TextInput(attrs={"class": "govuk-input--width-10"}),
            "direction": forms.RadioSelect,
            "indicator_type": forms.RadioSelect,
            "source": forms.Textarea(attrs={"rows": 3}),
            "target_date": DateInput,
        }
        labels = {"indicator_type": "Kind of indicator", "source": "Source"}
        help_texts = {"source": "Who publishes the figures, where, and any notes on them."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Model choice fields with a default offer a blank choice; the radios do not need one.
        for name in ("direction", "indicator_type"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
        self.fields["frequency"].choices = [c for c in self.fields["frequency"].choices if c[0]]
        self.fields[
            "frequency"
        ].help_text = "It cannot change once the measure has actuals or a trajectory."
        if not self.instance.pk:
            self.fields["tolerance"].initial = Decimal(0)


# --- milestones ---------------------------------------------------------------------------


class MilestoneForm(VersionedForm):
    class Meta:
        model = Milestone
        fields = ["title", "due", "owner", "status"]
        widgets = {"due": DateInput, "status": forms.RadioSelect}
        help_texts = {"owner": "A person or team."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [c for c in self.fields["status"].choices if c[0]]


# --- trajectories -------------------------------------------------------------------------


@dataclass
class PointRow:
    period: date
    label: str
    name: str  # the input's name and id
    value: str  # as typed, or as stored
    error: str = ""


def point_name(period_label: str) -> str:
    return f"point-{period_label}"


class TrajectoryForm(forms.Form):
    """A trajectory version: label, agreed date, reason, and one value per period.

    The periods shown run from `first` to `last` (period labels, which the user may change to
    see more rows). Blank cells are not points. `version` is the trajectory version the user
    started from (0 for none), so a re-profile that crosses someone else's is caught.
    """

    label = forms.CharField(
        max_length=200, help_text='For example "Agreed plan" or "Re-profiled after the review".'
    )
    agreed_on = forms.DateField(label="Agreed on", widget=DateInput)
    reason = forms.CharField(
        label="Reason for re-profiling",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    first = forms.CharField(label="First period", max_length=10)
    last = forms.CharField(label="Last period", max_length=10)
    version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, error_messages={"required": VERSION_MISSING}
    )

    def __init__(
        self,
        *args: Any,
        measure: Measure,
        existing_version: int,
        first: date,
        last: date,
        values: dict[date, Decimal] | None = None,
        cell_data: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # What the user typed: the bound data, or for an unbound form that is re-shown with a
        # different range of periods, the data it was posted with.
        self.cell_data = self.data if self.is_bound else cell_data
        self.measure = measure
        self.frequency = measure.frequency
        self.existing_version = existing_version
        example = PERIOD_EXAMPLE[self.frequency]
        for name in ("first", "last"):
            self.fields[name].widget.attrs.update(
                {"class": "govuk-input--width-5", "spellcheck": "false"}
            )
            self.fields[name].help_text = f"For example {example}"
        self.fields["first"].initial = periods.label(first, self.frequency)
        self.fields["last"].initial = periods.label(last, self.frequency)
        if self.initial.get("version") in (None, ""):
            self.fields["version"].initial = existing_version
        if existing_version:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = REASON_REQUIRED
            self.fields[
                "reason"
            ].help_text = "The earlier version is kept; say why the plan has changed."
        else:
            self.fields["reason"].help_text = "Only needed when a trajectory is re-profiled."
        self._initial_values = values or {}
        self.rows = self._rows(first, last)
        self.points: list[tuple[date, Decimal]] = []

    @classmethod
    def blank(cls, **kwargs: Any) -> "TrajectoryForm":
        """The form as first opened: the current version's values to start from."""
        return cls(
            initial={
                "label": "Re-profiled trajectory"
                if kwargs["existing_version"]
                else "Agreed trajectory",
                "agreed_on": clock.today(),
            },
            **kwargs,
        )

    @classmethod
    def redrawn(cls, data: Any, **kwargs: Any) -> "TrajectoryForm":
        """The form drawn again for other periods (or with more rows at the end), keeping what
        was typed. Unbound, so that asking for more rows does not report missing fields as
        errors; what was typed is carried over as the initial values."""
        data = data.copy()
        if ADD_MORE_ROWS in data:
            frequency = kwargs["measure"].frequency
            try:
                shown_last = periods.parse(data.get("last", ""), frequency)
            except periods.PeriodError:
                shown_last = kwargs["last"]
            data["last"] = periods.label(
                periods.step(shown_last, frequency, ADD_ROWS[frequency]), frequency
            )
        return cls(
            initial={name: data.get(name) for name in ("label", "agreed_on", "reason", "version")},
            cell_data=data,
            **kwargs,
        )

    @staticmethod
    def redraws(data: Any) -> bool:
        """Whether the post asks for other periods rather than to save."""
        return SHOW_PERIODS in data or ADD_MORE_ROWS in data

    def service_fields(self) -> dict[str, Any]:
        """What services.trajectory_create takes, besides who and the expected version."""
        return {
            "label": self.cleaned_data["label"],
            "agreed_on": self.cleaned_data["agreed_on"],
            "reason": self.cleaned_data["reason"],
            "points": self.points,
        }

    def _period(self, name: str, fallback: date) -> date:
        """The period the user asked for in `first`/`last`, or the fallback if unreadable."""
        if self.cell_data is None:
            return fallback
        try:
            return periods.parse(self.cell_data.get(name, ""), self.frequency)
        except periods.PeriodError:
            return fallback

    def _rows(self, first: date, last: date) -> list[PointRow]:
        first = self._period("first", first)
        last = self._period("last", last)
        if not self.is_bound and self.cell_data is not None:
            self.initial["first"] = periods.label(first, self.frequency)
            self.initial["last"] = periods.label(last, self.frequency)
        rows = []
        period = first
        while period <= last and len(rows) < MAX_TRAJECTORY_ROWS:
            text = periods.label(period, self.frequency)
            name = point_name(text)
            if self.cell_data is not None and name in self.cell_data:
                value = self.cell_data[name]
            else:
                # Periods not on the page before (the user widened the range) start from the
                # current trajectory's values.
                value = format_number(self._initial_values.get(period))
            rows.append(PointRow(period=period, label=text, name=name, value=value))
            period = periods.step(period, self.frequency)
        return rows

    def clean_first(self) -> str:
        return self._clean_period("first")

    def clean_last(self) -> str:
        return self._clean_period("last")

    def _clean_period(self, name: str) -> str:
        text = self.cleaned_data[name]
        try:
            periods.parse(text, self.frequency)
        except periods.PeriodError as exc:
            raise forms.ValidationError(
                NOT_A_PERIOD.format(example=PERIOD_EXAMPLE[self.frequency])
            ) from exc
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "first" in cleaned and "last" in cleaned:
            first = periods.parse(cleaned["first"], self.frequency)
            last = periods.parse(cleaned["last"], self.frequency)
            if last < first:
                self.add_error("last", PERIOD_RANGE_BACKWARDS)
            elif periods.step(first, self.frequency, MAX_TRAJECTORY_ROWS) <= last:
                self.add_error("last", TOO_MANY_PERIODS.format(limit=MAX_TRAJECTORY_ROWS))
        points = []
        bad = False
        for row in self.rows:
            if not row.value.strip():
                continue
            try:
                points.append((row.period, parse_value(row.value)))
            except ValueError as exc:
                row.error = str(exc)
                bad = True
        if not bad and not points:
            self.add_error(None, NO_POINTS)
        self.points = points
        return cleaned

    @property
    def cell_errors(self) -> list[PointRow]:
        return [row for row in self.rows if row.error]

    def is_valid(self) -> bool:
        return super().is_valid() and not self.cell_errors


# --- one cell of the actuals grid ---------------------------------------------------------


class ActualCellForm(forms.Form):
    """What one row of the actuals grid posts. An empty value on a stored cell deletes it."""

    value = forms.CharField(required=False, max_length=40, strip=True)
    status = forms.ChoiceField(choices=ActualStatus.choices, initial=ActualStatus.FINAL)
    note = forms.CharField(required=False, max_length=2000, strip=True)
    # 0 for an empty row; a post without it cannot say what it replaces, so it is refused.
    version = forms.IntegerField(min_value=0, error_messages={"required": VERSION_MISSING})

    def clean_value(self) -> Decimal | None:
        text = self.cleaned_data["value"]
        if not text:
            return None
        try:
            return parse_value(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    @property
    def expected_version(self) -> int:
        return self.cleaned_data["version"]

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("value", "status", "note")}
