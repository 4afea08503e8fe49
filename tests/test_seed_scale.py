"""seed_scale: a generated portfolio at scale, beside the existing data.

How long it takes is measured by bench/pages.py, not here: a timed assertion fails on a busy
machine and proves nothing on a quiet one.
"""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from assessments.models import Assessment, AssessmentRound, KeyChallenge, RoundStatus
from assessments.services import performance_snapshot
from deliveryunit.models import Department
from portfolio import scale
from priorities import performance as perf
from priorities import services as priority_services
from priorities.models import Actual, ActualStatus, Measure, Priority, Trajectory
from priorities.selectors import measure_series_for_priorities
from stocktakes.models import Action, ActionStatus, Forum, Meeting, MeetingStatus, Minutes

from .factories import PriorityFactory

AS_AT = date(2023, 10, 31)
SMALL = [
    "--priorities",
    "24",
    "--measures",
    "2.5",
    "--months",
    "24",
    "--rounds",
    "4",
    "--actions",
    "80",
    "--as-at",
    AS_AT.isoformat(),
]


def seed(*extra: str) -> str:
    out = StringIO()
    call_command("seed_scale", *SMALL, *extra, stdout=out)
    return out.getvalue()


def generated(prefix: str = "G1"):
    return Priority.objects.filter(code__startswith=f"{prefix} ")


class _Rollback(Exception):
    pass


def fingerprint() -> dict[str, list]:
    """What a set is made of, without database ids."""
    priorities = generated()
    return {
        "priorities": list(
            priorities.order_by("code").values_list(
                "code", "title", "lead_department__code", "parent__code", "kind", "deadline"
            )
        ),
        "measures": list(
            Measure.objects.filter(priority__in=priorities)
            .order_by("priority__code", "name")
            .values_list("priority__code", "name", "frequency", "target_value", "tolerance")
        ),
        "actuals": list(
            Actual.objects.filter(measure__priority__in=priorities)
            .order_by("measure__priority__code", "measure__name", "period")
            .values_list("measure__name", "period", "value", "status")
        ),
        "judgements": list(
            Assessment.objects.filter(priority__in=priorities)
            .order_by("round__date", "priority__code")
            .values_list("round__name", "priority__code", "likelihood", "performance_snapshot")
        ),
        "actions": list(
            Action.objects.filter(priority__in=priorities)
            .order_by("due", "description", "status")
            .values_list("description", "due", "status", "created_at")
        ),
    }


def test_it_generates_the_portfolio_it_is_asked_for(db):
    output = seed("--seed", "1")

    assert "Generated set G1 as at 31 October 2023" in output
    priorities = generated()
    assert priorities.count() == 24
    assert Measure.objects.filter(priority__in=priorities).count() == 60  # 24 x 2.5
    rounds = AssessmentRound.objects.filter(name__endswith="(G1)").order_by("date")
    assert [r.date for r in rounds] == [
        date(2021, 12, 31),
        date(2022, 6, 30),
        date(2022, 12, 31),
        date(2023, 6, 30),
    ]
    assert all(r.status == RoundStatus.PUBLISHED for r in rounds)
    for round_ in rounds:
        assert round_.priorities.count() == 24
        assert Assessment.objects.filter(round=round_, priority__in=priorities).count() == 24
    assert Action.objects.filter(priority__in=priorities).count() == 80
    # A dozen departments, the priorities spread over most of them.
    assert Department.objects.count() == len(scale.DEPARTMENTS)
    assert priorities.values("lead_department").distinct().count() >= 8


def test_actuals_run_up_to_the_month_before_the_as_at_date(db):
    seed()
    measures = Measure.objects.filter(priority__in=generated())
    for measure in measures:
        periods = list(measure.actuals.order_by("period").values_list("period", flat=True))
        if measure.frequency == "monthly":
            assert len(periods) == 24
            assert periods[-1] == date(2023, 9, 1)
        else:
            assert periods[-1] == date(2023, 7, 1)  # the quarter holding September
        assert measure.trajectories.exists()


