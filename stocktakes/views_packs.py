"""Stocktake packs: building drafts to check, issuing (freezing) versions with what changed,
and downloading what was issued.

Editors build and issue; anyone who may see the meeting (ministers, officials of the forum's
departments) may read an issued version and download it, and every download is logged. Drafts
are the unit's working papers: they are listed only here and in the documents list, where the
pipeline's own scoping (no departments) keeps them from officials.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from deliveryunit import access, documents
from deliveryunit.models import (
    DocumentDownload,
    DocumentFormat,
    DocumentKind,
    GeneratedDocument,
)

from . import selectors, services
from .documents import issued_document, subject_key
from .models import Meeting, PackIssue

DRAFT_REQUESTED = "A draft of the pack has been requested. It is for checking, not circulation."
PACK_ISSUED = "Version {number} of the pack has been issued."
REBUILD_REQUESTED = "Version {number} of the pack is being built again from what was issued."
STALE = (
    "The meeting changed while you were checking the pack. Check what it will contain now, "
    "then issue it."
)
NOT_BUILT = "This pack has not been built yet."
NOTHING_CHANGED = "Nothing has changed since version {number}."

# How many drafts the build page lists; older ones stay in the documents list.
DRAFTS_SHOWN = 10


def _packs() -> QuerySet[PackIssue]:
    return PackIssue.objects.select_related("meeting__forum", "document", "issued_by")


def _drafts(meeting: Meeting) -> list[GeneratedDocument]:
    return list(
        GeneratedDocument.objects.filter(
            kind=DocumentKind.STOCKTAKE_PACK,
            subject_key=subject_key(meeting.pk, None),
            format=DocumentFormat.PDF,
        ).select_related("requested_by")[:DRAFTS_SHOWN]
    )


def _vary(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- drafts -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def pack_build(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the drafts built so far, with a button to build another. POST: build a draft (or,
    with `issue`, build an issued version again after its build failed)."""
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    error = ""
    if request.method == "POST":
        issue = request.POST.get("issue", "")
        try:
            document = documents.document_request(
                kind=DocumentKind.STOCKTAKE_PACK,
                format=DocumentFormat.PDF,
                subject={"meeting": meeting.pk, "issue": issue},
                by=request.user,
            )
        except documents.DocumentRefused as refused:
            error = " ".join(refused.messages)
        else:
            if issue:
                pack = _packs().filter(meeting=meeting, number=document.subject["issue"]).first()
                messages.success(
                    request, REBUILD_REQUESTED.format(number=document.subject["issue"])
                )
                if pack is not None:
                    return redirect("stocktakes:pack_detail", pack.pk)
            else:
                messages.success(request, DRAFT_REQUESTED)
            return redirect(f"{reverse('stocktakes:pack_build', args=[meeting.pk])}#drafts")
    return render(
        request,
        "stocktakes/pack_build.html",
        {
            "meeting": meeting,
            "forum": meeting.forum,
            "drafts": _drafts(meeting),
            "error": error,
            "nav_stocktakes": True,
        },
        status=400 if error else 200,
    )


# --- issuing ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def pack_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """What the pack will contain and, for a re-issue, what changed since the last version;
    POST freezes it as the next version and builds its PDF."""
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if request.POST.get("version") != str(meeting.version):
            errors.append(STALE)
            status = 409
        else:
            try:
                issue = services.pack_issue(
                    meeting=meeting,
                    by=request.user,
                    contents=selectors.pack_contents(meeting),
                )
            except documents.DocumentRefused as refused:
                errors.extend(refused.messages)
                status = 400
            except ValidationError as invalid:
                errors.extend(invalid.messages)
                status = 400
            else:
                messages.success(request, PACK_ISSUED.format(number=issue.number))
                return redirect("stocktakes:pack_detail", issue.pk)
    contents = selectors.pack_contents(meeting)
    issues = list(_packs().filter(meeting=meeting).order_by("-number"))
    previous = issues[0] if issues else None
    changes = services.pack_changes(previous.contents, contents) if previous else []
    return render(
        request,
        "stocktakes/pack_issue.html",
        {
            "meeting": meeting,
            "forum": meeting.forum,
            "contents": contents,
            "issues": issues,
            "previous": previous,
            "changes": changes,
            "nothing_changed": NOTHING_CHANGED.format(number=previous.number)
            if previous and not changes
            else "",
            "next_number": (previous.number + 1) if previous else 1,
            "errors": errors,
            "nav_stocktakes": True,
        },
        status=status,
    )


# --- reading and downloading ------------------------------------------------------------------


def _pack_for_user(user: Any, pk: int) -> PackIssue:
    return access.get_for_user(_packs(), user, pk=pk)


@require_GET
def pack_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One issued version: when and by whom, what changed, and its file once built (the
    status region polls with htmx while the build runs)."""
    pack = _pack_for_user(request.user, pk)
    document = issued_document(pack)
    context = {
        "pack": pack,
        "meeting": pack.meeting,
        "forum": pack.meeting.forum,
        "document": document,
        # While there is no finished file, the build of record says how it is going.
        "build": document or pack.document,
        "can_edit": access.is_editor(request.user),
        "nav_stocktakes": True,
    }
    if getattr(request, "htmx", False):
        return _vary(render(request, "stocktakes/pack_detail.html#status", context))
    return _vary(render(request, "stocktakes/pack_detail.html", context))


@require_GET
def pack_download(request: HttpRequest, pk: int) -> FileResponse:
    pack = _pack_for_user(request.user, pk)
    document = issued_document(pack)
    if document is None:
        raise Http404(NOT_BUILT)
    DocumentDownload.objects.create(
        document=document, user=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    meeting = pack.meeting
    filename = f"{slugify(f'{meeting.forum.name} {meeting.date:%Y-%m-%d}')}-pack-v{pack.number}.pdf"
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type=documents.CONTENT_TYPES[DocumentFormat.PDF],
    )
