"""Writes to the assessment framework: the unit lead rewords areas to consider and the labels
and meanings of rating options. Codes never change here, because the judgements already made
are stored as those codes.

Each rewording carries the version the unit lead started from and is checked under the row
lock, so two people rewording the same area at once cannot overwrite each other: the second
gets a ConflictError."""

from typing import Any

from django.db import transaction

from deliveryunit.editing import bump, locked

from .models import Area, RatingOption

AREA_FIELDS = ("group", "name", "question", "worst_case", "best_case")
OPTION_FIELDS = ("label", "meaning")


def _update(instance: Any, *, by: Any, data: dict[str, str], allowed: tuple[str, ...]) -> Any:
    changed = [name for name in allowed if name in data and getattr(instance, name) != data[name]]
    if changed and not instance.history.exists():
        # The data migration loads the wording without history; record it as it was first, so
        # the first change has a "before".
        instance._history_user = None
        instance.save(update_fields=list(allowed))
    for name in changed:
        setattr(instance, name, data[name])
    instance.full_clean()
    if changed:
        bump(instance, by, *changed)
    return instance


@transaction.atomic
def area_update(*, area: Area, by: Any, expected_version: int | None, data: dict[str, str]) -> Area:
    """Reword an area to consider. Saving without a change records nothing."""
    current = locked(Area, area.pk, expected_version)
    return _update(current, by=by, data=data, allowed=AREA_FIELDS)


@transaction.atomic
def rating_option_update(
    *, option: RatingOption, by: Any, expected_version: int | None, label: str, meaning: str
) -> RatingOption:
    """Reword a point of a scale: its label and what it means, never its code."""
    current = locked(RatingOption, option.pk, expected_version)
    return _update(current, by=by, data={"label": label, "meaning": meaning}, allowed=OPTION_FIELDS)
