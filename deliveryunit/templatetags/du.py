"""Small presentation helpers shared by every app's templates."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration_words(value: timedelta | None) -> str:
    """'1 hour', '30 minutes', '2 hours 15 minutes'."""
    if not value:
        return ""
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not parts:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


@register.filter
def css_string(value: object) -> str:
    """Text made safe inside a double-quoted CSS string (page headers and footers in PDFs):
    every character outside plain letters, digits and spaces becomes a CSS escape."""
    out = []
    for char in str(value):
        if char.isalnum() or char in " -_.,:/":
            out.append(char)
        else:
            out.append(f"\\{ord(char):06x}")
    return "".join(out)
