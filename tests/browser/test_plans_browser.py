"""A minister reads their department's plan and its coverage of manifesto commitments, and an
anonymous visitor reads the public progress pages, in a real browser; axe finds nothing
serious on any of them."""

import pytest

from deliveryunit.models import Role
from plans import services
from tests.factories import PASSWORD, DepartmentFactory, UserFactory
from tests.plans_world import build_plan

from .conftest import axe_serious_violations, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def built():
    department = DepartmentFactory(name="Home Office", code="HO")
    analyst = UserFactory(username="analyst", role=Role.ANALYST)
    UserFactory(username="minister", role=Role.MINISTER, department=department)
    world = build_plan(department, analyst, publish=False)
    services.objective_measure_update(
        link=world.link, by=analyst, expected_version=None, public=True
    )
    world.version = services.version_publish(
        plan_version=world.version, by=analyst, expected_version=None
    )
    return world


def test_a_minister_reads_the_plan_and_its_coverage(page, live_server, built):
    sign_in(page, live_server.url, "minister", PASSWORD)
    page.goto(f"{live_server.url}/plans/{built.plan.pk}/")
    assert page.get_by_role("heading", level=1).first.is_visible()
    assert page.get_by_text(built.strategic.title).first.is_visible()
    assert axe_serious_violations(page) == []
    page.goto(f"{live_server.url}/plans/versions/{built.version.pk}/coverage/")
    assert page.get_by_text("Commitments no objective covers").is_visible()
    assert page.get_by_text(built.uncovered.text).is_visible()
    assert axe_serious_violations(page) == []


def test_an_anonymous_visitor_reads_the_progress_pages(page, live_server, built):
    page.goto(f"{live_server.url}/progress/")
    assert page.get_by_text("Home Office").first.is_visible()
    assert axe_serious_violations(page) == []
    page.goto(f"{live_server.url}/progress/plans/{built.plan.pk}/")
    assert page.get_by_text(built.strategic.title).first.is_visible()
    assert axe_serious_violations(page) == []
    page.goto(f"{live_server.url}/progress/objectives/{built.strategic.pk}/")
    assert page.get_by_text(built.link.measure.name).first.is_visible()
    assert axe_serious_violations(page) == []
