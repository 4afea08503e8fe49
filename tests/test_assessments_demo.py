"""The demo assessments: the seed's asylum table over three published rounds, reproduced cell
for cell; the Health priorities judged in two published rounds; and an open round in draft for
the current portfolio. Loading is idempotent."""

import pytest
from django.apps import apps
from django.db import transaction

from assessments import demo, selectors, services
from assessments.models import (
    Assessment,
    AssessmentRound,
    AssessmentStatus,
    RoundEvent,
    RoundStatus,
)
from deliveryunit import demo as foundation
from deliveryunit.demo import AS_AT, ILLUSTRATIVE
from deliveryunit.models import User
from priorities import demo as portfolio
from priorities.models import Priority

# With the database tests, so they run before any test that flushes the migrations' rows.
pytestmark = pytest.mark.django_db

# The seed's "Regular assessment and follow-up" table as printed, row by row: the title, then
# challenge, planning, capacity, stage, likelihood for each of its three columns. The middle
# column is headed "July 02" in the seed; it is the July 2003 round.
SEED_ROWS = [
    ("Ensure effective asylum process", "H AR R 2 R", "H AG AG 2 AG", "H AG AG 3 G"),
    ("Reducing significantly unfounded asylum claims", "H AR R 2 R", "H G G 3 AG", "H AG G 3 G"),
    (
        "Fast turnaround of manifestly unfounded cases",
        "H AR R 1 AR",
        "H AG AR 2 AR",
        "H AR AG 2 AR",
    ),
    (
        "By 2004 75% of substantive asylum applications are decided within 2 months",
        "L G G 3 G",
        "L G G 3 G",
        "L G G 4 G",
    ),
    (
        "By 2004 a proportion (tba) of substantive asylum applications including final appeal, "
        "are decided within 6 months",
        "H R R 2 R",
        "N AR AR 2 AR",
        "M G G 2 AG",
    ),
    ("Taking high quality decisions", "M AR R 1 R", "L G G 3 G", "L G G 3 G"),
    (
        "Remove a greater proportion of failed asylum seekers",
        "H R R 2 R",
        "M AR AR 2 AR",
        "M G AG 3 G",
    ),
]
ROUNDS = ["December 2002", "July 2003", "December 2003"]
JUDGEMENTS = ["challenge", "planning", "capacity", "stage", "likelihood"]


def expected_cells(row: tuple[str, ...]) -> list[str]:
    # "N" is not on the degree-of-challenge scale: it is read as M, its rating the round after.
    cells = " ".join(row[1:]).split()
    return ["M" if cell == "N" else cell for cell in cells]


EXPECTED = [(row[0], expected_cells(row)) for row in SEED_ROWS]


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """Load once for the module (the portfolio takes a while); each test runs inside a savepoint
    of this transaction, and everything is rolled back after the last one."""
    with django_db_blocker.unblock(), transaction.atomic():
        foundation.load_foundation()
        portfolio.load_priorities()
        demo.load_assessments()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_loaded, db):
    return None


def row_counts() -> dict[str, int]:
    # Every model of the app, with the history tables django-simple-history registers.
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("assessments").get_models()
    }


def asylum_table() -> list[tuple[str, list[str]]]:
    rows = []
    for title, _ in EXPECTED:
        cells = []
        for round_name in ROUNDS:
            assessment = Assessment.objects.get(round__name=round_name, priority__title=title)
            cells += [assessment.judgement(name) for name in JUDGEMENTS]
        rows.append((title, cells))
    return rows


def test_expected_table_is_seven_rows_of_fifteen_cells():
    assert len(EXPECTED) == 7
    assert all(len(cells) == 15 for _, cells in EXPECTED)
    # The only reading made: the one "N" becomes "M".
    assert sum(" N " in f" {' '.join(row[1:])} " for row in SEED_ROWS) == 1


def test_loading_again_adds_no_rows_and_no_history(loaded):
    before = row_counts()
    health = [spec for specs in demo.HEALTH_ASSESSMENTS.values() for spec in specs]
    assert before["assessments.Assessment"] == 7 * 3 + len(health) + len(demo.CURRENT_ASSESSMENTS)
    assert before["assessments.KeyChallenge"] == len(demo.KEY_CHALLENGES) + sum(
        len(spec.key_challenges) for spec in health
    )
    assert before["assessments.HistoricalAssessment"] > before["assessments.Assessment"]

    demo.load_assessments()

    assert row_counts() == before


def test_the_home_office_rows_reproduce_the_seed_table(loaded):
    assert asylum_table() == EXPECTED


def test_the_asylum_rounds_hold_only_the_asylum_priorities_and_are_published(loaded):
    asylum = {title for title, _ in EXPECTED}
    for name, day in demo.ROUNDS:
        round_ = AssessmentRound.objects.get(name=name)
        assert round_.date == day
        assert round_.status == RoundStatus.PUBLISHED
        assert {p.title for p in round_.priorities.all()} == asylum
        assert list(round_.events.values_list("kind", flat=True)) == [
            RoundEvent.Kind.CREATED,
            RoundEvent.Kind.MODERATION,
            RoundEvent.Kind.PUBLISHED,
        ]


