"""Shared fixtures: two departments and one user per role, 'own' being the Home Office."""

from dataclasses import dataclass

import pytest

from deliveryunit.models import Department, Role, User

from .factories import DepartmentFactory, UserFactory


@dataclass
class World:
    own: Department
    other: Department
    users: dict[str, User]


# Users of the permission matrix: key -> (role, in the 'own' department?)
MATRIX_USERS = {
    "analyst": (Role.ANALYST, False),
    "unit_lead": (Role.UNIT_LEAD, False),
    "minister": (Role.MINISTER, True),
    "minister_all": (Role.MINISTER, False),
    "official": (Role.OFFICIAL, True),
}


@pytest.fixture
def world(db) -> World:
    own = DepartmentFactory(name="Home Office", code="HO")
    other = DepartmentFactory(name="Department of Health", code="DH")
    users = {
        key: UserFactory(username=key, role=role, department=own if in_own else None)
        for key, (role, in_own) in MATRIX_USERS.items()
    }
    return World(own=own, other=other, users=users)


@pytest.fixture
def analyst(world):
    return world.users["analyst"]


@pytest.fixture
def official(world):
    return world.users["official"]


@pytest.fixture(autouse=True)
def isolated_media_root(settings, tmp_path_factory):
    """Every test writes documents and uploads under a folder of its own, never the project's
    media/ (publishing a round, for one, builds its delivery reports)."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_business_date():
    """The business date is read from the database and kept briefly per process; a test's
    rolled-back "as at" must not leak into the next test."""
    from deliveryunit import clock

    clock.forget()
    yield
    clock.forget()


def pytest_collection_modifyitems(config, items):
    """Refuse a transactional test that does not reload the serialized rows.

    Such a test's flush re-runs post_migrate, which recreates content types and permissions under
    new ids; the next test with serialized_rollback then fails to reload its rows (PostgreSQL
    keeps counting ids where SQLite may not, so it shows there first).
    """
    unsafe = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = "transactional_db" in getattr(item, "fixturenames", ()) or (
            marker is not None and marker.kwargs.get("transaction")
        )
        if transactional and not (marker is not None and marker.kwargs.get("serialized_rollback")):
            unsafe.append(item.nodeid)
    if unsafe:
        raise pytest.UsageError(
            "Transactional tests must be marked "
            "django_db(transaction=True, serialized_rollback=True): " + ", ".join(unsafe)
        )
