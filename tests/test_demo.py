"""The demo loaded by `manage.py load_demo`: idempotent, faithful to the published series it was
taken from, shaped like the seed's PSA 7 assessment table, coherent with its "as at" date (past
eras closed, nothing dated after the data it judges, every date fixed), and giving each role
something to find."""

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
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.html import escape

from assessments.models import Assessment, AssessmentRound
from deliveryunit import access, clock
from deliveryunit import demo as foundation
from deliveryunit.models import Role, User
from priorities import demo, periods, services
from priorities.known_at import figures_known_at
from priorities.models import Actual, ActualStatus, Measure, Priority
from stocktakes import demo as stocktakes_demo
from stocktakes.models import OUTSTANDING, Action, ActionStatus, Forum, Meeting, MeetingStatus

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
        yield media
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


def test_the_demo_september_2003_note_opens_with_an_illustrative_commentary(
    loaded, demo_loaded, settings
):
    import io

    from pypdf import PdfReader

    from deliveryunit.models import GeneratedDocument
    from portfolio.models import NoteCommentary

    commentary = NoteCommentary.objects.get(month=date(2003, 9, 1))
    # A draft, so the demo's unit lead can still change and issue it.
    assert not commentary.is_issued
    assert commentary.text.startswith("Illustrative commentary")
    note = GeneratedDocument.objects.get(kind="pm_note", subject_key="month=2003-09")
    settings.MEDIA_ROOT = demo_loaded  # where the demo wrote its documents
    with note.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Illustrative commentary, written for the demonstration" in text
    assert text.index("Illustrative commentary") < text.index("Headlines")
    call_command("load_demo", stdout=StringIO())
    assert NoteCommentary.objects.get().text == commentary.text


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


# --- the demo as a whole: one coherent moment, something for every role ----------------------

README = Path(settings.BASE_DIR) / "README.md"
JUDGEMENTS = ["challenge", "planning", "capacity", "stage", "likelihood"]


def all_row_counts() -> dict[str, int]:
    # Every model of every app, history tables and generated documents included.
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_loading_the_demo_again_changes_no_row_of_any_model(loaded):
    before = all_row_counts()
    call_command("load_demo", stdout=StringIO())
    assert all_row_counts() == before


def test_the_demo_sets_its_as_at_date_and_every_page_says_so(loaded):
    assert clock.as_at() == clock.today() == foundation.AS_AT == date(2023, 10, 31)
    page = signed_in("minister").get("/").text
    assert "treats 31 October 2023 as today" in page


def test_every_round_is_dated_on_or_after_the_data_it_judges_and_not_after_the_as_at_date(loaded):
    assessments = Assessment.objects.select_related("round", "priority")
    assert assessments.count() > 21
    for round_ in AssessmentRound.objects.all():
        assert round_.date <= foundation.AS_AT, round_
    for assessment in assessments:
        day = assessment.round.date
        # Judged while the priority ran, on the latest figures known at the round's date (a
        # figure counts from its "data as at" date: see priorities/known_at.py).
        assert assessment.priority.start <= day <= assessment.priority.deadline, assessment
        for row in assessment.performance_snapshot:
            measure = assessment.priority.measures.get(name=row["measure"])
            known = figures_known_at([measure], day)[measure.pk]
            latest = known[-1].period if known else None
            assert row["period"] == (latest.isoformat() if latest else None), (assessment, row)
            assert latest is None or latest <= day


def past_era_forums() -> list[Forum]:
    return [f for f in Forum.objects.all() if not f.priorities.filter(active=True).exists()]


def test_past_eras_are_closed_and_nothing_in_them_is_overdue_or_planned(loaded):
    past = past_era_forums()
    assert {f.name for f in past} == {stocktakes_demo.ASYLUM_FORUM, stocktakes_demo.TASK_FORCE}
    today = clock.today()
    for forum in past:
        assert {m.status for m in forum.meetings.all()} == {MeetingStatus.MINUTED}
        for action in Action.objects.filter(meeting__forum=forum):
            assert action.status in (ActionStatus.DONE, ActionStatus.DROPPED), action
            assert not action.is_overdue(today)
            # Closed with an update that says when.
            closing = action.updates.order_by("-at", "-pk").first()
            assert closing.status_to == action.status
            assert str(action.due.year) in closing.note
    # Their priorities ended before the as-at date and are inactive.
    for priority in Priority.objects.filter(active=False):
        assert priority.deadline < today
    assert set(Priority.objects.filter(active=True).values_list("code", flat=True)) == {
        "DH-AE-4H",
        "DH-RTT-18W",
        "HO-ASY-LEG",
    }


def test_the_tracker_shows_only_current_actions_as_overdue(loaded):
    response = signed_in("analyst").get("/stocktakes/actions/", {"status": "overdue"})
    overdue = list(response.context["page"].object_list)
    assert overdue
    assert all(a.due.year == 2023 and a.due < foundation.AS_AT for a in overdue)
    assert response.context["overdue_count"] == len(overdue)


