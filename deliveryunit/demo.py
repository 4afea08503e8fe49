"""Demo departments, one user per role (and a Prime Minister), and the demo's "as at" date.

Idempotent: loading twice changes nothing.

The demo's eras, and the date it treats as today
------------------------------------------------
The demo holds three eras of delivery-unit work: the Prime Minister's Delivery Unit on asylum
and London schools (2002-2006), the Earn or Learn implementation task force (2015-2016), and the
NHS waiting-time priorities with a Home Office backlog pledge (2022-2023). Its public series end
in 2023 (A&E to September 2023, published 12 October 2023), so the workbench treats AS_AT,
31 October 2023, as today (`deliveryunit.clock`; every page says so in a banner). Against that
date:

- The 2022-2023 era is current. Its rounds are December 2022 and June 2023 (published, each
  judging the data that existed by its date) and October 2023 (open, in draft, dated the as-at
  date). Its stocktakes have a meeting held and minuted and the next one planned after the as-at
  date; some of their actions are outstanding, and one is overdue as at 31 October 2023, as in
  any live tracker.
- Past eras are closed in their own time. Their priorities ended long before the as-at date
  (2005, 2006, 2020), so they are inactive: kept with their history, shown in lists, grids,
  reports and forums, but left off dashboards, the PM's note, the open round and the data due.
  Their rounds were published in their era; their meetings were held and minuted then; every
  action agreed at them was done or dropped, with an update that says when. Nothing from 2003
  or 2016 is open, so nothing from them shows as overdue or due today.
- Every date is fixed: nothing is computed from the day the demo is loaded, so two loads on
  different days give the same demo.

Text written for the demo that is not from the seed or a public source says it is illustrative
where users read it (see `illustrative()`).
"""

from datetime import date

from django.db import transaction

from .models import Department, Role, User
from .services import user_apply_role

DEMO_PASSWORD = "delivery-demo-2026"  # noqa: S105 - printed by `make run`; demo data only

# The date the demo workbench treats as today (see the module docstring).
AS_AT = date(2023, 10, 31)

ILLUSTRATIVE = "(Illustrative.)"

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
    # A minister with no department reads the whole portfolio.
    ("pm", "Prime", "Minister", Role.MINISTER, None),
    ("minister", "Helen", "Carter", Role.MINISTER, "DH"),
    ("official", "Tom", "Okafor", Role.OFFICIAL, "HO"),
    ("official_health", "Grace", "Adeyemi", Role.OFFICIAL, "DH"),
]


def illustrative(text: str) -> str:
    """`text`, written for the demo rather than taken from the seed or a public source, marked
    so for the people who read it."""
    return f"{text} {ILLUSTRATIVE}"


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
