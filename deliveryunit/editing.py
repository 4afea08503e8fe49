"""The shared editing kit: optimistic versions checked under a row lock, the conflict view, the
versioned form, and the typed htmx request.

Every edit of an existing record carries the version the user started from. The service that
writes it locks the row (`locked`) and compares that version inside the same transaction, so
two people who opened the same version cannot both pass the check: the second gets a
ConflictError holding the row as it now is, and the view shows both versions side by side
(`form_conflict`) with everything the user typed kept, the hidden version moved on so that
saving again is a deliberate overwrite (`with_version`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django_htmx.middleware import HtmxDetails

CONFLICT_MESSAGE = (
    "Someone else saved a change to this since you opened it. Their version is shown below; "
    "your changes have not been saved but are kept in the form."
)
VERSION_MISSING = (
    "This form is missing the version you started from, so it cannot tell whether someone else "
    "has saved a change since. Open the page again and make your change there."
)
NOT_SET = "Not set"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class ConflictError(Exception):
    """Someone saved the record after the version the user started from. `current` is the row
    as it now is in the database."""

    def __init__(self, current: Model):
        super().__init__(CONFLICT_MESSAGE)
        self.current = current


def attribute(instance: Model, by: Any) -> None:
    """Record `by` as the author of the next history entry of `instance`."""
    instance._history_user = by if getattr(by, "pk", None) else None  # type: ignore[attr-defined]


def check_version(instance: Model, expected_version: int | None) -> None:
    """Raise ConflictError unless `instance` (read under a lock) is still at `expected_version`.

    None means the caller is not editing a version the user saw (a system write, or an import
    whose own preview fingerprint guards it); forms that edit a record always send one.
    """
    if expected_version is not None and instance.version != expected_version:  # type: ignore[attr-defined]
        raise ConflictError(instance)


def locked[M: Model](model: type[M], pk: Any, expected_version: int | None = None) -> M:
    """The row `pk` of `model`, locked until the transaction ends, checked against the version
    the user started from. Call inside `transaction.atomic()`."""
    instance = model._default_manager.select_for_update().get(pk=pk)
    check_version(instance, expected_version)
    return instance


def bump(instance: Model, by: Any, *fields: str) -> None:
    """Save `fields` of a locked row with its version moved on, attributed to `by`."""
    instance.version += 1  # type: ignore[attr-defined]
    attribute(instance, by)
    instance.save(update_fields=[*fields, "version"])


# --- forms ------------------------------------------------------------------------------------


class VersionedForm(forms.ModelForm):
    """A model form that carries the version of the row the user started from. The version is
    required whenever the form edits an existing row: a post without it is refused rather than
    allowed to overwrite blindly."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True
            self.fields["version"].error_messages["required"] = VERSION_MISSING

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values to hand to the service, without form-only fields."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


def with_version(data: Any, version: int) -> Any:
    """The posted data as typed, but carrying the version now saved, so that submitting again
    knowingly replaces it."""
    data = data.copy()
    data["version"] = str(version)
    return data


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal shown on the form: per field where it names one, else on the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def render_form(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """A form page; a posted form with errors answers 422 so scripts and tests can tell."""
    form = context.get("form")
    if (
        request.method == "POST"
        and status == 200
        and form is not None
        and form.is_bound
        and form.errors
    ):
        status = 422
    return render(request, template, context, status=status)


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    """For URLs that answer both a full page and an htmx fragment."""
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- showing a conflict -----------------------------------------------------------------------


@dataclass
class ConflictRow:
    label: str
    theirs: str
    yours: str

    @property
    def differs(self) -> bool:
        return self.theirs != self.yours


@dataclass
class Conflict:
    message: str
    rows: list[ConflictRow]
    saved_by: str = ""
    saved_at: Any = None
    their_version: int | None = None

    @property
    def changed_count(self) -> int:
        return sum(row.differs for row in self.rows)


def format_number(value: Decimal | float | int | None) -> str:
    """A stored decimal as a person would type it: 92.5, not 92.5000."""
    if value is None:
        return ""
    # A float goes through its shortest text form, not its binary expansion (71.64, not
    # 71.6400000000000056843418861).
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def shown(form_field: forms.Field, value: Any) -> str:
    """A value as a person reads it, the same whether it came from the form or the database."""
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        names = sorted(str(item) for item in value) if value is not None else []
        return ", ".join(names) or NOT_SET
    if value is None or value == "":
        return NOT_SET
    if isinstance(form_field, forms.BooleanField):
        return "Yes" if value else "No"
    if isinstance(form_field, forms.ModelChoiceField):
        return str(value)
    if isinstance(form_field, forms.ChoiceField):
        return str(dict(form_field.choices).get(value, value))
    if isinstance(value, date):
        return date_format(value, "j F Y")
    if isinstance(value, Decimal | float | int):
        return format_number(value)
    return str(value)


def last_change(current: Model) -> tuple[str, Any]:
    """Who saved the version now in the database, and when, from its history."""
    history = getattr(current, "history", None)
    record = history.select_related("history_user").first() if history is not None else None
    if record is None:
        return "", None
    return (str(record.history_user) if record.history_user else ""), record.history_date


def conflict_of(
    rows: list[ConflictRow], current: Model, message: str = CONFLICT_MESSAGE
) -> Conflict:
    saved_by, saved_at = last_change(current)
    return Conflict(
        message=message,
        rows=rows,
        saved_by=saved_by,
        saved_at=saved_at,
        their_version=getattr(current, "version", None),
    )


def form_conflict(form: VersionedForm, current: Model) -> Conflict:
    """Both versions of every field of a model form: theirs from the database, yours as typed."""
    rows = []
    for name, form_field in form.fields.items():
        if name == "version":
            continue
        theirs = getattr(current, name)
        if isinstance(form_field, forms.ModelMultipleChoiceField):
            theirs = list(theirs.all())
        rows.append(
            ConflictRow(
                label=str(form[name].label),
                theirs=shown(form_field, theirs),
                yours=shown(form_field, form.cleaned_data.get(name)),
            )
        )
    return conflict_of(rows, current)
