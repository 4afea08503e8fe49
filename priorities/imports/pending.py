"""Pending imports: an upload kept server-side between its steps, and its fingerprint.

Between upload and confirm the upload lives in a `PendingImport` (MEDIA_ROOT/imports/<token>/)
that only the user who uploaded it, for the same measure (or the portfolio), can open. The
preview carries a fingerprint of the rows and of the stored data they touch; confirming with a
fingerprint that no longer matches means someone saved in between.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from ..models import Measure
from .parse import (
    MappedRows,
    Mapping,
    ParsedRow,
    parse_own_format,
    portfolio_resolver,
)
from .readers import FILE_TOO_LARGE, MAX_BYTES, ImportRefused, read_table, sheet_names

PENDING_MISSING = "This import has expired or is already finished. Upload the file again."

PENDING_MAX_AGE_SECONDS = 24 * 60 * 60
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

    @property
    def folder(self) -> Path:
        return pending_root() / self.token

    def upload(self) -> bytes:
        return (self.folder / "upload").read_bytes()

    def save(self, upload: bytes | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if upload is not None:
            (self.folder / "upload").write_bytes(upload)
            self.has_upload = True
        meta = self.folder / "meta.json.tmp"
        meta.write_text(json.dumps(asdict(self)))
        os.replace(meta, self.folder / "meta.json")

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def fingerprint(rows: list[ParsedRow], *stored: Any) -> str:
    """A digest of the rows as read and of what the stored data they touch looks like now."""
    payload = [[asdict(row) for row in rows], *stored]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def pending_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


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
        sheet_names(data)  # can it be read at all?
        pending.stage = MAP
        pending.save(upload=data)
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
    try:
        data = json.loads((pending_root() / token / "meta.json").read_text())
        pending = PendingImport(**data)
    except (OSError, ValueError, TypeError):
        return None
    if pending.user_id != user.pk or pending.measure_id != (measure.pk if measure else None):
        return None
    if time.time() - pending.created > PENDING_MAX_AGE_SECONDS:
        pending.discard()
        return None
    return pending


def prune_pending() -> None:
    root = pending_root()
    if not root.is_dir():
        return
    cutoff = time.time() - PENDING_MAX_AGE_SECONDS
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
