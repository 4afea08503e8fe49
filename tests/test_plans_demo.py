"""The demo plans: plans for the Home Office, the Department of Health and the Department for
Work and Pensions; a commitment no objective covers, found by the coverage check; the Earn or
Learn task force's three objectives with illustrative measures that say so; real NHS figures on
the public pages. Loading twice changes nothing."""

import pytest
from django.db import transaction
from django.urls import reverse

from deliveryunit import access
from deliveryunit import demo as foundation
from plans import demo, selectors
from plans.models import (
    DepartmentalPlan,
    ManifestoCommitment,
    Objective,
    ObjectiveMeasure,
    PlanVersion,
    QuarterlyReturn,
    TimetableItem,
    VersionStatus,
)
from priorities import demo as portfolio
from stocktakes import demo as stocktakes_demo

pytestmark = pytest.mark.django_db

COUNTED = [
    DepartmentalPlan,
    PlanVersion,
    Objective,
    ObjectiveMeasure,
    ManifestoCommitment,
    TimetableItem,
    QuarterlyReturn,
]


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """Load once for the module; each test runs inside a savepoint of this transaction, and
    everything is rolled back after the last one."""
    with django_db_blocker.unblock(), transaction.atomic():
        foundation.load_foundation()
        portfolio.load_priorities()
        stocktakes_demo.load_stocktakes(by=access.SYSTEM)
        demo.load_plans(by=access.SYSTEM)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_loaded, db):
    return None


def _counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_loading_twice_changes_nothing(loaded):
    before = _counts()
    assert before["DepartmentalPlan"] == 3
    published = PlanVersion.objects.filter(status=VersionStatus.PUBLISHED)
    assert {v.published_at.year for v in published} == {2016}
    demo.load_plans(by=access.SYSTEM)
    assert _counts() == before


def test_the_coverage_check_finds_the_uncovered_commitment(client, loaded):
    version = PlanVersion.objects.get(plan__department__code="HO", status=VersionStatus.PUBLISHED)
    found = selectors.coverage(version)
    assert [c.reference for c in found.uncovered] == ["C15-HO-2"]
    client.force_login(foundation_user("official"))
    page = client.get(reverse("plans:coverage", args=[version.pk])).content.decode()
    assert "Commitments no objective covers" in page
    assert "Banning Orders" in page


def test_the_earn_or_learn_objectives_are_driven_by_the_task_force_and_say_illustrative(loaded):
    objectives = Objective.objects.filter(
        task_force_links__forum__name=demo.TASK_FORCE,
        plan_version__status=VersionStatus.PUBLISHED,
    )
    assert sorted(o.title for o in objectives) == [
        "Every young person earning or learning",
        "Three million apprenticeships",
        "Two million more jobs",
    ]
    links = ObjectiveMeasure.objects.filter(objective__in=objectives)
    assert links.count() == 3
    for link in links:
        assert link.illustrative
        assert "illustrative" in link.measure.name
        assert "Labour Force Survey" in link.public_note or "apprenticeship starts" in (
            link.public_note
        )
    # Only the measure with (illustrative) figures is public, and the public page says so.
    assert [link.measure.name for link in links if link.public] == [demo.EARN_OR_LEARN_MEASURE]


def test_the_public_pages_show_real_nhs_figures_and_label_the_illustrative_ones(client, loaded):
    index = client.get(reverse("progress:index")).content.decode()
    for name in ("Home Office", "Department of Health", "Department for Work and Pensions"):
        assert name in index
    health = DepartmentalPlan.objects.get(department__code="DH")
    page = client.get(reverse("progress:plan", args=[health.pk])).content.decode()
    assert "Patients in A&amp;E seen within four hours" in page
    objective = Objective.objects.get(
        title="Every young person earning or learning",
        plan_version__status=VersionStatus.PUBLISHED,
    )
    page = client.get(reverse("progress:objective", args=[objective.pk])).content.decode()
    assert "Illustrative figures, not published statistics." in page
    assert "Made up for the demonstration. Real figures would come from the ONS" in page
    csv = client.get(reverse("progress:csv")).content.decode()
    assert "A&E attendances seen within four hours" in csv


def test_a_late_line_and_a_return_waiting_for_the_unit(client, loaded):
    client.force_login(foundation_user("unitlead"))
    assert QuarterlyReturn.objects.filter(status="submitted").count() == 1
    objective = Objective.objects.get(
        title="Process visa applications within the service standards"
    )
    page = client.get(reverse("plans:objective_detail", args=[objective.pk])).content.decode()
    assert 'data-status="late"' in page
    # The refresh of the Department of Health's plan is under way.
    assert PlanVersion.objects.filter(plan__department__code="DH").count() == 2


def foundation_user(username):
    from deliveryunit.models import User

    return User.objects.get(username=username)
