"""Permission-matrix rows for the data API (signed in with the session, as the matrix signs in;
tests/test_api.py calls it with tokens) and the API token pages.

It reuses the other features' objects: ctx.priority and ctx.measure (matrix_priorities),
ctx.round_published, ctx.round_draft and ctx.published_assessment (matrix_assessments),
ctx.action (matrix_actions) and ctx.plan and ctx.draft (matrix_plans). Tokens: ctx.token "own"
is the official's, "other" the analyst's.
"""

from django.urls import reverse

from .matrix_actions import build_actions
from .matrix_assessments import build_rounds
from .matrix_data import importers
from .matrix_plans import build_plans, drafts_only
from .matrix_priorities import build_priorities
from .permission_matrix import Row, everyone, register, scoped_read


def build_api(ctx) -> None:
    build_priorities(ctx)
    build_rounds(ctx)
    build_actions(ctx)
    build_plans(ctx)
    if getattr(ctx, "token", None) is not None:
        return
    from api import services

    users = ctx.world.users
    ctx.token_owner = {"own": users["official"], "other": users["analyst"]}
    ctx.token = {
        side: services.token_create(user=owner, by=owner, name=f"Matrix {side}")[0]
        for side, owner in ctx.token_owner.items()
    }


def _api(name, key=None, pick=None):
    def url(ctx, side):
        if key is None:
            return reverse(f"api:{name}")
        target = getattr(ctx, key)
        target = (
            target[side] if isinstance(target, dict) or hasattr(target, "__getitem__") else target
        )
        if pick is not None:
            target = pick(target)
        return reverse(f"api:{name}", args=[target.pk])

    return url


UNIT_LEAD_ONLY = {
    "analyst": 403,
    "unit_lead": 200,
    "minister_all": 403,
    "minister": 403,
    "official": 403,
}

register(
    Row("api:priority-list", _api("priority-list"), everyone(200)),
    Row("api:priority-detail", _api("priority-detail", "priority"), scoped_read()),
    Row("api:measure-list", _api("measure-list"), everyone(200)),
    Row("api:measure-detail", _api("measure-detail", "measure"), scoped_read()),
    Row(
        "api:measure-actuals",
        _api("measure-actuals", "measure"),
        importers(200),
        method="post",
        json=True,
        data=lambda ctx, side: {"actuals": [{"period": "2023-04", "value": "84"}]},
    ),
    Row("api:trajectory-list", _api("trajectory-list"), everyone(200)),
    Row(
        "api:trajectory-detail",
        _api("trajectory-detail", "measure", lambda m: m.trajectories.first()),
        scoped_read(),
    ),
    Row("api:actual-list", _api("actual-list"), everyone(200)),
    Row(
        "api:actual-detail",
        _api("actual-detail", "measure", lambda m: m.actuals.first()),
        scoped_read(),
    ),
    Row("api:round-list", _api("round-list"), everyone(200)),
    Row(
        "api:round-detail",
        lambda ctx, side: reverse("api:round-detail", args=[ctx.round_published.pk]),
        everyone(200),
    ),
    Row(
        "api:round-detail (draft)",
        lambda ctx, side: reverse("api:round-detail", args=[ctx.round_draft.pk]),
        drafts_only(),
    ),
    Row("api:judgement-list", _api("judgement-list"), everyone(200)),
    Row("api:judgement-detail", _api("judgement-detail", "published_assessment"), scoped_read()),
    # Drafts are working papers: the API serves published judgements only, to everyone.
    Row(
        "api:judgement-detail (draft round)",
        _api("judgement-detail", "round_assessment"),
        everyone(404),
    ),
    Row("api:action-list", _api("action-list"), everyone(200)),
    Row("api:action-detail", _api("action-detail", "action"), scoped_read()),
    Row("api:plan-list", _api("plan-list"), everyone(200)),
    Row("api:plan-detail", _api("plan-detail", "plan", lambda built: built.plan), scoped_read()),
    Row("api:objective-list", _api("objective-list"), everyone(200)),
    Row(
        "api:objective-detail",
        _api("objective-detail", "plan", lambda built: built.strategic),
        scoped_read(),
    ),
    Row(
        "api:objective-detail (draft)",
        _api("objective-detail", "draft", lambda draft: draft.objective),
        drafts_only(),
    ),
    Row("api:schema", _api("schema"), everyone(200)),
    Row("api:docs", _api("docs"), everyone(200)),
    Row("tokens:list", lambda ctx, side: reverse("tokens:list"), everyone(200)),
    Row(
        "tokens:create",
        lambda ctx, side: reverse("tokens:create"),
        everyone(201),
        method="post",
        data=lambda ctx, side: {"name": "A dashboard"},
    ),
    # Users revoke their own tokens; the unit lead anyone's; nobody else learns a token exists.
    Row(
        "tokens:revoke",
        lambda ctx, side: reverse("tokens:revoke", args=[ctx.token[side].pk]),
        {
            "analyst": (404, 302),
            "unit_lead": 302,
            "minister_all": 404,
            "minister": 404,
            "official": (302, 404),
        },
        method="post",
    ),
    Row("tokens:users", lambda ctx, side: reverse("tokens:users"), UNIT_LEAD_ONLY),
    Row(
        "tokens:user",
        lambda ctx, side: reverse("tokens:user", args=[ctx.token_owner[side].pk]),
        UNIT_LEAD_ONLY,
    ),
    Row(
        "tokens:user_create",
        lambda ctx, side: reverse("tokens:user_create", args=[ctx.token_owner[side].pk]),
        {**UNIT_LEAD_ONLY, "unit_lead": 201},
        method="post",
        data=lambda ctx, side: {"name": "For them"},
    ),
    builder=build_api,
)
