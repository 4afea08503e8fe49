"""The priority review report, built as PDF and Word through the document pipeline: what it says
(problem statement, chain, issue tree, findings with their charts, the prioritised action plan),
its marking, version and page numbers, who may ask for it and who may download it."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.db import transaction
from django.http import Http404
from django.test import override_settings
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from deliveryunit import access, documents
from deliveryunit.models import DocumentStatus, GeneratedDocument
from priorities import services as priority_services
from priorities.models import LinkStrength
from reviews import documents as report
from reviews import images, services
from reviews.models import ChartKind, IssueStatus, Stage
from reviews.views import REPORT_REQUESTED

from .factories import (
    DepartmentFactory,
    MeasureFactory,
    PriorityFactory,
    UserFactory,
    add_trajectory,
)
from .matrix_reviews import png_upload

pytestmark = pytest.mark.django_db

TITLE = "Priority review: Asylum screening"


def _make_review():
    from deliveryunit.models import Role
    from priorities.services import ActualData, actual_record

    home_office = DepartmentFactory(name="Home Office", code="HO")
    work = DepartmentFactory(name="Department for Work and Pensions", code="DWP")
    analyst = UserFactory(username="report_analyst", role=Role.ANALYST)
    priority = PriorityFactory(code="PSA 7", title="Asylum", lead_department=home_office)
    priority.delivery_chain.add(work)
    monthly = MeasureFactory(priority=priority, name="Applications per month", unit="applications")
    quarterly = MeasureFactory(
        priority=priority, name="Applications per quarter", unit="applications",
        frequency="quarterly",
    )  # fmt: skip
    add_trajectory(monthly, [(date(2002, 10, 1), 8770), (date(2003, 9, 1), 4385)])
    for period, value in ((date(2002, 10, 1), 8770), (date(2003, 2, 1), 4255)):
        actual_record(measure=monthly, by=analyst, data=ActualData(period, value))
    actual_record(measure=quarterly, by=analyst, data=ActualData(date(2002, 10, 1), 25000))

    review = services.review_create(
        priority=priority, by=analyst, title="Asylum screening", commissioner="Prime Minister",
        start=date(2003, 3, 3), report_due=date(2003, 5, 12),
    )  # fmt: skip
    review = services.review_update(
        review=review, by=analyst, expected_version=1,
        basic_question="Can screening keep pace with the pledge?",
        out_of_scope="Appeals.",
    )  # fmt: skip
    services.team_member_add(review=review, by=analyst, name="A head teacher", role="frontline")
    link = priority_services.chain_link_add(
        priority=priority, by=analyst, who="Screening units", strength=LinkStrength.WEAK
    )
    top = services.issue_add(review=review, by=analyst, question="Will intake halve?")
    child = services.issue_add(review=review, by=analyst, parent=top, question="Is screening fast?")
    services.issue_update(
        node=child, by=analyst, expected_version=1, status=IssueStatus.REFUTED,
        evidence="Nine days against three.",
    )  # fmt: skip
    services.plan_row_add(review=review, by=analyst, issue=top, analysis="Intake by port")
    services.visit_add(
        review=review, by=analyst, date=date(2003, 3, 20), site="Croydon screening unit",
        chain_link=link, findings="Queues from 6am.",
    )  # fmt: skip
    services.finding_add(
        review=review, by=analyst, headline="Intake is falling to plan",
        chart_kind=ChartKind.MEASURE, measure=monthly, chart_as_at=date(2003, 3, 31),
    )  # fmt: skip
    services.finding_add(
        review=review, by=analyst, headline="Monthly and quarterly agree",
        chart_kind=ChartKind.MEASURE, measure=monthly, compare_with=quarterly,
    )  # fmt: skip
    services.finding_add(
        review=review, by=analyst, headline="The queue at dawn", chart_kind=ChartKind.IMAGE,
        image=images.check(png_upload("queue.png", width=300, height=200)),
        image_description="Photograph of the queue outside the unit",
    )  # fmt: skip
    accepted = services.recommendation_add(
        review=review, by=analyst, description="Double screening staff", owner="Director",
        department=home_office, due=date(2003, 7, 31),
    )  # fmt: skip
    services.recommendation_add(
        review=review, by=analyst, description="Publish weekly intake", owner="Statistician",
        department=home_office, due=date(2003, 6, 30),
    )  # fmt: skip
    services.recommendation_accept(recommendation=accepted, by=analyst, expected_version=None)
    services.review_move_stage(review=review, by=analyst, expected_version=2, stage=Stage.FIELDWORK)
    return review, analyst


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """Build the report once as PDF and Word through the pipeline, keep the files and roll
    everything back."""
    media = tmp_path_factory.mktemp("media")
    result = {}
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        review, analyst = _make_review()
        for fmt in ("pdf", "docx"):
            document = documents.document_request(
                kind="review_report", format=fmt, subject={"review": review.pk}, by=analyst
            )
            documents.run_build(document.pk)
            document.refresh_from_db()
            result[fmt] = document
            result[f"{fmt}_bytes"] = Path(document.file.path).read_bytes()
            result[f"{fmt}_departments"] = sorted(
                document.departments.values_list("code", flat=True)
            )
        transaction.set_rollback(True)
    return result


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_both_formats_are_built_versioned_for_the_priority_departments(built):
    for fmt in ("pdf", "docx"):
        document = built[fmt]
        assert document.status == DocumentStatus.DONE, document.error
        assert (document.title, document.version) == (TITLE, 1)
        # The latest chart date the report draws on.
        assert document.data_as_at == date(2003, 3, 31)
        assert built[f"{fmt}_departments"] == ["DWP", "HO"]


def test_pdf_has_marking_version_data_date_and_page_numbers_on_every_page(built):
    reader = PdfReader(io.BytesIO(built["pdf_bytes"]))
    pages = len(reader.pages)
    assert pages > 1
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "OFFICIAL-SENSITIVE" in text
        assert f"Page {number} of {pages}" in text
        assert "Version 1" in text
        assert "data as at 31 March 2003" in text


def test_pdf_tells_the_review_in_order_with_its_charts(built):
    text = _pdf_text(built["pdf_bytes"])
    order = [
        "Scope and problem statement",
        "Can screening keep pace with the pledge?",
        "The delivery chain",
        "Screening units",
        "The issue tree",
        "1 Will intake halve?",
        "1.1 Is screening fast? Refuted",
        "Evidence: Nine days against three.",
        "Croydon screening unit",
        "Findings",
        "1. Intake is falling to plan",
        "2. Monthly and quarterly agree",
        "3. The queue at dawn",
        "Prioritised action plan",
        "Double screening staff",
        "Publish weekly intake",
    ]
    # After the cover's list of contents, each part comes in turn.
    position = text.index("Prioritised action plan", text.index("Contents"))
    for phrase in order:
        assert phrase in text[position:], phrase
        position = text.index(phrase, position)
    assert report.CHART_UNAVAILABLE not in text
    # Both measure charts are drawn (their captions and the charts' own legend text), the
    # comparison with both measures named on it.
    assert text.count("Chart of Applications per month") == 2
    assert "Chart of Applications per month and Applications per quarter" in text
    assert "Applications per quarter: actual" in text
    # The uploaded image is embedded as one image (Chromium shares one resource dictionary
    # between pages, so each page lists it: count distinct images), the charts as drawings.
    reader = PdfReader(io.BytesIO(built["pdf_bytes"]))
    distinct = {(image.name, image.data) for page in reader.pages for image in page.images}
    assert len(distinct) == 1
    assert next(iter(distinct))[0].endswith(".png")
    assert "Photograph of the queue outside the unit" in text


def test_word_file_has_the_same_story_and_three_pictures(built):
    doc = Document(io.BytesIO(built["docx_bytes"]))
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = "\n".join(cell.text for t in doc.tables for row in t.rows for cell in row.cells)
    assert TITLE in text
    assert "Can screening keep pace with the pledge?" in tables
    assert "1.1 Is screening fast? [Refuted]" in text
    assert "Intake is falling to plan" in text
    assert "Double screening staff" in tables
    assert "Open" in tables  # the accepted one, as the tracker has it
    assert "Not yet accepted" in tables
    # Two measure charts and the uploaded image.
    assert len(doc.inline_shapes) == 3
    footer = doc.sections[0].footer.paragraphs[0]
    assert "OFFICIAL-SENSITIVE | Version 1, data as at 31 March 2003 | Page" in footer.text
    assert re.search(r"w:instrText[^>]*>PAGE<", footer._p.xml)


# --- asking for it ----------------------------------------------------------------------------


def test_an_unknown_review_is_refused(world, analyst):
    with pytest.raises(documents.DocumentRefused) as refused:
        documents.document_request(
            kind="review_report", format="pdf", subject={"review": "x"}, by=analyst
        )
    assert refused.value.messages == [report.UNKNOWN_REVIEW]


def test_another_departments_review_does_not_exist_for_a_scoped_principal(world, analyst, official):
    other = PriorityFactory(code="DH 1", lead_department=world.other)
    review = services.review_create(
        priority=other, by=analyst, title="Elsewhere", commissioner="PM",
        start=date(2003, 3, 3), report_due=date(2003, 5, 12),
    )  # fmt: skip
    with pytest.raises(Http404):
        documents.document_request(
            kind="review_report", format="pdf", subject={"review": review.pk}, by=official
        )
    # The system reads every department, as for every document.
    document = documents.document_request(
        kind="review_report", format="pdf", subject={"review": review.pk}, by=access.SYSTEM
    )
    assert document.subject == {"review": review.pk}


def test_the_workspace_asks_for_a_build_and_lists_it(client, world, analyst, official):
    own = PriorityFactory(code="HO 1", lead_department=world.own)
    review = services.review_create(
        priority=own, by=analyst, title="Mine", commissioner="PM",
        start=date(2003, 3, 3), report_due=date(2003, 5, 12),
    )  # fmt: skip
    client.force_login(analyst)
    response = client.post(
        reverse("reviews:report", args=[review.pk]), {"format": "docx"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert REPORT_REQUESTED.format(format="Word") in body
    # While it builds, the section asks again every two seconds.
    assert 'hx-trigger="every 2s"' in body
    document = GeneratedDocument.objects.get(kind="review_report")
    assert document.requested_by == analyst
    # An official of the department may read the review and sees the build, but may not ask.
    client.force_login(official)
    assert (
        client.post(reverse("reviews:report", args=[review.pk]), {"format": "pdf"}).status_code
        == 403
    )
    listed = client.get(reverse("reviews:report", args=[review.pk]), HTTP_HX_REQUEST="true")
    assert 'data-testid="report-document"' in listed.content.decode()
