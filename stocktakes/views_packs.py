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
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from deliveryunit import access, documents
from deliveryunit.editing import VERSION_MISSING, ConflictError, HtmxHttpRequest, vary_on_htmx
from deliveryunit.models import (
    DocumentDownload,
    DocumentFormat,
    DocumentKind,
    GeneratedDocument,
)

from . import selectors, services
from .documents import issued_document, subject_key
from .forms import VersionForm
from .models import Meeting, MeetingStatus, PackIssue

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


def _drafts(meeting: Meeting) -> list[GeneratedDocument]:
    return list(
        GeneratedDocument.objects.filter(
            kind=DocumentKind.STOCKTAKE_PACK,
            subject_key=subject_key(meeting.pk, None),
            format=DocumentFormat.PDF,
        ).select_related("requested_by")[:DRAFTS_SHOWN]
    )


# --- drafts -----------------------------------------------------------------------------------


def _request_build(request: HttpRequest, meeting: Meeting, issue: str) -> HttpResponse:
    """Queue a draft, or (with `issue`) an issued version's build again; refused, the page."""
    try:
        document = documents.document_request(
            kind=DocumentKind.STOCKTAKE_PACK,
            format=DocumentFormat.PDF,
            subject={"meeting": meeting.pk, "issue": issue},
            by=request.user,
        )
    except documents.DocumentRefused as refused:
        return _build_page(request, meeting, " ".join(refused.messages))
    if not issue:
        messages.success(request, DRAFT_REQUESTED)
        return redirect(f"{reverse('stocktakes:pack_build', args=[meeting.pk])}#drafts")
    number = document.subject["issue"]
    messages.success(request, REBUILD_REQUESTED.format(number=number))
    pack = selectors.packs().filter(meeting=meeting, number=number).first()
    if pack is not None:
        return redirect("stocktakes:pack_detail", pack.pk)
    return redirect(f"{reverse('stocktakes:pack_build', args=[meeting.pk])}#drafts")


def _build_page(request: HttpRequest, meeting: Meeting, error: str = "") -> HttpResponse:
    context = {
        "meeting": meeting,
        "forum": meeting.forum,
        "drafts": _drafts(meeting),
        "errors": [error] if error else [],
        "nav_stocktakes": True,
    }
    return render(request, "stocktakes/pack_build.html", context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def pack_build(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the drafts built so far, with a button to build another. POST: build a draft (or,
    with `issue`, build an issued version again after its build failed)."""
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    if request.method == "POST":
        return _request_build(request, meeting, request.POST.get("issue", ""))
    return _build_page(request, meeting)


# --- issuing ----------------------------------------------------------------------------------


def _issue_page(
    request: HttpRequest, meeting: Meeting, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    page = selectors.pack_issue_page(meeting)
    previous = page.previous
    context = {
        "meeting": meeting,
        "forum": meeting.forum,
        "contents": page.contents,
        "issues": page.issues,
        "previous": previous,
        "changes": page.changes,
        "nothing_changed": NOTHING_CHANGED.format(number=previous.number)
        if previous and not page.changes
        else "",
        "next_number": page.next_number,
        # Issued minutes close the record of the meeting: no further version can be issued.
        "closed": services.PACK_AFTER_MINUTES if meeting.status == MeetingStatus.MINUTED else "",
        "errors": errors or [],
        "nav_stocktakes": True,
    }
    return render(request, "stocktakes/pack_issue.html", context, status=status)


@require_http_methods(["GET", "POST"])
def pack_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """What the pack will contain and, for a re-issue, what changed since the last version;
    POST freezes it as the next version and builds its PDF, provided the meeting is still at
    the version the page showed (checked by the service, under the meeting's lock)."""
    meeting = selectors.meeting_for_user(request.user, pk)
    access.check(access.is_editor(request.user))
    if request.method != "POST":
        return _issue_page(request, meeting)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _issue_page(request, meeting, [VERSION_MISSING], 400)
    try:
        issue = services.pack_issue(
            meeting=meeting, by=request.user, expected_version=form.expected_version
        )
    except ConflictError:
        # The page again as the meeting now is, carrying its new version: issuing from it is a
        # decision made on what will actually be frozen.
        fresh = selectors.meeting_for_user(request.user, pk)
        return _issue_page(request, fresh, [STALE], 409)
    except (documents.DocumentRefused, ValidationError) as refused:
        return _issue_page(request, meeting, refused.messages, 400)
    messages.success(request, PACK_ISSUED.format(number=issue.number))
    return redirect("stocktakes:pack_detail", issue.pk)


# --- reading and downloading ------------------------------------------------------------------


def _pack_for_user(user: Any, pk: int) -> PackIssue:
    return access.get_for_user(selectors.packs(), user, pk=pk)


@require_GET
def pack_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
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
    if request.htmx:
        return vary_on_htmx(render(request, "stocktakes/pack_detail.html#status", context))
    return vary_on_htmx(render(request, "stocktakes/pack_detail.html", context))


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
        documents.open_document(document),
        as_attachment=True,
        filename=filename,
        content_type=documents.CONTENT_TYPES[DocumentFormat.PDF],
    )
