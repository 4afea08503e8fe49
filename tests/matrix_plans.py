"""Permission-matrix rows for the plans pages and the public progress pages.

ctx.plan is {"own": PlanWorld, "other": PlanWorld} (tests/plans_world.py): a published plan of
the Home Office (the matrix users' department) and one of the Department of Health. Each then
has a refresh in draft, ctx.draft {"own": ..., "other": ...}, with its copied objective, measure
link and timetable line; and its published strategic objective has a draft quarterly return
(ctx.quarterly).

Drafts are the unit's working papers: everyone else gets 404 for them, as for any object they
may not see. Quarterly returns and notes are written by the unit and by officials of the plan's
department; ministers read.
"""

from datetime import date
from types import SimpleNamespace

from django.urls import reverse

from .permission_matrix import Row, editors_only, everyone, register, scoped_read
from .plans_world import build_plan


class _Lazy:
    """ctx.plan, ctx.draft and ctx.quarterly, built when a row first asks for one: every
    matrix cell builds a context, and only the plans rows need these."""

    def __init__(self, ctx, key):
        self.ctx, self.key = ctx, key

    def __getitem__(self, side):
        if not hasattr(self.ctx, "_plans"):
            self.ctx._plans = _build(self.ctx.world)
        return self.ctx._plans[self.key][side]


def build_plans(ctx) -> None:
    if getattr(ctx, "plan", None) is not None:
        return
    ctx.plan, ctx.draft, ctx.quarterly = (_Lazy(ctx, key) for key in ("plan", "draft", "quarterly"))


def _build(world) -> dict:
    from plans import services
    from plans.models import Rag

    analyst = world.users["analyst"]
    built_all = {"plan": {}, "draft": {}, "quarterly": {}}
    for side, department in (("own", world.own), ("other", world.other)):
        built = build_plan(department, analyst)
        built_all["plan"][side] = built
        version = services.version_new_draft(plan=built.plan, by=analyst)
        objective = version.objectives.get(code=built.strategic.code)
        built_all["draft"][side] = SimpleNamespace(
            version=version,
            objective=objective,
            link=objective.measure_links.get(),
            item=objective.timetable.order_by("due").first(),
        )
        built_all["quarterly"][side] = services.return_create(
            objective=built.strategic,
            by=analyst,
            data=services.ReturnData(
                quarter=date(2016, 4, 1),
                rag=Rag.AMBER,
                commentary="On course.",
                milestones_met=[],
                milestones_missed=[],
            ),
            today=date(2016, 8, 1),
        )
    return built_all


def drafts_only(ok: int = 200) -> dict[str, int | tuple[int, int]]:
    """Only the unit sees drafts; for everyone else they do not exist."""
    return {"analyst": ok, "unit_lead": ok, "minister_all": 404, "minister": 404, "official": 404}


def writers(ok: int = 200) -> dict[str, int | tuple[int, int]]:
    """Progress on the plan: the unit, and officials of the plan's department."""
    return {
        "analyst": ok,
        "unit_lead": ok,
        "minister_all": 403,
        "minister": (403, 404),
        "official": (ok, 404),
    }


def _url(name, *path):
    """reverse(name) with the pk found by following `path` from the context, per side."""

    def build(ctx, side):
        target = getattr(ctx, path[0])[side]
        for attribute in path[1:]:
            target = getattr(target, attribute)
        return reverse(f"plans:{name}", args=[target.pk])

    return build


def _version_of(model_name, *path):
    def data(ctx, side):
        from django.apps import apps

        target = getattr(ctx, path[0])[side]
        for attribute in path[1:]:
            target = getattr(target, attribute)
        model = apps.get_model("plans", model_name)
        return {"version": model.objects.get(pk=target.pk).version}

    return data


CREATOR_ONLY = {
    "analyst": 200,
    "unit_lead": 200,
    "minister_all": 403,
    "minister": 403,
    "official": 403,
}

