"""The actuals entry grid: one period saved at a time, as a page post or an htmx row swap."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from deliveryunit.editing import VERSION_MISSING
from priorities import periods
from priorities.forms import NOT_A_NUMBER, NUMBER_TOO_PRECISE
from priorities.models import Actual
from priorities.views_edit import CELL_CONFLICT, CELL_CONFLICT_DELETED, DELETED_CELL, SAVED_CELL

from .factories import ActualFactory, MeasureFactory, UserFactory, add_trajectory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def measure(world):
    measure = MeasureFactory(
        priority__lead_department=world.own,
        priority__start=date(2023, 1, 1),
        priority__deadline=date(2023, 12, 31),
        target_date=date(2023, 12, 1),
        frequency="monthly",
    )
    add_trajectory(measure, [(date(2023, m, 1), 90 + m) for m in range(1, 7)])
    ActualFactory(measure=measure, period=date(2023, 1, 1), value=Decimal("90.5"), source="ONS")
    return measure


def grid_url(measure) -> str:
    return reverse("priorities:actuals_grid", args=[measure.pk])


def cell_url(measure, label: str) -> str:
    return reverse("priorities:actual_cell", args=[measure.pk, label])


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_grid_lists_periods_newest_first_with_the_plan(world, measure):
    response = logged_in(world.users["analyst"]).get(grid_url(measure))

    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    rows = response.context["rows"]
    # From the first planned or actual period to the deadline (which is in the past).
    assert [row.label for row in rows] == [f"2023-{m:02d}" for m in range(12, 0, -1)]
    january = rows[-1]
    assert (january.planned, january.value, january.version) == ("91", "90.5", 1)
    assert rows[0].planned == ""
    assert rows[0].version == 0
    assert response.text.count('hx-post="/priorities/measures/') == 12
    assert 'form="cell-2023-03"' in response.text


def test_saving_a_cell_without_javascript_redirects_back_to_the_grid(world, measure):
    analyst = world.users["analyst"]
    response = logged_in(analyst).post(
        cell_url(measure, "2023-03"),
        {"value": "93.25", "status": "provisional", "note": "Early figure", "version": "0"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"{grid_url(measure)}#row-2023-03"
    actual = Actual.objects.get(measure=measure, period=date(2023, 3, 1))
    assert (actual.value, actual.status, actual.note) == (
        Decimal("93.25"),
        "provisional",
        "Early figure",
    )
    assert actual.history.first().history_user == analyst


def test_saving_a_cell_with_htmx_returns_only_that_row(world, measure):
    response = logged_in(world.users["analyst"]).post(
        cell_url(measure, "2023-03"), {"value": "1,093", "status": "final", "version": "0"}, **HTMX
    )

    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    html = response.text
    assert "<html" not in html
    assert "<table" not in html
    assert html.strip().startswith('<tr class="govuk-table__row" id="row-2023-03"')
    assert html.count("<tr") == 1
    assert 'role="status"' in html
    assert SAVED_CELL.format(period="2023-03") in html
    # The row now carries the new version, ready for the next edit.
    assert 'name="version" value="1"' in html
    assert 'value="1093"' in html
    assert Actual.objects.get(measure=measure, period=date(2023, 3, 1)).value == Decimal("1093")


def test_revising_a_cell_keeps_its_source_and_counts_a_version(world, measure):
    client = logged_in(world.users["analyst"])
    response = client.post(
        cell_url(measure, "2023-01"), {"value": "90.7", "status": "final", "version": "1"}, **HTMX
    )
    assert response.status_code == 200
    actual = Actual.objects.get(measure=measure, period=date(2023, 1, 1))
    assert (actual.value, actual.version, actual.source) == (Decimal("90.7"), 2, "ONS")
    assert actual.history.first().prev_record.value == Decimal("90.5")


@pytest.mark.parametrize(
    ("typed", "message"),
    [("ninety", NOT_A_NUMBER), ("1e400", NUMBER_TOO_PRECISE), ("1.23456", NUMBER_TOO_PRECISE)],
)
def test_non_numeric_value_is_shown_in_the_row_and_nothing_is_written(
    world, measure, typed, message
):
    client = logged_in(world.users["analyst"])
    response = client.post(
        cell_url(measure, "2023-02"), {"value": typed, "status": "final", "version": "0"}, **HTMX
    )

    assert response.status_code == 422
    assert message in response.text
    assert f'value="{typed}"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert not Actual.objects.filter(period=date(2023, 2, 1)).exists()

    page = client.post(
        cell_url(measure, "2023-02"), {"value": typed, "status": "final", "version": "0"}
    )
    assert page.status_code == 422
    assert "There is a problem" in page.text
    assert 'href="#value-2023-02"' in page.text
    assert not Actual.objects.filter(period=date(2023, 2, 1)).exists()


def test_two_people_saving_one_cell_get_a_conflict_not_an_overwrite(world, measure):
    first = logged_in(world.users["analyst"])
    second = logged_in(UserFactory(username="colleague", role="analyst"))
    url = cell_url(measure, "2023-01")
    # Both saw version 1 (90.5).
    saved = first.post(url, {"value": "91", "status": "final", "version": "1"}, **HTMX)
    assert saved.status_code == 200

    response = second.post(
        url, {"value": "92", "status": "final", "note": "<b>mine</b>", "version": "1"}, **HTMX
    )

    assert response.status_code == 409
    assert escape(CELL_CONFLICT) in response.text
    assert "Saved now: <strong>91</strong>" in response.text
    assert 'value="92"' in response.text
    assert "&lt;b&gt;mine&lt;/b&gt;" in response.text
    assert 'name="version" value="2"' in response.text
    assert Actual.objects.get(measure=measure, period=date(2023, 1, 1)).value == Decimal("91")

    again = second.post(url, {"value": "92", "status": "final", "version": "2"}, **HTMX)
    assert again.status_code == 200
    assert Actual.objects.get(measure=measure, period=date(2023, 1, 1)).value == Decimal("92")


def test_a_cell_filled_in_by_someone_else_meanwhile_is_a_conflict(world, measure):
    url = cell_url(measure, "2023-04")
    logged_in(world.users["official"]).post(url, {"value": "80", "status": "final", "version": "0"})

    response = logged_in(world.users["analyst"]).post(
        url, {"value": "81", "status": "final", "version": "0"}
    )

    assert response.status_code == 409
    assert escape(CELL_CONFLICT) in response.text
    assert Actual.objects.get(measure=measure, period=date(2023, 4, 1)).value == Decimal("80")


def test_clearing_a_value_deletes_it_and_history_keeps_it(world, measure):
    analyst = world.users["analyst"]
    response = logged_in(analyst).post(
        cell_url(measure, "2023-01"), {"value": "", "status": "final", "version": "1"}, **HTMX
    )

    assert response.status_code == 200
    assert DELETED_CELL.format(period="2023-01") in response.text
    assert 'name="version" value="0"' in response.text
    assert not Actual.objects.filter(measure=measure).exists()
    deleted = Actual.history.filter(history_type="-").get()
    assert (deleted.value, deleted.history_user) == (Decimal("90.5"), analyst)


def test_clearing_a_value_someone_else_revised_is_a_conflict(world, measure):
    url = cell_url(measure, "2023-01")
    logged_in(world.users["unit_lead"]).post(
        url, {"value": "95", "status": "final", "version": "1"}
    )

    response = logged_in(world.users["analyst"]).post(
        url, {"value": "", "status": "final", "version": "1"}, **HTMX
    )

    assert response.status_code == 409
    assert Actual.objects.get(measure=measure).value == Decimal("95")


def test_a_value_deleted_by_someone_else_can_be_put_back(world, measure):
    url = cell_url(measure, "2023-01")
    Actual.objects.filter(measure=measure).delete()

    response = logged_in(world.users["analyst"]).post(
        url, {"value": "90.6", "status": "final", "version": "1"}, **HTMX
    )
    assert response.status_code == 409
    assert escape(CELL_CONFLICT_DELETED) in response.text
    assert 'name="version" value="0"' in response.text

    again = logged_in(world.users["analyst"]).post(
        url, {"value": "90.6", "status": "final", "version": "0"}, **HTMX
    )
    assert again.status_code == 200
    assert Actual.objects.get(measure=measure).value == Decimal("90.6")


def test_a_period_that_is_not_one_of_the_measure_is_not_found(world, measure):
    client = logged_in(world.users["analyst"])
    for label in ("2023-13", "2023-Q1", "2023", "nonsense"):
        response = client.post(cell_url(measure, label), {"value": "1", "status": "final"})
        assert response.status_code == 404, label
    assert Actual.objects.count() == 1


# --- who may enter data -------------------------------------------------------------------


def test_official_of_the_lead_department_saves_a_cell(world, measure):
    official = world.users["official"]
    client = logged_in(official)
    assert client.get(grid_url(measure)).status_code == 200
    response = client.post(
        cell_url(measure, "2023-05"), {"value": "88", "status": "final", "version": "0"}, **HTMX
    )
    assert response.status_code == 200
    actual = Actual.objects.get(measure=measure, period=date(2023, 5, 1))
    assert actual.history.first().history_user == official


def test_official_of_another_department_gets_not_found(world):
    theirs = MeasureFactory(priority__lead_department=world.other)
    client = logged_in(world.users["official"])
    assert client.get(grid_url(theirs)).status_code == 404
    response = client.post(cell_url(theirs, "2023-05"), {"value": "1", "status": "final"}, **HTMX)
    assert response.status_code == 404
    assert not Actual.objects.exists()


def test_official_in_the_delivery_chain_sees_but_may_not_enter_data(world):
    theirs = MeasureFactory(priority__lead_department=world.other)
    theirs.priority.delivery_chain.add(world.own)
    client = logged_in(world.users["official"])
    assert client.get(grid_url(theirs)).status_code == 403
    assert client.post(cell_url(theirs, "2023-05"), {"value": "1"}).status_code == 403
    assert not Actual.objects.exists()


@pytest.mark.parametrize("user", ["minister", "minister_all"])
def test_ministers_may_not_enter_data(world, measure, user):
    client = logged_in(world.users[user])
    assert client.get(grid_url(measure)).status_code == 403
    response = client.post(cell_url(measure, "2023-05"), {"value": "1", "status": "final"})
    assert response.status_code == 403
    assert Actual.objects.count() == 1


def test_htmx_post_without_the_csrf_token_is_refused(world, measure):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["analyst"])
    data = {"value": "70", "status": "final", "version": "0"}

    refused = client.post(cell_url(measure, "2023-06"), data, **HTMX)
    assert refused.status_code == 403
    assert not Actual.objects.filter(period=date(2023, 6, 1)).exists()

    # The page puts the token in hx-headers on <body>; sent back as X-CSRFToken it is accepted.
    page = client.get(grid_url(measure))
    token = str(page.context["csrf_token"])
    assert f'hx-headers=\'{{"X-CSRFToken": "{token}"}}\'' in page.text
    accepted = client.post(cell_url(measure, "2023-06"), data, HTTP_X_CSRFTOKEN=token, **HTMX)
    assert accepted.status_code == 200
    assert Actual.objects.filter(period=date(2023, 6, 1)).exists()


# --- speed --------------------------------------------------------------------------------


def _measure_with_actuals(world, count: int):
    start = date(2024, 12, 1)
    measure = MeasureFactory(
        priority__lead_department=world.own,
        priority__start=periods.step(start, "monthly", -(count - 1)),
        priority__deadline=date(2024, 12, 31),
        target_date=date(2024, 12, 1),
    )
    days = [periods.step(start, "monthly", -i) for i in range(count)]
    Actual.objects.bulk_create(
        Actual(measure=measure, period=day, value=Decimal(i % 100)) for i, day in enumerate(days)
    )
    add_trajectory(measure, [(day, 50) for day in days[:24]])
    return measure


def test_grid_runs_the_same_number_of_queries_for_50_or_5000_actuals(world):
    client = logged_in(world.users["analyst"])
    counts = []
    for count in (50, 5000):
        measure = _measure_with_actuals(world, count)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(grid_url(measure))
        assert response.status_code == 200
        assert len(response.context["rows"]) == count
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 10


def test_a_cell_posted_without_its_version_is_refused_and_writes_nothing(world, measure):
    client = logged_in(world.users["analyst"])
    # Stored (January) and empty (March) rows alike: without the version the post cannot say
    # what it replaces.
    for label in ("2023-01", "2023-03"):
        response = client.post(cell_url(measure, label), {"value": "1", "status": "final"}, **HTMX)
        assert response.status_code == 422
        assert VERSION_MISSING in response.text
    assert Actual.objects.get(measure=measure, period=date(2023, 1, 1)).value == Decimal("90.5")
    assert not Actual.objects.filter(measure=measure, period=date(2023, 3, 1)).exists()
