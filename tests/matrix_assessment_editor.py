"""Permission-matrix rows for the assessment editor, its actions, key challenges, the read-only
assessment page and its history.

The builder makes a round in draft judging a Home Office priority ("own") and a Department of
Health priority ("other"), each with a complete, submitted assessment and one key challenge, so
that every action can succeed for the roles allowed it: ctx.assessment_round,
ctx.assessment_priority, ctx.assessment and ctx.key_challenge, each {"own": ..., "other": ...}
except the round.
"""

from datetime import date

from django.urls import reverse

from .factories import PriorityFactory
from .matrix_assessments import build_rounds
from .permission_matrix import Row, register, scoped_read

JUDGEMENTS = {"challenge": "H", "planning": "AG", "capacity": "AG", "stage": "2", "likelihood": "G"}


def build_assessments(ctx) -> None:
    if getattr(ctx, "assessment", None) is not None:
        return
    # ctx.published_assessment: the same pages for a round that has been published.
    build_rounds(ctx)
    from assessments import services

    world = ctx.world
    analyst = world.users["analyst"]
    priorities = {
        side: PriorityFactory(
            code=f"AE-{department.code}",
            title=f"Assessed priority {side}",
            lead_department=department,
        )
        for side, department in (("own", world.own), ("other", world.other))
    }
    ctx.assessment_round = services.round_create(
        by=world.users["unit_lead"],
        name="Editor matrix round",
        date=date(2003, 12, 31),
        priorities=list(priorities.values()),
    )
    ctx.assessment_priority = priorities
    ctx.assessment, ctx.key_challenge = {}, {}
    for side, priority in priorities.items():
        assessment = services.assessment_start(
            round_=ctx.assessment_round, priority=priority, by=analyst
        )
        assessment = services.assessment_save(
            assessment=assessment,
            by=analyst,
            expected_version=assessment.version,
            judgements=JUDGEMENTS,
            texts={"likelihood_rationale": "On course."},
        )
        assessment = services.assessment_submit(
            assessment=assessment, by=analyst, expected_version=assessment.version
        )
        ctx.key_challenge[side] = services.key_challenge_add(
            assessment=assessment, by=analyst, title=f"Challenge {side}"
        )
        assessment.refresh_from_db()
        ctx.assessment[side] = assessment


def _assessment_url(name: str):
    return lambda ctx, side: reverse(name, args=[ctx.assessment[side].pk])


def _published_url(name: str):
    return lambda ctx, side: reverse(name, args=[ctx.published_assessment[side].pk])


def _challenge_url(name: str):
    return lambda ctx, side: reverse(name, args=[ctx.key_challenge[side].pk])


def _edit_url(ctx, side) -> str:
    return reverse(
        "assessments:assessment_edit",
        args=[ctx.assessment_round.pk, ctx.assessment_priority[side].pk],
    )


def _version(ctx, side) -> dict:
    return {"version": ctx.assessment[side].version}


def _challenge_version(ctx, side) -> dict:
    return {"version": ctx.key_challenge[side].version}


def _editor_form(ctx, side) -> dict:
    return {"editor": "1", "version": ctx.assessment[side].version, **JUDGEMENTS}


def draft_round(ok: int) -> dict[str, int]:
    """The round is in draft: the unit's working papers. Readers may not see it at all, so
    everything about it is 404 to them, in their department or not."""
    return {
        "analyst": ok,
        "unit_lead": ok,
        "minister_all": 404,
        "minister": 404,
        "official": 404,
    }


# Agreeing and returning are the unit lead's: analysts, who see the round, are refused (403).
UNIT_LEAD_ONLY = {**draft_round(302), "analyst": 403}

register(
    Row("assessments:assessment_edit", _edit_url, draft_round(200)),
    Row(
        "assessments:assessment_edit (save)",
        _edit_url,
        draft_round(302),
        method="post",
        data=_editor_form,
    ),
    Row(
        "assessments:assessment_detail",
        _assessment_url("assessments:assessment_detail"),
        draft_round(200),
    ),
    Row(
        "assessments:assessment_history",
        _assessment_url("assessments:assessment_history"),
        draft_round(200),
    ),
    Row(
        "assessments:assessment_detail (published round)",
        _published_url("assessments:assessment_detail"),
        scoped_read(),
    ),
    Row(
        "assessments:assessment_history (published round)",
        _published_url("assessments:assessment_history"),
        scoped_read(),
    ),
    Row(
        "assessments:assessment_submit",
        _assessment_url("assessments:assessment_submit"),
        draft_round(302),
        method="post",
        data=_version,
    ),
    Row(
        "assessments:assessment_agree",
        _assessment_url("assessments:assessment_agree"),
        UNIT_LEAD_ONLY,
        method="post",
        data=_version,
    ),
    Row(
        "assessments:assessment_return",
        _assessment_url("assessments:assessment_return"),
        UNIT_LEAD_ONLY,
        method="post",
        data=_version,
    ),
    Row(
        "assessments:challenge_add",
        _assessment_url("assessments:challenge_add"),
        draft_round(302),
        method="post",
        data=lambda ctx, side: {"title": "Another challenge"},
    ),
    Row(
        "assessments:challenge_update",
        _challenge_url("assessments:challenge_update"),
        draft_round(302),
        method="post",
        data=lambda ctx, side: {
            "title": "Renamed challenge",
            "progress": "Moving.",
            **_challenge_version(ctx, side),
        },
    ),
    Row(
        "assessments:challenge_move",
        _challenge_url("assessments:challenge_move"),
        draft_round(302),
        method="post",
        data=lambda ctx, side: {"direction": "down", **_challenge_version(ctx, side)},
    ),
    Row(
        "assessments:challenge_remove",
        _challenge_url("assessments:challenge_remove"),
        draft_round(302),
        method="post",
        data=_challenge_version,
    ),
    builder=build_assessments,
)
