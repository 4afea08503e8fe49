"""Writes to users that keep their admin access in step with their role."""

from django.contrib.auth.models import Group
from django.db import transaction

from .models import Role, User

UNIT_LEAD_GROUP = "Unit lead"


@transaction.atomic
def user_apply_role(*, user: User) -> None:
    """Unit leads manage users and unlock accounts in the admin; no other role uses it."""
    is_lead = user.role == Role.UNIT_LEAD
    if user.is_staff != (is_lead or user.is_superuser):
        user.is_staff = is_lead or user.is_superuser
        user.save(update_fields=["is_staff"])
    group = Group.objects.get(name=UNIT_LEAD_GROUP)
    if is_lead:
        user.groups.add(group)
    else:
        user.groups.remove(group)
