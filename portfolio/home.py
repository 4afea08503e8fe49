"""What the home page offers each user: their access, and the parts of the routine they use.

The portfolio app is the roof of the project, so it may read from every app.
"""

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from deliveryunit import access
from deliveryunit.models import Role
from priorities.selectors import priority_count_for_user
from reviews.selectors import reviews_under_way_count

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


@dataclass(frozen=True)
class Section:
    title: str
    description: str
    url: str | None
    count: int | None = None
    count_label: str = ""


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def scope_description(user: Any) -> str:
    if access.sees_all_departments(user):
        return "All departments"
    if user.department_id is None:
        return "No department set: ask the unit lead to assign one"
    return user.department.name


def sections_for(user: Any) -> list[Section]:
    sections: list[Section] = []
    priorities_url = _url("priorities:list")
    sections.append(
        Section(
            title="Priorities and trajectories",
            description="Targets, their measures, planned trajectories and the latest data.",
            url=priorities_url,
            count=priority_count_for_user(user),
            count_label="priorities you can see",
        )
    )
    sections.append(
        Section(
            title="Likelihood-of-delivery assessments",
            description="Six-monthly judgements on each priority, moderated and published.",
            url=_url("assessments:round_list"),
        )
    )
    sections.append(
        Section(
            title="Stocktakes and task forces",
            description="Meetings, agenda packs, the action tracker and minutes.",
            url=_url("stocktakes:forum_list"),
        )
    )
    sections.append(
        Section(
            title="Priority reviews",
            description="Deep dives into priorities that are off track.",
            url=_url("reviews:review_list"),
            count=reviews_under_way_count(user),
            count_label="reviews under way you can see",
        )
    )
    sections.append(
        Section(
            title="Documents",
            description="Delivery reports, notes to the Prime Minister and packs.",
            url=_url("documents:list"),
        )
    )
    return sections
