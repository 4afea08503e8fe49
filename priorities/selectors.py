"""Reads for priorities, scoped to the user, with their related rows fetched up front."""

from typing import Any

from deliveryunit import access

from .models import Priority


def priority_count_for_user(user: Any) -> int:
    return access.scoped(Priority.objects.filter(active=True), user).count()
