"""Permission-matrix rows for the stocktake pack pages, and their builder: ctx.pack, an issued
version 1 of each side's meeting pack {"own": Home Office forum, "other": Department of Health
forum}, its GeneratedDocument done with a tiny file.

Real PDFs take seconds each, far too slow for a builder run before every matrix cell, so the
document rows and files are made directly. The files go under the temporary MEDIA_ROOT that
build_documents sets up (and removes) for the life of the context: one override, so nothing
depends on the order two overrides would be undone in.
"""

from pathlib import Path

from django.conf import settings
from django.urls import reverse

from .matrix_documents import build_documents
from .matrix_stocktakes import build_stocktakes
from .permission_matrix import Row, editors_only, register, scoped_read

FILE_CONTENT = b"%PDF-1.4 matrix pack\n"


def build_packs(ctx) -> None:
    if getattr(ctx, "pack", None) is not None:
        return
    from deliveryunit.models import DocumentFormat, DocumentKind, DocumentStatus, GeneratedDocument
    from stocktakes import selectors
    from stocktakes.documents import forum_department_ids, pack_title, subject_key
    from stocktakes.models import PackIssue

    build_stocktakes(ctx)
    build_documents(ctx)
    folder = Path(settings.MEDIA_ROOT) / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    ctx.pack = {}
    for side in ("own", "other"):
        meeting = ctx.meeting[side]
        name = f"documents/matrix-pack-{side}.pdf"
        (Path(settings.MEDIA_ROOT) / name).write_bytes(FILE_CONTENT)
        document = GeneratedDocument.objects.create(
            kind=DocumentKind.STOCKTAKE_PACK,
            format=DocumentFormat.PDF,
            subject_key=subject_key(meeting.pk, 1),
            subject={"meeting": meeting.pk, "issue": 1},
            title=pack_title(meeting, 1),
            marking="OFFICIAL-SENSITIVE",
            status=DocumentStatus.DONE,
            progress=100,
            version=1,
            file=name,
            size=len(FILE_CONTENT),
            data_as_at=meeting.date,
        )
        document.departments.set(forum_department_ids(meeting))
        ctx.pack[side] = PackIssue.objects.create(
            meeting=meeting,
            number=1,
            document=document,
            contents=selectors.pack_contents(meeting),
            issued_by=ctx.world.users["analyst"],
        )


def _meeting(name):
    return lambda ctx, side: reverse(f"stocktakes:{name}", args=[ctx.meeting[side].pk])


def _pack(name):
    return lambda ctx, side: reverse(f"stocktakes:{name}", args=[ctx.pack[side].pk])


def _current_version(ctx, side) -> dict:
    from stocktakes.models import Meeting

    # The agenda item added after scheduling moved the meeting's version on.
    return {"version": Meeting.objects.get(pk=ctx.meeting[side].pk).version}


register(
    Row("stocktakes:pack_build", _meeting("pack_build"), editors_only()),
    # Builds a draft (queued: the matrix runs no on-commit callbacks) and returns to the page.
    Row(
        "stocktakes:pack_build (post)",
        _meeting("pack_build"),
        editors_only(302),
        method="post",
        data=lambda ctx, side: {},
    ),
    Row("stocktakes:pack_issue", _meeting("pack_issue"), editors_only()),
    # Issues version 2 and goes to its page.
    Row(
        "stocktakes:pack_issue (post)",
        _meeting("pack_issue"),
        editors_only(302),
        method="post",
        data=_current_version,
    ),
    # Ministers and the forum's officials read and download what was issued.
    Row("stocktakes:pack_detail", _pack("pack_detail"), scoped_read()),
    Row("stocktakes:pack_download", _pack("pack_download"), scoped_read()),
    builder=build_packs,
)