register(
    Row("plans:plan_list", lambda ctx, side: reverse("plans:plan_list"), everyone(200)),
    Row("plans:plan_create", lambda ctx, side: reverse("plans:plan_create"), CREATOR_ONLY),
    Row("plans:plan_detail", _url("plan_detail", "plan", "plan"), scoped_read()),
    Row("plans:version_detail", _url("version_detail", "plan", "version"), scoped_read()),
    Row("plans:version_detail (draft)", _url("version_detail", "draft", "version"), drafts_only()),
    Row("plans:version_edit", _url("version_edit", "draft", "version"), drafts_only()),
    Row(
        "plans:version_edit (published)",
        _url("version_edit", "plan", "version"),
        editors_only(403),
    ),
    Row(
        "plans:version_publish",
        _url("version_publish", "draft", "version"),
        drafts_only(302),
        method="post",
        data=_version_of("PlanVersion", "draft", "version"),
    ),
    # Each plan already has its refresh in draft: the unit is told so and sent back.
    Row(
        "plans:version_new_draft",
        _url("version_new_draft", "plan", "plan"),
        editors_only(302),
        method="post",
    ),
    Row("plans:coverage", _url("coverage", "plan", "version"), scoped_read()),
    Row("plans:objective_create", _url("objective_create", "draft", "version"), drafts_only()),
    Row("plans:objective_detail", _url("objective_detail", "plan", "strategic"), scoped_read()),
    Row(
        "plans:objective_detail (draft)",
        _url("objective_detail", "draft", "objective"),
        drafts_only(),
    ),
    Row("plans:objective_edit", _url("objective_edit", "draft", "objective"), drafts_only()),
    Row(
        "plans:objective_edit (published)",
        _url("objective_edit", "plan", "strategic"),
        editors_only(403),
    ),
    Row(
        "plans:objective_remove",
        _url("objective_remove", "draft", "objective"),
        drafts_only(302),
        method="post",
        data=_version_of("Objective", "draft", "objective"),
    ),
    Row(
        "plans:objective_measures",
        _url("objective_measures", "draft", "objective"),
        drafts_only(),
    ),
    Row("plans:measure_link_edit", _url("measure_link_edit", "draft", "link"), drafts_only()),
    Row(
        "plans:measure_link_remove",
        _url("measure_link_remove", "draft", "link"),
        drafts_only(302),
        method="post",
        data=_version_of("ObjectiveMeasure", "draft", "link"),
    ),
    Row("plans:timetable_add", _url("timetable_add", "draft", "objective"), drafts_only()),
    Row("plans:timetable_edit", _url("timetable_edit", "draft", "item"), drafts_only()),
    Row(
        "plans:timetable_remove",
        _url("timetable_remove", "draft", "item"),
        drafts_only(302),
        method="post",
        data=_version_of("TimetableItem", "draft", "item"),
    ),
    Row("plans:return_create", _url("return_create", "plan", "strategic"), writers()),
    Row("plans:return_edit", _url("return_edit", "quarterly"), writers()),
    Row(
        "plans:return_submit",
        _url("return_submit", "quarterly"),
        writers(302),
        method="post",
        data=_version_of("QuarterlyReturn", "quarterly"),
    ),
    # The return is a draft, so agreeing it is refused with a message; only the unit gets that
    # far.
    Row(
        "plans:return_agree",
        _url("return_agree", "quarterly"),
        editors_only(302),
        method="post",
        data=_version_of("QuarterlyReturn", "quarterly"),
    ),
    Row(
        "plans:note_add",
        _url("note_add", "plan", "strategic"),
        writers(302),
        method="post",
        data=lambda ctx, side: {"noted_on": "2016-09-01", "text": "Spoke to the SRO."},
    ),
    Row("plans:commitment_list", lambda ctx, side: reverse("plans:commitment_list"), everyone(200)),
    Row(
        "plans:commitment_create",
        lambda ctx, side: reverse("plans:commitment_create"),
        CREATOR_ONLY,
    ),
    Row("plans:commitment_edit", _url("commitment_edit", "plan", "commitment"), editors_only()),
    Row("plans:task_force", _url("task_force", "plan", "task_force"), scoped_read()),
    # The public progress pages: open to everyone, signed in or not; drafts are not there.
    Row("progress:index", lambda ctx, side: reverse("progress:index"), everyone(200)),
    Row(
        "progress:plan",
        lambda ctx, side: reverse("progress:plan", args=[ctx.plan[side].plan.pk]),
        everyone(200),
    ),
    Row(
        "progress:objective",
        lambda ctx, side: reverse("progress:objective", args=[ctx.plan[side].strategic.pk]),
        everyone(200),
    ),
    Row(
        "progress:objective (draft)",
        lambda ctx, side: reverse("progress:objective", args=[ctx.draft[side].objective.pk]),
        everyone(404),
    ),
    Row("progress:csv", lambda ctx, side: reverse("progress:csv"), everyone(200)),
    builder=build_plans,
)
