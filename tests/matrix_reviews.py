"""Permission-matrix rows for priority reviews, and the builder other review tests reuse:
ctx.review {"own": ..., "other": ...}, a review of the matrix priority led by the Home Office
(the matrix users' department) and of the one led by the Department of Health, each with a
team member, a link of the priority's delivery chain, an issue tree (a question and two
sub-questions), an analysis plan row, a visit on the chain, a finding with a measure chart and
one with an uploaded image, and three recommendations of which the first is accepted. The rows
of each are in ctx.review_rows[side] by kind.

Only the unit writes: officials and ministers who may read a review get 403 on its writes, and
404 on another department's review (scoped_read and editors_only). A URL that also answers a
GET is covered by its GET row; the rows that only take a post are posted with valid data, and a
successful write without htmx redirects back to the workspace (302).
"""

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from .matrix_priorities import build_priorities
from .permission_matrix import Row, editors_only, everyone, register, scoped_read


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 114, 178)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "chart.png", **size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**size), content_type="image/png")


def build_review(priority, analyst, department, title="Matrix review"):
    """A review of `priority` with one of everything; returns (review, rows by kind)."""
    from priorities import services as priority_services
    from reviews import images, services
    from reviews.models import ChartKind

    review = services.review_create(
        priority=priority,
        by=analyst,
        title=title,
        commissioner="Prime Minister",
        start=date(2003, 3, 3),
        report_due=date(2003, 5, 12),
    )
    rows = {}
    rows["team"] = services.team_member_add(review=review, by=analyst, name="Ann", role="regulator")
    rows["chain"] = priority_services.chain_link_add(
        priority=priority, by=analyst, who="Department"
    )
    priority_services.chain_link_add(priority=priority, by=analyst, who="Front line")
    top = services.issue_add(review=review, by=analyst, question="Is the target at risk?")
    rows["issue"] = top
    rows["issue_child"] = services.issue_add(
        review=review, by=analyst, parent=top, question="Are claims decided late?"
    )
    rows["issue_leaf"] = services.issue_add(
        review=review, by=analyst, parent=top, question="Are removals low?"
    )
    rows["plan"] = services.plan_row_add(
        review=review, by=analyst, issue=top, analysis="Compare intake with decisions"
    )
    rows["visits"] = services.visit_add(
        review=review, by=analyst, date=date(2003, 3, 20), site="Screening unit",
        chain_link=rows["chain"],
    )  # fmt: skip
    measure = priority.measures.first()
    rows["findings"] = services.finding_add(
        review=review, by=analyst, headline="Intake is falling", chart_kind=ChartKind.MEASURE,
        measure=measure,
    )  # fmt: skip
    rows["finding_image"] = services.finding_add(
        review=review,
        by=analyst,
        headline="The queue in one picture",
        chart_kind=ChartKind.IMAGE,
        image=images.check(png_upload()),
        image_description="A photograph of the queue",
    )
    recommendations = [
        services.recommendation_add(
            review=review,
            by=analyst,
            description=f"Recommendation {n}",
            owner="Director",
            department=department,
            due=date(2003, 7, 1),
        )  # fmt: skip
        for n in (1, 2, 3)
    ]
    services.recommendation_accept(
        recommendation=recommendations[0], by=analyst, expected_version=None
    )
    rows["recommendations"] = recommendations[1]
    rows["recommendation_last"] = recommendations[2]
    return review, rows


def build_reviews(ctx) -> None:
    """Built when a reviews row first needs it, not for every row of the matrix: only these
    rows use them, and a review with everything in it takes a while to make."""
    if getattr(ctx, "review", None) is not None:
        return
    build_priorities(ctx)
    analyst = ctx.world.users["analyst"]
    ctx.review, ctx.review_rows = {}, {}
    for side, department in (("own", ctx.world.own), ("other", ctx.world.other)):
        review, rows = build_review(ctx.priority[side], analyst, department, f"Review {side}")
        ctx.review[side] = review
        ctx.review_rows[side] = rows


