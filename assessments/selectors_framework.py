"""Reads for editing the framework: the changes made to an area or a rating option's wording.
The framework itself, as the page shows it, is selectors.framework()."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model


@dataclass
class WordingChange:
    when: datetime
    who: Any
    fields: list[str]


def wording_changes(instance: Model, fields: list[str]) -> list[WordingChange]:
    """The record's changes, newest first: when, who, and which of `fields` changed (a save
    that changed none of them, such as a version moving on, is left out)."""
    records = list(instance.history.select_related("history_user").order_by("-history_date"))  # type: ignore[attr-defined]
    labels = {name: str(instance._meta.get_field(name).verbose_name) for name in fields}
    changes = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if older is None:
            changed = ["first recorded wording"]
        else:
            delta = newer.diff_against(older, included_fields=fields)
            changed = [labels[c.field] for c in delta.changes]
            if not changed:
                continue
        changes.append(
            WordingChange(when=newer.history_date, who=newer.history_user, fields=changed)
        )
    return changes
