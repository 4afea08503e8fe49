"""Permission-matrix rows for the round pages, the grid, the movement report and the framework
pages, and the builder they use: ctx.round_draft and ctx.round_published, each containing the
Home Office priority ("own") and the Department of Health priority ("other") of
build_priorities, each with an assessment (ctx.round_assessment and ctx.published_assessment,
{"own": ..., "other": ...}). The draft round's assessments are drafts, so it cannot be
published; the published round's were agreed before it was published.

Also the small helpers the round and grid tests share: make_round, assess and select.
"""

import re
from datetime import date

from django.urls import reverse

from assessments import services
from assessments.models import Area, Assessment, AssessmentRound, AssessmentStatus, RatingOption

from .matrix_priorities import build_priorities
from .permission_matrix import USERS, Row, everyone, register

JUDGEMENT_NAMES = ["challenge", "planning", "capacity", "stage", "likelihood"]


def make_round(name, day, priorities, *, by=None):
    return services.round_create(by=by, name=name, date=day, priorities=list(priorities))


def assess(round_, priority, codes="H AR R 2 R", *, status=AssessmentStatus.AGREED, **fields):
    """An assessment with the five judgements given as "challenge planning capacity stage
    likelihood" (blank judgements as "-")."""
    values = ["" if code == "-" else code for code in codes.split()]
    return Assessment.objects.create(
        round=round_,
        priority=priority,
        status=status,
        **dict(zip(JUDGEMENT_NAMES, values, strict=True)),
        **fields,
    )


_SIMPLE = re.compile(r"([a-zA-Z0-9]*)((?:\.[\w-]+|\[[^\]]+\])*)")
_PART = re.compile(r"\.([\w-]+)|\[([\w-]+)(?:(\*?=)\"([^\"]*)\")?\]")


def _xpath(selector: str) -> str:
    steps = []
    for simple in selector.split():
        tag, rest = _SIMPLE.fullmatch(simple).groups()
        conditions = []
        for cls, attr, op, value in _PART.findall(rest):
            if cls:
                conditions.append(f"contains(concat(' ', @class, ' '), ' {cls} ')")
            elif not op:
                conditions.append(f"@{attr}")
            elif op == "=":
                conditions.append(f"@{attr}='{value}'")
            else:
                conditions.append(f"contains(@{attr}, '{value}')")
        steps.append((tag or "*") + "".join(f"[{c}]" for c in conditions))
    return "descendant::" + "/descendant::".join(steps)


def select(element, selector: str) -> list:
    """The elements under `element` matching a simple CSS selector (tags, classes, attributes,
    descendants and comma-separated groups), in document order."""
    found = {}
    for group in selector.split(","):
        for match in element.xpath(_xpath(group.strip())):
            found[match] = True
    return sorted(found, key=lambda e: int(e.sourceline or 0)) if "," in selector else list(found)


def build_rounds(ctx) -> None:
    if getattr(ctx, "round_draft", None) is not None:
        return
    build_priorities(ctx)
    lead = ctx.world.users["unit_lead"]
    both = [ctx.priority["own"], ctx.priority["other"]]
    ctx.round_published = make_round("Matrix published round", date(2003, 6, 30), both, by=lead)
    ctx.published_assessment = {
        side: assess(ctx.round_published, priority, likelihood_rationale=f"Why {side}")
        for side, priority in ctx.priority.items()
    }
    services.round_publish(round_=ctx.round_published, by=lead)
    ctx.round_draft = make_round("Matrix draft round", date(2003, 12, 31), both, by=lead)
    ctx.round_assessment = {
        side: assess(ctx.round_draft, priority, "M AG AG 3 AG", status=AssessmentStatus.DRAFT)
        for side, priority in ctx.priority.items()
    }


def only(ok: int, *allowed: str, others: int = 403) -> dict[str, int]:
    """`ok` for the named users; the role check turns everyone else away with `others`."""
    return {user: ok if user in allowed else others for user in USERS}


def lead_on_draft(ok: int) -> dict[str, int]:
    """The unit lead's page about a draft round: analysts see the round and are refused (403);
    readers may not see it at all (404)."""
    return {**only(ok, "unit_lead", others=404), "analyst": 403}


EDITORS = ("analyst", "unit_lead")


def _round_version(round_) -> int:
    """The round's version as its page would show it now (an earlier row may have moved it)."""
    return AssessmentRound.objects.get(pk=round_.pk).version


def _area_pk() -> int:
    return Area.objects.order_by("pk").values_list("pk", flat=True).first()