def test_round_dates_read_the_middle_column_as_july_2003(loaded):
    dates = [AssessmentRound.objects.get(name=name).date.isoformat() for name in ROUNDS]
    assert dates == ["2002-12-31", "2003-07-31", "2003-12-31"]


def test_every_asylum_assessment_is_agreed_with_rationales_author_and_moderator(loaded):
    analyst = User.objects.get(username="analyst")
    unit_lead = User.objects.get(username="unitlead")
    assessments = Assessment.objects.filter(round__name__in=ROUNDS)
    assert assessments.count() == 21
    for assessment in assessments:
        assert assessment.status == AssessmentStatus.AGREED
        assert (assessment.author, assessment.moderator) == (analyst, unit_lead)
        for name in JUDGEMENTS:
            assert getattr(assessment, f"{name}_rationale").strip(), (assessment, name)


def test_the_n_cell_is_recorded_as_m_and_the_rationale_says_so(loaded):
    assessment = Assessment.objects.get(round__name="July 2003", priority__title=EXPECTED[4][0])
    assert assessment.challenge == "M"
    assert assessment.challenge_rationale == demo.N_READ_AS_M
    assert "'N'" in assessment.challenge_rationale


def test_history_is_attributed_to_the_demo_analyst_and_unit_lead(loaded):
    assessment = Assessment.objects.get(round__name="December 2003", priority__code="PSA 7")
    users = {row.history_user.username for row in assessment.history.all()}
    assert users == {"analyst", "unitlead"}
    agreed = assessment.history.filter(status=AssessmentStatus.AGREED).earliest("history_date")
    assert agreed.history_user.username == "unitlead"


def test_the_priority_in_december_2003_has_a_narrative_and_the_seven_key_challenges(loaded):
    assessment = Assessment.objects.get(round__name="December 2003", priority__code="PSA 7")
    assert assessment.narrative.strip()
    challenges = list(assessment.key_challenges.order_by("order"))
    assert [c.order for c in challenges] == list(range(1, 8))
    assert [c.title for c in challenges] == [
        "Maintain ambition and challenge",
        "Accelerate effective performance management",
        "Establish effective corporate management to join up the organisation",
        "Engage and energise staff",
        "Strengthen and develop middle management",
        "Re-build the big picture to shape the next delivery plan",
        "Managing the impact of the spending settlement",
    ]
    assert all(c.progress.strip() for c in challenges)


def test_the_snapshot_is_as_at_the_round_date(loaded):
    december = Assessment.objects.get(round__name="December 2002", priority__code="PSA 7.1")
    monthly = [row for row in december.performance_snapshot if "per month" in row["measure"]]
    # Figures as they were known on the round's date: the October 2002 figure in the demo data
    # was reported in February 2004 (Hansard), so the latest monthly figure known in December
    # 2002 is March 2000's, reported in April 2000; 2003's figures are ignored.
    assert [(row["period"], row["actual"]) for row in monthly] == [("2000-03-01", 6680.0)]


def test_the_current_round_is_a_draft_over_the_active_priorities_as_at_the_demos_date(loaded):
    name, day = demo.CURRENT_ROUND
    round_ = AssessmentRound.objects.get(name=name)
    assert (round_.date, round_.status) == (AS_AT, RoundStatus.DRAFT)
    assert set(round_.priorities.all()) == set(Priority.objects.filter(active=True))
    # The current era's priorities only: the past eras' are inactive.
    assert {p.code for p in round_.priorities.all()} == {"DH-AE-4H", "DH-RTT-18W", "HO-ASY-LEG"}


def test_the_current_round_shows_not_started_draft_and_submitted(loaded):
    round_ = AssessmentRound.objects.get(name=demo.CURRENT_ROUND[0])
    started = dict(Assessment.objects.filter(round=round_).values_list("priority__code", "status"))
    not_started = [p.code for p in round_.priorities.all() if p.code not in started]
    assert started == {"DH-AE-4H": AssessmentStatus.DRAFT, "DH-RTT-18W": AssessmentStatus.SUBMITTED}
    assert not_started == ["HO-ASY-LEG"]
    draft = Assessment.objects.get(round=round_, priority__code="DH-AE-4H")
    assert [draft.judgement(n) for n in JUDGEMENTS] == ["H", "AR", "AG", "", ""]
    assert draft.author.username == "analyst"
    # The current round cannot be published yet: that is what the overview is for.
    assert {p.code for p, _ in services.publish_blockers(round_)} == {
        "DH-AE-4H",
        "DH-RTT-18W",
        "HO-ASY-LEG",
    }


