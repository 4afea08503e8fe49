"""The whole stocktake cycle in a real browser: an analyst schedules a task-force meeting on the
date its cycle proposes, adds an agenda item, builds a draft and issues the pack; an official
of a department in the forum's scope downloads it; the meeting is held, its minutes allocate
two actions (in place, with htmx) and are issued; the next meeting's page and its pack show
those two actions in the tracker.

Without a broker the pipeline builds in-process, so a build finishes inside the request that
asks for it; the waits below are bounded all the same, as they would be against a worker.
"""

import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from deliveryunit.models import DocumentDownload, Role
from priorities.models import IndicatorType
from stocktakes import services
from stocktakes.models import (
    Action,
    AttendeeKind,
    ForumKind,
    ForumMember,
    Meeting,
    MeetingStatus,
    PackIssue,
)
from tests.factories import (
    PASSWORD,
    ActualFactory,
    DepartmentFactory,
    MeasureFactory,
    PriorityFactory,
    UserFactory,
    add_trajectory,
)

from .conftest import axe_serious_violations, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path("/tmp/shots")
# A PDF with charts takes seconds on a loaded machine, the first one longer while the chart
# exporter's browser starts: generous, but bounded.
BUILD_WAIT_MS = 180_000

AGENDA_TITLE = "Young people not in education, employment or training"
ACTIONS = (
    ("Write to every college about the new bursary", "Director, Skills"),
    ("Publish the regional apprenticeship figures", "Head of Analysis"),
)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def task_force(media_root):
    work = DepartmentFactory(name="Department for Work and Pensions", code="DWP")
    education = DepartmentFactory(name="Department for Education", code="DFE")
    elsewhere = DepartmentFactory(name="Home Office", code="HO")
    analyst = UserFactory(username="analyst", role=Role.ANALYST)
    UserFactory(username="dfe_official", role=Role.OFFICIAL, department=education)
    UserFactory(username="ho_official", role=Role.OFFICIAL, department=elsewhere)
    priority = PriorityFactory(
        code="EL 1", title="Every young person earning or learning", lead_department=work
    )
    priority.delivery_chain.add(education)
    measure = MeasureFactory(
        priority=priority,
        name="Young people in work or training",
        indicator_type=IndicatorType.LEAD,
    )
    add_trajectory(measure, [(date(2023, 1, 1), 80), (date(2026, 12, 1), 95)])
    for month, value in ((1, 81), (2, 82), (3, 82.5)):
        ActualFactory(measure=measure, period=date(2024, month, 1), value=Decimal(str(value)))
    forum = services.forum_create(
        by=analyst,
        name="Earn or Learn task force",
        kind=ForumKind.TASK_FORCE,
        chair="Secretary of State for Work and Pensions",
        terms_of_reference="Get every young person earning or learning.",
        cycle_weeks=6,
        priorities=[priority],
    )
    for order, (role, kind, department) in enumerate(
        (
            ("Secretary of State for Work and Pensions", AttendeeKind.MINISTER, work),
            ("Director, Skills", AttendeeKind.OFFICIAL, education),
            ("Delivery Unit secretariat", AttendeeKind.SECRETARIAT, None),
        ),
        start=1,
    ):
        ForumMember.objects.create(
            forum=forum, role=role, kind=kind, department=department, order=order
        )
    return {"forum": forum, "analyst": analyst, "education": education}


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _issue_pack(page, base_url, meeting) -> PackIssue:
    """From the meeting page: check what the pack will contain, issue it, and wait (bounded)
    for its PDF."""
    page.goto(base_url + reverse("stocktakes:meeting_detail", args=[meeting.pk]))
    page.get_by_role("link", name="Issue the pack").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Issue the pack")
    page.get_by_role("button", name="Issue version").click()
    expect(page.get_by_test_id("pack-download")).to_be_visible(timeout=BUILD_WAIT_MS)
    return PackIssue.objects.filter(meeting=meeting).order_by("-number").first()


