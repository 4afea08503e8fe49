"""Permission-matrix rows for the priority read pages, and the builder other priority features
reuse: ctx.priority, ctx.measure and ctx.milestone, each {"own": ..., "other": ...}, where "own"
is led by the Home Office (the matrix users' department) and "other" by the Department of
Health. Each measure has a trajectory and an actual, so pages with charts draw them."""

from datetime import date

from django.urls import reverse

from .factories import MeasureFactory, MilestoneFactory, PriorityFactory, add_trajectory
from .permission_matrix import Row, everyone, register, scoped_read


def build_priorities(ctx) -> None:
    # Several feature modules may register this builder; build once.
    if getattr(ctx, "priority", None) is not None:
        return
    from priorities import services
    from priorities.services import ActualData

    world = ctx.world
    ctx.priority, ctx.measure, ctx.milestone = {}, {}, {}
    for side, department in (("own", world.own), ("other", world.other)):
        priority = PriorityFactory(
            code=f"M-{department.code}", title=f"Matrix priority {side}", lead_department=department
        )
        measure = MeasureFactory(priority=priority, name=f"Matrix measure {side}")
        add_trajectory(measure, [(date(2023, 1, 1), 80), (date(2023, 12, 1), 95)])
        services.actual_record(
            measure=measure,
            by=world.users["analyst"],
            data=ActualData(period=date(2023, 3, 1), value=83),
        )
        ctx.priority[side] = priority
        ctx.measure[side] = measure
        ctx.milestone[side] = MilestoneFactory(priority=priority, title=f"Matrix milestone {side}")


register(
    Row(
        "priorities:detail",
        lambda ctx, side: reverse("priorities:detail", args=[ctx.priority[side].pk]),
        scoped_read(),
    ),
    Row(
        "priorities:history",
        lambda ctx, side: reverse("priorities:history", args=[ctx.priority[side].pk]),
        scoped_read(),
    ),
    Row(
        "priorities:measure_history",
        lambda ctx, side: reverse("priorities:measure_history", args=[ctx.measure[side].pk]),
        scoped_read(),
    ),
    Row(
        "priorities:earlier_trajectories",
        lambda ctx, side: reverse("priorities:earlier_trajectories", args=[ctx.measure[side].pk]),
        scoped_read(),
    ),
    Row(
        "priorities:list (filtered by department)",
        lambda ctx, side: reverse("priorities:list") + f"?department={getattr(ctx.world, side).pk}",
        # An out-of-scope department is not offered and is reported as an invalid filter.
        everyone(200),
    ),
    builder=build_priorities,
)
