"""The pipeline as the base: which app registers which builder, how a request reaches a build
(eagerly, with no broker), and the principal every request is made by, with its rights decided
in deliveryunit.access."""

from datetime import date

import pytest
from django.conf import settings
from django.db.models import Q
from django.http import Http404

from assessments.models import AssessmentRound, RoundStatus
from deliveryunit import access, documents, tasks
from deliveryunit.models import DocumentKind, DocumentStatus, GeneratedDocument
from deliveryunit.worker import TEST_SLOW_KIND, SlowTestBuilder
from portfolio import pm_note
from portfolio.tasks import build_monthly_pm_note

from .factories import PriorityFactory
from .matrix_assessments import make_round


def test_each_app_registers_the_builder_of_its_own_documents():
    owners = {
        kind: type(builder).__module__
        for kind, builder in documents.REGISTRY.items()
        if kind != TEST_SLOW_KIND
    }
    assert owners == {
        DocumentKind.DELIVERY_REPORT: "assessments.documents",
        DocumentKind.STOCKTAKE_PACK: "stocktakes.documents",
        DocumentKind.PM_NOTE: "portfolio.pm_note",
        DocumentKind.REVIEW_REPORT: "reviews.documents",
    }


def test_the_monthly_note_is_scheduled_from_the_portfolio_app():
    schedule = settings.CELERY_BEAT_SCHEDULE["monthly-pm-note"]
    assert schedule["task"] == build_monthly_pm_note.name == "portfolio.tasks.build_monthly_pm_note"


def test_the_pipeline_queues_through_the_build_task():
    assert documents._queue == tasks.build_document.delay


def test_without_a_broker_a_request_is_built_when_its_transaction_commits(
    db, analyst, monkeypatch, tmp_path, django_capture_on_commit_callbacks
):
    assert settings.CELERY_TASK_ALWAYS_EAGER, "the tests run without a broker"
    release = tmp_path / "release"
    release.touch()
    monkeypatch.setitem(documents.REGISTRY, TEST_SLOW_KIND, SlowTestBuilder(release))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = documents.document_request(
            kind=TEST_SLOW_KIND, format="pdf", subject={"name": "eager"}, by=analyst
        )
    document.refresh_from_db()
    assert document.status == DocumentStatus.QUEUED, "nothing is built before the commit"
    assert len(callbacks) == 1
    callbacks[0]()
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE, document.error
    assert document.requested_by == analyst
    assert document.file.read().startswith(b"%PDF")


def test_a_document_is_never_asked_for_by_no_one(db):
    with pytest.raises(ValueError, match="never by no one"):
        documents.document_request(
            kind=DocumentKind.PM_NOTE, format="pdf", subject={"month": "2025-02"}, by=None
        )
    assert not GeneratedDocument.objects.exists()


def test_the_system_is_no_user_and_records_as_no_one(db):
    document = documents.document_request(
        kind=DocumentKind.PM_NOTE, format="pdf", subject={"month": "2025-02"}, by=access.SYSTEM
    )
    assert document.requested_by is None
    assert access.sees_all_departments(access.SYSTEM)
    assert not access.is_editor(access.SYSTEM)
    assert not access.is_unit_lead(access.SYSTEM)


@pytest.mark.parametrize("user", ["official", "minister"])
def test_a_department_s_people_cannot_have_the_portfolio_note(db, world, user):
    with pytest.raises(Http404):
        pm_note.PMNoteBuilder().describe({"month": "2025-02"}, world.users[user])


def test_the_prime_minister_may_have_the_portfolio_note(db, world):
    described = pm_note.PMNoteBuilder().describe({"month": "2025-02"}, world.users["minister_all"])
    assert described.key == "month=2025-02"


# --- which rounds a principal sees ------------------------------------------------------------


def test_the_published_filter_names_the_rounds_published_status():
    assert Q(status=RoundStatus.PUBLISHED) == access.ROUND_PUBLISHED


@pytest.fixture
def two_rounds(world):
    priority = PriorityFactory(lead_department=world.own)
    draft = make_round("Draft round", date(2004, 6, 30), [priority])
    published = make_round("Published round", date(2003, 12, 31), [priority])
    AssessmentRound.objects.filter(pk=published.pk).update(status=RoundStatus.PUBLISHED)
    return draft, published


@pytest.mark.parametrize(
    ("user", "sees_draft"),
    [
        ("analyst", True),
        ("unit_lead", True),
        ("minister", False),
        ("minister_all", False),
        ("official", False),
    ],
)
def test_draft_rounds_are_for_editors_only(world, two_rounds, user, sees_draft):
    draft, published = two_rounds
    visible = set(AssessmentRound.objects.filter(access.visible_rounds(world.users[user])))
    assert visible == ({draft, published} if sees_draft else {published})


def test_the_system_sees_published_rounds_only_and_no_one_sees_none(two_rounds):
    _draft, published = two_rounds
    assert list(AssessmentRound.objects.filter(access.visible_rounds(access.SYSTEM))) == [published]
    assert not AssessmentRound.objects.filter(access.visible_rounds(None)).exists()
