"""The monthly note to the Prime Minister, built from the demo data, and the task that queues it
on the first working day of the month."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from deliveryunit import access, documents
from deliveryunit.models import DocumentStatus, GeneratedDocument
from portfolio import pm_note, tasks

# With the database tests, so they run before any test that flushes the migrations' rows.
pytestmark = pytest.mark.django_db


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def note(django_db_setup, django_db_blocker, tmp_path_factory):
    """This month's note, as PDF and Word, built from the demo data; the database is rolled
    back afterwards and only the files' bytes and the note's content are kept."""
    from assessments.demo import load_assessments
    from deliveryunit.demo import load_foundation
    from priorities.demo import load_priorities

    media = tmp_path_factory.mktemp("media")
    month = timezone.localdate().replace(day=1)
    result = {}
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        load_foundation()
        load_priorities()
        load_assessments()
        result["content"] = pm_note.note_content(month)
        for document in pm_note.request_monthly_note(month=month, by=access.SYSTEM):
            documents.run_build(document.pk)
            document.refresh_from_db()
            result[document.format] = document
            result[f"{document.format}_bytes"] = Path(document.file.path).read_bytes()
        transaction.set_rollback(True)
    result["month"] = month
    return result


def test_note_builds_in_both_formats(note):
    for fmt in ("pdf", "docx"):
        document = note[fmt]
        assert document.status == DocumentStatus.DONE, document.error
        assert document.version == 1
        assert document.title == f"Note to the Prime Minister, {note['month']:%B %Y}"
        # The portfolio note is for the unit and unscoped ministers only.
        assert document.requested_by is None


def test_pdf_note_is_two_pages_at_most_with_the_marking_on_each(note):
    reader = PdfReader(io.BytesIO(note["pdf_bytes"]))
    assert 1 <= len(reader.pages) <= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "OFFICIAL-SENSITIVE" in text
        assert f"Page {number} of {len(reader.pages)}" in text


def _pdf_text(note) -> str:
    reader = PdfReader(io.BytesIO(note["pdf_bytes"]))
    return _flat(" ".join(page.extract_text() for page in reader.pages))


def test_pdf_note_has_the_headline_counts(note):
    text = _pdf_text(note)
    content = note["content"]
    assert content.lines, "the demo portfolio gives the note something to say"
    assert sum(count for _, count in content.status_counts) == len(content.lines)
    for label, count in content.status_counts:
        assert f"{label}: {count}" in text
    for code, label, count in content.likelihood_counts:
        assert f"{label} ({code}): {count}" in text
    # The asylum priority's likelihood comes from the latest published round.
    assert any(line.likelihood_round == "December 2003" for line in content.lines)


def test_pdf_note_says_which_sections_are_not_yet_recorded(note):
    text = _pdf_text(note)
    assert "Overdue actions" in text
    assert "Forthcoming stocktakes" in text
    assert _flat(pm_note.NOT_YET_RECORDED.format(what="stocktake and review actions")) in text
    assert _flat(pm_note.NOT_YET_RECORDED.format(what="stocktake meetings")) in text


def test_word_note_has_headlines_priorities_and_unrecorded_sections(note):
    doc = Document(io.BytesIO(note["docx_bytes"]))
    paragraphs = [p.text for p in doc.paragraphs]
    content = note["content"]
    headline = "Priorities against trajectory: " + "; ".join(
        f"{label} {count}" for label, count in content.status_counts
    )
    assert headline + "." in paragraphs
    assert pm_note.NOT_YET_RECORDED.format(what="stocktake and review actions") in paragraphs
    assert pm_note.NOT_YET_RECORDED.format(what="stocktake meetings") in paragraphs
    (table,) = doc.tables
    assert [c.text for c in table.rows[0].cells][:2] == ["Priority", "Measure"]
    codes = {line.priority.code for line in content.lines}
    listed = {row.cells[0].text.split(" ")[0] for row in table.rows[1:] if row.cells[0].text}
    assert listed == {code.split(" ")[0] for code in codes}
    assert doc.sections[0].header.paragraphs[0].text == "OFFICIAL-SENSITIVE"


@pytest.mark.parametrize(
    ("day", "first"),
    [
        (date(2025, 2, 1), False),  # Saturday
        (date(2025, 2, 2), False),  # Sunday
        (date(2025, 2, 3), True),  # Monday, the first working day
        (date(2025, 2, 4), False),
        (date(2025, 1, 1), True),  # a Wednesday: bank holidays are not modelled
        (date(2025, 3, 3), True),  # 1 March 2025 is a Saturday
        (date(2025, 6, 2), True),  # 1 June 2025 is a Sunday
        (date(2025, 6, 3), False),
    ],
)
def test_is_first_working_day(day, first):
    assert tasks.is_first_working_day(day) is first


@pytest.fixture
def today(monkeypatch):
    def freeze(day):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return freeze


def test_monthly_task_queues_the_note_in_both_formats_on_the_first_working_day(
    db, today, monkeypatch
):
    monkeypatch.setattr(documents, "_enqueue", lambda pk: None)
    today(date(2025, 2, 3))
    ids = tasks.build_monthly_pm_note()
    queued = GeneratedDocument.objects.filter(pk__in=ids)
    assert len(ids) == 2
    assert sorted(queued.values_list("format", flat=True)) == ["docx", "pdf"]
    assert set(queued.values_list("subject_key", flat=True)) == {"month=2025-02"}
    assert all(d.status == DocumentStatus.QUEUED and d.requested_by is None for d in queued)
    # Run again the same day (a duplicated beat): nothing more is queued.
    assert tasks.build_monthly_pm_note() == []
    assert GeneratedDocument.objects.count() == 2


def test_monthly_task_does_nothing_on_other_days(db, today):
    today(date(2025, 2, 1))
    assert tasks.build_monthly_pm_note() == []
    today(date(2025, 2, 4))
    assert tasks.build_monthly_pm_note() == []
    assert not GeneratedDocument.objects.exists()


def test_bad_month_is_refused(db):
    with pytest.raises(documents.DocumentRefused) as refused:
        documents.document_request(
            kind="pm_note", format="pdf", subject={"month": "February"}, by=access.SYSTEM
        )
    assert refused.value.messages == [pm_note.BAD_MONTH]
    assert not GeneratedDocument.objects.exists()
