"""Pending imports: an upload kept server-side between its steps, and its fingerprint.

Between upload and confirm the upload lives in a `PendingImport` that only the user who
uploaded it, for the same measure (or the portfolio), can open. It is kept through Django's
default storage (`imports/<token>.json` and, for a publisher's file awaiting its mapping,
`imports/<token>.upload`), so every web process sees it: local files by default, the shared
bucket in production. The preview carries a fingerprint of the rows and of the stored data they
touch; confirming with a fingerprint that no longer matches means someone saved in between.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from ..models import Measure
from .parse import (
    MappedRows,
    Mapping,
    ParsedRow,
    parse_own_format,
    portfolio_resolver,
)
from .readers import (
    FILE_TOO_LARGE,
    MAX_BYTES,
    ImportRefused,
    SheetChoice,
    Table,
    choose_from,
    read_table,
    sheet_names,
    table_dumps,
    table_loads,
)

PENDING_MISSING = "This import has expired or is already finished. Upload the file again."

PENDING_MAX_AGE_SECONDS = 24 * 60 * 60
PENDING_FOLDER = "imports"
_META, _UPLOAD = ".json", ".upload"
_SHEET = ".sheet{index}.json"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
MAP, PREVIEW = "map", "preview"


@dataclass
class PendingImport:
    token: str
    user_id: int
    kind: str
    measure_id: int | None  # None for a portfolio-wide import
    stage: str  # MAP (publisher file awaiting its mapping) or PREVIEW
    filename: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    trajectory: dict[str, str] = field(default_factory=dict)  # label, agreed_on, reason
    mapping: dict[str, Any] = field(default_factory=dict)
    skipped: int = 0
    has_upload: bool = False
    sheets: list[str] = field(default_factory=list)  # of the upload, once read
    created: float = field(default_factory=time.time)

    @property
    def parsed_rows(self) -> list[ParsedRow]:
        return [ParsedRow(**row) for row in self.rows]

    def set_rows(self, rows: list[ParsedRow]) -> None:
        self.rows = [asdict(row) for row in rows]

    def set_mapped(self, mapping: Mapping, mapped: MappedRows) -> None:
        """The rows read through a publisher mapping: stored, ready for the preview."""
        self.set_rows(mapped.rows)
        self.skipped = mapped.skipped
        self.mapping = asdict(mapping)
        self.stage = PREVIEW
        self.save()

    # Storage -------------------------------------------------------------------------------

    def _name(self, suffix: str) -> str:
        return f"{PENDING_FOLDER}/{self.token}{suffix}"

    def upload(self) -> bytes:
        with default_storage.open(self._name(_UPLOAD), "rb") as handle:
            return handle.read()

    # The mapping step shows the upload again on every request; reading a workbook can take
    # seconds, so each sheet is read once and kept, bounded as read_table bounds it.

    def sheet_table(self, sheet: str) -> Table:
        """A sheet of the upload as read the first time it was asked for."""
        if not self.sheets:
            self.sheets = sheet_names(self.upload())
            self.save()
        name = self._name(_SHEET.format(index=self.sheets.index(sheet)))
        try:
            if default_storage.exists(name):
                with default_storage.open(name, "rb") as handle:
                    return table_loads(handle.read())
        except (OSError, ValueError):
            pass  # read it again below
        table = read_table(self.upload(), sheet or None)
        _put(name, table_dumps(table))
        return table

    def choose_sheet(self, choice: dict[str, Any]) -> SheetChoice:
        """The sheet of the upload that the mapping step shows (see readers.choose_from)."""
        if not self.sheets:
            self.sheets = sheet_names(self.upload())
            self.save()
        return choose_from(choice, sheets=self.sheets, read=self.sheet_table)

    def save(self, upload: bytes | None = None) -> None:
        if upload is not None:
            _put(self._name(_UPLOAD), upload)
            self.has_upload = True
        _put(self._name(_META), json.dumps(asdict(self)).encode())

    def discard(self) -> None:
        kept = [_SHEET.format(index=index) for index in range(len(self.sheets))]
        for suffix in (_META, _UPLOAD, *kept):
            default_storage.delete(self._name(suffix))


def _put(name: str, content: bytes) -> None:
    """Store `content` under exactly `name`, replacing what was there. Storages never overwrite
    on save (they pick another name), so the old object goes first; the token is the user's own,
    so nothing else reads it in between."""
    default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(content))
    if saved != name:
        default_storage.delete(saved)
        raise OSError(f"the pending import could not be stored as {name}")


def fingerprint(rows: list[ParsedRow], *stored: Any) -> str:
    """A digest of the rows as read and of what the stored data they touch looks like now."""
    payload = [[asdict(row) for row in rows], *stored]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def pending_create(
    *, user: Any, kind: str, measure: Measure | None, filename: str
) -> PendingImport:
    prune_pending()
    return PendingImport(
        token=secrets.token_urlsafe(24),
        user_id=user.pk,
        kind=kind,
        measure_id=measure.pk if measure else None,
        stage=PREVIEW,
        filename=filename[:200],
    )


def pending_start(
    *,
    user: Any,
    kind: str,
    measure: Measure | None,
    filename: str,
    data: bytes,
    publisher: bool = False,
    trajectory: dict[str, str] | None = None,
) -> PendingImport:
    """A new pending import of an upload, stored for its next step: the mapping of a publisher's
    spreadsheet (one measure's imports only), or the preview. Raises ImportRefused, storing
    nothing, when the file cannot be imported at all."""
    pending = pending_create(user=user, kind=kind, measure=measure, filename=filename)
    pending.trajectory = trajectory or {}
    if len(data) > MAX_BYTES:
        raise ImportRefused(FILE_TOO_LARGE)
    if measure is not None and publisher:
        pending.sheets = sheet_names(data)  # can it be read at all?
        pending.stage = MAP
        pending.save(upload=data)
        try:
            pending.sheet_table(pending.sheets[0])  # the sheet the mapping step shows first
        except ImportRefused:
            pending.discard()
            raise
        return pending
    table = read_table(data)
    if measure is None:
        parsed = parse_own_format(table, kind=kind, resolve=portfolio_resolver(user))
    else:
        parsed = parse_own_format(table, kind=kind, measure=measure)
    pending.set_rows(parsed.rows)
    pending.skipped = parsed.skipped
    pending.save()
    return pending


def pending_load(token: str, *, user: Any, measure: Measure | None) -> PendingImport | None:
    """The user's own pending import for this measure (or the portfolio), or None: another
    user's token, a token for another measure and an expired one all look the same."""
    if not token or not _TOKEN.match(token):
        return None
    name = f"{PENDING_FOLDER}/{token}{_META}"
    try:
        if not default_storage.exists(name):
            return None
        with default_storage.open(name, "rb") as handle:
            pending = PendingImport(**json.loads(handle.read()))
    except (OSError, ValueError, TypeError):
        return None
    if pending.user_id != user.pk or pending.measure_id != (measure.pk if measure else None):
        return None
    if time.time() - pending.created > PENDING_MAX_AGE_SECONDS:
        pending.discard()
        return None
    return pending


def prune_pending() -> None:
    """Delete what is left of imports started more than a day ago and never finished."""
    try:
        _, names = default_storage.listdir(PENDING_FOLDER)
    except (OSError, NotImplementedError):
        return  # nothing stored yet
    cutoff = timezone.now() - timedelta(seconds=PENDING_MAX_AGE_SECONDS)
    for name in names:
        path = f"{PENDING_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except OSError:
            continue  # deleted meanwhile by its own request