def test_the_shapes_are_those_of_a_real_portfolio(db):
    """Some measures on track and some off; latest points often provisional; some plans
    re-profiled; sub-targets; likelihood moving between rounds; meetings held and planned."""
    call_command(
        "seed_scale",
        "--priorities",
        "40",
        "--months",
        "30",
        "--rounds",
        "5",
        "--as-at",
        AS_AT.isoformat(),
        stdout=StringIO(),
    )
    priorities = list(generated())
    statuses = {
        perf.assess(series).status for series in measure_series_for_priorities(priorities).values()
    }
    assert {perf.ON_TRACK, perf.OFF_TRACK} <= statuses
    measures = Measure.objects.filter(priority__in=priorities)
    latest_provisional = sum(
        1
        for m in measures.prefetch_related("actuals")
        if list(m.actuals.all())[-1].status == ActualStatus.PROVISIONAL
    )
    assert 0 < latest_provisional < measures.count()
    assert Trajectory.objects.filter(measure__in=measures, number=2).exists()
    assert any(p.parent_id for p in priorities)
    moves = 0
    for priority in priorities:
        ratings = list(
            Assessment.objects.filter(priority=priority)
            .order_by("round__date")
            .values_list("likelihood", flat=True)
        )
        moves += sum(1 for a, b in zip(ratings, ratings[1:], strict=False) if a != b)
    assert moves > 0
    forums = Forum.objects.filter(name__endswith="(G1)")
    assert set(Priority.objects.filter(forums__in=forums)) == set(priorities)
    meetings = Meeting.objects.filter(forum__in=forums)
    assert meetings.filter(status=MeetingStatus.PLANNED, date__gt=AS_AT).exists()
    assert Minutes.objects.filter(meeting__in=meetings, issued_at__isnull=False).exists()
    actions = Action.objects.filter(priority__in=priorities)
    assert actions.filter(status=ActionStatus.DONE).exists()
    assert actions.filter(status=ActionStatus.OPEN, due__lt=AS_AT).exists()  # overdue
    assert actions.filter(due__gte=AS_AT).exists()
    assert KeyChallenge.objects.filter(assessment__priority__in=priorities).exists()


def test_each_snapshot_is_what_the_services_would_record(db):
    seed()
    for assessment in Assessment.objects.filter(priority__in=generated()).select_related(
        "priority", "round"
    )[:40]:
        assert assessment.performance_snapshot == performance_snapshot(
            assessment.priority, assessment.round.date
        )


def test_the_same_seed_gives_the_same_data(db):
    prints = []
    for _ in range(2):
        try:
            with transaction.atomic():
                seed("--seed", "1")
                prints.append(fingerprint())
                raise _Rollback
        except _Rollback:
            pass
    assert prints[0]["actuals"]
    assert prints[0] == prints[1]


def test_a_seed_already_generated_is_refused_and_another_seed_adds_a_second_set(db):
    seed("--seed", "1")
    before = Priority.objects.count()

    with pytest.raises(CommandError) as refused:
        seed("--seed", "1")
    assert str(refused.value) == scale.ALREADY_GENERATED.format(seed=1, prefix="G1")
    assert Priority.objects.count() == before

    seed("--seed", "2")
    assert generated("G2").count() == 24
    assert generated("G1").count() == 24
    assert AssessmentRound.objects.filter(name__endswith="(G2)").count() == 4


def test_it_adds_to_the_data_already_there(world):
    mine = PriorityFactory(code="PSA 1", lead_department=world.own)
    seed()
    assert Priority.objects.filter(pk=mine.pk).exists()
    # The departments already there are used, not copied.
    assert Department.objects.filter(code="HO").count() == 1
    assert generated().filter(lead_department=world.own).exists()


def test_it_refuses_to_run_in_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError) as refused:
        seed()
    assert str(refused.value) == scale.REFUSED_IN_PRODUCTION
    assert not Priority.objects.exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--priorities", "0", scale.TOO_FEW_PRIORITIES),
        ("--measures", "0.5", scale.TOO_FEW_MEASURES),
        ("--months", "3", scale.TOO_FEW_MONTHS.format(months=scale.MIN_MONTHS)),
        ("--rounds", "0", scale.TOO_FEW_ROUNDS),
    ],
)
def test_impossible_sizes_are_refused_with_a_reason(db, option, value, message):
    with pytest.raises(CommandError) as refused:
        call_command("seed_scale", option, value, stdout=StringIO())
    assert str(refused.value) == message
    assert not Priority.objects.exists()


def test_stored_derived_performance_is_refreshed_for_every_generated_measure(db, monkeypatch):
    refreshed: list[int] = []
    monkeypatch.setattr(
        priority_services,
        "performance_refresh",
        lambda *, measure_ids: refreshed.extend(measure_ids),
        raising=False,
    )
    seed()
    assert sorted(refreshed) == sorted(
        Measure.objects.filter(priority__in=generated()).values_list("pk", flat=True)
    )
