"""Documents: what has been built, asking for a build, watching it, downloading it."""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from . import access, documents
from .models import DocumentDownload, DocumentStatus, GeneratedDocument

NOT_READY = "This document is not ready to download."


def _visible(user: Any):  # type: ignore[no-untyped-def]
    return access.scoped(
        GeneratedDocument.objects.select_related("requested_by").prefetch_related("departments"),
        user,
    )


def _request_forms(user: Any) -> list[dict[str, Any]]:
    """The build forms this user may use: each document kind that offers one."""
    if not access.is_editor(user):
        return []
    return [
        form
        for builder in documents.REGISTRY.values()
        if (form := getattr(builder, "request_form", lambda u: None)(user)) is not None
    ]


@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


def _render_list(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    docs = list(_visible(request.user)[:200])
    return render(
        request,
        "documents/document_list.html",
        {
            "documents": docs,
            "request_forms": _request_forms(request.user),
            "request_error": error,
            "nav_documents": True,
        },
        status=status,
    )


@require_POST
def document_request(request: HttpRequest) -> HttpResponse:
    access.check(access.is_editor(request.user))
    kind = request.POST.get("kind", "")
    fmt = request.POST.get("format", "")
    subject = {
        key: value
        for key, value in request.POST.items()
        if key not in {"kind", "format", "csrfmiddlewaretoken"}
    }
    try:
        document = documents.document_request(
            kind=kind, format=fmt, subject=subject, by=request.user
        )
    except documents.DocumentRefused as refused:
        return _render_list(request, error=" ".join(refused.messages), status=400)
    messages.success(request, f"{document.title} ({document.get_format_display()}) requested.")
    return redirect(f"{reverse('documents:list')}#document-{document.pk}")


@require_GET
def document_status(request: HttpRequest, pk: int) -> HttpResponse:
    document = access.get_for_user(_visible(request.user), request.user, pk=pk)
    response = render(request, "documents/document_list.html#row", {"doc": document})
    response["Vary"] = "HX-Request"
    return response


@require_GET
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    document = access.get_for_user(_visible(request.user), request.user, pk=pk)
    if document.status != DocumentStatus.DONE or not document.file:
        raise Http404(NOT_READY)
    DocumentDownload.objects.create(
        document=document, user=request.user, ip_address=request.META.get("REMOTE_ADDR")
    )
    filename = f"{slugify(document.title)}-v{document.version}.{document.format}"
    return FileResponse(
        documents.open_document(document),
        as_attachment=True,
        filename=filename,
        content_type=documents.CONTENT_TYPES[document.format],
    )
