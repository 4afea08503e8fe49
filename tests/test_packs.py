"""The stocktake pack: drafts, issued (frozen) versions with what changed, downloads by the
forum's departments, and what the PDF says.

Builds run for real (WeasyPrint and the chart exporter) by executing the on-commit callbacks
that queue them: without a broker the task runs in-process.
"""

import hashlib
import io
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from deliveryunit import access, documents
from deliveryunit.models import (
    DocumentDownload,
    DocumentKind,
    DocumentStatus,
    GeneratedDocument,
    Role,
)
from priorities.models import IndicatorType
from stocktakes import documents as pack_documents
from stocktakes import selectors, services, views_packs
from stocktakes.models import (
    PACK_ISSUED,
    ActionStatus,
    AttendeeKind,
    ForumKind,
    ForumMember,
    MeetingStatus,
    PackIssue,
)
from stocktakes.services import NO_AGENDA

from .factories import (
    ActualFactory,
    DepartmentFactory,
    MeasureFactory,
    PriorityFactory,
    UserFactory,
    add_trajectory,
)

MEETING_DATE = date(2024, 3, 6)


def _flat(text: str) -> str:
    return " ".join(text.split())


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return _flat(" ".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def cycle(world, media):
    """A task force on two Home Office priorities (the second with the Department for
    Education in its delivery chain), its last meeting with two actions agreed, an older
    overdue action, and the next meeting with two agenda items."""
    analyst = world.users["analyst"]
    education = DepartmentFactory(name="Department for Education", code="DFE")
    earn = PriorityFactory(
        code="TF 1", title="Young people earning or learning", lead_department=world.own
    )
    apprentices = PriorityFactory(
        code="TF 2", title="More apprenticeships", lead_department=world.own
    )
    apprentices.delivery_chain.add(education)
    measures = []
    for priority, name, unit in (
        (earn, "Young people in work or training", "%"),
        (apprentices, "Apprenticeship starts", "starts"),
    ):
        measure = MeasureFactory(
            priority=priority, name=name, unit=unit, indicator_type=IndicatorType.LEAD
        )
        add_trajectory(measure, [(date(2023, 1, 1), 60), (date(2024, 12, 1), 90)])
        for month, value in ((10, 70), (11, 71), (12, 73)):
            ActualFactory(measure=measure, period=date(2023, month, 1), value=Decimal(value))
        measures.append(measure)
    forum = services.forum_create(
        by=analyst,
        name="Earn or Learn task force",
        kind=ForumKind.TASK_FORCE,
        chair="Minister for Employment",
        cycle_weeks=6,
        priorities=[earn, apprentices],
    )
    ForumMember.objects.create(
        forum=forum, role="Minister for Employment", kind=AttendeeKind.MINISTER, order=1
    )
    ForumMember.objects.create(
        forum=forum,
        role="Director, Youth Employment",
        kind=AttendeeKind.OFFICIAL,
        department=world.own,
        order=2,
    )
    ForumMember.objects.create(
        forum=forum, role="Delivery Unit secretariat", kind=AttendeeKind.SECRETARIAT, order=3
    )
    last = services.meeting_schedule(forum=forum, by=analyst, date=date(2024, 1, 24))
    tracker = [
        services.action_create(
            by=analyst,
            description=description,
            owner="Director, Youth Employment",
            department=world.own,
            due=date(2024, 2, 28),
            meeting=last,
            priority=earn,
        )
        for description in (
            "Write to every college about the new bursary",
            "Publish the regional apprenticeship figures",
        )
    ]
    overdue = services.action_create(
        by=analyst,
        description="Agree the data-sharing protocol with the colleges",
        owner="Head of Analysis",
        department=world.own,
        due=date(2023, 12, 1),
        priority=apprentices,
    )
    meeting = services.meeting_schedule(
        forum=forum, by=analyst, date=MEETING_DATE, start_time=time(10), place="Caxton House"
    )
    agenda = [
        services.agenda_item_add(
            meeting=meeting, by=analyst, title=title, lead=lead, minutes_allowed=20
        )
        for title, lead in (
            ("Progress on young people earning or learning", "Director, Youth Employment"),
            ("Apprenticeship starts <b>since January</b>", "Head of Analysis"),
        )
    ]
    return {
        "forum": forum,
        "meeting": meeting,
        "measures": measures,
        "priorities": [earn, apprentices],
        "tracker": tracker,
        "overdue": overdue,
        "agenda": agenda,
        "education": education,
        "analyst": analyst,
    }


def _version(meeting) -> str:
    meeting.refresh_from_db()
    return str(meeting.version)


def issue_through_page(client, meeting, capture) -> PackIssue:
    with capture(execute=True):
        response = client.post(
            reverse("stocktakes:pack_issue", args=[meeting.pk]), {"version": _version(meeting)}
        )
    issue = PackIssue.objects.filter(meeting=meeting).order_by("-number").first()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == reverse("stocktakes:pack_detail", args=[issue.pk])
    issue.document.refresh_from_db()
    assert issue.document.status == DocumentStatus.DONE, issue.document.error
    return issue


def file_bytes(document: GeneratedDocument) -> bytes:
    return Path(document.file.path).read_bytes()


def official_of(department, username):
    return UserFactory(username=username, role=Role.OFFICIAL, department=department)


# --- drafts -----------------------------------------------------------------------------------


def test_draft_is_built_for_the_unit_and_not_downloadable_by_officials(
    client, world, cycle, django_capture_on_commit_callbacks
):
    meeting = cycle["meeting"]
    client.force_login(world.users["analyst"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("stocktakes:pack_build", args=[meeting.pk]))
    assert response.status_code == 302
    assert response.url == reverse("stocktakes:pack_build", args=[meeting.pk]) + "#drafts"
    draft = GeneratedDocument.objects.get(kind=DocumentKind.STOCKTAKE_PACK)
    assert draft.status == DocumentStatus.DONE, draft.error
    assert draft.title == "Stocktake pack: Earn or Learn task force, 6 March 2024 (draft)"
    assert draft.subject_key == f"meeting={meeting.pk};issue=draft"
    assert list(draft.departments.all()) == []
    assert draft.data_as_at == MEETING_DATE
    text = pdf_text(file_bytes(draft))
    assert pack_documents.DRAFT_NOTE in text
    assert "Version DRAFT (not issued)" in text
    # A draft does not issue the pack.
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert not PackIssue.objects.exists()

    page = client.get(reverse("stocktakes:pack_build", args=[meeting.pk]))
    assert page.status_code == 200
    assert reverse("documents:download", args=[draft.pk]) in page.content.decode()

    client.force_login(world.users["official"])
    assert client.get(reverse("documents:download", args=[draft.pk])).status_code == 404
    assert draft.title not in client.get(reverse("documents:list")).content.decode()
    assert client.post(reverse("stocktakes:pack_build", args=[meeting.pk])).status_code == 403
    assert not DocumentDownload.objects.exists()


# --- issuing ----------------------------------------------------------------------------------


def test_issued_pack_has_the_agenda_the_tracker_and_a_chart_per_priority(
    client, world, cycle, django_capture_on_commit_callbacks
):
    meeting = cycle["meeting"]
    client.force_login(cycle["analyst"])
    issue = issue_through_page(client, meeting, django_capture_on_commit_callbacks)

    assert issue.number == 1
    assert issue.changes == []
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PACK_ISSUED
    document = issue.document
    assert document.title == "Stocktake pack: Earn or Learn task force, 6 March 2024 (version 1)"
    assert document.subject_key == f"meeting={meeting.pk};issue=1"
    # The forum's departments: the lead of both priorities and the delivery chain.
    assert {d.code for d in document.departments.all()} == {"HO", "DFE"}

    text = pdf_text(file_bytes(document))
    # Cover.
    assert "Earn or Learn task force" in text
    assert "Minister for Employment" in text
    assert "Caxton House" in text
    assert "OFFICIAL-SENSITIVE" in text
    assert "Version 1" in text
    assert "Page 1 of" in text
    # Agenda, with who is invited by kind and each item's start time; user text escaped.
    assert "Ministers: Minister for Employment" in text
    assert "Officials: Director, Youth Employment, Home Office" in text
    assert "Secretariat: Delivery Unit secretariat" in text
    assert "Progress on young people earning or learning" in text
    assert "Apprenticeship starts <b>since January</b>" in text
    assert "10:00, 20 min" in text
    assert "10:20, 20 min" in text
    # The tracker from the last meeting, and the older outstanding action marked overdue.
    for action in cycle["tracker"]:
        assert action.description in text
    assert f"{cycle['overdue'].description} Head of Analysis" in text
    assert "Overdue" in text
    # The dashboard and a trajectory chart for each priority's leading indicator.
    for priority, measure in zip(cycle["priorities"], cycle["measures"], strict=True):
        assert f"{priority.code} {priority.title}" in text
        assert f"Trajectory: {measure.name}" in text
        assert f"{priority.code}: {measure.name}" in text  # its annex table
    assert "Dashboard of leading indicators" in text
    assert pack_documents.CHART_UNAVAILABLE not in text
    assert "Annex: detailed analysis" in text


def test_an_issued_pack_cannot_change(client, world, cycle, django_capture_on_commit_callbacks):
    meeting = cycle["meeting"]
    client.force_login(cycle["analyst"])
    issue = issue_through_page(client, meeting, django_capture_on_commit_callbacks)
    original = file_bytes(issue.document)
    contents = issue.contents

    issue.changes = ["tampered"]
    with pytest.raises(ValidationError) as refused:
        issue.save()
    assert refused.value.messages == [PACK_ISSUED]
    with pytest.raises(ValidationError):
        issue.delete()

    # The data moves on: a new agenda item, an action done, a new actual.
    services.agenda_item_add(meeting=meeting, by=cycle["analyst"], title="Any other business")
    action = cycle["tracker"][0]
    services.action_update_status(
        action=action, by=cycle["analyst"], expected_version=action.version, status="done"
    )
    ActualFactory(measure=cycle["measures"][0], period=date(2024, 1, 1), value=Decimal("79.5"))

    issue = PackIssue.objects.get(pk=issue.pk)
    assert issue.contents == contents
    assert issue.changes == []
    assert file_bytes(issue.document) == original
    assert hashlib.sha256(original).hexdigest() == issue.document.checksum
    # What was issued cannot be built again.
    with pytest.raises(documents.DocumentRefused) as again:
        documents.document_request(
            kind=DocumentKind.STOCKTAKE_PACK,
            format="pdf",
            subject={"meeting": meeting.pk, "issue": 1},
            by=cycle["analyst"],
        )
    assert again.value.messages == [pack_documents.ALREADY_BUILT.format(number=1)]


def test_reissuing_makes_version_2_saying_what_changed_and_version_1_stays_as_issued(
    client, world, cycle, django_capture_on_commit_callbacks
):
    meeting = cycle["meeting"]
    client.force_login(cycle["analyst"])
    first = issue_through_page(client, meeting, django_capture_on_commit_callbacks)
    first_bytes = file_bytes(first.document)

    services.agenda_item_add(
        meeting=meeting, by=cycle["analyst"], title="Bursary take-up in the North East"
    )
    page = client.get(reverse("stocktakes:pack_issue", args=[meeting.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Issue version 2" in body
    assert "Agenda item added: Bursary take-up in the North East" in body

    second = issue_through_page(client, meeting, django_capture_on_commit_callbacks)
    assert second.number == 2
    assert "Agenda item added: Bursary take-up in the North East" in second.changes
    text = pdf_text(file_bytes(second.document))
    assert "Version 2" in text
    assert "What changed since version 1" in text
    assert "Bursary take-up in the North East" in text

    # Version 1 is still there, byte for byte, and without the new item.
    response = client.get(reverse("stocktakes:pack_download", args=[first.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == first_bytes
    assert "Bursary take-up" not in pdf_text(first_bytes)
    detail = client.get(reverse("stocktakes:pack_detail", args=[second.pk])).content.decode()
    assert "Agenda item added: Bursary take-up in the North East" in detail


def test_charts_and_annex_of_an_issued_pack_stop_at_the_meeting_date(
    client, world, cycle, django_capture_on_commit_callbacks
):
    meeting = cycle["meeting"]
    # Recorded after the meeting: the pack for that meeting must not show it.
    ActualFactory(measure=cycle["measures"][1], period=date(2024, 6, 1), value=Decimal("4321"))
    client.force_login(cycle["analyst"])
    issue = issue_through_page(client, meeting, django_capture_on_commit_callbacks)
    text = pdf_text(file_bytes(issue.document))
    assert "4,321" not in text
    assert "73 starts" in text  # the latest actual by the meeting date


def test_issuing_without_an_agenda_is_refused(
    client, world, cycle, django_capture_on_commit_callbacks
):
    meeting = services.meeting_schedule(forum=cycle["forum"], by=cycle["analyst"])
    client.force_login(cycle["analyst"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stocktakes:pack_issue", args=[meeting.pk]), {"version": _version(meeting)}
        )
    assert response.status_code == 400
    assert NO_AGENDA in response.content.decode()
    assert not PackIssue.objects.exists()
    assert not GeneratedDocument.objects.exists()


def test_issuing_from_a_stale_page_is_refused(client, world, cycle):
    meeting = cycle["meeting"]
    client.force_login(cycle["analyst"])
    seen = _version(meeting)
    services.agenda_item_add(meeting=meeting, by=cycle["analyst"], title="Late item")
    response = client.post(reverse("stocktakes:pack_issue", args=[meeting.pk]), {"version": seen})
    assert response.status_code == 409
    assert views_packs.STALE in response.content.decode()
    assert "Late item" in response.content.decode()
    assert not PackIssue.objects.exists()


# --- reading and downloading ------------------------------------------------------------------


def test_officials_of_the_forums_departments_download_the_issued_pack_and_it_is_logged(
    client, world, cycle, django_capture_on_commit_callbacks
):
    client.force_login(cycle["analyst"])
    issue = issue_through_page(client, cycle["meeting"], django_capture_on_commit_callbacks)
    issued = file_bytes(issue.document)
    lead_official = world.users["official"]
    chain_official = official_of(cycle["education"], "dfe_official")
    for official in (lead_official, chain_official):
        client.force_login(official)
        detail = client.get(reverse("stocktakes:pack_detail", args=[issue.pk]))
        assert detail.status_code == 200
        assert reverse("stocktakes:pack_download", args=[issue.pk]) in detail.content.decode()
        response = client.get(reverse("stocktakes:pack_download", args=[issue.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "earn-or-learn-task-force-2024-03-06-pack-v1.pdf" in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == issued
    downloads = DocumentDownload.objects.filter(document=issue.document)
    assert {d.user for d in downloads} == {lead_official, chain_official}
    # Officials read; they do not build or issue.
    meeting = cycle["meeting"]
    assert client.get(reverse("stocktakes:pack_issue", args=[meeting.pk])).status_code == 403
    assert client.post(reverse("stocktakes:pack_issue", args=[meeting.pk])).status_code == 403
    assert client.get(reverse("stocktakes:pack_build", args=[meeting.pk])).status_code == 403


def test_an_official_of_a_department_out_of_scope_gets_404_for_the_meeting_and_the_pack(
    client, world, cycle, django_capture_on_commit_callbacks
):
    client.force_login(cycle["analyst"])
    issue = issue_through_page(client, cycle["meeting"], django_capture_on_commit_callbacks)
    meeting = cycle["meeting"]
    client.force_login(official_of(world.other, "dh_official"))
    for url in (
        reverse("stocktakes:meeting_detail", args=[meeting.pk]),
        reverse("stocktakes:pack_detail", args=[issue.pk]),
        reverse("stocktakes:pack_download", args=[issue.pk]),
        reverse("documents:download", args=[issue.document.pk]),
        reverse("stocktakes:pack_issue", args=[meeting.pk]),
        reverse("stocktakes:pack_build", args=[meeting.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert not DocumentDownload.objects.exists()


def test_a_pack_not_yet_built_is_not_downloadable_and_its_page_shows_progress(client, world, cycle):
    meeting = cycle["meeting"]
    client.force_login(cycle["analyst"])
    # No on-commit callbacks run here, so the build stays queued as if the worker were busy.
    client.post(reverse("stocktakes:pack_issue", args=[meeting.pk]), {"version": _version(meeting)})
    issue = PackIssue.objects.get(meeting=meeting)
    assert issue.document.status == DocumentStatus.QUEUED
    client.force_login(world.users["official"])
    assert client.get(reverse("stocktakes:pack_download", args=[issue.pk])).status_code == 404
    page = client.get(reverse("stocktakes:pack_detail", args=[issue.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-status="queued"' in body
    assert "hx-trigger" in body
    fragment = client.get(
        reverse("stocktakes:pack_detail", args=[issue.pk]), HTTP_HX_REQUEST="true"
    )
    assert fragment.content.decode().lstrip().startswith('<div id="pack-status"')
    assert not DocumentDownload.objects.exists()


def test_a_failed_issued_build_can_be_built_again_from_what_was_issued(
    client, world, cycle, django_capture_on_commit_callbacks, monkeypatch
):
    meeting = cycle["meeting"]
    client.force_login(cycle["analyst"])
    builder = documents.REGISTRY[DocumentKind.STOCKTAKE_PACK]
    real_build = builder.build

    def broken(document, progress):
        raise RuntimeError("disk full")

    monkeypatch.setattr(builder, "build", broken)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("stocktakes:pack_issue", args=[meeting.pk]), {"version": _version(meeting)}
        )
    issue = PackIssue.objects.get(meeting=meeting)
    assert issue.document.status == DocumentStatus.FAILED
    page = client.get(reverse("stocktakes:pack_detail", args=[issue.pk])).content.decode()
    assert "Build version 1 again" in page

    # Meanwhile the meeting moves on; the rebuild still shows what was issued.
    services.agenda_item_add(meeting=meeting, by=cycle["analyst"], title="Added after issue")
    monkeypatch.setattr(builder, "build", real_build)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("stocktakes:pack_build", args=[meeting.pk]), {"issue": "1"})
    assert response.status_code == 302
    assert response.url == reverse("stocktakes:pack_detail", args=[issue.pk])
    rebuilt = pack_documents.issued_document(issue)
    assert rebuilt is not None
    assert rebuilt.pk != issue.document.pk
    download = client.get(reverse("stocktakes:pack_download", args=[issue.pk]))
    content = b"".join(download.streaming_content)
    assert content == file_bytes(rebuilt)
    assert "Added after issue" not in pdf_text(content)
    assert "Progress on young people earning or learning" in pdf_text(content)


def test_only_the_next_version_may_be_requested(world, cycle):
    with pytest.raises(documents.DocumentRefused) as refused:
        documents.document_request(
            kind=DocumentKind.STOCKTAKE_PACK,
            format="pdf",
            subject={"meeting": cycle["meeting"].pk, "issue": 3},
            by=cycle["analyst"],
        )
    assert refused.value.messages == [pack_documents.UNKNOWN_ISSUE]
    with pytest.raises(documents.DocumentRefused) as unknown:
        documents.document_request(
            kind=DocumentKind.STOCKTAKE_PACK,
            format="pdf",
            subject={"meeting": "x"},
            by=access.SYSTEM,
        )
    assert unknown.value.messages == [pack_documents.UNKNOWN_MEETING]
    with pytest.raises(documents.DocumentRefused) as word:
        documents.document_request(
            kind=DocumentKind.STOCKTAKE_PACK,
            format="docx",
            subject={"meeting": cycle["meeting"].pk},
            by=access.SYSTEM,
        )
    assert word.value.messages == [documents.UNSUPPORTED_FORMAT]
    assert not GeneratedDocument.objects.exists()


def test_the_contents_frozen_are_the_selectors_contents_at_issue(
    client, world, cycle, django_capture_on_commit_callbacks
):
    client.force_login(cycle["analyst"])
    expected = selectors.pack_contents(cycle["meeting"])
    issue = issue_through_page(client, cycle["meeting"], django_capture_on_commit_callbacks)
    assert issue.contents["agenda"] == expected["agenda"]
    assert [row["description"] for row in issue.contents["tracker"]] == [
        a.description for a in cycle["tracker"]
    ]
    assert issue.contents["outstanding"][0]["overdue"] is True
    assert cycle["overdue"].status == ActionStatus.OPEN


def test_the_annex_gives_the_periods_up_to_the_meeting_and_the_next_planned_and_counts_the_rest():
    rows = [{"period": date(2003, month, 1)} for month in range(1, 13)]
    shown, earlier, later = pack_documents.annex_window(rows, date(2003, 9, 15))
    assert [row["period"].month for row in shown] == [4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert (earlier, later) == (3, 0)
    shown, earlier, later = pack_documents.annex_window(rows, date(2003, 2, 1))
    assert [row["period"].month for row in shown] == [1, 2, 3, 4, 5]
    assert (earlier, later) == (0, 7)
    assert pack_documents.annex_window([], date(2003, 2, 1)) == ([], 0, 0)
