"""A delivery report requested through the web, built by a real Celery worker through a real
Redis, and downloaded: the whole path with no stand-ins."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest
from django.urls import reverse

from assessments import services as assessment_services
from deliveryunit.models import DocumentDownload, DocumentKind, DocumentStatus, GeneratedDocument
from tests.factories import ActualFactory, MeasureFactory, PriorityFactory, add_trajectory

from .conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# From request to finished report, worker start and browser warm-up included, on a busy machine.
BUILD_TIMEOUT = 240.0
JUDGEMENTS = {
    "challenge": "H",
    "planning": "AG",
    "capacity": "AR",
    "stage": "2",
    "likelihood": "AG",
}
NARRATIVE = "Asylum decisions are arriving faster; removals still lag the plan."


@pytest.fixture
def assessed_round(world, analyst):
    """One Home Office priority with a measure, its trajectory and actuals, assessed in a
    draft round (which an analyst may report on)."""
    priority = PriorityFactory(
        code="HO-1", title="Faster asylum decisions", lead_department=world.own
    )
    measure = MeasureFactory(priority=priority, name="Decisions within two months", unit="%")
    add_trajectory(measure, [(date(2003, 1, 1), 60), (date(2003, 12, 1), 80)])
    for month in range(1, 13):
        ActualFactory(measure=measure, period=date(2003, month, 1), value=58 + month)
    round_ = assessment_services.round_create(
        by=analyst, name="December 2003", date=date(2003, 12, 31), priorities=[priority]
    )
    assessment = assessment_services.assessment_start(round_=round_, priority=priority, by=analyst)
    assessment_services.assessment_save(
        assessment=assessment,
        by=analyst,
        expected_version=assessment.version,
        judgements=JUDGEMENTS,
        texts={"narrative": NARRATIVE, "likelihood_rationale": "Plans are sound."},
    )
    return round_


def test_report_requested_on_the_web_is_built_by_the_worker_and_downloaded(
    client, world, analyst, assessed_round, workers, media_root
):
    client.force_login(analyst)

    response = client.post(
        reverse("documents:request"),
        {
            "kind": DocumentKind.DELIVERY_REPORT,
            "format": "pdf",
            "round": assessed_round.pk,
            "department": world.own.pk,
        },
    )

    # The request only queued the build: no worker is running yet, and the task is waiting in
    # Redis rather than having run in this process.
    assert response.status_code == 302
    document = GeneratedDocument.objects.get()
    assert response["Location"].endswith(f"#document-{document.pk}")
    assert document.status == DocumentStatus.QUEUED
    assert document.file.name == ""
    assert workers.redis.queue_length() == 1

    worker = workers.start()
    status_url = reverse("documents:status", args=[document.pk])
    download_url = reverse("documents:download", args=[document.pk])

    def finished() -> str | None:
        row = client.get(status_url)
        assert row.status_code == 200
        html = row.content.decode()
        if "govuk-tag--red" in html:
            pytest.fail(f"The build failed: {html}\n{worker.log()[-4000:]}")
        return html if download_url in html else None

    row = wait_for(finished, timeout=BUILD_TIMEOUT, what="the report to be built", every=0.5)
    assert "hx-get" not in row  # a finished row stops polling
    assert workers.redis.queue_length() == 0
    assert re.search(r"build_document\[[^\]]+\] succeeded", worker.log())

    document.refresh_from_db()
    assert (document.status, document.version, document.progress) == (DocumentStatus.DONE, 1, 100)
    assert document.started_at is not None
    assert document.finished_at >= document.started_at

    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    body = b"".join(download.streaming_content)
    assert body.startswith(b"%PDF")
    assert len(body) == document.size
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)
    assert "Faster asylum decisions" in text
    assert NARRATIVE in " ".join(text.split())
    assert "OFFICIAL-SENSITIVE" in text

    logged = DocumentDownload.objects.get()
    assert (logged.document_id, logged.user_id) == (document.pk, analyst.pk)
    assert sorted(p.name for p in (media_root / "documents").iterdir()) == [
        f"delivery_report-{document.pk}-v1.pdf"
    ]
