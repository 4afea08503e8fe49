"""What the home page says about the signed-in user's access. The rest of the page is the
portfolio dashboard (dashboard.py) and what is due from them (due.py)."""

from typing import Any

from deliveryunit import access
from deliveryunit.models import Role

ROLE_SUMMARY = {
    Role.ANALYST: "You can create and edit priorities, data and judgements, and build documents.",
    Role.UNIT_LEAD: (
        "You can do everything an analyst can, and also moderate and publish assessment rounds, "
        "reopen a published round, and manage users and the assessment framework."
    ),
    Role.MINISTER: "You can read dashboards, reports and packs.",
    Role.OFFICIAL: (
        "You can read your department's priorities, download its packs and reports, update the "
        "actions you own and submit data for your department's measures."
    ),
}


def scope_description(user: Any) -> str:
    if access.sees_all_departments(user):
        return "All departments"
    if user.department_id is None:
        return "No department set: ask the unit lead to assign one"
    return user.department.name
