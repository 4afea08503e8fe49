"""The project-wide form renderer: `{{ field.as_field_group }}` draws a field with the GOV.UK
Design System's markup (label or legend, hint, error message, and the input tied to both with
aria-describedby), whatever app the form belongs to."""

from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    field_template_name = "govuk/field.html"


class DateInput(forms.DateInput):
    """A native date picker that shows and reads ISO dates."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={"class": "govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d"
        )
