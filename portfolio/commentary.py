"""The unit commentary at the head of the monthly note: written and changed by the unit lead
until the note is issued, then frozen.

"Issued" is the unit lead's explicit act, not a build: the note is built many times while it is
drafted (by the schedule, by analysts checking the figures, by the unit lead reading it through),
and only the unit lead decides when it goes to Number 10. Every build of the month's note after
that carries the issued text.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from deliveryunit import access
from deliveryunit.editing import ConflictError, attribute, check_version

from .models import COMMENTARY_ISSUED, COMMENTARY_TOO_LONG, NoteCommentary

COMMENTARY_REQUIRED = "Enter the commentary for the month."
NOTHING_TO_ISSUE = "Write the commentary for the month before issuing the note."


def commentary_for(month: date) -> NoteCommentary | None:
    return (
        NoteCommentary.objects.select_related("updated_by", "issued_by")
        .filter(month=month.replace(day=1))
        .first()
    )


def _user(by: Any) -> Any:
    return by if getattr(by, "pk", None) else None


def _clean_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({"text": COMMENTARY_REQUIRED})
    # Line endings as a browser posts them count two characters; the limit is about words.
    text = text.replace("\r\n", "\n")
    if len(text) > NoteCommentary._meta.get_field("text").max_length:  # type: ignore[operator]
        raise ValidationError({"text": COMMENTARY_TOO_LONG})
    return text


def commentary_save(*, month: date, text: str, by: Any, expected_version: int) -> NoteCommentary:
    """Write or change the commentary for `month`. `expected_version` is the version the unit
    lead started from, 0 when there was no commentary yet: two people writing the first one at
    once cannot both win."""
    access.check(access.is_unit_lead(by))
    month = month.replace(day=1)
    text = _clean_text(text)
    with transaction.atomic():
        row = NoteCommentary.objects.select_for_update().filter(month=month).first()
        if row is None:
            row = NoteCommentary(month=month, text=text, updated_by=_user(by))
            attribute(row, by)
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                # Someone else wrote the first one between our read and our insert.
                raise ConflictError(NoteCommentary.objects.get(month=month)) from None
            return row
        if row.is_issued:
            raise ValidationError(COMMENTARY_ISSUED)
        check_version(row, expected_version)
        row.text, row.updated_by = text, _user(by)
        row.version += 1
        attribute(row, by)
        row.save(update_fields=["text", "updated_by", "updated_at", "version"])
        return row


def commentary_issue(*, month: date, by: Any, expected_version: int) -> NoteCommentary:
    """Issue the note for `month`: its commentary is frozen from now on."""
    access.check(access.is_unit_lead(by))
    with transaction.atomic():
        row = NoteCommentary.objects.select_for_update().filter(month=month.replace(day=1)).first()
        if row is None:
            raise ValidationError(NOTHING_TO_ISSUE)
        if row.is_issued:
            raise ValidationError(COMMENTARY_ISSUED)
        check_version(row, expected_version)
        row.issued_at, row.issued_by = timezone.now(), _user(by)
        row.version += 1
        attribute(row, by)
        row.save(update_fields=["issued_at", "issued_by", "version"])
        return row
