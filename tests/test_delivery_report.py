"""The six-monthly delivery report: what the built PDF and Word files say, what is refused, and
how the pipeline treats a report's build (once, failed with a reason, swept when stuck)."""

import io
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.http import Http404
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from assessments import documents as report
from assessments import services
from assessments.models import AssessmentRound, AssessmentStatus
from deliveryunit import access, documents, rendering
from deliveryunit.models import Department, DocumentStatus, GeneratedDocument

from .factories import ActualFactory, MeasureFactory, PriorityFactory, add_trajectory
from .matrix_assessments import assess, make_round

# With the database tests, so they run before any test that flushes the migrations' rows.
pytestmark = pytest.mark.django_db

# The seed's "Regular assessment and follow-up" table, row by row: December 2002, July 2003 and
# December 2003, each as challenge, planning, capacity, stage, likelihood. The July challenge
# for PSA 7.4 reads "N" in the seed and is recorded as M.
SEED_GRID = [
    ("PSA 7", "H AR R 2 R H AG AG 2 AG H AG AG 3 G"),
    ("PSA 7.1", "H AR R 2 R H G G 3 AG H AG G 3 G"),
    ("PSA 7.2", "H AR R 1 AR H AG AR 2 AR H AR AG 2 AR"),
    ("PSA 7.3", "L G G 3 G L G G 3 G L G G 4 G"),
    ("PSA 7.4", "H R R 2 R M AR AR 2 AR M G G 2 AG"),
    ("PSA 7.5", "M AR R 1 R L G G 3 G L G G 3 G"),
    ("PSA 7.6", "H R R 2 R M AR AR 2 AR M G AG 3 G"),
]
TITLE = "Delivery report: Home Office, December 2003"


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# --- the Home Office December 2003 report, built once from the demo data -----------------------


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """Load the demo data, build the report as PDF and Word through the pipeline, keep the
    files' bytes and roll everything back, so later tests start from an empty database."""
    from assessments.demo import load_assessments
    from deliveryunit.demo import load_foundation
    from priorities.demo import load_priorities

    media = tmp_path_factory.mktemp("media")
    result = {}
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media), transaction.atomic():
        load_foundation()
        load_priorities()
        load_assessments()
        december = AssessmentRound.objects.get(name="December 2003")
        home_office = Department.objects.get(code="HO")
        for fmt in ("pdf", "docx"):
            document = documents.document_request(
                kind="delivery_report",
                format=fmt,
                subject={"round": december.pk, "department": home_office.pk},
                by=access.SYSTEM,
            )
            documents.run_build(document.pk)
            document.refresh_from_db()
            result[fmt] = document
            result[f"{fmt}_bytes"] = Path(document.file.path).read_bytes()
            result[f"{fmt}_departments"] = list(document.departments.values_list("code", flat=True))
        transaction.set_rollback(True)
    return result


def test_report_is_built_done_with_version_and_checksum(built):
    for fmt in ("pdf", "docx"):
        document = built[fmt]
        assert document.status == DocumentStatus.DONE, document.error
        assert document.version == 1
        assert document.title == TITLE
        assert document.data_as_at == date(2003, 12, 31)
        assert document.size == len(built[f"{fmt}_bytes"])
        # A published round's department report is readable by that department.
        assert built[f"{fmt}_departments"] == ["HO"]


