"""The demo portfolio loaded by `manage.py load_demo`: idempotent, faithful to the published
series it was taken from, and shaped like the seed's PSA 7 assessment table."""

import csv
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from priorities import demo, services
from priorities.models import Actual, ActualStatus, Measure, Priority

# With the database tests, so they run before any test that flushes the migrations' rows.
pytestmark = pytest.mark.django_db

SHARED = Path(settings.BASE_DIR).parent / "shared" / "data" / "real"
NO_SHARED = "../shared/data/real is absent (a user's clone has no ../shared; CI has it)"

PSA7_SUB_TARGETS = [
    "Reducing significantly unfounded asylum claims",
    "Fast turnaround of manifestly unfounded cases",
    "By 2004 75% of substantive asylum applications are decided within 2 months",
    "By 2004 a proportion (tba) of substantive asylum applications including final appeal, are "
    "decided within 6 months",
    "Taking high quality decisions",
    "Remove a greater proportion of failed asylum seekers",
]


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Load once for the module (a load takes seconds); each test runs inside a savepoint of
    this transaction, and everything is rolled back after the last one. The documents the
    demo builds are written to a folder of the module's own."""
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        call_command("load_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_loaded, db):
    return None


def row_counts() -> dict[str, int]:
    # Every model of the app, including the history tables django-simple-history registers.
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("priorities").get_models()
    }


def measure(name: str) -> Measure:
    return Measure.objects.get(name=name)


