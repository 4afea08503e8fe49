"""Backups: the database and the stored files (documents, pending imports, review images) in
one .tar.gz with a manifest, and a restore that checks the whole archive before it changes
anything.

The archive holds:
  manifest.json      format version, database engine, created at, and every other member with
                     its size and SHA-256
  database.sqlite3   SQLite: a consistent copy through the online backup API, taken while the
                     app runs (readers and writers carry on)
  database.dump      PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore`
  media/<name>       every file in the default storage, read and written through Django's
                     storage API, so it is the same for files under MEDIA_ROOT and for an S3
                     bucket (every object under the storage's location, listed and downloaded)
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.utils import timezone

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
CHUNK = 1024 * 1024

NOT_AN_ARCHIVE = "The file is not a readable backup archive (damaged or not a .tar.gz): {error}."
NO_MANIFEST = "The archive has no readable manifest.json: it is not a backup made by this app."
WRONG_FORMAT = (
    "The archive is backup format {found}; this version of the app restores format {expected}."
)
WRONG_ENGINE = (
    "The archive holds a {found} database; this app runs on {expected}. "
    "Restore it into a {found} database instead."
)
CHECKSUM_MISMATCH = "The archive is damaged: {name} does not match its checksum in the manifest."
MISSING_MEMBER = "The archive is incomplete: {name} is listed in the manifest but missing."
EXTRA_MEMBER = "The archive holds {name}, which its manifest does not list."
UNSAFE_NAME = "The archive names a file outside the media folder: {name}."
UNSUPPORTED_ENGINE = "Backups support SQLite and PostgreSQL, not {engine}."
TOOL_MISSING = "{tool} was not found: install the PostgreSQL client tools (version 15 or later)."
TOOL_FAILED = "{tool} failed: {error}"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for the operator."""


@dataclass(frozen=True)
class Manifest:
    version: int
    engine: str
    created_at: str
    files: dict[str, dict[str, object]]  # member name -> {"size", "sha256"}

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "version": self.version,
                "engine": self.engine,
                "created_at": self.created_at,
                "files": self.files,
            },
            indent=2,
            sort_keys=True,
        ).encode()


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBER:
        raise BackupError(UNSUPPORTED_ENGINE.format(engine=vendor))
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# Stored files ---------------------------------------------------------------------------------


def stored_files(storage: Storage | None = None, folder: str = "") -> Iterator[str]:
    """Every file name in the storage, walked through listdir (FileSystemStorage and S3)."""
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from stored_files(storage, f"{folder}/{sub}" if folder else sub)


def _safe_media_name(member: str) -> str:
    name = member[len(MEDIA_PREFIX) :]
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise BackupError(UNSAFE_NAME.format(name=member))
    return name


# PostgreSQL tools -----------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if candidates:
        return str(candidates[-1])
    raise BackupError(TOOL_MISSING.format(tool=name))


def _pg_connection_args() -> tuple[list[str], dict[str, str]]:
    settings = connection.settings_dict
    args = ["--dbname", settings["NAME"]]
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _run(tool: str, args: list[str], env: dict[str, str]) -> None:
    # A fixed tool path and an argument list from settings, never through a shell.
    result = subprocess.run(  # noqa: S603 # nosec B603
        [_pg_tool(tool), *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(TOOL_FAILED.format(tool=tool, error=result.stderr.strip()))


# Database copies ------------------------------------------------------------------------------


def _dump_database(engine: str, target: Path) -> None:
    connection.ensure_connection()
    if engine == "sqlite":
        destination = sqlite3.connect(target)
        try:
            # One step: a consistent copy even while other connections write.
            connection.connection.backup(destination)
        finally:
            destination.close()
    else:
        args, env = _pg_connection_args()
        _run("pg_dump", ["--format=custom", "--no-owner", "--file", str(target), *args], env)


def _load_database(engine: str, source: Path) -> None:
    if engine == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(source)
        try:
            # Replaces the live database page by page under SQLite's own lock: every
            # connection sees either the old or the restored database.
            copy.backup(connection.connection)
        finally:
            copy.close()
    else:
        # The app's own connection must not hold the tables pg_restore drops.
        connection.close()
        args, env = _pg_connection_args()
        _run(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
                *args,
                str(source),
            ],
            env,
        )


# Backup ---------------------------------------------------------------------------------------


def backup(output: Path, *, storage: Storage | None = None) -> Manifest:
    """Writes the database and every stored file to `output` (a .tar.gz) with a manifest."""
    storage = storage or default_storage
    engine = _engine()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="du-backup-") as work:
        database = Path(work) / DATABASE_MEMBER[engine]
        _dump_database(engine, database)
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(database, arcname=database.name)
            files[database.name] = {"size": database.stat().st_size, "sha256": _sha256(database)}
            for name in stored_files(storage):
                member = MEDIA_PREFIX + name
                # Spooled to a file so the checksum and the archived bytes are the same read.
                spool = Path(work) / "media-file"
                with storage.open(name, "rb") as source, spool.open("wb") as target:
                    shutil.copyfileobj(source, target, CHUNK)
                archive.add(spool, arcname=member)
                files[member] = {"size": spool.stat().st_size, "sha256": _sha256(spool)}
            manifest = Manifest(
                version=FORMAT_VERSION,
                engine=engine,
                created_at=timezone.now().isoformat(timespec="seconds"),
                files=files,
            )
            body = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(body))
        # Only a complete archive takes the name asked for.
        partial.replace(output)
    return manifest