HEALTH_TABLE = {
    "December 2022": {"DH-AE-4H": "VH R AR 1 R", "DH-RTT-18W": "VH AR AR 2 AR"},
    "June 2023": {"DH-AE-4H": "H AR AG 2 AR", "DH-RTT-18W": "VH AG AR 2 AR"},
}


@pytest.mark.parametrize(
    ("name", "day"), [("December 2022", "2023-01-31"), ("June 2023", "2023-07-31")]
)
def test_the_health_rounds_are_published_with_every_judgement_argued(loaded, name, day):
    round_ = AssessmentRound.objects.get(name=name)
    assert (round_.date.isoformat(), round_.status) == (day, RoundStatus.PUBLISHED)
    assessments = {a.priority.code: a for a in Assessment.objects.filter(round=round_)}
    assert {p.code for p in round_.priorities.all()} == set(assessments) == set(HEALTH_TABLE[name])
    for code, assessment in assessments.items():
        assert assessment.status == AssessmentStatus.AGREED
        assert " ".join(assessment.judgement(n) for n in JUDGEMENTS) == HEALTH_TABLE[name][code]
        for text in [getattr(assessment, f"{n}_rationale") for n in JUDGEMENTS] + [
            assessment.narrative
        ]:
            assert text.endswith(ILLUSTRATIVE), (code, text)
        assert assessment.performance_commentary.strip()
        challenges = list(assessment.key_challenges.order_by("order"))
        assert challenges
        assert all(c.progress.endswith(ILLUSTRATIVE) for c in challenges)
        # Judged on the data that existed by the round's date.
        periods = [row["period"] for row in assessment.performance_snapshot]
        assert periods
        assert all(period and period <= day for period in periods)


def test_a_and_e_moves_up_from_red_to_amber_red_between_the_health_rounds(loaded):
    ae = Assessment.objects.filter(priority__code="DH-AE-4H", round__status=RoundStatus.PUBLISHED)
    assert [a.likelihood for a in ae.order_by("round__date")] == ["R", "AR"]
    june = ae.get(round__name="June 2023")
    (row,) = june.performance_snapshot
    # June 2023 against the recovery plan's trajectory agreed in January 2023.
    assert (row["period"], row["actual"], row["status"]) == (
        "2023-06-01",
        73.34,
        "within_tolerance",
    )


def test_loading_again_restores_a_changed_published_round_and_records_why(loaded):
    unit_lead = User.objects.get(username="unitlead")
    round_ = AssessmentRound.objects.get(name="July 2003")
    services.round_reopen(round_=round_, by=unit_lead, reason="Correct a typing slip")
    assessment = Assessment.objects.get(round=round_, priority__code="PSA 7.6")
    services.assessment_save(
        assessment=assessment, by=unit_lead, expected_version=None, judgements={"likelihood": "G"}
    )
    services.assessment_agree(assessment=assessment, by=unit_lead, expected_version=None)
    services.round_publish(round_=round_, by=unit_lead)
    assert Assessment.objects.get(pk=assessment.pk).likelihood == "G"

    demo.load_assessments()

    assert asylum_table() == EXPECTED
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PUBLISHED
    reopened = round_.events.filter(kind=RoundEvent.Kind.REOPENED).last()
    assert (reopened.reason, reopened.by) == (demo.RESTORE_REASON, unit_lead)
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.AGREED

    before = row_counts()
    demo.load_assessments()
    assert row_counts() == before


def grid_table(rows) -> list[tuple[str, list[str]]]:  # type: ignore[no-untyped-def]
    return [
        (row.priority.title, [code for cell in row.cells for code in (cell or ("",) * 5)])
        for row in rows
    ]


def test_the_home_office_grid_gives_the_seed_table(loaded):
    # An official of the Home Office sees the published rounds only: the three asylum rounds.
    official = User.objects.get(username="official")
    home_office = Priority.objects.get(code="PSA 7").lead_department
    grid = selectors.grid(official, department=home_office, rounds=3)
    assert [r.name for r in grid.rounds] == ROUNDS
    assert [row.depth for row in grid.rows] == [0, 1, 1, 1, 1, 1, 1]
    assert grid_table(grid.rows) == EXPECTED


def test_the_unit_leads_home_office_grid_shows_the_seed_rounds_and_the_open_one(loaded):
    unit_lead = User.objects.get(username="unitlead")
    home_office = Priority.objects.get(code="PSA 7").lead_department
    grid = selectors.grid(unit_lead, department=home_office, rounds=4)
    # The open round covers the Home Office's backlog pledge; the Health rounds, newer than the
    # seed's, cover no Home Office priority, so they do not take a column here.
    assert [r.name for r in grid.rounds] == [*ROUNDS, demo.CURRENT_ROUND[0]]
    table = dict(grid_table(grid.rows))
    assert [(title, table[title][:15]) for title, _ in EXPECTED] == EXPECTED
    assert all(table[title][15:] == [""] * 5 for title, _ in EXPECTED)
    backlog = Priority.objects.get(code="HO-ASY-LEG")
    assert table[backlog.title] == [""] * 20
