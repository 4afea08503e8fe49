from datetime import date

import pytest
from django.utils import timezone

from deliveryunit import clock
from deliveryunit.models import Workbench

pytestmark = pytest.mark.django_db


def test_today_is_the_real_date_when_no_as_at_is_set():
    assert clock.as_at() is None
    assert clock.today() == timezone.localdate()


def test_an_as_at_date_becomes_today_and_clearing_it_restores_the_real_date():
    clock.set_as_at(date(2023, 10, 31))
    assert clock.today() == date(2023, 10, 31)
    assert Workbench.objects.count() == 1
    clock.set_as_at(None)
    assert clock.today() == timezone.localdate()
    assert Workbench.objects.count() == 1


def test_signed_in_pages_say_when_the_workbench_holds_demonstration_data(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="x" * 16, role="analyst")
    client.force_login(user)
    assert 'data-testid="as-at-banner"' not in client.get("/").text
    clock.set_as_at(date(2023, 10, 31))
    page = client.get("/").text
    assert 'data-testid="as-at-banner"' in page
    assert "treats 31 October 2023 as today" in page


# --- every business "today" follows the clock -------------------------------------------------

AS_AT = date(2023, 10, 31)


@pytest.fixture
def as_at(db):
    clock.set_as_at(AS_AT)
    return AS_AT


@pytest.fixture
def forum(world):
    from stocktakes import services

    return services.forum_create(by=None, name="Stocktake", kind="stocktake", chair="PM")


def _action(world, due):
    from stocktakes import services

    return services.action_create(
        by=None, description="Do it", owner="Someone", department=world.own, due=due
    )


def test_an_action_and_a_milestone_are_overdue_against_the_as_at_date(world, as_at):
    from priorities.models import MilestoneStatus

    from .factories import MilestoneFactory

    before, after = date(2023, 10, 30), date(2023, 11, 1)
    assert _action(world, before).is_overdue()
    assert not _action(world, after).is_overdue()
    assert MilestoneFactory(due=before, status=MilestoneStatus.PLANNED).is_overdue()
    assert not MilestoneFactory(due=after, status=MilestoneStatus.PLANNED).is_overdue()


def test_the_tracker_counts_overdue_against_the_as_at_date(client, world, as_at):
    late = _action(world, date(2023, 10, 30))
    _action(world, date(2023, 11, 1))
    client.force_login(world.users["analyst"])
    response = client.get("/stocktakes/actions/", {"status": "overdue"})
    assert [a.pk for a in response.context["page"].object_list] == [late.pk]
    assert response.context["overdue_count"] == 1


def test_a_forum_that_has_not_met_proposes_a_date_a_cycle_after_the_as_at_date(forum, as_at):
    from stocktakes import services

    assert services.proposed_next_date(forum) == date(2023, 12, 12)
    assert services.meeting_schedule(forum=forum, by=None).date == date(2023, 12, 12)


def test_the_forum_list_splits_last_and_next_meeting_at_the_as_at_date(client, world, forum, as_at):
    from stocktakes import services

    held = services.meeting_schedule(forum=forum, by=None, date=date(2023, 9, 5))
    coming = services.meeting_schedule(forum=forum, by=None, date=date(2023, 11, 14))
    client.force_login(world.users["analyst"])
    (row,) = client.get("/stocktakes/").context["rows"]
    assert (row.last, row.next) == (held, coming)


def test_the_pm_notes_default_month_is_the_as_at_month(client, world, as_at):
    from portfolio.pm_note import PMNoteBuilder

    form = PMNoteBuilder().request_form(world.users["analyst"])
    (month,) = form["fields"]
    assert (month["value"], month["max"]) == ("2023-10", "2023-10")


def test_the_scheduled_note_runs_on_real_days_for_the_as_at_month(world, as_at, monkeypatch):
    from deliveryunit import documents
    from deliveryunit.models import GeneratedDocument
    from portfolio import tasks

    monkeypatch.setattr(documents, "_enqueue", lambda pk: None)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2025, 2, 3))
    ids = tasks.build_monthly_pm_note()
    keys = set(GeneratedDocument.objects.filter(pk__in=ids).values_list("subject_key", flat=True))
    assert keys == {"month=2023-10"}


def test_each_request_reads_the_date_afresh_once(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Workbench.objects.create(as_at=None)
    client.force_login(world.users["analyst"])

    def workbench_reads() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get("/")
        return sum('"deliveryunit_workbench"' in q["sql"] for q in captured)

    assert workbench_reads() == 1
    assert workbench_reads() == 1
    # As another process would set it: no signal reaches this one.
    Workbench.objects.update(as_at=date(2023, 10, 31))
    assert "treats 31 October 2023 as today" in client.get("/").text
