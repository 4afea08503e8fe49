"""The forms that create and edit priorities, measures, trajectories and milestones."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from deliveryunit.editing import CONFLICT_MESSAGE, NOT_SET, VERSION_MISSING
from priorities import services
from priorities.forms import (
    DEADLINE_BEFORE_START,
    NO_POINTS,
    NOT_A_NUMBER,
    PERIOD_RANGE_BACKWARDS,
)
from priorities.models import (
    Measure,
    Milestone,
    MilestoneStatus,
    Priority,
    Trajectory,
    TrajectoryPoint,
)

from .factories import (
    MeasureFactory,
    MilestoneFactory,
    PriorityFactory,
    UserFactory,
    add_trajectory,
)

pytestmark = pytest.mark.django_db


def detail(pk: int) -> str:
    return f"/priorities/{pk}/"


def priority_data(priority: Priority, **changes) -> dict:
    data = {
        "code": priority.code,
        "title": priority.title,
        "target_statement": priority.target_statement,
        "lead_department": priority.lead_department_id,
        "delivery_chain": [d.pk for d in priority.delivery_chain.all()],
        "parent": priority.parent_id or "",
        "senior_responsible_owner": priority.senior_responsible_owner,
        "minister": priority.minister,
        "kind": priority.kind,
        "start": priority.start.isoformat() if priority.start else "",
        "deadline": priority.deadline.isoformat() if priority.deadline else "",
        "version": priority.version,
    }
    if priority.active:
        data["active"] = "on"
    data.update(changes)
    return data


def measure_data(measure: Measure, **changes) -> dict:
    data = {
        "name": measure.name,
        "unit": measure.unit,
        "direction": measure.direction,
        "frequency": measure.frequency,
        "indicator_type": measure.indicator_type,
        "source": measure.source,
        "target_value": str(measure.target_value or ""),
        "target_date": measure.target_date.isoformat() if measure.target_date else "",
        "tolerance": str(measure.tolerance),
        "version": measure.version,
    }
    data.update(changes)
    return data


def milestone_data(milestone: Milestone, **changes) -> dict:
    data = {
        "title": milestone.title,
        "due": milestone.due.isoformat(),
        "owner": milestone.owner,
        "status": milestone.status,
        "version": milestone.version,
    }
    data.update(changes)
    return data


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def second_analyst(world):
    return UserFactory(username="analyst2", first_name="Sam", last_name="Second", role="analyst")


def client_for(user) -> Client:
    other = Client()
    other.force_login(user)
    return other


# --- priorities ---------------------------------------------------------------------------


def test_analyst_creates_a_priority_through_the_form(analyst_client, analyst, world):
    response = analyst_client.get(reverse("priorities:create"))
    assert response.status_code == 200
    assert 'aria-describedby="id_target_statement-hint"' in response.text
    # The delivery chain is a set of checkboxes, the kind of priority a select.
    assert f'type="checkbox" value="{world.other.pk}"' in response.text
    assert 'class="govuk-checkboxes__input" id="id_delivery_chain_0"' in response.text
    assert '<select name="kind" class="govuk-select"' in response.text

    response = analyst_client.post(
        reverse("priorities:create"),
        {
            "code": "PSA 7",
            "title": "Reduce asylum applications",
            "target_statement": "Halve the monthly number of asylum applications.",
            "lead_department": world.own.pk,
            "delivery_chain": [world.other.pk],
            "parent": "",
            "kind": "psa",
            "start": "2002-10-01",
            "deadline": "2003-09-30",
            "active": "on",
            "version": "",
        },
    )
    priority = Priority.objects.get(code="PSA 7")
    assert response.status_code == 302
    assert response["Location"] == detail(priority.pk)
    assert priority.lead_department == world.own
    assert list(priority.delivery_chain.all()) == [world.other]
    assert priority.deadline == date(2003, 9, 30)
    assert priority.history.first().history_user == analyst


def test_priority_form_errors_are_explained_and_nothing_is_written(analyst_client, world):
    response = analyst_client.post(
        reverse("priorities:create"),
        {
            "code": "PSA 8",
            "title": "",
            "lead_department": world.own.pk,
            "kind": "psa",
            "start": "2003-01-01",
            "deadline": "2002-01-01",
        },
    )
    assert response.status_code == 422
    assert not Priority.objects.exists()
    assert "There is a problem" in response.text
    assert DEADLINE_BEFORE_START in response.text
    assert 'href="#id_title"' in response.text
    assert 'href="#id_deadline"' in response.text
    assert "govuk-input--error" in response.text
    # What was typed stays in the form.
    assert 'value="PSA 8"' in response.text


def test_parent_choices_leave_out_the_priority_and_its_sub_targets(analyst_client, world):
    top = PriorityFactory(lead_department=world.own, code="TOP")
    child = PriorityFactory(lead_department=world.own, code="CHILD", parent=top)
    PriorityFactory(lead_department=world.own, code="GRANDCHILD", parent=child)
    PriorityFactory(lead_department=world.own, code="UNRELATED")

    form = analyst_client.get(reverse("priorities:edit", args=[top.pk])).context["form"]

    assert [p.code for p in form.fields["parent"].queryset] == ["UNRELATED"]
    grandchild = Priority.objects.get(code="GRANDCHILD")
    response = analyst_client.post(
        reverse("priorities:edit", args=[top.pk]), priority_data(top, parent=grandchild.pk)
    )
    assert response.status_code == 422
    top.refresh_from_db()
    assert top.parent is None
    assert top.version == 1


def test_editing_a_priority_saves_through_the_service_with_history(analyst_client, analyst, world):
    priority = PriorityFactory(lead_department=world.own, title="Old title")
    response = analyst_client.post(
        reverse("priorities:edit", args=[priority.pk]),
        priority_data(priority, title="New title", active=""),
    )
    assert response.status_code == 302
    assert response["Location"] == detail(priority.pk)
    priority.refresh_from_db()
    assert (priority.title, priority.active, priority.version) == ("New title", False, 2)
    latest = priority.history.first()
    assert latest.history_user == analyst
    assert latest.prev_record.title == "Old title"


def test_second_of_two_concurrent_priority_edits_gets_a_conflict(
    analyst_client, world, second_analyst
):
    priority = PriorityFactory(lead_department=world.own, title="Original", minister="Minister A")
    url = reverse("priorities:edit", args=[priority.pk])
    second = client_for(second_analyst)
    # Both open the form at version 1.
    assert analyst_client.get(url).status_code == 200
    assert second.get(url).status_code == 200

    first = analyst_client.post(url, priority_data(priority, title="First's title"))
    assert first.status_code == 302

    theirs = priority_data(priority, title="Second's <b>title</b>", minister="Minister B")
    response = second.post(url, theirs)

    assert response.status_code == 409
    assert CONFLICT_MESSAGE in response.text
    priority.refresh_from_db()
    assert priority.title == "First's title"
    assert priority.minister == "Minister A"
    assert priority.version == 2
    conflict = response.context["conflict"]
    rows = {row.label: row for row in conflict.rows}
    assert (rows["Title"].theirs, rows["Title"].yours) == ("First's title", "Second's <b>title</b>")
    assert rows["Title"].differs
    assert rows["Responsible minister"].differs
    assert not rows["Code"].differs
    assert conflict.saved_by == str(priority.history.first().history_user)
    # Typed text is kept (escaped) in the form, and the hidden version moved on.
    assert "Second&#x27;s &lt;b&gt;title&lt;/b&gt;" in response.text
    assert "<b>title</b>" not in response.text
    assert 'name="version" value="2"' in response.text

    again = second.post(url, {**theirs, "version": 2})
    assert again.status_code == 302
    priority.refresh_from_db()
    assert (priority.title, priority.minister, priority.version) == (
        "Second's <b>title</b>",
        "Minister B",
        3,
    )


# --- measures -----------------------------------------------------------------------------


def test_analyst_adds_a_measure_to_a_priority(analyst_client, analyst, world):
    priority = PriorityFactory(lead_department=world.own)
    response = analyst_client.post(
        reverse("priorities:measure_create", args=[priority.pk]),
        {
            "name": "Monthly asylum applications",
            "unit": "applications",
            "direction": "lower",
            "frequency": "monthly",
            "indicator_type": "outcome",
            "source": "Home Office asylum statistics",
            "target_value": "4,385",
            "target_date": "2003-09-01",
            "tolerance": "200",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == detail(priority.pk)
    measure = priority.measures.get()
    assert measure.target_value == Decimal("4385")
    assert measure.direction == "lower"
    assert measure.history.first().history_user == analyst


def test_measure_form_rejects_a_non_numeric_target(analyst_client, world):
    priority = PriorityFactory(lead_department=world.own)
    response = analyst_client.post(
        reverse("priorities:measure_create", args=[priority.pk]),
        {
            "name": "Waiting times",
            "unit": "%",
            "frequency": "monthly",
            "indicator_type": "outcome",
            "target_value": "ninety",
            "tolerance": "1",
        },
    )
    assert response.status_code == 422
    assert NOT_A_NUMBER in response.text
    assert 'href="#id_target_value"' in response.text
    assert not Measure.objects.exists()
    # Radios: the summary links to their first option.
    assert 'href="#id_direction_0"' in response.text
    assert 'id="id_direction_0"' in response.text
    assert response.context["form"].errors.keys() == {"target_value", "direction"}


def test_measure_form_shows_stored_numbers_as_typed(analyst_client, world):
    measure = MeasureFactory(priority__lead_department=world.own, target_value=Decimal("95"))
    response = analyst_client.get(reverse("priorities:measure_edit", args=[measure.pk]))
    assert 'name="target_value" value="95"' in response.text
    assert "95.0000" not in response.text


def test_measure_frequency_cannot_change_once_it_has_data(analyst_client, world):
    measure = MeasureFactory(priority__lead_department=world.own, frequency="monthly")
    add_trajectory(measure, [(date(2023, 1, 1), 90)])
    response = analyst_client.post(
        reverse("priorities:measure_edit", args=[measure.pk]),
        measure_data(measure, frequency="quarterly"),
    )
    assert response.status_code == 422
    assert "The frequency cannot change once the measure has data." in response.text
    measure.refresh_from_db()
    assert (measure.frequency, measure.version) == ("monthly", 1)


def test_concurrent_measure_edits_conflict_then_overwrite_on_purpose(
    analyst_client, world, second_analyst
):
    measure = MeasureFactory(priority__lead_department=world.own, tolerance=Decimal("1"))
    url = reverse("priorities:measure_edit", args=[measure.pk])
    second = client_for(second_analyst)

    assert analyst_client.post(url, measure_data(measure, tolerance="2")).status_code == 302
    response = second.post(url, measure_data(measure, tolerance="3", unit="percent"))

    assert response.status_code == 409
    rows = {row.label: row for row in response.context["conflict"].rows}
    assert (rows["Tolerance"].theirs, rows["Tolerance"].yours) == ("2", "3")
    assert (rows["Unit"].theirs, rows["Unit"].yours) == ("%", "percent")
    assert rows["Target date"].theirs == "1 December 2024"
    measure.refresh_from_db()
    assert (measure.tolerance, measure.unit) == (Decimal("2"), "%")

    again = second.post(url, measure_data(measure, tolerance="3", unit="percent", version=2))
    assert again.status_code == 302
    measure.refresh_from_db()
    assert (measure.tolerance, measure.unit, measure.version) == (Decimal("3"), "percent", 3)


# --- milestones ---------------------------------------------------------------------------


def test_analyst_adds_and_edits_a_milestone(analyst_client, analyst, world):
    priority = PriorityFactory(lead_department=world.own)
    response = analyst_client.post(
        reverse("priorities:milestone_create", args=[priority.pk]),
        {"title": "New removals centre open", "due": "2003-03-31", "owner": "IND", "status": ""},
    )
    # The status is a required choice.
    assert response.status_code == 422
    assert not Milestone.objects.exists()

    response = analyst_client.post(
        reverse("priorities:milestone_create", args=[priority.pk]),
        {
            "title": "New removals centre open",
            "due": "2003-03-31",
            "owner": "IND",
            "status": "planned",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == detail(priority.pk)
    milestone = priority.milestones.get()
    assert milestone.history.first().history_user == analyst

    response = analyst_client.post(
        reverse("priorities:milestone_edit", args=[milestone.pk]),
        milestone_data(milestone, status=MilestoneStatus.ACHIEVED),
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.status, milestone.version) == ("achieved", 2)


def test_concurrent_milestone_edits_conflict(analyst_client, world, second_analyst):
    milestone = MilestoneFactory(priority__lead_department=world.own, owner="")
    url = reverse("priorities:milestone_edit", args=[milestone.pk])
    second = client_for(second_analyst)

    assert analyst_client.post(url, milestone_data(milestone, owner="Team A")).status_code == 302
    response = second.post(url, milestone_data(milestone, status="missed"))

    assert response.status_code == 409
    rows = {row.label: row for row in response.context["conflict"].rows}
    assert (rows["Owner"].theirs, rows["Owner"].yours) == ("Team A", NOT_SET)
    assert (rows["Status"].theirs, rows["Status"].yours) == ("Planned", "Missed")
    milestone.refresh_from_db()
    assert (milestone.owner, milestone.status) == ("Team A", "planned")


# --- trajectories -------------------------------------------------------------------------


def trajectory_post(**values) -> dict:
    data = {"label": "Agreed plan", "agreed_on": "2003-01-15", "reason": "", "version": "0"}
    data.update(values)
    return data


@pytest.fixture
def quarterly_measure(world):
    return MeasureFactory(
        priority__lead_department=world.own,
        priority__start=date(2003, 1, 1),
        priority__deadline=date(2003, 12, 31),
        frequency="quarterly",
        target_date=date(2003, 12, 1),
    )


def test_point_grid_runs_from_priority_start_to_deadline(analyst_client, quarterly_measure):
    response = analyst_client.get(
        reverse("priorities:trajectory_create", args=[quarterly_measure.pk])
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert [row.label for row in form.rows] == ["2003-Q1", "2003-Q2", "2003-Q3", "2003-Q4"]
    assert "This measure has no trajectory yet." in response.text


def test_first_trajectory_is_saved_skipping_blank_rows(analyst_client, analyst, quarterly_measure):
    url = reverse("priorities:trajectory_create", args=[quarterly_measure.pk])
    response = analyst_client.post(
        url,
        trajectory_post(
            first="2003-Q1",
            last="2003-Q4",
            **{"point-2003-Q1": "100", "point-2003-Q2": "", "point-2003-Q4": "92.5"},
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == detail(quarterly_measure.priority_id)
    trajectory = quarterly_measure.trajectories.get()
    assert (trajectory.number, trajectory.created_by) == (1, analyst)
    assert [(p.period, p.value) for p in trajectory.points.all()] == [
        (date(2003, 1, 1), Decimal("100")),
        (date(2003, 10, 1), Decimal("92.5")),
    ]
    assert trajectory.history.first().history_user == analyst


def test_trajectory_with_a_bad_cell_writes_nothing(analyst_client, quarterly_measure):
    url = reverse("priorities:trajectory_create", args=[quarterly_measure.pk])
    response = analyst_client.post(
        url,
        trajectory_post(
            first="2003-Q1", last="2003-Q4", **{"point-2003-Q1": "100", "point-2003-Q2": "lots"}
        ),
    )
    assert response.status_code == 422
    assert NOT_A_NUMBER in response.text
    assert 'href="#point-2003-Q2"' in response.text
    assert 'value="lots"' in response.text
    assert not Trajectory.objects.exists()

    empty = analyst_client.post(url, trajectory_post(first="2003-Q1", last="2003-Q4"))
    assert empty.status_code == 422
    assert NO_POINTS in empty.text
    assert not Trajectory.objects.exists()


def test_reprofile_needs_a_reason_and_keeps_the_earlier_version(analyst_client, quarterly_measure):
    original = add_trajectory(
        quarterly_measure, [(date(2003, 1, 1), 100), (date(2003, 4, 1), 95)], label="Plan"
    )
    url = reverse("priorities:trajectory_create", args=[quarterly_measure.pk])

    page = analyst_client.get(url)
    rows = {row.label: row.value for row in page.context["form"].rows}
    assert rows == {"2003-Q1": "100", "2003-Q2": "95", "2003-Q3": "", "2003-Q4": ""}
    assert "Re-profile the trajectory" in page.text
    assert 'data-testid="trajectory-versions"' in page.text

    cells = {"point-2003-Q1": "100", "point-2003-Q2": "97", "point-2003-Q3": "94"}
    response = analyst_client.post(
        url, trajectory_post(first="2003-Q1", last="2003-Q4", version="1", **cells)
    )
    assert response.status_code == 422
    assert services.REASON_REQUIRED in response.text
    assert quarterly_measure.trajectories.count() == 1

    response = analyst_client.post(
        url,
        trajectory_post(
            first="2003-Q1",
            last="2003-Q4",
            version="1",
            label="Re-profiled",
            reason="Slower start after the new law was delayed.",
            **cells,
        ),
    )
    assert response.status_code == 302
    versions = list(quarterly_measure.trajectories.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].reason == "Slower start after the new law was delayed."
    assert [p.value for p in versions[1].points.all()] == [
        Decimal("100"),
        Decimal("97"),
        Decimal("94"),
    ]
    # Version 1 is exactly as it was.
    assert versions[0] == original
    assert [(p.period, p.value) for p in versions[0].points.all()] == [
        (date(2003, 1, 1), Decimal("100")),
        (date(2003, 4, 1), Decimal("95")),
    ]
    assert TrajectoryPoint.objects.count() == 5


def test_more_periods_can_be_added_without_losing_typed_values(analyst_client, quarterly_measure):
    url = reverse("priorities:trajectory_create", args=[quarterly_measure.pk])
    response = analyst_client.post(
        url,
        trajectory_post(
            first="2003-Q1", last="2003-Q4", add_rows="1", **{"point-2003-Q3": "not yet"}
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert [row.label for row in form.rows][-1] == "2004-Q4"
    assert len(form.rows) == 8
    assert {row.label: row.value for row in form.rows}["2003-Q3"] == "not yet"
    # Asking for rows is not a save attempt: no errors yet.
    assert "There is a problem" not in response.text
    assert 'value="2004-Q4"' in response.text
    assert not Trajectory.objects.exists()

    response = analyst_client.post(
        url, trajectory_post(first="2002-Q3", last="2003-Q2", show_periods="1")
    )
    assert [row.label for row in response.context["form"].rows][0] == "2002-Q3"

    response = analyst_client.post(
        url,
        trajectory_post(first="2003-Q4", last="2003-Q1", **{"point-2003-Q1": "1"}),
    )
    assert response.status_code == 422
    assert PERIOD_RANGE_BACKWARDS in response.text


def test_reprofile_over_someone_elses_new_version_is_a_conflict(
    analyst_client, quarterly_measure, second_analyst
):
    url = reverse("priorities:trajectory_create", args=[quarterly_measure.pk])
    # The analyst opened the empty form (version 0); meanwhile a colleague saved version 1.
    add_trajectory(quarterly_measure, [(date(2003, 1, 1), 100)], by=second_analyst)
    mine = trajectory_post(first="2003-Q1", last="2003-Q2", **{"point-2003-Q1": "90"})

    response = analyst_client.post(url, mine)

    assert response.status_code == 409
    assert CONFLICT_MESSAGE in response.text
    rows = {row.label: row for row in response.context["conflict"].rows}
    assert (rows["2003-Q1"].theirs, rows["2003-Q1"].yours) == ("100", "90")
    assert response.context["conflict"].saved_by == str(second_analyst)
    assert quarterly_measure.trajectories.count() == 1
    assert 'value="90"' in response.text

    again = analyst_client.post(url, {**mine, "version": "1", "reason": "Ours is newer."})
    assert again.status_code == 302
    assert quarterly_measure.trajectories.count() == 2


# --- who may use the forms ----------------------------------------------------------------


@pytest.mark.parametrize("user", ["minister", "official", "minister_all"])
def test_only_editors_create_priorities(client, world, user):
    client.force_login(world.users[user])
    assert client.get(reverse("priorities:create")).status_code == 403
    response = client.post(
        reverse("priorities:create"),
        {"code": "X", "title": "X", "lead_department": world.own.pk, "kind": "psa"},
    )
    assert response.status_code == 403
    assert not Priority.objects.exists()


def test_official_cannot_post_to_a_measure_form_of_their_own_department(client, world):
    measure = MeasureFactory(priority__lead_department=world.own, name="Before")
    client.force_login(world.users["official"])
    url = reverse("priorities:measure_edit", args=[measure.pk])
    assert client.post(url, measure_data(measure, name="After")).status_code == 403
    measure.refresh_from_db()
    assert measure.name == "Before"


def test_unit_lead_sees_every_department_in_the_form(client, world):
    client.force_login(world.users["unit_lead"])
    form = client.get(reverse("priorities:create")).context["form"]
    assert set(form.fields["lead_department"].queryset) == {world.own, world.other}


def test_a_trajectory_posted_without_the_version_it_started_from_is_refused(
    analyst_client, quarterly_measure
):
    add_trajectory(quarterly_measure, [(date(2003, 1, 1), 100)])
    url = reverse("priorities:trajectory_create", args=[quarterly_measure.pk])
    data = trajectory_post(
        first="2003-Q1", last="2003-Q2", reason="Moved", **{"point-2003-Q1": "90"}
    )
    del data["version"]

    response = analyst_client.post(url, data)

    assert response.status_code == 422
    assert VERSION_MISSING in response.text
    assert quarterly_measure.trajectories.count() == 1
