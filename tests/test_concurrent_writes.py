"""Two people saving at once from the same version: exactly one save wins, the other is shown
the conflict, whichever gets there first.

Each request runs in a thread of its own, through its own test client and its own database
connection, against committed rows (transaction=True). A rendezvous at the door of the service
holds each request until both are there: both have read the record and the version the user
saw, and neither has begun its transaction. From there the database decides. If the version
were compared anywhere before the service's row lock, both requests would pass it and both
would save; only a comparison under the lock lets exactly one through.

PostgreSQL (CI's second pass) queues the second request on the row lock. SQLite has one writer
at a time; the in-memory database the SQLite pass uses shares one cache between connections,
which refuses a second writer outright ("table is locked") where a database file would make it
wait. There, and only there, the requests go through the door one at a time, each to the end
of its request, which is what a file's write lock does.
"""

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from assessments import services as assessment_services
from assessments import views as assessment_views
from assessments.models import RoundEvent, RoundStatus
from deliveryunit import documents
from deliveryunit.editing import CONFLICT_MESSAGE
from deliveryunit.models import Role
from priorities import services as priority_services
from stocktakes import services as stocktake_services
from stocktakes.models import ForumKind, PackIssue
from stocktakes.views_packs import STALE

from .factories import MeasureFactory, PriorityFactory, UserFactory, add_trajectory
from .matrix_assessments import assess, make_round

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Long enough for a loaded two-core machine; a request that never arrives fails the test.
RENDEZVOUS_TIMEOUT = 60