def _pdftotext(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"],  # noqa: S607 - poppler-utils, installed by make test
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")


def test_pdf_grid_has_the_seed_judgements_in_order(built):
    lines = _pdftotext(built["pdf_bytes"]).splitlines()
    for code, judgements in SEED_GRID:
        row = next(line for line in lines if line.split()[:2] == code.split())
        # The title may wrap inside its cell; the judgements are on the row's first line.
        assert row.split()[-15:] == judgements.split(), code
    # The rows come in the seed's order, and the rounds' names head the grid.
    starts = [
        next(i for i, ln in enumerate(lines) if ln.split()[:2] == c.split()) for c, _ in SEED_GRID
    ]
    assert starts == sorted(starts)
    header = next(line for line in lines if "December 2002" in line)
    assert header.index("December 2002") < header.index("July 2003") < header.index("December 2003")


def test_pdf_has_marking_version_data_as_at_and_page_numbers_on_every_page(built):
    reader = PdfReader(io.BytesIO(built["pdf_bytes"]))
    pages = len(reader.pages)
    assert pages > 1
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "OFFICIAL-SENSITIVE" in text
        assert f"Page {number} of {pages}" in text
        assert "Version 1" in text
        assert "data as at 31 December 2003" in text


def test_pdf_has_the_narrative_challenges_charts_and_rationales(built):
    text = _pdftotext(built["pdf_bytes"])
    flat = " ".join(text.split())
    assert TITLE in flat
    assert "(draft)" not in flat
    assert "The asylum organisation is now well run" in flat
    assert "1. Maintain ambition and challenge" in flat
    assert "7. Managing the impact of the spending settlement" in flat
    # Per priority: the chart (drawn, not the fallback table), recent performance, rationale.
    assert "Asylum applications per month" in flat
    assert report.CHART_UNAVAILABLE not in flat
    assert "Recent performance" in flat
    assert "half the October 2002 level: the pledge has been met" in flat
    assert "Removals are rising in line with a credible plan" in flat
    # Recent performance as the assessment recorded it, with its period.
    assert "2003-09" in flat


def test_word_file_has_the_same_grid_as_a_table(built):
    doc = Document(io.BytesIO(built["docx_bytes"]))
    grid = next(t for t in doc.tables if t.cell(0, 0).text == "Priority")
    header = [c.text for c in grid.rows[0].cells]
    assert header[1] == "December 2002"
    assert header[6] == "July 2003"
    assert header[11] == "December 2003"
    body = grid.rows[2:]
    assert len(body) == len(SEED_GRID)
    for row, (code, judgements) in zip(body, SEED_GRID, strict=True):
        cells = [c.text for c in row.cells]
        assert cells[0].startswith(code + " ")
        assert cells[1:] == judgements.split()


def test_word_file_has_marking_version_and_page_fields(built):
    doc = Document(io.BytesIO(built["docx_bytes"]))
    section = doc.sections[0]
    assert section.header.paragraphs[0].text == "OFFICIAL-SENSITIVE"
    footer = section.footer.paragraphs[0]
    assert "OFFICIAL-SENSITIVE | Version 1, data as at 31 December 2003 | Page" in footer.text
    assert "NUMPAGES" in footer._p.xml
    text = "\n".join(p.text for p in doc.paragraphs)
    assert TITLE in text
    assert "Maintain ambition and challenge" in text
    assert "Removals are rising in line with a credible plan" in text
    # The charts are pictures.
    assert len(doc.inline_shapes) >= 1


# --- refusals ---------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def rounds(world):
    """A published round with a Home Office and a Department of Health priority, agreed; and a
    draft round with no assessments at all."""
    own = PriorityFactory(code="HO 1", title="Fewer asylum claims", lead_department=world.own)
    other = PriorityFactory(code="DH 1", title="Shorter waits", lead_department=world.other)
    lead = world.users["unit_lead"]
    published = make_round("June 2003", date(2003, 6, 30), [own, other], by=lead)
    assess(published, own, likelihood_rationale="Plans are sound.")
    assess(published, other, likelihood_rationale="Capacity is short.")
    services.round_publish(round_=published, by=lead)
    empty = make_round("December 2003", date(2003, 12, 31), [own, other], by=lead)
    return {"published": published, "empty": empty, "own": own, "other": other}


def _request(subject, by, fmt="pdf"):
    return documents.document_request(kind="delivery_report", format=fmt, subject=subject, by=by)


def test_round_with_no_assessments_is_refused(rounds, analyst, media_root):
    with pytest.raises(documents.DocumentRefused) as refused:
        _request({"round": rounds["empty"].pk, "department": ""}, analyst)
    assert refused.value.messages == [report.NO_ASSESSMENTS.format(round="December 2003", where="")]
    assert not GeneratedDocument.objects.exists()
    assert _files(media_root) == []


def test_department_with_no_assessments_in_the_round_is_refused(rounds, world, analyst):
    lonely = Department.objects.create(name="Cabinet Office", code="CO")
    with pytest.raises(documents.DocumentRefused) as refused:
        _request({"round": rounds["published"].pk, "department": lonely.pk}, analyst)
    assert refused.value.messages == [
        report.NO_ASSESSMENTS.format(round="June 2003", where=" for Cabinet Office")
    ]


def test_round_with_no_assessments_through_the_web_shows_the_message(
    client, rounds, analyst, media_root
):
    client.force_login(analyst)
    response = client.post(
        reverse("documents:request"),
        {"kind": "delivery_report", "format": "pdf", "round": rounds["empty"].pk, "department": ""},
    )
    assert response.status_code == 400
    message = report.NO_ASSESSMENTS.format(round="December 2003", where="")
    assert message in response.content.decode()
    assert not GeneratedDocument.objects.exists()
    assert _files(media_root) == []


@pytest.mark.parametrize("value", ["", "999999", "not a round"])
def test_unknown_round_is_refused(rounds, analyst, value):
    with pytest.raises(documents.DocumentRefused) as refused:
        _request({"round": value, "department": ""}, analyst)
    assert refused.value.messages == [report.UNKNOWN_ROUND]


def test_unknown_department_is_refused(rounds, analyst):
    with pytest.raises(documents.DocumentRefused) as refused:
        _request({"round": rounds["published"].pk, "department": "999999"}, analyst)
    assert refused.value.messages == [report.UNKNOWN_DEPARTMENT]


def test_official_cannot_have_another_departments_report(rounds, world, official, media_root):
    subject = {"round": rounds["published"].pk, "department": world.other.pk}
    with pytest.raises(Http404):
        _request(subject, official)
    with pytest.raises(Http404):
        _request({"round": rounds["published"].pk, "department": ""}, official)
    assert not GeneratedDocument.objects.exists()
    assert _files(media_root) == []


def test_official_may_have_own_departments_report_of_a_published_round(rounds, world, official):
    document = _request({"round": rounds["published"].pk, "department": world.own.pk}, official)
    assert list(document.departments.all()) == [world.own]


def test_draft_round_does_not_exist_for_an_official(rounds, world, official):
    assess(rounds["empty"], rounds["own"], status=AssessmentStatus.DRAFT)
    with pytest.raises(documents.DocumentRefused) as refused:
        _request({"round": rounds["empty"].pk, "department": world.own.pk}, official)
    assert refused.value.messages == [report.UNKNOWN_ROUND]


def test_official_request_through_the_web_is_forbidden(client, rounds, world, official):
    # Only the unit builds documents, so the role check answers before any scoping does.
    client.force_login(official)
    for department in (world.own.pk, world.other.pk):
        response = client.post(
            reverse("documents:request"),
            {
                "kind": "delivery_report",
                "format": "pdf",
                "round": rounds["published"].pk,
                "department": department,
            },
        )
        assert response.status_code == 403
    assert not GeneratedDocument.objects.exists()


def test_draft_round_report_is_for_the_unit_only(rounds, world, analyst):
    assess(rounds["empty"], rounds["own"], status=AssessmentStatus.DRAFT)
    document = _request({"round": rounds["empty"].pk, "department": world.own.pk}, analyst)
    assert document.title == "Delivery report: Home Office, December 2003 (draft)"
    assert list(document.departments.all()) == []
    assert document.subject_key == f"round={rounds['empty'].pk};department=HO"


def test_portfolio_report_subject(rounds, analyst):
    document = _request({"round": rounds["published"].pk, "department": ""}, analyst, "docx")
    assert document.title == "Delivery report: whole portfolio, June 2003"
    assert document.subject_key == f"round={rounds['published'].pk};department=all"
    assert document.data_as_at == date(2003, 6, 30)
    assert list(document.departments.all()) == []
    assert document.status == DocumentStatus.QUEUED


def test_second_request_for_the_same_report_is_refused_while_the_first_builds(
    rounds, world, analyst, media_root
):
    subject = {"round": rounds["published"].pk, "department": world.own.pk}
    _request(subject, analyst)
    with pytest.raises(documents.DocumentRefused) as refused:
        _request(subject, analyst)
    assert refused.value.messages == [documents.ALREADY_BUILDING]
    assert GeneratedDocument.objects.count() == 1
    # The other format is a different document.
    _request(subject, analyst, "docx")
    assert GeneratedDocument.objects.count() == 2
    assert _files(media_root) == []


def test_second_request_through_the_web_shows_already_building(client, rounds, world, analyst):
    client.force_login(analyst)
    data = {
        "kind": "delivery_report",
        "format": "pdf",
        "round": rounds["published"].pk,
        "department": world.own.pk,
    }
    assert client.post(reverse("documents:request"), data).status_code == 302
    response = client.post(reverse("documents:request"), data)
    assert response.status_code == 400
    assert documents.ALREADY_BUILDING in response.content.decode()
    assert GeneratedDocument.objects.count() == 1


# --- publishing queues the reports ------------------------------------------------------------


@pytest.fixture
def enqueued(monkeypatch):
    """The ids handed to Celery, without building anything."""
    ids = []
    monkeypatch.setattr(documents, "_enqueue", ids.append)
    return ids


def test_publishing_a_round_queues_its_reports(world, django_capture_on_commit_callbacks, enqueued):
    own = PriorityFactory(code="HO 1", lead_department=world.own)
    sub = PriorityFactory(code="HO 1.1", lead_department=world.own, parent=own)
    other = PriorityFactory(code="DH 1", lead_department=world.other)
    lead = world.users["unit_lead"]
    round_ = make_round("June 2003", date(2003, 6, 30), [own, sub, other], by=lead)
    for priority in (own, sub, other):
        assess(round_, priority)
    with django_capture_on_commit_callbacks(execute=True):
        services.round_publish(round_=round_, by=lead)
    queued = GeneratedDocument.objects.filter(kind="delivery_report")
    assert sorted(queued.values_list("subject_key", "format")) == sorted(
        (f"round={round_.pk};department={code}", fmt)
        for code in ("all", "HO", "DH")
        for fmt in ("pdf", "docx")
    )
    assert all(d.requested_by is None and d.status == DocumentStatus.QUEUED for d in queued)
    assert sorted(enqueued) == sorted(queued.values_list("pk", flat=True))


def test_publishing_skips_a_report_already_being_built(
    world, analyst, django_capture_on_commit_callbacks, enqueued
):
    own = PriorityFactory(code="HO 1", lead_department=world.own)
    lead = world.users["unit_lead"]
    round_ = make_round("June 2003", date(2003, 6, 30), [own], by=lead)
    assess(round_, own)
    with django_capture_on_commit_callbacks(execute=True):
        already = _request({"round": round_.pk, "department": world.own.pk}, analyst)
        services.round_publish(round_=round_, by=lead)
    round_.refresh_from_db()
    assert round_.is_published
    assert GeneratedDocument.objects.filter(subject_key=already.subject_key).count() == 2
    assert GeneratedDocument.objects.count() == 4  # HO pdf (already) + docx, portfolio pdf + docx


# --- the pipeline with a report ---------------------------------------------------------------


def test_building_twice_gives_one_version_and_one_file(rounds, world, analyst, media_root):
    document = _request({"round": rounds["published"].pk, "department": world.own.pk}, analyst)
    documents.run_build(document.pk)
    documents.run_build(document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE
    assert document.version == 1
    assert _files(media_root) == [media_root / document.file.name]
    text = _pdftotext(Path(document.file.path).read_bytes())
    assert "HO 1 Fewer asylum claims" in text
    assert "DH 1" not in text  # the Home Office report has only its own priorities


def test_a_second_build_is_the_next_version_and_the_first_stays(rounds, world, analyst, media_root):
    subject = {"round": rounds["published"].pk, "department": ""}
    first = _request(subject, analyst, "docx")
    documents.run_build(first.pk)
    second = _request(subject, analyst, "docx")
    documents.run_build(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert len(_files(media_root)) == 2


def test_a_builder_that_raises_leaves_the_document_failed_with_a_reason(
    rounds, world, analyst, media_root, monkeypatch
):
    def broken(self, document, progress):
        progress(40)
        raise RuntimeError("chart server down")

    monkeypatch.setattr(report.DeliveryReportBuilder, "build", broken)
    document = _request({"round": rounds["published"].pk, "department": world.own.pk}, analyst)
    documents.run_build(document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert document.error == documents.BUILD_FAILED.format(
        reason="an internal error occurred (RuntimeError). The unit has been told."
    )
    assert document.version is None
    assert not document.file
    assert _files(media_root) == []


def test_a_round_deleted_before_the_build_fails_with_its_message(
    rounds, world, analyst, media_root, monkeypatch
):
    document = _request({"round": rounds["published"].pk, "department": ""}, analyst)
    GeneratedDocument.objects.filter(pk=document.pk).update(subject={"round": 999999})
    documents.run_build(document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert document.error == documents.BUILD_FAILED.format(reason=report.UNKNOWN_ROUND)
    assert _files(media_root) == []


def test_sweep_fails_a_stuck_build_and_its_late_completion_is_discarded(
    rounds, world, analyst, media_root, monkeypatch
):
    real_build = report.DeliveryReportBuilder.build

    def slow(self, document, progress):
        # The sweep runs while this build is still going, as if the worker had stalled.
        later = timezone.now() + documents.STUCK_AFTER + timedelta(minutes=1)
        assert documents.sweep_stuck(now=later) == 1
        return real_build(self, document, progress)

    monkeypatch.setattr(report.DeliveryReportBuilder, "build", slow)
    document = _request({"round": rounds["published"].pk, "department": world.own.pk}, analyst)
    documents.run_build(document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED
    assert document.error == documents.STUCK_REASON
    assert document.version is None
    assert not document.file
    assert _files(media_root) == []


def test_progress_is_reported_while_building(rounds, world, analyst, media_root, monkeypatch):
    seen = []
    real_setter = documents._progress_setter

    def recording(document_id):
        setter = real_setter(document_id)

        def record(percent, text=""):
            seen.append((percent, text))
            setter(percent, text)

        return record

    monkeypatch.setattr(documents, "_progress_setter", recording)
    for priority in (rounds["own"], rounds["other"]):
        measure = MeasureFactory(priority=priority)
        ActualFactory(measure=measure, period=date(2003, 5, 1), value=10)
    document = _request({"round": rounds["published"].pk, "department": ""}, analyst)
    documents.run_build(document.pk)
    percents = [percent for percent, _text in seen]
    assert percents == sorted(percents)
    assert percents[0] == 10
    # It says what it is doing: the charts drawn of all of them, then the pages.
    texts = [text for _percent, text in seen]
    charts = report.report_content(rounds["published"], None).chart_count
    assert charts == 2
    assert rendering.DRAWING_CHARTS.format(done=charts, total=charts) in texts
    document.refresh_from_db()
    assert document.page_count
    assert texts[-1] == rendering.WRITING_PAGES.format(pages=document.page_count)
    # Finished, it has nothing more to say.
    assert document.status == DocumentStatus.DONE
    assert document.progress_text == ""


def test_charts_show_the_data_as_it_stood_at_the_round(world, media_root):
    own = PriorityFactory(code="HO 1", lead_department=world.own)
    measure = MeasureFactory(priority=own, name="Decisions in two months")
    for month, value in ((1, 80), (6, 85), (9, 90)):
        ActualFactory(measure=measure, period=date(2003, month, 1), value=value)
    add_trajectory(
        measure, [(date(2003, 1, 1), 80), (date(2004, 1, 1), 95)], agreed_on=date(2002, 12, 1)
    )
    add_trajectory(
        measure,
        [(date(2003, 1, 1), 80), (date(2004, 6, 1), 95)],
        agreed_on=date(2003, 10, 1),
        reason="Rebased",
    )
    round_ = make_round("June 2003", date(2003, 6, 30), [own], by=world.users["unit_lead"])
    assess(round_, own)
    content = report.report_content(round_, world.own)
    (chart,) = content.sections[0].charts
    assert [a.period for a in chart.series.actuals] == [date(2003, 1, 1), date(2003, 6, 1)]
    # The rebased trajectory was agreed after the round, so the report keeps the earlier one.
    assert [t.agreed_on for t in chart.series.trajectories] == [date(2002, 12, 1)]
    assert chart.performance.latest_period == date(2003, 6, 1)
    assert chart.figure["data"]


# --- the request form -------------------------------------------------------------------------


def test_request_form_lists_rounds_newest_first_and_departments(rounds, world, analyst):
    form = report.DeliveryReportBuilder().request_form(analyst)
    round_choices, department_choices = (f["choices"] for f in form["fields"])
    assert [text for _, text in round_choices] == ["December 2003 (Draft)", "June 2003"]
    assert department_choices[0] == ("", report.PORTFOLIO_LABEL)
    assert (str(world.own.pk), "Home Office") in department_choices
    assert form["formats"] == [("pdf", "PDF"), ("docx", "Word")]


def test_user_text_is_escaped_in_the_pdf(world, analyst, media_root):
    own = PriorityFactory(
        code="HO 9", title="<b>Bold</b> & <script>x</script>", lead_department=world.own
    )
    round_ = make_round("June 2003", date(2003, 6, 30), [own], by=world.users["unit_lead"])
    assess(round_, own, narrative="<i>not italic</i>", likelihood_rationale="Fine.")
    content = report.report_content(round_, None)
    from django.template.loader import render_to_string

    html = render_to_string(
        "documents/delivery_report.html",
        {
            "document": GeneratedDocument(title="t", marking="M", version=1),
            "report": content,
            "wording": report._wording(),
        },
    )
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;" in html
    assert "<script>" not in html
    assert "&lt;i&gt;not italic&lt;/i&gt;" in html
