"""GOV.UK Design System markup for Django form fields, used by templates/govuk/field.html (the
project's FORM_RENDERER field template) and the error summary.

The widgets themselves are rendered by Django (so values, dates and choices come out exactly as
the form means them); these helpers add the Design System's classes and tie each input to its
hint and error message with aria-describedby.
"""

from django import forms, template
from django.forms import BoundField
from django.utils.safestring import SafeString

from deliveryunit.editing import format_number

register = template.Library()

_CLASS_BY_WIDGET: list[tuple[type[forms.Widget], str]] = [
    (forms.Textarea, "govuk-textarea"),
    (forms.Select, "govuk-select"),
    (forms.widgets.Input, "govuk-input"),
]


@register.filter
def widget_kind(field: BoundField) -> str:
    """Which GOV.UK component draws the field: radios, checkboxes, checkbox, hidden or input."""
    widget = field.field.widget
    # Django's CheckboxSelectMultiple is a kind of RadioSelect, so it is asked about first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if widget.is_hidden:
        return "hidden"
    return "input"


@register.filter
def anchor_id(field: BoundField) -> str:
    """The id an error summary links to: the field itself, or the first of its options."""
    if widget_kind(field) in ("radios", "checkboxes"):
        return f"{field.auto_id}_0"
    return field.auto_id


@register.filter
def describedby(field: BoundField) -> str:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


@register.simple_tag
def govuk_widget(field: BoundField) -> SafeString:
    """The field's input, select or textarea with the Design System's classes."""
    widget = field.field.widget
    base = next((css for kind, css in _CLASS_BY_WIDGET if isinstance(widget, kind)), "")
    classes = [base] if base else []
    if base and field.errors:
        classes.append(f"{base}--error")
    extra = widget.attrs.get("class")
    if extra:
        classes.append(extra)
    attrs = {"class": " ".join(classes)}
    if ids := describedby(field):
        attrs["aria-describedby"] = ids
    return field.as_widget(attrs=attrs)


@register.filter
def number(value: object) -> str:
    """A stored decimal as typed: 92.5, not 92.5000."""
    return format_number(value)  # type: ignore[arg-type]
