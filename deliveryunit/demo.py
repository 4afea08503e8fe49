"""Demo departments and one user per role. Idempotent: loading twice changes nothing."""

from django.db import transaction

from .models import Department, Role, User
from .services import user_apply_role

DEMO_PASSWORD = "delivery-demo-2026"  # noqa: S105 - printed by `make run`; demo data only

DEPARTMENTS = [
    ("Home Office", "HO"),
    ("Department of Health", "DH"),
    ("Department for Education", "DfE"),
    ("Department for Work and Pensions", "DWP"),
    ("Cabinet Office", "CO"),
]

# username, first name, last name, role, department code
USERS = [
    ("analyst", "Asha", "Patel", Role.ANALYST, None),
    ("unitlead", "Michael", "Stevens", Role.UNIT_LEAD, None),
    ("minister", "Helen", "Carter", Role.MINISTER, "DH"),
    ("official", "Tom", "Okafor", Role.OFFICIAL, "HO"),
]


@transaction.atomic
def load_foundation() -> list[tuple[str, str, str]]:
    """Create or update the demo departments and users; return (username, role, department)."""
    departments = {}
    for name, code in DEPARTMENTS:
        department, _ = Department.objects.update_or_create(code=code, defaults={"name": name})
        departments[code] = department
    logins = []
    for username, first, last, role, code in USERS:
        department = departments[code] if code else None
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username)
            user.set_password(DEMO_PASSWORD)
        changed = (user.first_name, user.last_name, user.role, user.department_id) != (
            first,
            last,
            role,
            department.pk if department else None,
        )
        if user.pk is None or changed:
            user.first_name, user.last_name, user.role, user.department = (
                first,
                last,
                role,
                department,
            )
            user.email = f"{username}@example.gov.uk"
            user.save()
        user_apply_role(user=user)
        logins.append((username, Role(role).label, department.name if department else "all"))
    return logins
