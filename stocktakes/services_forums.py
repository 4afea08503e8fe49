"""Writes to a forum's standing members (by role). Meetings copy them as attendees when
scheduled, so changing them never alters a meeting already planned."""

from typing import Any

from django.db import transaction
from django.db.models import Max

from deliveryunit.editing import attribute

from .models import Forum, ForumMember


def _bump(forum: Forum, by: Any) -> None:
    current = Forum.objects.select_for_update().get(pk=forum.pk)
    current.version += 1
    attribute(current, by)
    current.save(update_fields=["version"])


@transaction.atomic
def forum_member_add(*, forum: Forum, by: Any, **fields: Any) -> ForumMember:
    last = forum.members.aggregate(n=Max("order"))["n"] or 0
    fields.setdefault("order", last + 1)
    member = ForumMember(forum=forum, **fields)
    member.full_clean()
    if member.is_chair:
        # One chair at a time: naming a new one stands the old one down.
        forum.members.filter(is_chair=True).update(is_chair=False)
    member.save()
    _bump(forum, by)
    return member


@transaction.atomic
def forum_member_remove(*, member: ForumMember, by: Any) -> None:
    forum = member.forum
    member.delete()
    _bump(forum, by)
