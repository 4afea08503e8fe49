"""Documents and pending imports through Django's storage API, on an S3 bucket as production
keeps them (moto's in-process S3: no network), and the settings that choose the storage.

Nothing here touches MEDIA_ROOT: if any code wrote or read a path on this machine instead of
going through the storage, these tests would find the bucket empty or the file missing.
"""

import os
import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deliveryunit import documents
from deliveryunit.models import DocumentDownload, DocumentStatus, GeneratedDocument
from deliveryunit.worker import TEST_SLOW_KIND, SlowTestBuilder
from priorities.models import Frequency

from .factories import MeasureFactory, PriorityFactory
from .test_imports import publisher_workbook

BUCKET = "deliveryunit-test-documents"
REGION = "eu-west-2"
BASE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture
def bucket(settings, monkeypatch):
    """An empty private bucket, made the default storage; yields a client to look inside."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        import boto3

        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "region_name": REGION,
                    "file_overwrite": False,
                    "default_acl": None,
                },
            },
        }
        yield client


def keys(client, prefix: str = "") -> list[str]:
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def object_bytes(client, key: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


@pytest.fixture
def held_kind(tmp_path, monkeypatch):
    """The small test document kind, its build released at once."""
    release = tmp_path / "release"
    release.touch()
    monkeypatch.setitem(documents.REGISTRY, TEST_SLOW_KIND, SlowTestBuilder(release))


def request_and_build(by) -> GeneratedDocument:
    document = documents.document_request(
        kind=TEST_SLOW_KIND, format="pdf", subject={"name": "bucket"}, by=by
    )
    documents.run_build(document.pk)
    document.refresh_from_db()
    return document


def test_a_built_document_is_saved_in_the_bucket_under_its_versioned_name(
    bucket, held_kind, analyst, isolated_media_root
):
    document = request_and_build(analyst)
    assert document.status == DocumentStatus.DONE, document.error
    name = f"documents/{TEST_SLOW_KIND}-{document.pk}-v1.pdf"
    assert document.file.name == name
    assert keys(bucket) == [name]
    assert object_bytes(bucket, name).startswith(b"%PDF")
    assert list(Path(isolated_media_root).rglob("*")) == []


def test_a_download_streams_from_the_bucket_and_is_logged(
    client, bucket, held_kind, analyst, isolated_media_root
):
    document = request_and_build(analyst)
    client.force_login(analyst)
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content)
    assert body == object_bytes(bucket, document.file.name)
    assert response["Content-Length"] == str(len(body))
    assert DocumentDownload.objects.filter(document=document, user=analyst).count() == 1


def test_a_download_of_another_departments_document_is_not_found_in_the_bucket_either(
    client, bucket, held_kind, analyst, world
):
    document = request_and_build(analyst)
    GeneratedDocument.objects.get(pk=document.pk).departments.set([world.other])
    client.force_login(world.users["official"])
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 404
    assert not DocumentDownload.objects.exists()


def test_a_build_swept_while_running_leaves_nothing_in_the_bucket(
    bucket, analyst, tmp_path, monkeypatch
):
    class SweptMidBuild(SlowTestBuilder):
        def build(self, document, progress):
            later = document.started_at + documents.STUCK_AFTER + timedelta(minutes=1)
            assert documents.sweep_stuck(now=later) == 1
            return super().build(document, progress)

    release = tmp_path / "release"
    release.touch()
    monkeypatch.setitem(documents.REGISTRY, TEST_SLOW_KIND, SweptMidBuild(release))
    document = request_and_build(analyst)
    assert (document.status, document.error) == (DocumentStatus.FAILED, documents.STUCK_REASON)
    assert not document.file
    assert keys(bucket) == []


def test_the_sweep_deletes_what_a_dead_build_left_under_its_name(bucket, held_kind, analyst):
    document = documents.document_request(
        kind=TEST_SLOW_KIND, format="pdf", subject={"name": "dead"}, by=analyst
    )
    started = documents._start(document.pk)
    # The worker died while saving: part of the file is there, the row still says running.
    default_storage.save(documents.built_name(started), ContentFile(b"%PDF-1.4 par"))
    assert keys(bucket) == [documents.built_name(started)]
    later = started.started_at + documents.STUCK_AFTER + timedelta(minutes=1)
    assert documents.sweep_stuck(now=later) == 1
    assert keys(bucket) == []
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED


def test_a_failed_build_leaves_nothing_in_the_bucket(bucket, analyst, tmp_path, monkeypatch):
    class Broken(SlowTestBuilder):
        def build(self, document, progress):
            raise RuntimeError("no")

    monkeypatch.setitem(documents.REGISTRY, TEST_SLOW_KIND, Broken(tmp_path / "release"))
    document = request_and_build(analyst)
    assert document.status == DocumentStatus.FAILED
    assert keys(bucket) == []


def test_a_publishers_file_waits_for_its_mapping_in_the_bucket(
    client, bucket, analyst, world, isolated_media_root
):
    priority = PriorityFactory(code="HO-1", lead_department=world.own)
    measure = MeasureFactory(priority=priority, name="Share", frequency=Frequency.MONTHLY)
    client.force_login(analyst)
    url = reverse("priorities:measure_import", args=[measure.pk])
    content = publisher_workbook()
    response = client.post(
        url,
        {
            "kind": "actuals",
            "layout": "publisher",
            "file": SimpleUploadedFile("release.xlsx", content),
        },
    )
    assert response.status_code == 302
    token = response["Location"].split("token=")[1].split("&")[0]
    # The upload, and its first sheet as read (kept so the mapping step does not read it again).
    assert keys(bucket) == [
        f"imports/{token}.json",
        f"imports/{token}.sheet0.json",
        f"imports/{token}.upload",
    ]
    assert object_bytes(bucket, f"imports/{token}.upload") == content

    # The next step (possibly on another web process) reads the upload back from the bucket.
    page = client.post(url, {"token": token, "action": "show", "sheet": "Performance"})
    assert page.status_code == 200
    assert "12 October 2023" in page.content.decode()

    assert client.post(url, {"token": token, "action": "cancel"}).status_code == 302
    assert keys(bucket) == []
    assert list(Path(isolated_media_root).rglob("*")) == []


# --- which storage the settings choose ----------------------------------------------------


def storage_settings(monkeypatch, **env: str) -> dict:
    """The default storage the settings module chooses under this environment (the module is
    run afresh: it reads the environment once, when imported)."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "STORAGE_BACKEND")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "deliveryunit" / "settings.py"))["STORAGES"]["default"]


def test_local_files_are_the_embedded_default(monkeypatch):
    assert storage_settings(monkeypatch) == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


def test_a_bucket_name_chooses_the_s3_storage_with_its_endpoint(monkeypatch):
    chosen = storage_settings(
        monkeypatch,
        AWS_STORAGE_BUCKET_NAME="documents",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        AWS_SECRET_ACCESS_KEY="not-in-the-settings",
    )
    assert chosen["BACKEND"] == "storages.backends.s3.S3Storage"
    options = chosen["OPTIONS"]
    assert options["bucket_name"] == "documents"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["file_overwrite"] is False
    # Credentials stay with boto3's own environment lookup.
    assert "not-in-the-settings" not in repr(chosen)


def test_s3_without_a_bucket_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured) as refused:
        storage_settings(monkeypatch, STORAGE_BACKEND="s3")
    assert str(refused.value) == "STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME."


def test_an_unknown_storage_backend_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured) as refused:
        storage_settings(monkeypatch, STORAGE_BACKEND="ftp")
    assert str(refused.value) == "STORAGE_BACKEND must be 'local' or 's3', not 'ftp'."
