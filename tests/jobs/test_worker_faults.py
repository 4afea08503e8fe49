"""Faults with real processes: a worker killed in the middle of a build, and the same build
task delivered twice. Either way a document ends done exactly once or failed with a reason:
never stuck, never two versions, never a stray file.

The builds here are of the test-only kind that deliveryunit.worker registers in a worker
started with DOCUMENT_TEST_SLOW_BUILDER: it reports 50% and then holds until a release file
exists, so the test knows the worker is mid-build when it kills it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from deliveryunit import documents
from deliveryunit.models import DocumentStatus, GeneratedDocument
from deliveryunit.tasks import build_document
from deliveryunit.worker import TEST_SLOW_ENV, TEST_SLOW_KIND, SlowTestBuilder

from .conftest import built_files, wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BUILD_TIMEOUT = 60.0


@pytest.fixture
def release(tmp_path: Path, monkeypatch) -> Path:
    """The file that lets held builds finish; this process knows the kind too, to request it."""
    path = tmp_path / "release"
    monkeypatch.setitem(documents.REGISTRY, TEST_SLOW_KIND, SlowTestBuilder(path))
    return path


def held_worker_env(release: Path) -> dict[str, str]:
    return {TEST_SLOW_ENV: str(release), "DJANGO_DEBUG": "1"}


def request(by) -> GeneratedDocument:
    return documents.document_request(
        kind=TEST_SLOW_KIND, format="pdf", subject={"name": "fault"}, by=by
    )


def status_of(document: GeneratedDocument) -> tuple[str, int]:
    document.refresh_from_db()
    return document.status, document.progress


def test_worker_killed_mid_build_leaves_a_failed_build_and_the_next_one_is_built_once(
    workers, media_root, release, analyst
):
    worker = workers.start(warm_browser=False, env=held_worker_env(release))
    first = request(analyst)
    wait_for(
        lambda: status_of(first) == (DocumentStatus.RUNNING, 50),
        timeout=BUILD_TIMEOUT,
        what="the worker to be holding mid-build",
    )

    worker.kill()

    # Nothing finishes a build whose worker died: it stays running, and nothing was written.
    assert status_of(first) == (DocumentStatus.RUNNING, 50)
    assert built_files(media_root) == []
    # While it is "running", the same document cannot be requested again.
    with pytest.raises(documents.DocumentRefused) as refused:
        request(analyst)
    assert refused.value.messages == [documents.ALREADY_BUILDING]

    # Not yet past the time limit: the sweep leaves it alone.
    assert documents.sweep_stuck() == 0
    assert documents.sweep_stuck(now=timezone.now() + documents.STUCK_AFTER + timedelta(1)) == 1
    first.refresh_from_db()
    assert first.status == DocumentStatus.FAILED
    assert first.error == documents.STUCK_REASON
    assert first.version is None
    assert first.file.name == ""

    release.touch()
    workers.start(warm_browser=False, env=held_worker_env(release))
    second = request(analyst)
    wait_for(
        lambda: status_of(second)[0] == DocumentStatus.DONE,
        timeout=BUILD_TIMEOUT,
        what="the rebuilt document",
    )

    second.refresh_from_db()
    assert second.version == 1  # the failed build gave its number back
    builds = GeneratedDocument.objects.filter(kind=TEST_SLOW_KIND, subject_key=second.subject_key)
    assert sorted(builds.values_list("status", "version")) == [
        (DocumentStatus.DONE, 1),
        (DocumentStatus.FAILED, None),
    ]
    assert built_files(media_root) == [f"{TEST_SLOW_KIND}-{second.pk}-v1.pdf"]
    assert (media_root / second.file.name).read_bytes().startswith(b"%PDF")


# SQLite ignores select_for_update, so two deliveries starting together both read "queued" and
# the second fails "database is locked" when it writes, unless transactions take the write
# lock when they begin (OPTIONS transaction_mode IMMEDIATE, asked of the settings' owner).
_SQLITE_DEFERRED = (
    settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    and settings.DATABASES["default"].get("OPTIONS", {}).get("transaction_mode") != "IMMEDIATE"
)


@pytest.mark.parametrize(
    "pool",
    [
        "solo",
        pytest.param(
            "threads",
            marks=pytest.mark.xfail(
                _SQLITE_DEFERRED,
                reason="SQLite without transaction_mode IMMEDIATE: concurrent starts can fail",
                strict=False,
            ),
        ),
    ],
)
def test_the_same_build_task_delivered_twice_builds_one_version(
    workers, media_root, release, analyst, pool
):
    release.touch()
    document = request(analyst)  # enqueues the build once, on commit
    # A second delivery of the same task (a retry, or the broker redelivering it). Both wait in
    # Redis, so the threads pool (two at a time) takes them together.
    build_document.delay(document.pk)
    assert workers.redis.queue_length() == 2

    worker = workers.start(pool=pool, warm_browser=False, env=held_worker_env(release))

    def outcomes() -> list[str]:
        found = re.findall(r"build_document\[[^\]]+\] (succeeded|raised)", worker.log())
        return found if len(found) == 2 else []

    # Both deliveries end quietly: the second finds the build already taken and does nothing.
    assert wait_for(outcomes, timeout=BUILD_TIMEOUT, what="both deliveries to finish") == [
        "succeeded",
        "succeeded",
    ], worker.log()[-4000:]
    document.refresh_from_db()
    assert (document.status, document.version) == (DocumentStatus.DONE, 1)
    assert GeneratedDocument.objects.count() == 1
    assert built_files(media_root) == [f"{TEST_SLOW_KIND}-{document.pk}-v1.pdf"]
