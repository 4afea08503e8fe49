"""`manage.py backup` and `manage.py restore`: the database (SQLite through the online backup
API, PostgreSQL through pg_dump/pg_restore when DATABASE_URL points at one, as in CI's second
pass) and the stored files, in one archive that restore checks in full before changing anything.

The tests replace the whole database, so they run outside the per-test transaction."""

import gzip
import io
import json
import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from deliveryunit import backups
from deliveryunit.models import (
    Department,
    DocumentFormat,
    DocumentKind,
    DocumentStatus,
    GeneratedDocument,
)

# Like every transactional test here: a flush that recreated the content types under new ids
# would make the next serialized_rollback test fail to reload its rows (on PostgreSQL).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ORIGINAL_PDF = b"%PDF-1.4 the original note"


def make_document() -> GeneratedDocument:
    document = GeneratedDocument.objects.create(
        kind=DocumentKind.PM_NOTE,
        format=DocumentFormat.PDF,
        subject_key="month=2003-09",
        subject={"month": "2003-09"},
        title="Note to the PM: September 2003",
        marking="OFFICIAL-SENSITIVE",
        status=DocumentStatus.DONE,
        progress=100,
    )
    document.file.save("note.pdf", ContentFile(ORIGINAL_PDF))
    return document


@pytest.fixture
def backed_up(tmp_path):
    """A department and a document with its file, backed up to an archive."""
    department = Department.objects.create(name="Home Office", code="HO")
    document = make_document()
    default_storage.save("imports/pending.csv", ContentFile(b"measure,value\n1,71.2\n"))
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=archive)
    return archive, department, document


def members(archive) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def rewrite(archive, changed: dict[str, bytes]) -> None:
    """Writes the archive again with some members' bytes replaced (the manifest untouched)."""
    contents = members(archive) | changed
    with tarfile.open(archive, "w:gz") as tar:
        for name, body in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))


def test_a_restore_brings_back_the_rows_and_files_of_the_backup(backed_up):
    archive, department, document = backed_up
    manifest = json.loads(members(archive)["manifest.json"])
    assert manifest["version"] == backups.FORMAT_VERSION
    assert manifest["engine"] == connection.vendor
    assert f"media/{document.file.name}" in manifest["files"]
    assert "media/imports/pending.csv" in manifest["files"]

    # Everything changes after the backup: a row renamed, one added, one deleted, the
    # document's file overwritten in place and a new file stored.
    Department.objects.filter(pk=department.pk).update(name="Renamed")
    Department.objects.create(name="Department for Education", code="DFE")
    GeneratedDocument.objects.filter(pk=document.pk).delete()
    default_storage.delete(document.file.name)
    default_storage.save(document.file.name, ContentFile(b"tampered"))
    default_storage.save("documents/later.pdf", ContentFile(b"after the backup"))

    call_command("restore", archive)

    assert list(Department.objects.values_list("code", "name")) == [("HO", "Home Office")]
    restored = GeneratedDocument.objects.get(pk=document.pk)
    assert restored.title == "Note to the PM: September 2003"
    with restored.file.open("rb") as handle:
        assert handle.read() == ORIGINAL_PDF
    with default_storage.open("imports/pending.csv") as handle:
        assert handle.read() == b"measure,value\n1,71.2\n"
    assert not default_storage.exists("documents/later.pdf")


def assert_nothing_changed(department_pk: int) -> None:
    assert Department.objects.get(pk=department_pk).name == "Changed after the backup"
    with default_storage.open("imports/pending.csv") as handle:
        assert handle.read() == b"changed after the backup"


def change_after_backup(department) -> None:
    Department.objects.filter(pk=department.pk).update(name="Changed after the backup")
    default_storage.delete("imports/pending.csv")
    default_storage.save("imports/pending.csv", ContentFile(b"changed after the backup"))


def test_a_damaged_archive_is_refused_and_changes_nothing(backed_up):
    archive, department, document = backed_up
    change_after_backup(department)
    rewrite(archive, {f"media/{document.file.name}": b"%PDF-1.4 a different note"})

    with pytest.raises(CommandError) as refused:
        call_command("restore", archive)

    assert str(refused.value) == backups.CHECKSUM_MISMATCH.format(
        name=f"media/{document.file.name}"
    )
    assert_nothing_changed(department.pk)


def test_a_damaged_database_copy_is_refused(backed_up):
    archive, department, _ = backed_up
    change_after_backup(department)
    database = backups.DATABASE_MEMBER[connection.vendor]
    rewrite(archive, {database: members(archive)[database][:-10] + b"0123456789"})

    with pytest.raises(CommandError) as refused:
        call_command("restore", archive)

    assert str(refused.value) == backups.CHECKSUM_MISMATCH.format(name=database)
    assert_nothing_changed(department.pk)


def test_a_truncated_archive_is_refused(backed_up):
    archive, department, _ = backed_up
    change_after_backup(department)
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])

    with pytest.raises(CommandError, match="not a readable backup archive"):
        call_command("restore", archive)

    assert_nothing_changed(department.pk)


def test_an_archive_from_another_engine_is_refused(backed_up):
    archive, department, _ = backed_up
    change_after_backup(department)
    manifest = json.loads(members(archive)["manifest.json"])
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest["engine"] = other
    rewrite(archive, {"manifest.json": json.dumps(manifest).encode()})

    with pytest.raises(CommandError) as refused:
        call_command("restore", archive)

    assert str(refused.value) == backups.WRONG_ENGINE.format(
        found=other, expected=connection.vendor
    )
    assert_nothing_changed(department.pk)


def test_a_file_outside_the_manifest_or_the_media_folder_is_refused(backed_up):
    archive, department, _ = backed_up
    change_after_backup(department)
    manifest = json.loads(members(archive)["manifest.json"])
    body = b"#!/bin/sh\n"
    import hashlib

    manifest["files"]["media/../../escape.sh"] = {
        "size": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    rewrite(
        archive,
        {"manifest.json": json.dumps(manifest).encode(), "media/../../escape.sh": body},
    )

    with pytest.raises(CommandError) as refused:
        call_command("restore", archive)

    assert str(refused.value) == backups.UNSAFE_NAME.format(name="media/../../escape.sh")
    assert_nothing_changed(department.pk)


def test_something_that_is_not_a_backup_is_refused(tmp_path, db):
    plain = tmp_path / "notes.tar.gz"
    plain.write_bytes(gzip.compress(b"not a tar file at all"))

    with pytest.raises(CommandError, match="not a readable backup archive"):
        call_command("restore", plain)


def test_check_only_reads_the_archive(backed_up):
    archive, department, _ = backed_up
    change_after_backup(department)

    out = io.StringIO()
    call_command("restore", archive, check=True, stdout=out)

    assert "checks out" in out.getvalue()
    assert_nothing_changed(department.pk)