def _option_pk() -> int:
    return RatingOption.objects.order_by("pk").values_list("pk", flat=True).first()


register(
    Row(
        "assessments:round_create",
        lambda ctx, side: reverse("assessments:round_create"),
        only(200, *EDITORS),
    ),
    Row(
        "assessments:round_create (post)",
        lambda ctx, side: reverse("assessments:round_create"),
        only(302, *EDITORS),
        method="post",
        data=lambda ctx, side: {
            "name": "Matrix new round",
            "date": "2004-06-30",
            "priorities": [ctx.priority[side].pk],
        },
    ),
    Row(
        "assessments:round_detail (draft round)",
        lambda ctx, side: reverse("assessments:round_detail", args=[ctx.round_draft.pk]),
        # Draft judgements are the unit's working papers until the round is published.
        only(200, *EDITORS, others=404),
    ),
    Row(
        "assessments:round_detail (published round)",
        lambda ctx, side: reverse("assessments:round_detail", args=[ctx.round_published.pk]),
        everyone(200),
    ),
    Row(
        "assessments:round_moderation",
        lambda ctx, side: reverse("assessments:round_moderation", args=[ctx.round_draft.pk]),
        lead_on_draft(302),
        method="post",
        data=lambda ctx, side: {"version": _round_version(ctx.round_draft)},
    ),
    Row(
        "assessments:round_publish (confirm page)",
        lambda ctx, side: reverse("assessments:round_publish", args=[ctx.round_draft.pk]),
        lead_on_draft(200),
    ),
    Row(
        "assessments:round_publish (post, assessments not agreed)",
        lambda ctx, side: reverse("assessments:round_publish", args=[ctx.round_draft.pk]),
        lead_on_draft(409),
        method="post",
        data=lambda ctx, side: {"version": _round_version(ctx.round_draft)},
    ),
    Row(
        "assessments:round_reopen (form)",
        lambda ctx, side: reverse("assessments:round_reopen", args=[ctx.round_published.pk]),
        only(200, "unit_lead"),
    ),
    Row(
        "assessments:round_reopen (post)",
        lambda ctx, side: reverse("assessments:round_reopen", args=[ctx.round_published.pk]),
        only(302, "unit_lead"),
        method="post",
        data=lambda ctx, side: {
            "reason": "A figure was wrong.",
            "version": _round_version(ctx.round_published),
        },
    ),
    Row("assessments:grid", lambda ctx, side: reverse("assessments:grid"), everyone(200)),
    Row(
        "assessments:grid (filtered by department)",
        lambda ctx, side: (
            reverse("assessments:grid") + f"?department={getattr(ctx.world, side).pk}&rounds=2"
        ),
        # An out-of-scope department is not offered and is reported as an invalid filter.
        everyone(200),
    ),
    Row(
        "assessments:movement",
        lambda ctx, side: (
            reverse("assessments:movement")
            + f"?from={ctx.round_published.pk}&to={ctx.round_draft.pk}"
        ),
        # Others cannot choose the draft round: reported as an invalid choice.
        everyone(200),
    ),
    Row("assessments:framework", lambda ctx, side: reverse("assessments:framework"), everyone(200)),
    Row(
        "assessments:framework_area_edit",
        lambda ctx, side: reverse("assessments:framework_area_edit", args=[_area_pk()]),
        only(200, "unit_lead"),
    ),
    Row(
        "assessments:framework_area_edit (post)",
        lambda ctx, side: reverse("assessments:framework_area_edit", args=[_area_pk()]),
        only(302, "unit_lead"),
        method="post",
        data=lambda ctx, side: {
            "group": "",
            "name": "Matrix area",
            "question": "Is it so?",
            "worst_case": "Worst.",
            "best_case": "Best.",
            "version": Area.objects.get(pk=_area_pk()).version,
        },
    ),
    Row(
        "assessments:framework_option_edit",
        lambda ctx, side: reverse("assessments:framework_option_edit", args=[_option_pk()]),
        only(200, "unit_lead"),
    ),
    Row(
        "assessments:framework_option_edit (post)",
        lambda ctx, side: reverse("assessments:framework_option_edit", args=[_option_pk()]),
        only(302, "unit_lead"),
        method="post",
        data=lambda ctx, side: {
            "label": "Matrix label",
            "meaning": "Matrix meaning.",
            "version": RatingOption.objects.get(pk=_option_pk()).version,
        },
    ),
    builder=build_rounds,
)
