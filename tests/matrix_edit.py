"""Permission-matrix rows for the edit forms and the actuals grid (priorities/urls_edit.py).

Forms are for editors only. The actuals grid and its cells are also open to officials of the
priority's lead department; ministers never edit.
"""

from datetime import date

from django.urls import reverse

from .factories import MeasureFactory, MilestoneFactory, PriorityFactory
from .permission_matrix import Row, editors_only, register


def build(ctx) -> None:
    world = ctx.world
    ctx.edit_priority = {}
    ctx.edit_measure = {}
    ctx.edit_milestone = {}
    for side, department in (("own", world.own), ("other", world.other)):
        priority = PriorityFactory(lead_department=department, start=date(2023, 1, 1))
        ctx.edit_priority[side] = priority
        ctx.edit_measure[side] = MeasureFactory(priority=priority, frequency="monthly")
        ctx.edit_milestone[side] = MilestoneFactory(priority=priority)


def _priority(name):
    return lambda ctx, side: reverse(name, args=[ctx.edit_priority[side].pk])


def _measure(name):
    return lambda ctx, side: reverse(name, args=[ctx.edit_measure[side].pk])


def _milestone(name):
    return lambda ctx, side: reverse(name, args=[ctx.edit_milestone[side].pk])


DATA_ENTRY = {
    "analyst": 200,
    "unit_lead": 200,
    "minister_all": 403,
    "minister": (403, 404),
    "official": (200, 404),
}
# A saved cell without htmx is redirected back to the grid.
CELL_SAVED = {**DATA_ENTRY, "analyst": 302, "unit_lead": 302, "official": (302, 404)}

register(
    Row(
        "priorities:create",
        lambda ctx, side: reverse("priorities:create"),
        {
            "analyst": 200,
            "unit_lead": 200,
            "minister_all": 403,
            "minister": 403,
            "official": 403,
        },
    ),
    Row("priorities:edit", _priority("priorities:edit"), editors_only()),
    Row("priorities:measure_create", _priority("priorities:measure_create"), editors_only()),
    Row("priorities:measure_edit", _measure("priorities:measure_edit"), editors_only()),
    Row("priorities:trajectory_create", _measure("priorities:trajectory_create"), editors_only()),
    Row("priorities:milestone_create", _priority("priorities:milestone_create"), editors_only()),
    Row("priorities:milestone_edit", _milestone("priorities:milestone_edit"), editors_only()),
    Row("priorities:actuals_grid", _measure("priorities:actuals_grid"), DATA_ENTRY),
    Row(
        "priorities:actual_cell POST",
        lambda ctx, side: reverse(
            "priorities:actual_cell", args=[ctx.edit_measure[side].pk, "2023-09"]
        ),
        CELL_SAVED,
        method="post",
        data=lambda ctx, side: {"value": "12.5", "status": "final", "version": "0"},
    ),
    builder=build,
)
