"""Writes to a forum's standing members (by role). Meetings copy them as attendees when
scheduled, so changing them never alters a meeting already planned.

The members are part of the forum: adding or removing one moves the forum's version on, and
both carry the forum's version the user saw, checked under the forum's lock. Someone who names
a chair on a page opened before another chair was named is told, rather than standing the
new chair down unseen.
"""

from typing import Any

from django.db import transaction
from django.db.models import Max

from deliveryunit.editing import bump, locked

from .models import Forum, ForumMember


@transaction.atomic
def forum_member_add(
    *, forum: Forum, by: Any, expected_version: int | None, **fields: Any
) -> ForumMember:
    current = locked(Forum, forum.pk, expected_version)
    last = current.members.aggregate(n=Max("order"))["n"] or 0
    fields.setdefault("order", last + 1)
    member = ForumMember(forum=current, **fields)
    member.full_clean()
    if member.is_chair:
        # One chair at a time: naming a new one stands the old one down.
        current.members.filter(is_chair=True).update(is_chair=False)
    member.save()
    bump(current, by)
    return member


@transaction.atomic
def forum_member_remove(*, member: ForumMember, by: Any, expected_version: int | None) -> None:
    current = locked(Forum, member.forum_id, expected_version)
    # Removed already by whoever moved the version on: nothing is left to do.
    current.members.filter(pk=member.pk).delete()
    bump(current, by)
