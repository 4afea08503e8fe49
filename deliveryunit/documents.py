"""The document pipeline every document kind uses.

A request validates what the document is about (through the kind's builder, as the principal
who asked: a user or access.SYSTEM), stores a queued GeneratedDocument and, once the transaction
commits, hands its id to the build queue. The build (run_build) is safe to run twice: only a
queued build is started; the finished bytes are saved through the document storage under the
build's final name (kind, id and version: unique, never written twice), and the row is marked
done in a transaction only if the build is still the running one. A build left "running" by a
dead worker is failed by sweep_stuck(), which also deletes anything saved under its name.

Files go through Django's storage API only (the FileField's storage: local files under
MEDIA_ROOT by default, an S3-compatible bucket shared by every web and worker container in
production), never through paths on this machine.

This module knows no app and no builder: each app registers its builders from its
AppConfig.ready(), and requests are queued by kind. The queue is the Celery task in
deliveryunit.tasks, connected by DeliveryUnitConfig.ready() (the task calls run_build, so this
module does not import it). What builders draw with is in deliveryunit.rendering.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from .models import ACTIVE_BUILD_STATUSES, DocumentStatus, GeneratedDocument

log = logging.getLogger(__name__)

ALREADY_BUILDING = (
    "This document is already being built. Wait for that build to finish, then download it "
    "or build it again."
)
UNKNOWN_KIND = "There is no such kind of document."
UNSUPPORTED_FORMAT = "This document cannot be built in that format."
BUILD_FAILED = "The document could not be built: {reason}"
# Not for users: a caller that passes no principal is a defect, never a request to skip checks.
NO_PRINCIPAL = "A document is asked for by a user or by access.SYSTEM, never by no one."
STUCK_REASON = "The build stopped without finishing (the worker building it stopped or timed out)."
STARTING = "Starting"

# A build still running this long after it started is failed by the sweep (the worker's own
# time limit is the same); a request still queued this long after it was made, likewise.
STUCK_AFTER = timedelta(minutes=float(os.environ.get("DOCUMENT_BUILD_TIMEOUT_MINUTES", "60")))
QUEUED_TOO_LONG = timedelta(hours=int(os.environ.get("DOCUMENT_QUEUE_TIMEOUT_HOURS", "6")))

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class DocumentRefused(ValidationError):
    """A request that cannot be built, with the message to show the user."""


@dataclass(frozen=True)
class Subject:
    """What a builder says a request is about, once it has validated it."""

    key: str
    title: str
    department_ids: list[int]
    data: dict[str, Any] = field(default_factory=dict)
    data_as_at: date | None = None


class Progress(Protocol):
    def __call__(self, percent: int, text: str = "") -> None:
        """Record how far the build has gone (1-99) and, if given, what it is doing now."""


class Builder(Protocol):
    kind: str
    formats: tuple[str, ...]

    def describe(self, subject: dict[str, Any], user: Any) -> Subject:
        """Validate a request made by `user` (a user or access.SYSTEM, never None), deciding
        what it may ask for through deliveryunit.access; raise DocumentRefused (or Http404 for
        out-of-scope ids)."""

    def build(self, document: GeneratedDocument, progress: Progress) -> bytes:
        """The finished file's bytes (for a PDF, rendering.PdfBytes, which knows its pages)."""


REGISTRY: dict[str, Builder] = {}


def register(builder: Builder) -> Builder:
    REGISTRY[builder.kind] = builder
    return builder


def builder_for(kind: str) -> Builder:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise DocumentRefused(UNKNOWN_KIND) from None


# --- the queue ----------------------------------------------------------------------------

_queue: Callable[[int], Any] | None = None


def connect_queue(queue: Callable[[int], Any]) -> None:
    """Set what hands a stored request's id on to be built: deliveryunit.tasks.build_document's
    delay, which sends it to a worker or, with no broker, builds it in this process at once."""
    global _queue
    _queue = queue


def _enqueue(document_id: int) -> None:
    if _queue is None:
        raise ImproperlyConfigured("The document pipeline has no queue: is deliveryunit installed?")
    _queue(document_id)


# --- requesting ---------------------------------------------------------------------------


def document_request(
    *, kind: str, format: str, subject: dict[str, Any], by: Any, queue: bool = True
) -> GeneratedDocument:
    """Validate and store a request by `by` (a user, or access.SYSTEM for the workbench's own
    builds) and queue it once the transaction commits. With queue=False the request is only
    stored, for a caller that builds it itself (build_now)."""
    if by is None:
        raise ValueError(NO_PRINCIPAL)
    builder = builder_for(kind)
    if format not in builder.formats:
        raise DocumentRefused(UNSUPPORTED_FORMAT)
    described = builder.describe(subject, by)
    try:
        with transaction.atomic():
            document = GeneratedDocument.objects.create(
                kind=kind,
                format=format,
                subject_key=described.key,
                subject=described.data,
                title=described.title,
                marking=settings.PROTECTIVE_MARKING,
                data_as_at=described.data_as_at,
                requested_by=by if getattr(by, "pk", None) else None,
            )
            document.departments.set(described.department_ids)
    except IntegrityError:
        raise DocumentRefused(ALREADY_BUILDING) from None
    if queue:
        transaction.on_commit(lambda: _enqueue(document.pk))
    return document


