"""Departmental plans: versions (publishing freezes one, a refresh copies it), objectives and
their parts, the coverage check, quarterly returns and notes, and the migration that turns
priorities into objectives."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from deliveryunit import clock
from deliveryunit.editing import ConflictError
from plans import selectors, services
from plans.models import (
    VERSION_PUBLISHED,
    ObjectiveCommitment,
    ObjectiveGroup,
    ObjectiveMeasure,
    PlanPublished,
    Rag,
    ReturnStatus,
    TaskForceObjective,
    TimetableItem,
    VersionStatus,
)
from priorities.models import PriorityKind

from .factories import MeasureFactory, PriorityFactory
from .plans_world import build_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    return build_plan(world.own, world.users["analyst"])


@pytest.fixture
def draft(world):
    return build_plan(world.own, world.users["analyst"], publish=False)


# --- versions -------------------------------------------------------------------------------


def test_a_new_plan_starts_with_a_draft_version_one(world, analyst):
    plan = services.plan_create(
        by=analyst, department=world.own, period_start=2015, period_end=2020
    )
    version = plan.versions.get()
    assert (version.number, version.status) == (1, VersionStatus.DRAFT)
    assert plan.title == "Home Office Single Departmental Plan 2015 to 2020"


def test_a_department_has_one_plan_for_the_same_years(world, analyst):
    services.plan_create(by=analyst, department=world.own, period_start=2015, period_end=2020)
    with pytest.raises(ValidationError) as exc:
        services.plan_create(by=analyst, department=world.own, period_start=2015, period_end=2020)
    assert exc.value.messages == [services.PLAN_EXISTS]


def test_publishing_freezes_the_version_and_everything_in_it_on_every_path(plan, analyst):
    strategic = plan.strategic
    strategic.refresh_from_db()
    strategic.title = "Changed behind the service's back"
    with pytest.raises(PlanPublished) as exc:
        strategic.save()
    assert exc.value.messages == [VERSION_PUBLISHED]
    for row in (
        ObjectiveMeasure.objects.get(pk=plan.link.pk),
        TimetableItem.objects.get(pk=plan.past_item.pk),
        ObjectiveCommitment.objects.filter(objective=strategic).get(),
        TaskForceObjective.objects.filter(objective=strategic).get(),
    ):
        with pytest.raises(PlanPublished):
            row.save()
        with pytest.raises(PlanPublished):
            row.delete()
    with pytest.raises(PlanPublished):
        strategic.delete()
    version = plan.version
    version.summary = "Rewritten"
    with pytest.raises(PlanPublished):
        version.save()
    with pytest.raises(PlanPublished):
        services.objective_create(
            plan_version=version,
            by=analyst,
            group=ObjectiveGroup.CORPORATE,
            title="Late addition",
            target="t",
            owner="o",
            deadline=date(2020, 1, 1),
        )
    with pytest.raises(PlanPublished):
        services.objective_update(
            objective=strategic, by=analyst, expected_version=strategic.version, title="New"
        )
    with pytest.raises(PlanPublished):
        services.objective_measure_update(
            link=plan.link, by=analyst, expected_version=plan.link.version, public=True
        )
    strategic.refresh_from_db()
    assert strategic.title == "Strategic objective HO"


def test_publishing_needs_every_strategic_objective_to_cover_a_commitment(draft, analyst):
    services.objective_update(
        objective=draft.strategic,
        by=analyst,
        expected_version=draft.strategic.version,
        commitments=[],
    )
    with pytest.raises(ValidationError) as exc:
        services.version_publish(plan_version=draft.version, by=analyst, expected_version=None)
    assert exc.value.messages == [
        services.STRATEGIC_WITHOUT_COMMITMENT.format(code=draft.strategic.code)
    ]
    draft.version.refresh_from_db()
    assert draft.version.status == VersionStatus.DRAFT


def test_publishing_from_an_old_version_is_a_conflict(draft, analyst):
    version = draft.version
    services.version_update(
        plan_version=version, by=analyst, expected_version=version.version, summary="New intro"
    )
    with pytest.raises(ConflictError):
        services.version_publish(plan_version=version, by=analyst, expected_version=version.version)


def test_a_refresh_copies_the_published_version_which_stays_as_published(plan, analyst):
    quarterly = services.return_create(
        objective=plan.strategic,
        by=analyst,
        data=services.ReturnData(
            quarter=date(2016, 4, 1),
            rag=Rag.AMBER,
            commentary="Pilot launched late.",
            milestones_met=[plan.past_item],
            milestones_missed=[],
        ),
        today=date(2016, 8, 1),
    )
    services.return_submit(quarterly=quarterly, by=analyst, expected_version=quarterly.version)

    draft = services.version_new_draft(plan=plan.plan, by=analyst)

    assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
    copied = draft.objectives.get(code=plan.strategic.code)
    assert copied.copied_from_id == plan.strategic.pk
    assert copied.title == plan.strategic.title
    assert list(copied.commitment_links.values_list("commitment_id", flat=True)) == [
        plan.commitment.pk
    ]
    assert list(copied.task_force_links.values_list("forum_id", flat=True)) == [plan.task_force.pk]
    assert copied.measure_links.get().measure_id == plan.link.measure_id
    met = copied.timetable.get(title=plan.past_item.title)
    assert met.completed_on == date(2016, 6, 30)
    assert copied.timetable.get(title=plan.future_item.title).completed_on is None
    services.objective_update(
        objective=copied, by=analyst, expected_version=copied.version, title="Refreshed"
    )
    plan.strategic.refresh_from_db()
    assert plan.strategic.title == "Strategic objective HO"
    with pytest.raises(ValidationError) as exc:
        services.version_new_draft(plan=plan.plan, by=analyst)
    assert exc.value.messages == [services.DRAFT_EXISTS]


def test_a_refresh_needs_a_published_version(draft, analyst):
    with pytest.raises(ValidationError) as exc:
        services.version_new_draft(plan=draft.plan, by=analyst)
    assert exc.value.messages == [services.DRAFT_EXISTS]


def test_two_people_editing_one_objective_one_gets_a_conflict(draft, analyst, world):
    objective = draft.strategic
    started_at = objective.version
    services.objective_update(
        objective=objective, by=analyst, expected_version=started_at, title="First"
    )
    with pytest.raises(ConflictError):
        services.objective_update(
            objective=objective,
            by=world.users["unit_lead"],
            expected_version=started_at,
            title="Second",
        )
    objective.refresh_from_db()
    assert objective.title == "First"


def test_an_objective_covers_only_its_departments_commitments(draft, analyst, world):
    other = services.commitment_create(
        by=analyst, departments=[world.other], reference="X-1", text="Other's", source_document="M"
    )
    with pytest.raises(ValidationError) as exc:
        services.objective_update(
            objective=draft.strategic,
            by=analyst,
            expected_version=draft.strategic.version,
            commitments=[other],
        )
    assert exc.value.message_dict["commitments"] == [
        services.COMMITMENT_NOT_THE_DEPARTMENTS.format(reference="X-1")
    ]


# --- coverage ---------------------------------------------------------------------------------


def test_coverage_lists_uncovered_commitments_and_overlapping_objectives(plan):
    found = selectors.coverage(plan.version)
    assert [c.reference for c in found.uncovered] == [plan.uncovered.reference]
    assert [(o.subject.name, [x.code for x in o.objectives]) for o in found.measure_overlaps] == [
        (plan.link.measure.name, ["SO1", "OO1"])
    ]
    assert found.commitment_overlaps == []
    assert found.strategic_without_commitment == []
    assert found.covered_count == 1


def test_two_objectives_covering_one_commitment_are_flagged(draft, analyst):
    services.objective_update(
        objective=draft.operational,
        by=analyst,
        expected_version=draft.operational.version,
        commitments=[draft.commitment],
    )
    found = selectors.coverage(draft.version)
    assert [
        (o.subject.reference, [x.code for x in o.objectives]) for o in found.commitment_overlaps
    ] == [(draft.commitment.reference, ["SO1", "OO1"])]


# --- timetable and the formal and informal tracks ----------------------------------------------


def test_a_milestone_past_its_date_is_late_against_the_business_date(plan):
    clock.set_as_at(date(2016, 6, 1))
    rows = {row.item.pk: row.status for row in selectors.timetable_rows(plan.strategic)}
    assert rows == {plan.past_item.pk: selectors.LATE, plan.future_item.pk: selectors.NOT_DUE}
    clock.set_as_at(date(2016, 1, 1))
    rows = {row.item.pk: row.status for row in selectors.timetable_rows(plan.strategic)}
    assert rows[plan.past_item.pk] == selectors.NOT_DUE


def test_a_submitted_return_that_reports_a_milestone_met_clears_late(plan, analyst):
    clock.set_as_at(date(2016, 8, 1))
    quarterly = services.return_create(
        objective=plan.strategic,
        by=analyst,
        data=services.ReturnData(
            quarter=date(2016, 4, 1),
            rag=Rag.GREEN,
            commentary="Done.",
            milestones_met=[plan.past_item],
            milestones_missed=[],
        ),
        today=clock.today(),
    )
    assert selectors.timetable_rows(plan.strategic)[0].status == selectors.LATE  # a draft
    services.return_submit(quarterly=quarterly, by=analyst, expected_version=quarterly.version)
    assert selectors.timetable_rows(plan.strategic)[0].status == selectors.MET


def test_a_return_goes_draft_submitted_agreed_and_then_cannot_change(plan, official, analyst):
    data = services.ReturnData(
        quarter=date(2016, 4, 1),
        rag=Rag.RED,
        commentary="Behind.",
        milestones_met=[],
        milestones_missed=[plan.past_item],
    )
    quarterly = services.return_create(
        objective=plan.strategic, by=official, data=data, today=date(2016, 7, 1)
    )
    with pytest.raises(ValidationError) as exc:
        services.return_agree(quarterly=quarterly, by=analyst, expected_version=quarterly.version)
    assert exc.value.messages == [services.RETURN_NOT_SUBMITTED]
    quarterly = services.return_submit(
        quarterly=quarterly, by=official, expected_version=quarterly.version
    )
    assert quarterly.submitted_by == official
    with pytest.raises(ValidationError) as exc:
        services.return_update(
            quarterly=quarterly,
            by=official,
            expected_version=quarterly.version,
            data=data,
            today=date(2016, 7, 1),
        )
    assert exc.value.messages == [services.RETURN_NOT_DRAFT]
    quarterly = services.return_agree(
        quarterly=quarterly, by=analyst, expected_version=quarterly.version
    )
    assert (quarterly.status, quarterly.agreed_by) == (ReturnStatus.AGREED, analyst)


def test_returns_are_refused_for_drafts_bad_quarters_and_other_objectives_milestones(
    plan, analyst, world
):
    draft = build_plan(world.other, analyst, publish=False)
    data = services.ReturnData(
        quarter=date(2016, 4, 1),
        rag=Rag.RED,
        commentary="x",
        milestones_met=[],
        milestones_missed=[],
    )
    with pytest.raises(ValidationError) as exc:
        services.return_create(
            objective=draft.strategic, by=analyst, data=data, today=date(2017, 1, 1)
        )
    assert exc.value.messages == [services.RETURN_NEEDS_PUBLISHED]
    bad = services.ReturnData(
        quarter=date(2016, 5, 1),
        rag=Rag.RED,
        commentary="x",
        milestones_met=[draft.past_item],
        milestones_missed=[],
    )
    with pytest.raises(ValidationError) as exc:
        services.return_create(
            objective=plan.strategic, by=analyst, data=bad, today=date(2017, 1, 1)
        )
    assert exc.value.message_dict == {
        "quarter": [services.QUARTER_START],
        "milestones_met": [services.MILESTONE_NOT_THE_OBJECTIVES],
    }
    with pytest.raises(ValidationError) as exc:
        services.return_create(
            objective=plan.strategic, by=analyst, data=data, today=date(2016, 3, 1)
        )
    assert exc.value.message_dict == {"quarter": [services.QUARTER_IN_FUTURE]}


def test_a_note_is_dated_and_attributed(plan, official):
    note = services.note_add(
        objective=plan.strategic,
        by=official,
        text="  Spoke to the SRO.  ",
        noted_on=date(2016, 9, 2),
    )
    assert (note.text, note.author, note.noted_on) == (
        "Spoke to the SRO.",
        official,
        date(2016, 9, 2),
    )
    with pytest.raises(ValidationError):
        services.note_add(
            objective=plan.strategic, by=official, text="  ", noted_on=date(2016, 9, 2)
        )


# --- priorities become objectives --------------------------------------------------------------


def test_priorities_of_objective_kinds_are_adopted_into_their_departments_plans(world, analyst):
    existing = services.plan_create(
        by=analyst, department=world.own, period_start=2015, period_end=2020
    )
    joins = PriorityFactory(
        code="J-1",
        lead_department=world.own,
        kind=PriorityKind.STRATEGIC,
        start=date(2016, 1, 1),
        deadline=date(2019, 3, 31),
        senior_responsible_owner="DG",
    )
    MeasureFactory(priority=joins, name="Joins measure")
    PriorityFactory(
        code="J-2",
        lead_department=world.other,
        kind=PriorityKind.CORPORATE,
        start=date(2003, 1, 1),
        deadline=date(2006, 12, 31),
    )
    PriorityFactory(code="J-3", lead_department=world.own, kind=PriorityKind.PSA)

    adopted = services.objectives_adopt_priorities(by=analyst)

    assert [(o.priority.code, o.group, o.code) for o in adopted] == [
        ("J-2", ObjectiveGroup.CORPORATE, "CO1"),
        ("J-1", ObjectiveGroup.STRATEGIC, "SO1"),
    ]
    joined = adopted[1]
    assert joined.plan_version.plan == existing
    assert joined.owner == "DG"
    assert [link.measure.name for link in joined.measure_links.all()] == ["Joins measure"]
    assert not joined.measure_links.get().public
    other_plan = adopted[0].plan_version.plan
    assert (other_plan.department, other_plan.period) == (world.other, "2003 to 2006")
    assert services.objectives_adopt_priorities(by=analyst) == []


# Transactional, so the migration runs on committed rows; serialized_rollback, so the flush after
# it does not recreate content types under new ids that the next serialized test would clash with.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_adopts_priorities_and_reverses(world):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    PriorityFactory(
        code="MIG-1",
        lead_department=world.own,
        kind=PriorityKind.OPERATIONAL,
        start=date(2012, 4, 1),
        deadline=date(2025, 3, 31),
        title="Waits",
    )
    PriorityFactory(code="MIG-2", lead_department=world.own, kind=PriorityKind.PSA)
    executor = MigrationExecutor(connection)
    executor.migrate([("plans", "0001_initial")])
    executor = MigrationExecutor(connection)
    executor.migrate([("plans", "0002_objectives_from_priorities")])
    from plans.models import Objective

    objective = Objective.objects.get()
    assert (objective.priority.code, objective.group, objective.title) == (
        "MIG-1",
        "operational",
        "Waits",
    )
    assert objective.plan_version.plan.period == "2012 to 2025"
    executor = MigrationExecutor(connection)
    executor.migrate([("plans", "0001_initial")])
    assert not Objective.objects.exists()
    from priorities.models import Priority

    assert Priority.objects.filter(code__startswith="MIG-").count() == 2
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
