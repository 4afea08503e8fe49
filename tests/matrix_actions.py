"""Permission-matrix rows for the action tracker and the minutes, and their builder.

On top of build_stocktakes (ctx.forum, ctx.meeting, ctx.agenda_item), it adds, each
{"own": ..., "other": ...} with "own" in the Home Office and "other" in the Department of
Health:
- ctx.action: an action agreed at ctx.meeting, owned in the workbench by the matrix official.
  The official owns the "other" one too, which shows that scope is decided before ownership:
  an action outside their department is 404 even to its owner.
- ctx.action_unowned: an action nobody updates in the workbench.
- ctx.held_meeting: a second meeting of the forum, held, whose draft minutes have a
  distribution list, so that issuing them succeeds.
"""

from datetime import date

from django.urls import reverse

from .matrix_stocktakes import build_stocktakes
from .permission_matrix import Row, editors_only, everyone, register, scoped_read


def build_actions(ctx) -> None:
    if getattr(ctx, "action", None) is not None:
        return
    from stocktakes import services
    from stocktakes.models import Meeting, MeetingStatus

    build_stocktakes(ctx)
    world = ctx.world
    analyst = world.users["analyst"]
    ctx.action, ctx.action_unowned, ctx.held_meeting = {}, {}, {}
    for side, department in (("own", world.own), ("other", world.other)):
        ctx.action[side] = services.action_create(
            by=analyst,
            description=f"Matrix action {side}",
            owner="Director General",
            owner_user=world.users["official"],
            department=department,
            due=date(2024, 6, 30),
            meeting=ctx.meeting[side],
            agenda_item=ctx.agenda_item[side],
        )
        ctx.action_unowned[side] = services.action_create(
            by=analyst,
            description=f"Matrix action nobody updates {side}",
            owner="Permanent Secretary",
            department=department,
            due=date(2024, 6, 30),
            meeting=ctx.meeting[side],
        )
        held = services.meeting_schedule(forum=ctx.forum[side], by=analyst, date=date(2024, 4, 17))
        services.agenda_item_add(meeting=held, by=analyst, title=f"Matrix held item {side}")
        # Held without building a pack: the pack pipeline is not what these rows are about.
        Meeting.objects.filter(pk=held.pk).update(status=MeetingStatus.HELD)
        services.minutes_save(
            meeting=held,
            by=analyst,
            expected_version=None,
            summary="Matrix minutes",
            distribution="secretariat@example.gov.uk",
            items={},
        )
        ctx.held_meeting[side] = held


def _action(name, key="action"):
    return lambda ctx, side: reverse(f"stocktakes:{name}", args=[getattr(ctx, key)[side].pk])


def _meeting(name, key="meeting"):
    return lambda ctx, side: reverse(f"stocktakes:{name}", args=[getattr(ctx, key)[side].pk])


def _status_update(key):
    return lambda ctx, side: {
        "status": "in_progress",
        "note": "Matrix progress",
        "version": getattr(ctx, key)[side].version,
    }


def _new_action(ctx, side):
    return {
        "action-description": "Matrix allocated action",
        "action-owner": "Director General",
        "action-department": getattr(ctx.world, side).pk,
        "action-due": "2024-09-30",
        "action-agenda_item": ctx.agenda_item[side].pk,
    }


def _owner_may(ok: int, hidden: int = 404) -> dict:
    """Editors update any action; the official only their own; ministers never."""
    return {
        "analyst": ok,
        "unit_lead": ok,
        "minister_all": 403,
        "minister": (403, hidden),
        "official": (ok, hidden),
    }


register(
    Row(
        "stocktakes:action_list", lambda ctx, side: reverse("stocktakes:action_list"), everyone(200)
    ),
    Row(
        "stocktakes:action_list (filtered by forum, all statuses)",
        lambda ctx, side: (
            reverse("stocktakes:action_list")
            + f"?status=all&forum={ctx.forum[side].pk}&sort=-status"
        ),
        # A forum out of scope is not offered and is reported as an invalid filter.
        everyone(200),
    ),
    Row("stocktakes:action_detail", _action("action_detail"), scoped_read()),
    # Successful non-htmx updates redirect to the action.
    Row(
        "stocktakes:action_update",
        _action("action_update"),
        _owner_may(302),
        method="post",
        data=_status_update("action"),
    ),
    Row(
        "stocktakes:action_update (someone else's action)",
        _action("action_update", "action_unowned"),
        editors_only(302),
        method="post",
        data=_status_update("action_unowned"),
    ),
    Row("stocktakes:minutes_edit", _meeting("minutes_edit"), editors_only()),
    Row(
        "stocktakes:minutes_edit (save)",
        _meeting("minutes_edit"),
        editors_only(302),
        method="post",
        data=lambda ctx, side: {
            "summary": "Matrix summary",
            "distribution": "private.office@example.gov.uk",
            "version": "0",
        },
    ),
    Row(
        "stocktakes:action_create_in_minutes",
        _meeting("action_create_in_minutes"),
        editors_only(302),
        method="post",
        data=_new_action,
    ),
    Row(
        "stocktakes:minutes_issue",
        _meeting("minutes_issue", "held_meeting"),
        editors_only(302),
        method="post",
        data=lambda ctx, side: {"version": "1"},
    ),
    # Before the meeting is held, editors are refused with a message and nothing changes.
    Row(
        "stocktakes:minutes_issue (meeting not held)",
        _meeting("minutes_issue"),
        editors_only(422),
        method="post",
        data=lambda ctx, side: {},
    ),
    Row("stocktakes:minutes_view", _meeting("minutes_view", "held_meeting"), scoped_read()),
    # Minutes not issued yet have nothing to send again: editors are told so on the page.
    Row(
        "stocktakes:minutes_send_again",
        _meeting("minutes_send_again", "held_meeting"),
        editors_only(302),
        method="post",
        data=lambda ctx, side: {"delivery": "1"},
    ),
    builder=build_actions,
)