def _download(page, link) -> bytes:
    with page.expect_download(timeout=BUILD_WAIT_MS) as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def test_task_force_cycle_from_scheduling_to_the_next_packs_tracker(page, base_url, task_force):
    forum = task_force["forum"]
    page.set_default_navigation_timeout(BUILD_WAIT_MS)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # The analyst schedules the first meeting on the date the six-week cycle proposes.
    sign_in(page, base_url, "analyst", PASSWORD)
    page.goto(base_url + reverse("stocktakes:forum_detail", args=[forum.pk]))
    page.get_by_role("link", name="Schedule a meeting").click()
    proposed = services.proposed_next_date(forum)
    expect(page.locator("#id_date")).to_have_value(proposed.isoformat())
    page.locator("#id_start_time").fill("10:00")
    page.locator("#id_place").fill("Caxton House")
    page.get_by_role("button", name="Schedule meeting").click()
    expect(page.get_by_test_id("meeting-status")).to_have_attribute("data-status", "planned")
    meeting = Meeting.objects.get(forum=forum)
    assert meeting.date == proposed

    # An agenda item, added in place.
    page.locator("#agenda-add summary").click()
    page.locator("#id_new-title").fill(AGENDA_TITLE)
    page.locator("#id_new-lead").fill("Director, Skills")
    page.locator("#id_new-minutes_allowed").fill("30")
    page.get_by_role("button", name="Add item").click()
    expect(page.get_by_test_id("agenda")).to_contain_text(AGENDA_TITLE)

    # A draft to check, then the pack issued as version 1.
    page.get_by_role("link", name="Build the pack").click()
    page.get_by_role("button", name="Build a draft").click()
    drafts = page.get_by_test_id("drafts")
    expect(drafts.get_by_role("link", name="Download")).to_be_visible(timeout=BUILD_WAIT_MS)
    issue = _issue_pack(page, base_url, meeting)
    assert issue.number == 1
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PACK_ISSUED

    # An official of a department in the delivery chain downloads it; the download is logged.
    page.context.clear_cookies()
    sign_in(page, base_url, "dfe_official", PASSWORD)
    page.goto(base_url + reverse("stocktakes:meeting_detail", args=[meeting.pk]))
    content = _download(page, page.get_by_role("link", name="Download version 1 of the pack"))
    assert content.startswith(b"%PDF")
    assert AGENDA_TITLE in pdf_text(content)
    assert DocumentDownload.objects.filter(
        document=issue.document, user__username="dfe_official"
    ).exists()
    # An official of a department outside the forum's scope finds neither.
    page.context.clear_cookies()
    sign_in(page, base_url, "ho_official", PASSWORD)
    for url in (
        reverse("stocktakes:meeting_detail", args=[meeting.pk]),
        reverse("stocktakes:pack_detail", args=[issue.pk]),
    ):
        assert page.goto(base_url + url).status == 404

    # The analyst marks the meeting held.
    page.context.clear_cookies()
    sign_in(page, base_url, "analyst", PASSWORD)
    page.goto(base_url + reverse("stocktakes:meeting_detail", args=[meeting.pk]))
    page.get_by_test_id("mark-held").click()
    expect(page.get_by_test_id("meeting-status")).to_have_attribute("data-status", "held")
    assert axe_serious_violations(page) == []
    page.screenshot(path=str(SHOTS / "meeting.png"), full_page=True)

    # Minutes: the record, the distribution list, and two actions allocated in place.
    page.get_by_role("link", name="Write the minutes").click()
    page.locator("#id_summary").fill("Progress is steady; the bursary letters are the next step.")
    page.get_by_label("Record of discussion").first.fill("The task force reviewed the figures.")
    page.locator("#id_distribution").fill("skills.director@education.example.gov.uk")
    page.get_by_role("button", name="Save minutes").click()
    expect(page.locator("#id_distribution")).to_have_value(
        "skills.director@education.example.gov.uk"
    )
    page.evaluate("window.__sameDocument = true")
    due = meeting.date + timedelta(weeks=4)
    for count, (description, owner) in enumerate(ACTIONS, start=1):
        page.locator("#id_action-description").fill(description)
        page.locator("#id_action-owner").fill(owner)
        page.locator("#id_action-department").select_option(label="Department for Education")
        page.locator("#id_action-due").fill(due.isoformat())
        page.get_by_role("button", name="Add action").click()
        expect(page.get_by_test_id("allocated-action")).to_have_count(count)
    assert page.evaluate("window.__sameDocument === true")
    assert axe_serious_violations(page) == []
    page.get_by_role("button", name="Issue minutes").click()
    meeting.refresh_from_db()
    expect(page.get_by_text(ACTIONS[0][0]).first).to_be_visible()
    assert meeting.status == MeetingStatus.MINUTED
    assert Action.objects.filter(meeting=meeting).count() == 2

    # The next meeting, on the date the cycle proposes from this one.
    page.goto(base_url + reverse("stocktakes:forum_detail", args=[forum.pk]))
    page.get_by_role("link", name="Schedule a meeting").click()
    expect(page.locator("#id_date")).to_have_value((meeting.date + timedelta(weeks=6)).isoformat())
    page.get_by_role("button", name="Schedule meeting").click()
    expect(page.get_by_test_id("meeting-status")).to_have_attribute("data-status", "planned")
    following = Meeting.objects.filter(forum=forum).exclude(pk=meeting.pk).get()
    tracker = page.get_by_test_id("tracker")
    for description, _owner in ACTIONS:
        expect(tracker).to_contain_text(description)

    page.locator("#agenda-add summary").click()
    page.locator("#id_new-title").fill("Actions from the last meeting")
    page.get_by_role("button", name="Add item").click()
    expect(page.get_by_test_id("agenda")).to_contain_text("Actions from the last meeting")
    next_issue = _issue_pack(page, base_url, following)
    text = pdf_text(_download(page, page.get_by_test_id("pack-download")))
    assert "Actions from the last meeting" in text
    for description, owner in ACTIONS:
        assert description in text
        assert owner in text
    assert next_issue.contents["tracker"][0]["description"] in text