def test_no_meeting_or_round_lies_after_the_as_at_date_unless_it_is_planned(loaded):
    for meeting in Meeting.objects.all():
        if meeting.date > foundation.AS_AT:
            assert meeting.status == MeetingStatus.PLANNED, meeting
        else:
            assert meeting.status == MeetingStatus.MINUTED, meeting
    # Each current forum's next meeting is after the as-at date.
    for forum in Forum.objects.filter(priorities__active=True).distinct():
        assert forum.meetings.filter(date__gt=foundation.AS_AT).exists(), forum


def test_the_health_minister_finds_published_health_judgements_and_a_minuted_stocktake(loaded):
    client = signed_in("minister")
    rounds = client.get(reverse("assessments:round_list")).text

    def listed(name: str) -> bool:
        round_ = AssessmentRound.objects.get(name=name)
        return reverse("assessments:round_detail", args=[round_.pk]) in rounds

    assert listed("December 2022")
    assert listed("June 2023")
    # The open round is the unit's working paper.
    assert not listed("October 2023")
    june = Assessment.objects.get(round__name="June 2023", priority__code="DH-AE-4H")
    page = client.get(reverse("assessments:assessment_detail", args=[june.pk]))
    assert page.status_code == 200
    assert escape(june.narrative) in page.text
    assert escape(june.likelihood_rationale) in page.text
    assert escape(june.key_challenges.first().title) in page.text
    stocktake = Meeting.objects.get(
        forum__name=stocktakes_demo.HEALTH_FORUM, date__lt=date(2023, 9, 1)
    )
    page = client.get(reverse("stocktakes:meeting_detail", args=[stocktake.pk]))
    assert page.status_code == 200
    assert stocktake.minutes.is_issued
    assert stocktake.pack_issues.exists()
    # Nothing of the Home Office's.
    backlog = Meeting.objects.filter(forum__name=stocktakes_demo.BACKLOG_FORUM).first()
    assert client.get(reverse("stocktakes:meeting_detail", args=[backlog.pk])).status_code == 404


def test_the_prime_minister_sees_every_department(loaded):
    pm = User.objects.get(username="pm")
    assert (pm.role, pm.department) == (Role.MINISTER, None)
    client = signed_in("pm")
    listed = client.get(reverse("priorities:list")).text
    for priority in Priority.objects.filter(parent=None):
        assert escape(priority.title) in listed, priority
    assert {p.lead_department.code for p in Priority.objects.all()} == {"HO", "DH", "DfE", "DWP"}
    forums = client.get(reverse("stocktakes:forum_list")).text
    for forum in Forum.objects.all():
        assert escape(forum.name) in forums
    rounds = client.get(reverse("assessments:round_list")).text
    for round_ in AssessmentRound.objects.filter(status="published"):
        assert round_.name in rounds


@pytest.mark.parametrize(
    ("username", "department"), [("official", "HO"), ("official_health", "DH")]
)
def test_each_official_has_data_and_an_action_due_as_at_the_demo_date(loaded, username, department):
    official = User.objects.get(username=username)
    assert official.department.code == department
    today = clock.today()
    # Data due: a measure of a current priority they submit for, two months or more behind.
    submitted = access.importable(Measure.objects.filter(priority__active=True), official)
    cutoff = periods.step(today.replace(day=1), "monthly", -2)
    behind = [m for m in submitted if m.actuals.order_by("-period").first().period < cutoff]
    assert behind, username
    assert all(access.import_kinds(official, m) for m in behind)
    # Actions they own, outstanding, due by the next meeting or already overdue.
    owned = Action.objects.filter(owner_user=official, status__in=OUTSTANDING)
    assert owned.exists()
    assert all(a.due <= date(2023, 11, 14) for a in owned)


def test_illustrative_marking_is_on_every_narrative_and_rationale_written_for_the_demo(loaded):
    from assessments import demo as assessments_demo

    seed_texts = {assessments_demo.NARRATIVES["PSA 7"][2], assessments_demo.N_READ_AS_M}
    seed_texts |= {progress for _, progress in assessments_demo.KEY_CHALLENGES}
    checked = 0
    for assessment in Assessment.objects.all():
        texts = [getattr(assessment, f"{n}_rationale") for n in JUDGEMENTS]
        texts.append(assessment.narrative)
        texts += [c.progress for c in assessment.key_challenges.all()]
        for text in texts:
            if text and text not in seed_texts:
                assert text.endswith(foundation.ILLUSTRATIVE), (assessment, text)
                checked += 1
    assert checked > 100


def test_every_demo_user_is_printed_and_listed_in_the_readme(loaded):
    out = StringIO()
    call_command("load_demo", stdout=out)
    readme = README.read_text()
    for username, *_ in foundation.USERS:
        assert f"  {username} " in out.getvalue()
        assert f"| `{username}` |" in readme
    assert "treats 31 October 2023 as today" in out.getvalue()