def build_now(*, kind: str, format: str, subject: dict[str, Any], by: Any) -> GeneratedDocument:
    """Request a document and build it in this process, through the same steps a worker takes
    (for the build_document command and the benchmarks). Returns the document as it ended:
    done, or failed with its error."""
    document = document_request(kind=kind, format=format, subject=subject, by=by, queue=False)
    run_build(document.pk)
    document.refresh_from_db()
    return document


# --- building -----------------------------------------------------------------------------


def document_storage() -> Storage:
    """Where built documents are kept: the storage of GeneratedDocument.file."""
    return GeneratedDocument._meta.get_field("file").storage


def built_name(document: GeneratedDocument) -> str:
    """The storage name a build of this document is saved under. The id makes it unique to the
    row, and a row is built at most once, so no build ever overwrites another's file."""
    return f"documents/{document.kind}-{document.pk}-v{document.version}.{document.format}"


def open_document(document: GeneratedDocument) -> Any:
    """The finished file, opened for reading from the storage (for a streamed download)."""
    return document_storage().open(document.file.name, "rb")


def _discard(name: str) -> None:
    try:
        document_storage().delete(name)
    except Exception:
        # A file left behind is an orphan, never a document: no row points at it.
        log.exception("Could not delete %s from the document storage", name)


def _start(document_id: int) -> GeneratedDocument | None:
    """Mark a queued build running and give it its version; None if it is not queued (a
    duplicate or retried task), so it is never built twice."""
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.status != DocumentStatus.QUEUED:
            return None
        latest = (
            GeneratedDocument.objects.filter(
                kind=document.kind, subject_key=document.subject_key, format=document.format
            ).aggregate(n=Max("version"))["n"]
            or 0
        )
        document.status = DocumentStatus.RUNNING
        document.version = latest + 1
        document.started_at = timezone.now()
        document.progress = 1
        document.progress_text = STARTING
        document.save(
            update_fields=["status", "version", "started_at", "progress", "progress_text"]
        )
        return document


def _progress_setter(document_id: int) -> Progress:
    last: list[tuple[int, str]] = []

    def set_progress(percent: int, text: str = "") -> None:
        state = (max(1, min(99, int(percent))), text[:120])
        if last and last[-1] == state:
            return
        last[:] = [state]
        GeneratedDocument.objects.filter(pk=document_id, status=DocumentStatus.RUNNING).update(
            progress=state[0], progress_text=state[1]
        )

    return set_progress


def run_build(document_id: int) -> None:
    document = _start(document_id)
    if document is None:
        return
    builder = REGISTRY[document.kind]
    name = built_name(document)
    content = None
    try:
        content = builder.build(document, _progress_setter(document.pk))
        saved = document_storage().save(name, ContentFile(content))
    except Exception as exc:
        if content is not None:
            _discard(name)  # a save that failed part way may have left part of the file
        log.exception("Document %s failed to build", document_id)
        _fail(document_id, BUILD_FAILED.format(reason=_reason(exc)))
        return
    kept = False
    try:
        with transaction.atomic():
            current = GeneratedDocument.objects.select_for_update().get(pk=document_id)
            if current.status != DocumentStatus.RUNNING:
                # Swept as stuck meanwhile: that outcome stands, and the file goes.
                return
            current.status = DocumentStatus.DONE
            current.progress = 100
            current.progress_text = ""
            current.file.name = saved
            current.checksum = hashlib.sha256(content).hexdigest()
            current.size = len(content)
            current.page_count = getattr(content, "pages", None)
            current.finished_at = timezone.now()
            current.save(
                update_fields=[
                    "status",
                    "progress",
                    "progress_text",
                    "file",
                    "checksum",
                    "size",
                    "page_count",
                    "finished_at",
                ]
            )
            kept = True
    finally:
        if not kept:
            _discard(saved)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return f"an internal error occurred ({type(exc).__name__}). The unit has been told."


def _fail(document_id: int, message: str) -> bool:
    """Fail the build if it is still queued or running; whether it was."""
    # A failed build gives its version number back, so the next build takes it.
    updated = GeneratedDocument.objects.filter(
        pk=document_id, status__in=ACTIVE_BUILD_STATUSES
    ).update(
        status=DocumentStatus.FAILED,
        progress_text="",
        error=message,
        version=None,
        finished_at=timezone.now(),
    )
    return updated > 0


def sweep_stuck(now: Any = None) -> int:
    """Fail builds left running (or queued) past the time limit, deleting anything a dead
    build saved under its name. Returns how many."""
    now = now or timezone.now()
    stale = GeneratedDocument.objects.filter(
        Q(status=DocumentStatus.RUNNING, started_at__lt=now - STUCK_AFTER)
        | Q(status=DocumentStatus.QUEUED, requested_at__lt=now - QUEUED_TOO_LONG)
    )
    count = 0
    for document in stale.only("pk", "kind", "format", "version", "status"):
        if not _fail(document.pk, STUCK_REASON):
            continue  # it finished (or failed) meanwhile: its outcome stands
        if document.status == DocumentStatus.RUNNING and document.version is not None:
            # A worker that died while saving may have left part of the file.
            _discard(built_name(document))
        count += 1
    return count