class Door:
    """Wraps `module.name` so that a call waits until both requests have made theirs."""

    def __init__(self, module: ModuleType, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.barrier = threading.Barrier(2, timeout=RENDEZVOUS_TIMEOUT)
        self.service = getattr(module, name)
        in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
        self.one_at_a_time = threading.Lock() if in_memory else None
        self.inside = threading.local()
        monkeypatch.setattr(module, name, self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.barrier.wait()
        if self.one_at_a_time is not None:
            self.one_at_a_time.acquire()
            self.inside.holding = True
        return self.service(*args, **kwargs)

    def leave(self) -> None:
        if getattr(self.inside, "holding", False):
            self.inside.holding = False
            self.one_at_a_time.release()  # type: ignore[union-attr]


def together(door: Door, *posts: Callable[[], HttpResponse]) -> list[HttpResponse]:
    """Run the posts in threads at once; their responses in the order given."""
    results: list[Any] = [None] * len(posts)

    def run(index: int, post: Callable[[], HttpResponse]) -> None:
        try:
            results[index] = post()
        except BaseException as exc:
            results[index] = exc
            door.barrier.abort()  # the other request must not wait for this one
        finally:
            door.leave()
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RENDEZVOUS_TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def logged_in(user: Any) -> Client:
    # Signed in here, before the threads start, so that their only writes are the saves.
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def analysts(transactional_db: None) -> tuple[Any, Any]:
    return (
        UserFactory(username="first", role=Role.ANALYST),
        UserFactory(username="second", role=Role.ANALYST),
    )


# --- re-profiling a trajectory ----------------------------------------------------------------


def test_two_reprofiles_of_the_same_trajectory_version_one_saves_one_conflicts(
    analysts, monkeypatch
):
    measure = MeasureFactory(
        priority__start=date(2003, 1, 1),
        priority__deadline=date(2003, 12, 31),
        frequency="quarterly",
        target_date=date(2003, 12, 1),
    )
    add_trajectory(measure, [(date(2003, 1, 1), 100)])
    url = reverse("priorities:trajectory_create", args=[measure.pk])

    def reprofile(client: Client, value: str) -> Callable[[], HttpResponse]:
        data = {
            "label": f"Re-profiled to {value}",
            "agreed_on": "2003-02-01",
            "reason": "The review moved the plan.",
            "first": "2003-Q1",
            "last": "2003-Q2",
            "point-2003-Q1": value,
            # Both opened the form at version 1.
            "version": "1",
        }
        return lambda: client.post(url, data)

    door = Door(priority_services, "trajectory_create", monkeypatch)
    first, second = (logged_in(user) for user in analysts)
    responses = together(door, reprofile(first, "91"), reprofile(second, "92"))

    assert sorted(r.status_code for r in responses) == [302, 409]
    winner, loser = sorted(
        zip(responses, ("91", "92"), strict=True), key=lambda r: r[0].status_code
    )
    versions = list(measure.trajectories.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert [p.value for p in versions[1].points.all()] == [Decimal(winner[1])]
    body = loser[0].content.decode()
    assert CONFLICT_MESSAGE in body
    assert f'value="{loser[1]}"' in body  # what the loser typed is still in the form
    # Its hidden version has moved on to the one now saved: saving again is deliberate.
    assert 'name="version" value="2"' in body


# --- issuing a pack ---------------------------------------------------------------------------


def test_two_issues_of_the_same_pack_version_one_issues_one_conflicts(analysts, monkeypatch):
    # The PDF is not what is under test: its build is left queued, not run.
    queued: list[int] = []
    monkeypatch.setattr(documents, "_enqueue", queued.append)
    by = analysts[0]
    forum = stocktake_services.forum_create(
        by=by, name="Earn or Learn", kind=ForumKind.TASK_FORCE, chair="Minister", cycle_weeks=6
    )
    meeting = stocktake_services.meeting_schedule(forum=forum, by=by, date=date(2024, 3, 6))
    stocktake_services.agenda_item_add(meeting=meeting, by=by, title="Apprenticeship starts")
    meeting.refresh_from_db()
    url = reverse("stocktakes:pack_issue", args=[meeting.pk])

    def issue(client: Client) -> Callable[[], HttpResponse]:
        return lambda: client.post(url, {"version": str(meeting.version)})

    door = Door(stocktake_services, "pack_issue", monkeypatch)
    first, second = (logged_in(user) for user in analysts)
    responses = together(door, issue(first), issue(second))

    assert sorted(r.status_code for r in responses) == [302, 409]
    assert PackIssue.objects.filter(meeting=meeting).count() == 1
    assert len(queued) == 1
    loser = next(r for r in responses if r.status_code == 409)
    assert STALE in loser.content.decode()
    meeting.refresh_from_db()
    # The page now carries the version after the issue: issuing again is a fresh decision.
    assert f'name="version" value="{meeting.version}"' in loser.content.decode()


# --- publishing a round -----------------------------------------------------------------------


def test_two_publishes_of_the_same_round_version_one_publishes_one_conflicts(
    transactional_db, monkeypatch
):
    leads = (
        UserFactory(username="first", role=Role.UNIT_LEAD),
        UserFactory(username="second", role=Role.UNIT_LEAD),
    )
    priority = PriorityFactory(code="HO 1")
    round_ = make_round("December 2003", date(2003, 12, 31), [priority])
    assess(round_, priority)
    # The delivery reports queued on publishing are not what is under test.
    monkeypatch.setattr(assessment_services, "_round_published", lambda round_id: None)
    url = reverse("assessments:round_publish", args=[round_.pk])

    def publish(client: Client) -> Callable[[], HttpResponse]:
        # Both opened the publish page at version 1.
        return lambda: client.post(url, {"version": "1"}, follow=True)

    door = Door(assessment_services, "round_publish", monkeypatch)
    first, second = (logged_in(user) for user in leads)
    responses = together(door, publish(first), publish(second))

    changed = assessment_views.ROUND_CHANGED.format(name=round_.name, status="published")
    bodies = [r.content.decode() for r in responses]
    assert sorted(changed in body for body in bodies) == [False, True]
    round_.refresh_from_db()
    assert (round_.status, round_.version) == (RoundStatus.PUBLISHED, 2)
    assert RoundEvent.objects.filter(round=round_, kind=RoundEvent.Kind.PUBLISHED).count() == 1
