"""Writes to user accounts, made by the unit lead on the users pages.

Nothing here can make anyone staff or a superuser, or give them groups, permissions or a
password: superusers are made only from the command line (`manage.py createsuperuser`), and
people set their own password, a new user from a one-time set-up link.
"""

from typing import Any

from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.db import transaction

from .editing import locked
from .models import Role, User, UserEvent

# Kept so that old references to the name still read; the group itself is gone (migration 0005).
UNIT_LEAD_GROUP = "Unit lead"
EDITABLE_FIELDS = ("first_name", "last_name", "email", "role", "department", "is_active")
NOT_YOURSELF = (
    "You cannot change your own role or deactivate your own account: ask another unit lead."
)


def user_apply_role(*, user: User) -> None:
    """Nobody but a superuser reaches the admin: staff follows superuser, never a role."""
    if user.is_staff != user.is_superuser:
        user.is_staff = user.is_superuser
        user.save(update_fields=["is_staff"])
    if user.groups.filter(name=UNIT_LEAD_GROUP).exists():
        user.groups.remove(*user.groups.filter(name=UNIT_LEAD_GROUP))


def _changes(before: dict[str, Any], user: User) -> str:
    return "; ".join(
        f"{name}: {before[name] or '-'} -> {getattr(user, name) or '-'}"
        for name in EDITABLE_FIELDS
        if before[name] != getattr(user, name)
    )


@transaction.atomic
def user_create(
    *,
    by: User,
    username: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    role: str = Role.OFFICIAL,
    department: Any = None,
) -> User:
    """A new account with no usable password: its owner sets one from the set-up link."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=role,
        department=department,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    UserEvent.objects.create(user=user, by=by, action="created", detail=f"role: {role}")
    return user


@transaction.atomic
def user_update(*, user: User, by: User, expected_version: int | None, **fields: Any) -> User:
    """Role, department, names, e-mail and whether the account is active; nothing else."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"user_update cannot change {sorted(unknown)}")
    current = locked(User, user.pk, expected_version)
    before = {name: getattr(current, name) for name in EDITABLE_FIELDS}
    for name, value in fields.items():
        setattr(current, name, value)
    if current.pk == by.pk and (current.role != before["role"] or not current.is_active):
        raise ValidationError(NOT_YOURSELF)
    current.full_clean()
    current.version += 1
    current.save(update_fields=[*fields, "version"])
    detail = _changes(before, current)
    if before["is_active"] != current.is_active:
        action = "activated" if current.is_active else "deactivated"
    else:
        action = "changed"
    UserEvent.objects.create(user=current, by=by, action=action, detail=detail)
    return current


@transaction.atomic
def user_unlock(*, user: User, by: User) -> int:
    """Clear the failed sign-ins that locked the account out; how many there were."""
    deleted, _ = AccessAttempt.objects.filter(username=user.username).delete()
    UserEvent.objects.create(user=user, by=by, action="unlocked", detail=f"{deleted} cleared")
    return deleted
