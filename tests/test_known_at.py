"""Figures as they were known: a snapshot as at a date shows each actual as it was reported by
then, leaves out what was first reported later, and reads it all in a fixed number of
queries. The stocktake pack is the snapshot users see most."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from deliveryunit.models import DocumentStatus
from priorities import services as priority_services
from priorities.known_at import period_end
from priorities.models import Actual, Frequency, IndicatorType, Priority
from priorities.selectors import measure_series_for_priorities, with_measure_data
from stocktakes import services
from stocktakes.models import ForumKind

from .factories import ActualFactory, MeasureFactory, PriorityFactory, add_trajectory

pytestmark = pytest.mark.django_db


def record(measure, period, value, data_as_at, by=None):
    priority_services.actual_record(
        measure=measure,
        by=by,
        data=priority_services.ActualData(
            period=period, value=Decimal(value), data_as_at=data_as_at
        ),
    )


def known(measure, day):
    series = measure_series_for_priorities([measure.priority], known_at=day)[measure.pk]
    return {a.period: a.value for a in series.actuals}


@pytest.fixture
def quarterly(world):
    priority = PriorityFactory(code="PSA 7", lead_department=world.own)
    return MeasureFactory(priority=priority, frequency=Frequency.QUARTERLY, name="Applications")


def test_a_figure_first_reported_after_the_date_is_left_out(quarterly):
    record(quarterly, date(2003, 1, 1), 16000, date(2003, 5, 1))
    record(quarterly, date(2003, 4, 1), 10585, date(2003, 8, 1))
    assert known(quarterly, date(2003, 5, 20)) == {date(2003, 1, 1): 16000.0}
    assert known(quarterly, date(2003, 8, 1)) == {
        date(2003, 1, 1): 16000.0,
        date(2003, 4, 1): 10585.0,
    }


def test_a_revised_figure_shows_as_it_was_reported_on_the_date(quarterly):
    record(quarterly, date(2002, 4, 1), 20400, date(2003, 1, 20))
    record(quarterly, date(2002, 4, 1), 20090, date(2003, 8, 1))  # the revision
    assert known(quarterly, date(2003, 5, 20)) == {date(2002, 4, 1): 20400.0}
    assert known(quarterly, date(2003, 9, 1)) == {date(2002, 4, 1): 20090.0}
    # The live figure, for the pages, is the revision.
    assert Actual.objects.get(measure=quarterly).value == 20090
    # Before it was first reported, there was nothing.
    assert known(quarterly, date(2003, 1, 19)) == {}


def test_a_correction_of_the_same_release_replaces_what_it_corrects(quarterly):
    record(quarterly, date(2002, 4, 1), 20400, date(2003, 1, 20))
    record(quarterly, date(2002, 4, 1), 20440, date(2003, 1, 20))  # a typing error put right
    assert known(quarterly, date(2003, 5, 20)) == {date(2002, 4, 1): 20440.0}


def test_without_a_data_as_at_date_a_figure_is_known_from_the_end_of_its_period(quarterly):
    ActualFactory(measure=quarterly, period=date(2003, 4, 1), value=10)
    assert period_end(date(2003, 4, 1), Frequency.QUARTERLY) == date(2003, 6, 30)
    assert known(quarterly, date(2003, 6, 29)) == {}
    assert known(quarterly, date(2003, 6, 30)) == {date(2003, 4, 1): 10.0}
    assert period_end(date(2003, 12, 1), Frequency.MONTHLY) == date(2003, 12, 31)
    assert period_end(date(2004, 1, 1), Frequency.ANNUAL) == date(2004, 12, 31)


def test_a_figure_deleted_after_the_date_was_still_known_on_it(quarterly, freezer_day):
    freezer_day(date(2003, 5, 2))
    record(quarterly, date(2003, 1, 1), 16000, date(2003, 5, 1))
    freezer_day(date(2003, 9, 1))
    Actual.objects.get(measure=quarterly).delete()
    assert known(quarterly, date(2003, 5, 20)) == {date(2003, 1, 1): 16000.0}
    assert known(quarterly, date(2003, 10, 1)) == {}


def test_figures_written_without_history_are_taken_as_they_stand(quarterly):
    Actual.objects.bulk_create(
        [
            Actual(
                measure=quarterly, period=date(2003, 1, 1), value=1, data_as_at=date(2003, 5, 1)
            ),
            Actual(
                measure=quarterly, period=date(2003, 4, 1), value=2, data_as_at=date(2003, 8, 1)
            ),
        ]
    )
    assert not Actual.history.exists()
    assert known(quarterly, date(2003, 5, 20)) == {date(2003, 1, 1): 1.0}


def test_trajectories_agreed_after_the_date_are_left_out(quarterly):
    add_trajectory(quarterly, [(date(2003, 1, 1), 100)], agreed_on=date(2002, 12, 1))
    add_trajectory(
        quarterly, [(date(2003, 1, 1), 90)], agreed_on=date(2003, 6, 1), reason="Re-profiled"
    )
    series = measure_series_for_priorities([quarterly.priority], known_at=date(2003, 5, 20))
    (trajectory,) = series[quarterly.pk].trajectories
    assert trajectory.agreed_on == date(2002, 12, 1)
    assert trajectory.is_current
    assert series[quarterly.pk].current_trajectory is trajectory


def test_known_at_reads_a_fixed_number_of_queries(world, django_assert_num_queries):
    def portfolio(count):
        for n in range(count):
            priority = PriorityFactory(code=f"Q{count}-{n}", lead_department=world.own)
            measure = MeasureFactory(priority=priority)
            for month in (1, 2, 3):
                record(measure, date(2003, month, 1), month, date(2003, month + 1, 1))
                record(measure, date(2003, month, 1), month + 10, date(2003, month + 5, 1))

    def queries(codes):
        priorities = list(with_measure_data(Priority.objects.filter(code__startswith=codes)))
        # The current actuals and their history, one query each, whatever the count (these
        # measures have no trajectory, so there are no points to read).
        with django_assert_num_queries(2):
            series = measure_series_for_priorities(priorities, known_at=date(2003, 6, 1))
        return series

    portfolio(2)
    portfolio(8)
    assert len(queries("Q2-")) == 2
    series = queries("Q8-")
    assert len(series) == 8
    assert [a.value for a in next(iter(series.values())).actuals] == [11.0, 2.0, 3.0]


@pytest.fixture
def freezer_day(monkeypatch):
    """Records made after this call carry this day as their history date."""

    def freeze(day):
        moment = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 12))
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


# --- the stocktake pack, built through the pipeline ------------------------------------------


def _pdf_text(document) -> str:
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_pack_shows_the_figures_as_reported_by_its_meeting_date(
    world, django_capture_on_commit_callbacks
):
    analyst = world.users["analyst"]
    priority = PriorityFactory(code="PSA 7", title="Fewer asylum claims", lead_department=world.own)
    measure = MeasureFactory(
        priority=priority,
        name="Applications per quarter",
        unit="applications",
        frequency=Frequency.QUARTERLY,
        indicator_type=IndicatorType.LEAD,
    )
    add_trajectory(measure, [(date(2002, 1, 1), 25000), (date(2003, 10, 1), 10000)])
    record(measure, date(2002, 4, 1), 20400, date(2003, 1, 20))
    record(measure, date(2003, 1, 1), 16000, date(2003, 5, 1))
    # After the meeting: a revision of the 2002 figure, and the next quarter's first figure.
    record(measure, date(2002, 4, 1), 20090, date(2003, 8, 1))
    record(measure, date(2003, 4, 1), 10585, date(2003, 8, 1))
    forum = services.forum_create(
        by=analyst,
        name="Asylum stocktake",
        kind=ForumKind.STOCKTAKE,
        chair="Prime Minister",
        cycle_weeks=6,
        priorities=[priority],
    )
    meeting = services.meeting_schedule(forum=forum, by=analyst, date=date(2003, 5, 20))
    services.agenda_item_add(meeting=meeting, by=analyst, title="Intake", lead="Home Secretary")
    with django_capture_on_commit_callbacks(execute=True):
        issue = services.pack_issue(meeting=meeting, by=analyst, expected_version=None)
    issue.document.refresh_from_db()
    assert issue.document.status == DocumentStatus.DONE, issue.document.error

    # What the meeting saw, frozen in the issue: the latest figure then was 2003 Q1.
    (row,) = issue.contents["indicators"]
    assert (row["latest_period"], row["latest"]) == ("2003-Q1", 16000.0)
    text = _pdf_text(issue.document)
    # The annex: 2002 Q2 as first reported, and no 2003 Q2 at all.
    assert "2002-Q2" in text
    assert "20,400 applications" in text
    assert "20,090" not in text
    assert "2003-Q2" not in text
    assert "10,585" not in text
