"""manage.py build_document: any registered document built from the command line through the
pipeline, as the workbench itself, with the seconds taken and the pages."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from assessments import services as assessment_services
from deliveryunit.models import DocumentKind, DocumentStatus, GeneratedDocument
from portfolio import pm_note
from portfolio.management.commands import build_document
from stocktakes import services as stocktake_services
from stocktakes.models import ForumKind

from .factories import ActualFactory, MeasureFactory, PriorityFactory, add_trajectory
from .matrix_assessments import assess, make_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(world):
    priority = PriorityFactory(code="HO 1", title="Fewer asylum claims", lead_department=world.own)
    measure = MeasureFactory(priority=priority, name="Asylum applications", unit="applications")
    add_trajectory(measure, [(date(2003, 1, 1), 8000), (date(2003, 12, 1), 4000)])
    for month, value in ((1, 8100), (2, 7600), (3, 7000)):
        ActualFactory(measure=measure, period=date(2003, month, 1), value=Decimal(value))
    lead = world.users["unit_lead"]
    round_ = make_round("June 2003", date(2003, 6, 30), [priority], by=lead)
    assess(round_, priority, likelihood_rationale="Plans are sound.")
    assessment_services.round_publish(round_=round_, by=lead)
    return {"priority": priority, "round": round_}


def _build(*args):
    out = io.StringIO()
    call_command("build_document", *args, stdout=out)
    return out.getvalue()


def _pages(path: Path) -> int:
    return len(PdfReader(path).pages)


def test_builds_a_departments_delivery_report_and_prints_seconds_and_pages(
    portfolio, world, tmp_path
):
    output = tmp_path / "report.pdf"
    printed = _build(
        "delivery_report", "--round", "June 2003", "--department", "ho", "--output", str(output)
    )
    document = GeneratedDocument.objects.get(kind=DocumentKind.DELIVERY_REPORT, format="pdf")
    assert document.status == DocumentStatus.DONE
    assert document.subject == {"round": portfolio["round"].pk, "department": world.own.pk}
    assert document.requested_by is None  # built as the workbench itself
    assert printed.startswith("Delivery report: Home Office, June 2003, version 1 (PDF): built in ")
    assert f", {_pages(output)} pages, " in printed
    assert output.read_bytes() == Path(document.file.path).read_bytes()
    # The same report again is the next version of the same document.
    _build("delivery_report", "--round", "June 2003", "--department", "HO")
    assert GeneratedDocument.objects.filter(subject_key=document.subject_key).count() == 2


def test_without_a_department_builds_the_whole_portfolios_report_in_word(portfolio, tmp_path):
    printed = _build("delivery_report", "--round", "June 2003", "--format", "docx")
    assert printed.startswith("Delivery report: whole portfolio, June 2003, version 1 (DOCX)")


def test_builds_the_pm_note_for_a_month(portfolio, tmp_path):
    output = tmp_path / "note.pdf"
    printed = _build("pm_note", "--month", "2003-09", "--output", str(output))
    assert printed.startswith("Note to the Prime Minister, September 2003, version 1 (PDF)")
    assert _pages(output) <= 2


def test_builds_a_stocktake_pack(portfolio, world, tmp_path):
    analyst = world.users["analyst"]
    forum = stocktake_services.forum_create(
        by=analyst,
        name="Asylum stocktake",
        kind=ForumKind.STOCKTAKE,
        chair="Prime Minister",
        cycle_weeks=8,
        priorities=[portfolio["priority"]],
    )
    meeting = stocktake_services.meeting_schedule(forum=forum, by=analyst, date=date(2003, 5, 20))
    output = tmp_path / "pack.pdf"
    printed = _build("stocktake_pack", "--meeting", str(meeting.pk), "--output", str(output))
    assert "version 1 (PDF): built in " in printed
    assert _pages(output) >= 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["delivery_report", "--round", "May 1999"],
            build_document.UNKNOWN_ROUND.format(name="May 1999", names='"June 2003"'),
        ),
        (
            ["delivery_report", "--round", "June 2003", "--department", "XX"],
            build_document.UNKNOWN_DEPARTMENT.format(code="XX", codes="DH, HO"),
        ),
        (
            ["delivery_report"],
            build_document.MISSING.format(kind="delivery report", option="round"),
        ),
        (["pm_note"], build_document.MISSING.format(kind="pm note", option="month")),
        (["pm_note", "--month", "September"], pm_note.BAD_MONTH),
        (
            ["stocktake_pack", "--meeting", "999"],
            build_document.NOT_FOUND.format(what="stocktake pack"),
        ),
    ],
)
def test_bad_arguments_give_a_clear_message_and_build_nothing(portfolio, args, message):
    with pytest.raises(CommandError) as raised:
        _build(*args)
    assert str(raised.value) == message
    assert not GeneratedDocument.objects.exists()
