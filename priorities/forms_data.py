"""Forms for importing a measure's data: the upload, and the mapping of a publisher's sheet.

They validate and hand over to the priorities.imports package, which reads the file and builds
the preview; nothing is written until the user confirms it.
"""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django import forms

from . import imports, services
from .models import Measure

KIND_CHOICES = [
    (imports.ACTUALS, "Actual data"),
    (imports.TRAJECTORY, "Trajectory points (a new trajectory version)"),
]
OWN, PUBLISHER = "own", "publisher"
FORMAT_CHOICES = [
    (OWN, "In our import format, with a header row naming the columns"),
    (PUBLISHER, "A spreadsheet as the publisher released it: choose the sheet and columns next"),
]
SCALE_CHOICES = [
    (imports.SCALE_AS_PUBLISHED, "Use the figures as published"),
    (imports.SCALE_FRACTION_TO_PERCENT, "Fractions to percentages (multiply by 100)"),
    (imports.SCALE_PERCENT_TO_FRACTION, "Percentages to fractions (divide by 100)"),
]

FILE_REQUIRED = "Choose a file to upload."
KIND_REQUIRED = "Choose what the file holds."
FORMAT_REQUIRED = "Choose how the file is laid out."
LABEL_REQUIRED = "Enter a label for the new trajectory version."
AGREED_ON_REQUIRED = "Enter the date the trajectory was agreed."
AGREED_ON_INVALID = "Enter the date the trajectory was agreed as a real date, like 2023-04-01."
SHEET_REQUIRED = "Choose a sheet."
HEADER_ROW_INVALID = "Enter the header row as a whole number, like 14."
PERIOD_COLUMN_REQUIRED = "Choose the column that holds the period."
VALUE_COLUMN_REQUIRED = "Choose the column that holds the value."


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        initial=imports.ACTUALS,
        error_messages={"required": KIND_REQUIRED},
    )
    file = forms.FileField(error_messages={"required": FILE_REQUIRED, "empty": imports.FILE_EMPTY})
    layout = forms.ChoiceField(
        choices=FORMAT_CHOICES,
        widget=forms.RadioSelect,
        initial=OWN,
        error_messages={"required": FORMAT_REQUIRED},
    )
    label = forms.CharField(required=False, max_length=200)
    agreed_on = forms.DateField(
        required=False,
        widget=DateInput,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": AGREED_ON_INVALID},
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(
        self,
        *args: Any,
        kinds: list[str],
        trajectory_exists: bool = False,
        portfolio: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.trajectory_exists = trajectory_exists
        self.fields["kind"].choices = [c for c in KIND_CHOICES if c[0] in kinds]
        if portfolio or kinds == [imports.ACTUALS]:
            # Nothing to choose: keep the field so the page and the check stay the same.
            self.fields["kind"].widget = forms.HiddenInput()
        if portfolio:
            del self.fields["layout"]

    @property
    def shows_kind(self) -> bool:
        return not isinstance(self.fields["kind"].widget, forms.HiddenInput)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(imports.FILE_TOO_LARGE)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == imports.TRAJECTORY:
            if not data.get("label", "").strip():
                self.add_error("label", LABEL_REQUIRED)
            if not data.get("agreed_on") and "agreed_on" not in self.errors:
                self.add_error("agreed_on", AGREED_ON_REQUIRED)
            if self.trajectory_exists and not data.get("reason", "").strip():
                self.add_error("reason", services.REASON_REQUIRED)
        return data

    def upload(self) -> dict[str, Any]:
        """The upload as `imports.pending_start` takes it."""
        upload = self.cleaned_data["file"]
        return {
            "kind": self.cleaned_data["kind"],
            "filename": upload.name or "",
            # One byte past the limit, so a file that grew after its size was checked is caught.
            "data": upload.read(imports.MAX_BYTES + 1),
            "publisher": self.cleaned_data.get("layout") == PUBLISHER,
            "trajectory": self.trajectory_meta(),
        }

    def trajectory_meta(self) -> dict[str, str]:
        if self.cleaned_data.get("kind") != imports.TRAJECTORY:
            return {}
        agreed_on: date = self.cleaned_data["agreed_on"]
        return {
            "label": self.cleaned_data["label"].strip(),
            "agreed_on": agreed_on.isoformat(),
            "reason": self.cleaned_data.get("reason", "").strip(),
        }


class MappingForm(forms.Form):
    sheet = forms.ChoiceField(error_messages={"required": SHEET_REQUIRED})
    header_row = forms.IntegerField(
        min_value=1,
        error_messages={
            "required": HEADER_ROW_INVALID,
            "invalid": HEADER_ROW_INVALID,
            "min_value": HEADER_ROW_INVALID,
        },
    )
    period_column = forms.TypedChoiceField(
        coerce=int, error_messages={"required": PERIOD_COLUMN_REQUIRED}
    )
    value_column = forms.TypedChoiceField(
        coerce=int, error_messages={"required": VALUE_COLUMN_REQUIRED}
    )
    scale = forms.ChoiceField(
        choices=SCALE_CHOICES, widget=forms.RadioSelect, initial=imports.SCALE_AS_PUBLISHED
    )
    skip_non_dates = forms.BooleanField(required=False, initial=True)
    skip_no_value = forms.BooleanField(required=False, initial=True)

    def __init__(
        self, *args: Any, sheets: list[str], columns: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(name, name or "The only sheet") for name in sheets]
        column_choices = [("", "Choose a column")] + [(str(i), text) for i, text in columns]
        self.fields["period_column"].choices = column_choices
        self.fields["value_column"].choices = column_choices

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        period, value = data.get("period_column"), data.get("value_column")
        if period is not None and value is not None and period == value:
            self.add_error("value_column", imports.SAME_COLUMN)
        return data

    def read_rows(self, table: imports.Table, *, measure: Measure) -> imports.MappedRows | None:
        """The sheet's rows through the valid mapping, or None with the reason as the form's
        error."""
        try:
            return imports.parse_mapped(table, mapping=self.mapping(), measure=measure)
        except imports.ImportRefused as exc:
            self.add_error(None, str(exc))
            return None

    @classmethod
    def showing(
        cls, choice: imports.SheetChoice, *, source: Mapping[str, Any], saved: dict[str, Any]
    ) -> "MappingForm":
        """The form for the sheet on screen: the choices in `source` (the form as sent, or as
        saved) while the same sheet stays on screen, else fresh guesses; the scale and the rows
        to leave out as last saved."""
        initial: dict[str, Any] = {
            "sheet": choice.sheet,
            "header_row": choice.header_row,
            "period_column": choice.guessed_period_column,
            "value_column": None,
            "scale": saved.get("scale", imports.SCALE_AS_PUBLISHED),
            "skip_non_dates": saved.get("skip_non_dates", True),
            "skip_no_value": saved.get("skip_no_value", True),
        }
        if not choice.fresh:
            for name in ("period_column", "value_column", "scale"):
                if source.get(name) not in (None, ""):
                    initial[name] = source[name]
        return cls(initial=initial, sheets=choice.sheets, columns=choice.columns)

    def mapping(self) -> imports.Mapping:
        data = self.cleaned_data
        return imports.Mapping(
            sheet=data["sheet"],
            header_row=data["header_row"],
            period_column=data["period_column"],
            value_column=data["value_column"],
            scale=data["scale"],
            skip_non_dates=data["skip_non_dates"],
            skip_no_value=data["skip_no_value"],
        )


def sheet_preview(table: imports.Table, header_row: int) -> dict[str, Any]:
    """The top of a sheet as a grid of short texts, so the analyst can see where the header row
    and the columns are."""
    last = min(len(table.rows), max(25, header_row + 8), 60)
    width = min(max((len(row) for row in table.rows[:last]), default=0), 26)
    rows = []
    for index in range(last):
        cells = table.rows[index]
        rows.append(
            {
                "number": index + 1,
                "is_header": index + 1 == header_row,
                "cells": [_short(cells[c]) if c < len(cells) else "" for c in range(width)],
            }
        )
    return {
        "letters": [imports.column_letter(c) for c in range(width)],
        "rows": rows,
        "total": len(table.rows),
    }


def _short(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime) and cell.time() == datetime.min.time():
        return cell.date().isoformat()
    if isinstance(cell, float):
        return f"{cell:.6g}"
    text = str(cell)
    return text if len(text) <= 40 else text[:39] + "\u2026"
