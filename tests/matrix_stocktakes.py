"""Permission-matrix rows for forum and meeting pages, and the builder other stocktake features
reuse: ctx.forum, ctx.meeting, ctx.agenda_item and ctx.forum_member, each {"own": ...,
"other": ...}, where the "own" forum covers a priority led by the Home Office (the matrix
users' department) and the "other" one a priority led by the Department of Health. Each
meeting is planned, with the forum's members invited and one agenda item on its priority."""

from datetime import date, time

from django.urls import reverse

from .matrix_priorities import build_priorities
from .permission_matrix import Row, editors_only, everyone, register, scoped_read


def build_stocktakes(ctx) -> None:
    # Several feature modules may register this builder; build once.
    if getattr(ctx, "meeting", None) is not None:
        return
    from stocktakes import services
    from stocktakes.models import AttendeeKind, ForumKind, ForumMember

    build_priorities(ctx)
    world = ctx.world
    analyst = world.users["analyst"]
    ctx.forum, ctx.meeting, ctx.agenda_item, ctx.forum_member = {}, {}, {}, {}
    for side, department in (("own", world.own), ("other", world.other)):
        forum = services.forum_create(
            by=analyst,
            name=f"Matrix forum {side}",
            kind=ForumKind.TASK_FORCE,
            chair="Minister for the Cabinet Office",
            terms_of_reference="Keep delivery on track.",
            cycle_weeks=6,
            priorities=[ctx.priority[side]],
        )
        ctx.forum_member[side] = ForumMember.objects.create(
            forum=forum,
            role="Minister for the Cabinet Office",
            kind=AttendeeKind.MINISTER,
            is_chair=True,
            order=1,
        )
        ForumMember.objects.create(
            forum=forum,
            role="Director General",
            kind=AttendeeKind.OFFICIAL,
            department=department,
            order=2,
        )
        meeting = services.meeting_schedule(
            forum=forum,
            by=analyst,
            date=date(2024, 3, 6),
            start_time=time(10),
            place="70 Whitehall",
        )
        ctx.agenda_item[side] = services.agenda_item_add(
            meeting=meeting,
            by=analyst,
            title=f"Matrix item {side}",
            lead="Director General",
            minutes_allowed=20,
            priority=ctx.priority[side],
        )
        ctx.forum[side] = forum
        ctx.meeting[side] = meeting


def _args(name, *keys):
    return lambda ctx, side: reverse(
        f"stocktakes:{name}", args=[getattr(ctx, key)[side].pk for key in keys]
    )


def _meeting_item(name):
    return lambda ctx, side: reverse(
        f"stocktakes:{name}", args=[ctx.meeting[side].pk, ctx.agenda_item[side].pk]
    )


def _forum_version(ctx, side):
    """The forum's version as a page would show it now (earlier cells may have moved it on)."""
    from stocktakes.models import Forum

    return Forum.objects.get(pk=ctx.forum[side].pk).version


def _item_version(ctx, side):
    from stocktakes.models import AgendaItem

    item = AgendaItem.objects.filter(pk=ctx.agenda_item[side].pk).first()
    return item.version if item else 1


def _forum_member(name):
    return lambda ctx, side: reverse(
        f"stocktakes:{name}", args=[ctx.forum[side].pk, ctx.forum_member[side].pk]
    )


# A successful post redirects (or, for htmx-free agenda posts, redirects to the meeting).
register(
    Row("stocktakes:forum_list", lambda ctx, side: reverse("stocktakes:forum_list"), everyone(200)),
    Row(
        "stocktakes:forum_create",
        lambda ctx, side: reverse("stocktakes:forum_create"),
        {
            "analyst": 200,
            "unit_lead": 200,
            "minister_all": 403,
            "minister": 403,
            "official": 403,
        },
    ),
    Row("stocktakes:forum_detail", _args("forum_detail", "forum"), scoped_read()),
    Row("stocktakes:forum_edit", _args("forum_edit", "forum"), editors_only()),
    Row(
        "stocktakes:forum_member_add",
        _args("forum_member_add", "forum"),
        editors_only(302),
        method="post",
        data=lambda ctx, side: {
            "member-role": "Secretary of State",
            "member-kind": "minister",
            "member-version": _forum_version(ctx, side),
        },
    ),
    Row(
        "stocktakes:forum_member_remove",
        _forum_member("forum_member_remove"),
        editors_only(302),
        method="post",
        data=lambda ctx, side: {"version": _forum_version(ctx, side)},
    ),
    Row("stocktakes:meeting_schedule", _args("meeting_schedule", "forum"), editors_only()),
    Row("stocktakes:meeting_detail", _args("meeting_detail", "meeting"), scoped_read()),
    Row("stocktakes:meeting_edit", _args("meeting_edit", "meeting"), editors_only()),
    Row(
        "stocktakes:meeting_attendance",
        _args("meeting_attendance", "meeting"),
        editors_only(302),
        method="post",
        data=lambda ctx, side: {},
    ),
    Row("stocktakes:agenda_add", _args("agenda_add", "meeting"), editors_only()),
    Row("stocktakes:agenda_edit", _meeting_item("agenda_edit"), editors_only()),
    Row(
        "stocktakes:agenda_remove",
        _meeting_item("agenda_remove"),
        editors_only(302),
        method="post",
        data=lambda ctx, side: {"version": _item_version(ctx, side)},
    ),
    # Planned meetings cannot be held before their pack: editors are refused with a message.
    Row(
        "stocktakes:meeting_mark_held",
        _args("meeting_mark_held", "meeting"),
        editors_only(302),
        method="post",
    ),
    builder=build_stocktakes,
)
