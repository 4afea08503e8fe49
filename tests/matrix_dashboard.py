"""Permission-matrix rows for the dashboard filtered and sorted, the priority list filtered by
forum, and the action tracker filtered by priority.

Filters name objects by id in the query string: one out of the user's scope is not offered,
and a link that names one anyway is reported as an invalid filter (200 with an error), never
shown; the rows these pages show are scoped whatever the filters say. The 404s of the priority
page, whose panels are new, are the priorities rows' (matrix_priorities.py).
"""

from django.urls import reverse

from .matrix_actions import build_actions
from .permission_matrix import Row, everyone, register

register(
    Row(
        "home (filtered by department, forum, kind, likelihood and status, sorted)",
        lambda ctx, side: (
            reverse("home")
            + f"?department={getattr(ctx.world, side).pk}&forum={ctx.forum[side].pk}"
            + "&kind=psa&likelihood=R&status=on_track&sort=-likelihood"
        ),
        everyone(200),
    ),
    Row(
        "priorities:list (filtered by forum)",
        lambda ctx, side: reverse("priorities:list") + f"?forum={ctx.forum[side].pk}",
        everyone(200),
    ),
    Row(
        "stocktakes:action_list (filtered by priority)",
        lambda ctx, side: (
            reverse("stocktakes:action_list") + f"?status=all&priority={ctx.priority[side].pk}"
        ),
        everyone(200),
    ),
    builder=build_actions,
)