def _review(name):
    def url(ctx, side):
        build_reviews(ctx)
        return reverse(f"reviews:{name}", args=[ctx.review[side].pk])

    return url


def _row(name, kind):
    def url(ctx, side):
        build_reviews(ctx)
        return reverse(
            f"reviews:{name}", args=[ctx.review[side].pk, ctx.review_rows[side][kind].pk]
        )

    return url


def _version(ctx, side, kind):
    """The row's version as a page would show it now (an earlier cell may have moved it on)."""
    row = ctx.review_rows[side][kind]
    return type(row).objects.get(pk=row.pk).version


def _version_data(kind, **extra):
    return lambda ctx, side: {"version": _version(ctx, side, kind), **extra}


def _review_version(ctx, side):
    from reviews.models import PriorityReview

    return PriorityReview.objects.get(pk=ctx.review[side].pk).version


EDITOR_FORMS = [
    ("review_edit", None),
    ("scope_edit", None),
    ("issue_add", None),
    ("team_add", None),
    ("chain_add", None),
    ("plan_add", None),
    ("visits_add", None),
    ("findings_add", None),
    ("recommendations_add", None),
]
EDITOR_ROW_FORMS = [
    ("issue_add_under", "issue"),
    ("issue_edit", "issue"),
    ("chain_edit", "chain"),
    ("plan_edit", "plan"),
    ("visits_edit", "visits"),
    ("findings_edit", "findings"),
    ("recommendations_edit", "recommendations"),
]
BUTTONS = [
    ("team_delete", "team", {}),
    ("chain_delete", "chain", {}),
    ("chain_reorder", "chain", {"direction": "down"}),
    ("plan_delete", "plan", {}),
    ("visits_delete", "visits", {}),
    ("findings_delete", "findings", {}),
    ("recommendations_delete", "recommendations", {}),
    ("recommendations_reorder", "recommendations", {"direction": "up"}),
    ("recommendation_accept", "recommendation_last", {}),
    ("issue_reorder", "issue_leaf", {"direction": "up"}),
    ("issue_delete", "issue_leaf", {}),
]

register(
    Row("reviews:review_list", lambda ctx, side: reverse("reviews:review_list"), everyone(200)),
    Row(
        "reviews:review_create",
        lambda ctx, side: reverse("reviews:review_create"),
        {"analyst": 200, "unit_lead": 200, "minister_all": 403, "minister": 403, "official": 403},
    ),
    Row("reviews:review_detail", _review("review_detail"), scoped_read()),
    Row("reviews:report", _review("report"), scoped_read()),
    Row(
        "reviews:stage_move",
        _review("stage_move"),
        editors_only(302),
        method="post",
        data=lambda ctx, side: {"stage": "fieldwork", "version": _review_version(ctx, side)},
    ),
    Row(
        "reviews:issue_move",
        _row("issue_move", "issue_leaf"),
        editors_only(302),
        method="post",
        data=lambda ctx, side: {
            f"move-{ctx.review_rows[side]['issue_leaf'].pk}-parent": "",
            f"move-{ctx.review_rows[side]['issue_leaf'].pk}-version": _version(
                ctx, side, "issue_leaf"
            ),
        },
    ),
    Row(
        "reviews:finding_image",
        _row("finding_image", "finding_image"),
        scoped_read(),
    ),
    *[Row(f"reviews:{name}", _review(name), editors_only()) for name, _kind in EDITOR_FORMS],
    *[Row(f"reviews:{name}", _row(name, kind), editors_only()) for name, kind in EDITOR_ROW_FORMS],
    *[
        Row(
            f"reviews:{name}",
            _row(name, kind),
            editors_only(302),
            method="post",
            data=_version_data(kind, **extra),
        )
        for name, kind, extra in BUTTONS
    ],
)
