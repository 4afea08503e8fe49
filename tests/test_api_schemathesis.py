"""Property-based test of the data API against its own OpenAPI schema: schemathesis generates
requests for every operation (ids, filters, pages, batches of actual data) and calls the app
through WSGI, as an analyst and as an official; none may make it fail (5xx). Examples are
bounded so the test runs in well under a minute."""

from types import SimpleNamespace

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from api import services as api_services
from deliveryunit.wsgi import application

from .matrix_api import build_api

pytestmark = pytest.mark.django_db

EXAMPLES = 6


@pytest.fixture
def same_connection():
    """Calls through the WSGI handler close the database connection at the end of each
    request; inside a test's transaction that would end it. Django's test client does this
    too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("user", ["analyst", "official"])
def test_no_generated_request_makes_the_api_fail(world, same_connection, user):
    ctx = SimpleNamespace(world=world)
    build_api(ctx)
    ctx.plan["own"]  # build the plans too
    person = world.users[user]
    _row, token = api_services.token_create(user=person, by=person, name="Schemathesis")
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application, headers=headers
    )
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19

    for operation in operations:
        _explore(operation, headers, failures)
    assert failures == []


def _explore(operation, headers, failures) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case):
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append((operation.label, case.path_parameters, case.query, case.body))

    check()
