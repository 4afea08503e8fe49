"""The plans pages through HTTP: the unit drafts, fills and publishes a plan; a published
version is read-only in the pages too; ministers and officials read their department's plan and
its coverage; officials make quarterly returns the unit agrees; edits carry their version."""

from datetime import date

import pytest
from django.urls import reverse

from deliveryunit import clock
from deliveryunit.editing import CONFLICT_MESSAGE, VERSION_MISSING
from plans import services
from plans.models import DepartmentalPlan, Objective, QuarterlyReturn, ReturnStatus, VersionStatus
from plans.views import PUBLISHED
from plans.views_progress import RETURN_AGREED, RETURN_SUBMITTED

from .factories import MeasureFactory, PriorityFactory
from .plans_world import build_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    return build_plan(world.own, world.users["analyst"])


def test_the_unit_drafts_fills_and_publishes_a_plan(client, world, analyst):
    client.force_login(analyst)
    commitment = services.commitment_create(
        by=analyst, departments=[world.own], reference="C-1", text="Cut crime", source_document="M"
    )
    priority = PriorityFactory(code="HO-1", lead_department=world.own)
    measure = MeasureFactory(priority=priority, name="Crime rate")
    response = client.post(
        reverse("plans:plan_create"),
        {"department": world.own.pk, "period_start": 2015, "period_end": 2020, "title": ""},
    )
    plan = DepartmentalPlan.objects.get()
    assert response["Location"] == reverse("plans:plan_detail", args=[plan.pk])
    version = plan.versions.get()
    response = client.post(
        reverse("plans:objective_create", args=[version.pk]),
        {
            "group": "strategic",
            "title": "Cut crime",
            "target": "Crime down 10% by 2020",
            "owner": "Director General, Crime",
            "deadline": "2020-03-31",
            "commitments": [commitment.pk],
        },
    )
    objective = Objective.objects.get()
    assert response["Location"] == reverse("plans:objective_detail", args=[objective.pk])
    assert objective.code == "SO1"
    response = client.post(
        reverse("plans:objective_measures", args=[objective.pk]),
        {"measure": measure.pk, "public": "on", "public_note": "ONS figures"},
    )
    assert response.status_code == 302
    link = objective.measure_links.get()
    assert (link.measure, link.public, link.public_note) == (measure, True, "ONS figures")
    client.post(
        reverse("plans:timetable_add", args=[objective.pk]),
        {"kind": "milestone", "title": "Strategy published", "due": "2016-03-31"},
    )
    assert objective.timetable.get().title == "Strategy published"
    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert "Publish version 1" in page
    version.refresh_from_db()
    response = client.post(
        reverse("plans:version_publish", args=[version.pk]),
        {"version": version.version},
        follow=True,
    )
    assert PUBLISHED.format(number=1) in response.content.decode()
    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED


def test_a_published_version_cannot_be_changed_through_the_pages(client, plan, analyst):
    client.force_login(analyst)
    objective = plan.strategic
    page = client.get(reverse("plans:objective_detail", args=[objective.pk])).content.decode()
    assert "Edit the objective" not in page
    assert client.get(reverse("plans:objective_edit", args=[objective.pk])).status_code == 403
    response = client.post(
        reverse("plans:objective_edit", args=[objective.pk]),
        {
            "group": "strategic",
            "title": "Changed",
            "target": "t",
            "owner": "o",
            "deadline": "2020-01-01",
            "version": objective.version,
        },
    )
    assert response.status_code == 403
    assert (
        client.post(
            reverse("plans:timetable_remove", args=[plan.past_item.pk]), {"version": 1}
        ).status_code
        == 403
    )
    objective.refresh_from_db()
    assert objective.title == "Strategic objective HO"


def test_an_edit_from_an_old_version_shows_both_and_saves_nothing(client, world, analyst):
    built = build_plan(world.own, analyst, publish=False)
    objective = built.strategic
    seen = objective.version
    services.objective_update(
        objective=objective, by=world.users["unit_lead"], expected_version=seen, title="Theirs"
    )
    client.force_login(analyst)
    data = {
        "group": "strategic",
        "title": "Mine",
        "target": objective.target,
        "owner": objective.owner,
        "deadline": "2016-12-31",
        "commitments": [built.commitment.pk],
        "version": seen,
    }
    response = client.post(reverse("plans:objective_edit", args=[objective.pk]), data)
    assert response.status_code == 409
    assert CONFLICT_MESSAGE in response.content.decode()
    objective.refresh_from_db()
    assert objective.title == "Theirs"
    del data["version"]
    response = client.post(reverse("plans:objective_edit", args=[objective.pk]), data)
    assert response.status_code == 422
    assert VERSION_MISSING in response.content.decode()