# Restore --------------------------------------------------------------------------------------


def _read_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        member = archive.getmember(MANIFEST)
        handle = archive.extractfile(member)
        if handle is None:
            raise KeyError(MANIFEST)
        data = json.loads(handle.read())
        return Manifest(
            version=int(data["version"]),
            engine=str(data["engine"]),
            created_at=str(data["created_at"]),
            files={str(k): dict(v) for k, v in data["files"].items()},
        )
    except (KeyError, ValueError, TypeError, AttributeError) as error:
        raise BackupError(NO_MANIFEST) from error


def verify(path: Path) -> Manifest:
    """Reads the whole archive and checks it against its manifest and this app; raises
    BackupError saying what is wrong. Touches nothing."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            manifest = _read_manifest(archive)
            if manifest.version != FORMAT_VERSION:
                raise BackupError(
                    WRONG_FORMAT.format(found=manifest.version, expected=FORMAT_VERSION)
                )
            engine = _engine()
            if manifest.engine != engine:
                raise BackupError(WRONG_ENGINE.format(found=manifest.engine, expected=engine))
            if DATABASE_MEMBER[engine] not in manifest.files:
                raise BackupError(MISSING_MEMBER.format(name=DATABASE_MEMBER[engine]))
            seen: set[str] = set()
            for member in archive:
                if member.name == MANIFEST:
                    continue
                if member.name not in manifest.files or not member.isfile():
                    raise BackupError(EXTRA_MEMBER.format(name=member.name))
                if member.name.startswith(MEDIA_PREFIX):
                    _safe_media_name(member.name)
                elif member.name != DATABASE_MEMBER[engine]:
                    raise BackupError(EXTRA_MEMBER.format(name=member.name))
                handle = archive.extractfile(member)
                if handle is None:
                    raise BackupError(MISSING_MEMBER.format(name=member.name))
                digest = hashlib.sha256()
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                if digest.hexdigest() != manifest.files[member.name].get("sha256"):
                    raise BackupError(CHECKSUM_MISMATCH.format(name=member.name))
                seen.add(member.name)
            for name in manifest.files:
                if name not in seen:
                    raise BackupError(MISSING_MEMBER.format(name=name))
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(NOT_AN_ARCHIVE.format(error=error)) from error
    return manifest


def restore(path: Path, *, storage: Storage | None = None) -> Manifest:
    """Puts the database and the stored files back as they were in the archive. The archive is
    checked in full first; a damaged one, or one from another engine, changes nothing.
    Stored files the archive does not hold are deleted: no restored row refers to them."""
    storage = storage or default_storage
    manifest = verify(Path(path))
    engine = manifest.engine
    with tempfile.TemporaryDirectory(prefix="du-restore-") as work:
        with tarfile.open(path, "r:gz") as archive:
            database_member = archive.getmember(DATABASE_MEMBER[engine])
            database = Path(work) / DATABASE_MEMBER[engine]
            handle = archive.extractfile(database_member)
            if handle is None:
                raise BackupError(MISSING_MEMBER.format(name=database_member.name))
            with database.open("wb") as target:
                shutil.copyfileobj(handle, target, CHUNK)
        # The copy on disk is checked again: what is loaded is exactly what was verified.
        if _sha256(database) != manifest.files[database.name]["sha256"]:
            raise BackupError(CHECKSUM_MISMATCH.format(name=database.name))
        _load_database(engine, database)
    kept = {_safe_media_name(m) for m in manifest.files if m.startswith(MEDIA_PREFIX)}
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            if not member.name.startswith(MEDIA_PREFIX):
                continue
            name = _safe_media_name(member.name)
            handle = archive.extractfile(member)
            if handle is None:
                raise BackupError(MISSING_MEMBER.format(name=member.name))
            # Storage.save never overwrites (it picks another name): delete first, and the
            # saved name must be the archived one.
            if storage.exists(name):
                storage.delete(name)
            saved = storage.save(name, File(handle, name=name))
            if saved != name:
                raise BackupError(
                    TOOL_FAILED.format(tool="storage", error=f"saved {name} as {saved}")
                )
    for name in list(stored_files(storage)):
        if name not in kept:
            storage.delete(name)
    return manifest
