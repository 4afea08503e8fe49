"""Single-line text: names, titles, codes and places that end up in e-mail subjects, file names
and headers, and so must not carry line breaks or other control characters."""

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

CONTROL_CHARACTERS = (
    "Enter this on one line: line breaks, tabs and other control characters are not allowed."
)
# Besides Unicode's control characters (Cc: NUL to US, DEL, and C1 such as NEL), the line and
# paragraph separators break a line as surely as a newline does.
_LINE_BREAKS = {"\u2028", "\u2029"}


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(char) == "Cc" or char in _LINE_BREAKS for char in value)


def validate_single_line(value: Any) -> None:
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS, code="control_characters")


def one_line(value: str) -> str:
    """`value` with every run of control characters and white space as one space: for text
    stored before the rule existed that still has to go into a header."""
    cleaned = "".join(" " if has_control_characters(char) else char for char in value)
    return " ".join(cleaned.split())


class SingleLineCharField(models.CharField):
    """A CharField that refuses control characters (on full_clean, so in services and model
    forms alike). It is validation, not schema: it describes itself to migrations as a plain
    CharField, so adopting it changes no table and needs no migration."""

    default_validators = [validate_single_line]

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