def published_percent(fraction: str) -> Decimal:
    # The demo files hold the published fraction as a percentage to two decimal places.
    return (Decimal(fraction) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_loading_the_demo_again_adds_no_rows_and_no_history(loaded):
    before = row_counts()
    assert all(before[label] > 0 for label in before), before

    call_command("load_demo", stdout=StringIO())

    assert row_counts() == before


def test_loading_again_restores_a_changed_figure_with_one_history_row(loaded):
    actual = Actual.objects.get(measure__name__startswith="A&E", period=date(2023, 9, 1))
    original = actual.value
    services.actual_record(
        measure=actual.measure,
        by=None,
        data=services.ActualData(period=actual.period, value=Decimal("50")),
    )
    before = row_counts()

    demo.load_priorities()

    actual.refresh_from_db()
    assert actual.value == original
    after = row_counts()
    assert after.pop("priorities.HistoricalActual") == before.pop("priorities.HistoricalActual") + 1
    assert after == before


def test_the_demo_has_the_september_2003_note_built_once(loaded):
    from deliveryunit.models import DocumentStatus, GeneratedDocument

    notes = GeneratedDocument.objects.filter(kind="pm_note", subject_key="month=2003-09")
    (note,) = notes
    assert note.status == DocumentStatus.DONE, note.error
    assert note.title == "Note to the Prime Minister, September 2003"
    assert 1 <= note.page_count <= 2
    call_command("load_demo", stdout=StringIO())
    assert notes.count() == 1


def test_asylum_psa_has_the_six_sub_targets_of_the_assessment_table(loaded):
    psa7 = Priority.objects.filter(code__startswith="PSA 7")
    top = Priority.objects.get(code="PSA 7")

    assert psa7.count() == 7
    assert top.title == "Ensure effective asylum process"
    assert top.parent is None
    assert top.lead_department.code == "HO"
    assert [p.title for p in top.children.order_by("code")] == PSA7_SUB_TARGETS
    assert all(child.lead_department_id == top.lead_department_id for child in top.children.all())


@pytest.mark.parametrize(
    ("shared_file", "column", "measure_name", "period"),
    [
        (
            "nhs_england_ae_4hr_monthly_2010-11_to_2023-09.csv",
            "pct_within4h_all",
            "A&E attendances seen within four hours, England (all types)",
            "2023-09",
        ),
        (
            "nhs_england_rtt_incomplete_18wk_monthly_2007-08_to_2022-10.csv",
            "incomplete_pct_within_18wks",
            "Incomplete pathways within 18 weeks, England",
            "2022-10",
        ),
    ],
)
def test_nhs_figures_match_the_published_series(loaded, shared_file, column, measure_name, period):
    path = SHARED / shared_file
    if not path.exists():
        pytest.skip(NO_SHARED)
    with open(path, newline="") as handle:
        published = {row["period"]: row[column] for row in csv.DictReader(handle)}
    stored = measure(measure_name).actuals.all()

    assert len(stored) == len(published)
    by_period = {f"{a.period:%Y-%m}": a for a in stored}
    assert by_period[period].value == published_percent(published[period])
    assert all(by_period[p].value == published_percent(v) for p, v in published.items())


def test_asylum_pledge_was_met_in_september_2003(loaded):
    applications = measure("Asylum applications per month (principal applicants)")
    september = applications.actuals.get(period=date(2003, 9, 1))
    trajectory = applications.trajectories.get()
    points = {p.period: p.value for p in trajectory.points.all()}

    assert applications.priority.code == "PSA 7.1"
    assert applications.direction == "lower"
    assert september.value == 4225
    assert september.status == ActualStatus.PROVISIONAL
    assert points[date(2002, 10, 1)] == 8770
    assert points[date(2003, 9, 1)] == 4385
    assert len(points) == 12
    assert september.value < points[date(2003, 9, 1)]


def test_asylum_figures_are_provisional_where_the_sources_say_so(loaded):
    monthly = measure("Asylum applications per month (principal applicants)")
    quarterly = measure("Asylum applications per quarter (principal applicants)")
    statuses = dict(quarterly.actuals.values_list("period", "status"))

    assert set(monthly.actuals.values_list("status", flat=True)) == {ActualStatus.PROVISIONAL}
    assert statuses[date(1997, 10, 1)] == ActualStatus.FINAL
    assert statuses[date(2001, 1, 1)] == ActualStatus.PROVISIONAL
    assert statuses[date(2003, 7, 1)] == ActualStatus.PROVISIONAL
    assert "later quoted as 12055" in quarterly.actuals.get(period=date(2003, 7, 1)).note
    assert len(statuses) == 27


def test_ae_trajectory_was_re_profiled_for_the_recovery_plan(loaded):
    ae = measure("A&E attendances seen within four hours, England (all types)")
    first, second = ae.trajectories.order_by("number")
    january_2023 = ae.actuals.get(period=date(2023, 1, 1)).value
    recovery = {p.period: p.value for p in second.points.all()}

    assert set(first.points.values_list("value", flat=True)) == {Decimal("95")}
    assert first.reason == ""
    assert second.reason
    assert recovery[date(2023, 1, 1)] == january_2023
    assert recovery[date(2024, 3, 1)] == 76
    assert recovery[date(2025, 3, 1)] == 78
    assert ae.tolerance == 1
    assert ae.priority.milestones.filter(title__contains="95%").exists()


def test_london_schools_figures_are_marked_illustrative(loaded):
    gap = measure("Performance gap of the 60 schools")
    actuals = list(gap.actuals.order_by("period"))
    trajectory = gap.trajectories.get()

    assert gap.source.startswith("Illustrative")
    assert all(a.source.startswith("Illustrative") for a in actuals)
    assert actuals[0].value == Decimal("17.5")
    # "More than halved the gap in 3 years"
    assert actuals[-1].period.year - actuals[0].period.year == 3
    assert actuals[-1].value < actuals[0].value / 2
    assert trajectory.points.order_by("period").last().value == Decimal("8.75")


def test_demo_files_are_in_the_projects_own_format():
    header = ["period", "value", "status", "source", "data_as_at", "note"]
    files = sorted(demo.DATA_DIR.glob("*"))
    shared_names = {p.name for p in SHARED.glob("*")} if SHARED.exists() else set()

    assert files
    for path in files:
        assert path.suffix == ".csv"
        assert path.name not in shared_names
        with open(path, newline="") as handle:
            assert next(csv.reader(handle)) == header