def test_a_minister_reads_their_departments_plan_and_its_coverage(client, world, plan):
    client.force_login(world.users["minister"])
    page = client.get(reverse("plans:plan_detail", args=[plan.plan.pk])).content.decode()
    assert plan.strategic.title in page
    assert "cover 1 of the 2 manifesto commitments" in page
    assert "Add an objective" not in page
    coverage = client.get(reverse("plans:coverage", args=[plan.version.pk])).content.decode()
    assert plan.uncovered.text in coverage
    assert "Commitments no objective covers" in coverage
    assert plan.link.measure.name in coverage  # judged by two objectives: flagged
    other = build_plan(world.other, world.users["analyst"])
    assert client.get(reverse("plans:plan_detail", args=[other.plan.pk])).status_code == 404


def test_an_official_makes_a_return_and_the_unit_agrees_it(client, world, plan, analyst):
    clock.set_as_at(date(2016, 8, 1))
    official = world.users["official"]
    client.force_login(official)
    response = client.post(
        reverse("plans:return_create", args=[plan.strategic.pk]),
        {
            "quarter": "2016-04-01",
            "rag": "amber",
            "commentary": "Pilot late <b>but</b> close.",
            "milestones_missed": [plan.past_item.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()
    quarterly = QuarterlyReturn.objects.get()
    assert quarterly.created_by == official
    response = client.post(
        reverse("plans:return_submit", args=[quarterly.pk]),
        {"version": quarterly.version},
        follow=True,
    )
    assert RETURN_SUBMITTED in response.content.decode()
    html = response.content.decode()
    assert "Pilot late &lt;b&gt;but&lt;/b&gt; close." in html
    assert "Reported missed in a quarterly return." in html
    assert (
        client.post(reverse("plans:return_agree", args=[quarterly.pk]), {"version": 2}).status_code
        == 403
    )
    client.force_login(analyst)
    quarterly.refresh_from_db()
    response = client.post(
        reverse("plans:return_agree", args=[quarterly.pk]),
        {"version": quarterly.version},
        follow=True,
    )
    assert RETURN_AGREED in response.content.decode()
    quarterly.refresh_from_db()
    assert quarterly.status == ReturnStatus.AGREED


def test_a_note_is_added_with_its_date_and_author(client, world, plan):
    client.force_login(world.users["official"])
    response = client.post(
        reverse("plans:note_add", args=[plan.strategic.pk]),
        {"noted_on": "2016-09-01", "text": "Met the SRO."},
        follow=True,
    )
    html = response.content.decode()
    assert "Met the SRO." in html
    assert "1 September 2016" in html
    client.force_login(world.users["minister"])
    response = client.post(
        reverse("plans:note_add", args=[plan.strategic.pk]), {"noted_on": "2016-09-01", "text": "x"}
    )
    assert response.status_code == 403


def test_the_objective_page_shows_the_timetable_with_what_is_late(client, world, plan):
    clock.set_as_at(date(2016, 6, 1))
    client.force_login(world.users["official"])
    html = client.get(reverse("plans:objective_detail", args=[plan.strategic.pk])).content.decode()
    assert 'data-status="late"' in html
    assert 'data-status="not_due"' in html
    assert plan.task_force.name in html
    assert plan.commitment.text in html


def test_plan_and_objective_pages_run_a_bounded_number_of_queries(
    client, world, analyst, django_assert_max_num_queries
):
    built = build_plan(world.own, analyst, publish=False)
    for number in range(8):
        services.objective_create(
            plan_version=built.version,
            by=analyst,
            group="operational",
            title=f"More {number}",
            target="t",
            owner="o",
            deadline=date(2020, 1, 1),
            measures=[MeasureFactory(priority=built.strategic.priority)],
        )
    client.force_login(analyst)
    with django_assert_max_num_queries(40):
        response = client.get(reverse("plans:version_detail", args=[built.version.pk]))
    assert response.status_code == 200
    with django_assert_max_num_queries(40):
        response = client.get(reverse("plans:objective_detail", args=[built.strategic.pk]))
    assert response.status_code == 200
