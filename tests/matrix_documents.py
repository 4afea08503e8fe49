"""Permission-matrix rows for the documents pages, and their builder: ctx.document, a finished
delivery report {"own": Home Office, "other": Department of Health} with a small file each, and
the published round of build_rounds to ask for new reports about.

The files live under the test's own temporary MEDIA_ROOT (pytest's tmp_path and
pytest-django's settings fixture, which restores the setting when the test ends).
"""

import sys

import pytest
from django.urls import reverse

from deliveryunit.models import DocumentFormat, DocumentKind, DocumentStatus, GeneratedDocument

from .matrix_assessments import build_rounds
from .permission_matrix import Row, everyone, register, scoped_read

FILE_CONTENT = b"%PDF-1.4 matrix document\n"


def _pytest_request() -> pytest.FixtureRequest:
    """The fixture request that is building the matrix context. The matrix fixture hands its
    builders only the context, but a temporary MEDIA_ROOT has to be undone when the test ends,
    which only pytest can promise: so the request is found on the stack, and its own
    `settings` and `tmp_path` fixtures do the work and the cleaning up."""
    frame = sys._getframe(1)
    while frame is not None:
        for value in frame.f_locals.values():
            if isinstance(value, pytest.FixtureRequest):
                return value
        frame = frame.f_back
    raise RuntimeError("build_documents must run inside a pytest fixture")


def build_documents(ctx) -> None:
    if getattr(ctx, "document", None) is not None:
        return
    build_rounds(ctx)
    request = _pytest_request()
    folder = request.getfixturevalue("tmp_path") / "media"
    request.getfixturevalue("settings").MEDIA_ROOT = folder
    (folder / "documents").mkdir(parents=True)
    ctx.document = {}
    for side, department in (("own", ctx.world.own), ("other", ctx.world.other)):
        name = f"documents/matrix-{side}.pdf"
        (folder / name).write_bytes(FILE_CONTENT)
        document = GeneratedDocument.objects.create(
            kind=DocumentKind.DELIVERY_REPORT,
            format=DocumentFormat.PDF,
            subject_key=f"round={ctx.round_published.pk};department={department.code}",
            subject={"round": ctx.round_published.pk, "department": department.pk},
            title=f"Delivery report: {department.name}, {ctx.round_published.name}",
            marking="OFFICIAL-SENSITIVE",
            status=DocumentStatus.DONE,
            progress=100,
            version=1,
            file=name,
            size=len(FILE_CONTENT),
        )
        document.departments.set([department])
        ctx.document[side] = document


def _department(ctx, side: str):
    return ctx.world.own if side == "own" else ctx.world.other


register(
    Row("documents:list", lambda ctx, side: reverse("documents:list"), everyone(200)),
    Row(
        "documents:request (post)",
        lambda ctx, side: reverse("documents:request"),
        # Only the unit builds documents: the role check turns everyone else away before any
        # question of scope arises.
        {"analyst": 302, "unit_lead": 302, "minister_all": 403, "minister": 403, "official": 403},
        method="post",
        data=lambda ctx, side: {
            "kind": DocumentKind.DELIVERY_REPORT,
            "format": DocumentFormat.DOCX,
            "round": ctx.round_published.pk,
            "department": _department(ctx, side).pk,
        },
    ),
    Row(
        "documents:status",
        lambda ctx, side: reverse("documents:status", args=[ctx.document[side].pk]),
        scoped_read(),
    ),
    Row(
        "documents:download",
        lambda ctx, side: reverse("documents:download", args=[ctx.document[side].pk]),
        scoped_read(),
    ),
    builder=build_documents,
)
