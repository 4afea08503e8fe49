"""The data API: tokens (stored hashed, shown once, revocable), scoping by role and department
exactly as the pages scope, filters and pages, the batch of actual data (all or nothing), and the
OpenAPI schema (valid, and no generated request makes the API fail)."""

import hashlib
import json
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from api import services as api_services
from api.authentication import INVALID, REVOKED
from api.filters import NOT_AN_ID, PERIOD_INVALID, UNKNOWN_DEPARTMENT
from api.models import ApiToken
from priorities.imports import DUPLICATE_PERIOD, STATUS_INVALID, VALUE_NOT_NUMBER
from priorities.models import Actual

from .matrix_api import build_api
from .permission_matrix import USERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(world):
    found = SimpleNamespace(world=world)
    build_api(found)
    found.plan["own"]  # the plans are built when first asked for: ask now
    return found


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def tokens(world):
    return {
        name: api_services.token_create(user=user, by=user, name="Tests")[1]
        for name, user in world.users.items()
    }


# --- tokens -------------------------------------------------------------------------------


def test_a_call_without_credentials_is_refused_with_401_not_a_redirect(client, db):
    response = client.get(reverse("api:priority-list"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    response = client.post(
        reverse("api:measure-actuals", args=[1]), "{}", content_type="application/json"
    )
    assert response.status_code == 401


def test_a_token_is_shown_once_and_stored_only_as_its_digest(client, official):
    client.force_login(official)
    response = client.post(reverse("tokens:create"), {"name": "Dashboard"})
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    token = response.context["made"]
    assert token.startswith("du_")
    assert token in response.content.decode()
    row = ApiToken.objects.get(user=official)
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    secret = token.split("_", 2)[2]
    stored = json.dumps(list(ApiToken.objects.values()), default=str)
    assert secret not in stored
    listing = client.get(reverse("tokens:list")).content.decode()
    assert secret not in listing
    assert f"du_{row.prefix}_" in listing
    client.logout()
    api = client.get(reverse("api:priority-list"), **bearer(token))
    assert api.status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_a_token_needs_a_name(client, official):
    client.force_login(official)
    response = client.post(reverse("tokens:create"), {"name": ""})
    assert response.status_code == 422
    assert api_services.NAME_REQUIRED in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_revoked_or_wrong_token_is_refused(client, official):
    row, token = api_services.token_create(user=official, by=official, name="Old")
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = client.get(reverse("api:priority-list"), **bearer(forged))
    assert (response.status_code, response.json()["detail"]) == (401, INVALID)
    client.force_login(official)
    assert client.post(reverse("tokens:revoke", args=[row.pk])).status_code == 302
    client.logout()
    response = client.get(reverse("api:priority-list"), **bearer(token))
    assert (response.status_code, response.json()["detail"]) == (401, REVOKED)


def test_a_unit_lead_makes_and_revokes_tokens_for_anyone_others_cannot(client, world):
    official, lead = world.users["official"], world.users["unit_lead"]
    client.force_login(lead)
    response = client.post(reverse("tokens:user_create", args=[official.pk]), {"name": "For Tom"})
    assert response.status_code == 201
    row = ApiToken.objects.get(user=official)
    assert row.created_by == lead
    assert client.post(reverse("tokens:revoke", args=[row.pk])).status_code == 302
    row.refresh_from_db()
    assert row.revoked_by == lead
    other_row, _token = api_services.token_create(user=lead, by=lead, name="Lead's")
    client.force_login(world.users["analyst"])
    assert client.post(reverse("tokens:revoke", args=[other_row.pk])).status_code == 404
    other_row.refresh_from_db()
    assert other_row.is_active


# --- scoping: role x endpoint x own/other department -----------------------------------------


def _ids(client, name, token, **params):
    response = client.get(reverse(f"api:{name}"), params, **bearer(token))
    assert response.status_code == 200, (name, response.content)
    return {row["id"] for row in response.json()["results"]}


def _scoped_objects(ctx):
    """Endpoint -> {side: the object on that side}, for every department-scoped list."""
    return {
        "priority-list": {s: ctx.priority[s] for s in ("own", "other")},
        "measure-list": {s: ctx.measure[s] for s in ("own", "other")},
        "trajectory-list": {s: ctx.measure[s].trajectories.first() for s in ("own", "other")},
        "actual-list": {s: ctx.measure[s].actuals.first() for s in ("own", "other")},
        "judgement-list": {s: ctx.published_assessment[s] for s in ("own", "other")},
        "action-list": {s: ctx.action[s] for s in ("own", "other")},
        "plan-list": {s: ctx.plan[s].plan for s in ("own", "other")},
        "objective-list": {s: ctx.plan[s].strategic for s in ("own", "other")},
    }


SEES_OTHER = {"analyst": True, "unit_lead": True, "minister_all": True}


@pytest.mark.parametrize("user", USERS)
def test_every_list_shows_a_user_what_the_pages_show_them(client, ctx, tokens, user):
    for name, objects in _scoped_objects(ctx).items():
        ids = _ids(client, name, tokens[user], limit=200)
        assert objects["own"].pk in ids, (user, name)
        assert (objects["other"].pk in ids) == SEES_OTHER.get(user, False), (user, name)
        detail = name.replace("-list", "-detail")
        other = client.get(
            reverse(f"api:{detail}", args=[objects["other"].pk]), **bearer(tokens[user])
        )
        assert other.status_code == (200 if SEES_OTHER.get(user) else 404), (user, detail)


@pytest.mark.parametrize("user", USERS)
def test_drafts_are_for_the_unit_and_judgements_are_published_ones_only(client, ctx, tokens, user):
    editor = user in ("analyst", "unit_lead")
    rounds = _ids(client, "round-list", tokens[user])
    assert ctx.round_published.pk in rounds
    assert (ctx.round_draft.pk in rounds) == editor
    judgements = _ids(client, "judgement-list", tokens[user], limit=200)
    assert ctx.round_assessment["own"].pk not in judgements
    objectives = _ids(client, "objective-list", tokens[user], limit=200)
    assert ctx.plan["own"].strategic.pk in objectives
    assert (ctx.draft["own"].objective.pk in objectives) == editor, objectives
    plan = client.get(
        reverse("api:plan-detail", args=[ctx.plan["own"].plan.pk]), **bearer(tokens[user])
    ).json()
    statuses = [version["status"] for version in plan["versions"]]
    assert statuses == (["published", "draft"] if editor else ["published"])


# --- filters and pages --------------------------------------------------------------------


def test_lists_filter_by_department_and_period(client, ctx, tokens, world):
    token = tokens["analyst"]
    from priorities.models import Priority

    home_office = set(
        Priority.objects.filter(lead_department=world.own).values_list("pk", flat=True)
    )
    assert ctx.priority["own"].pk in home_office
    assert _ids(client, "priority-list", token, department="HO", limit=200) == home_office
    from stocktakes.models import Action

    health = set(Action.objects.filter(department=world.other).values_list("pk", flat=True))
    assert ctx.action["other"].pk in health
    assert _ids(client, "action-list", token, department="dh") == health
    measure = ctx.measure["own"]
    march = measure.actuals.get().pk
    assert _ids(client, "actual-list", token, measure=measure.pk, period_from="2023-03") == {march}
    assert _ids(client, "actual-list", token, measure=measure.pk, period_to="2023-02") == set()
    assert _ids(
        client, "actual-list", token, measure=measure.pk, period_from="2023-01", period_to="2023-03"
    ) == {march}


def test_bad_filters_are_refused_with_the_reason(client, ctx, tokens):
    response = client.get(
        reverse("api:actual-list"),
        {"department": "XX", "period_from": "2023-13", "measure": "one"},
        **bearer(tokens["analyst"]),
    )
    assert response.status_code == 400
    assert response.json() == {
        "department": [UNKNOWN_DEPARTMENT.format(code="XX")],
        "period_from": [PERIOD_INVALID],
        "measure": [NOT_AN_ID],
    }


def test_pages_are_bounded(client, ctx, tokens):
    response = client.get(reverse("api:actual-list"), {"limit": 5000}, **bearer(tokens["analyst"]))
    body = response.json()
    assert body["count"] == Actual.objects.count()
    assert len(body["results"]) <= 200
    one = client.get(reverse("api:actual-list"), {"limit": 1}, **bearer(tokens["analyst"])).json()
    assert len(one["results"]) == 1
    assert one["next"]


def test_lists_run_a_bounded_number_of_queries(client, ctx, tokens, django_assert_max_num_queries):
    for name in ("priority-list", "objective-list", "plan-list", "trajectory-list"):
        with django_assert_max_num_queries(12):
            assert (
                client.get(reverse(f"api:{name}"), **bearer(tokens["official"])).status_code == 200
            )


# --- a batch of actual data ---------------------------------------------------------------


def _post(client, measure, rows, token):
    return client.post(
        reverse("api:measure-actuals", args=[measure.pk]),
        json.dumps({"actuals": rows}),
        content_type="application/json",
        **bearer(token),
    )


def _stored(measure):
    return list(measure.actuals.order_by("period").values_list("period", "value", "status", "note"))


def test_an_official_submits_a_batch_for_their_departments_measure(client, ctx, tokens):
    measure = ctx.measure["own"]
    response = _post(
        client,
        measure,
        [
            {"period": "2023-03", "value": "83.5", "status": "provisional"},
            {
                "period": "2023-04",
                "value": 84,
                "source": "Monthly return",
                "data_as_at": "2023-05-12",
            },
        ],
        tokens["official"],
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 0}
    april = measure.actuals.get(period=date(2023, 4, 1))
    assert (april.value, april.source, april.data_as_at) == (
        Decimal("84"),
        "Monthly return",
        date(2023, 5, 12),
    )
    assert april.history.first().history_user == ctx.world.users["official"]


def test_a_bad_batch_is_refused_row_by_row_and_changes_nothing(client, ctx, tokens):
    measure = ctx.measure["own"]
    before = _stored(measure)
    response = _post(
        client,
        measure,
        [
            {"period": "2023-03", "value": "99"},
            {"period": "2023-05", "value": "lots"},
            {"period": "2023-05", "value": "70", "status": "guessed"},
        ],
        tokens["analyst"],
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == api_services.BATCH_REFUSED
    assert body["rows"] == [
        {"row": 2, "errors": [VALUE_NOT_NUMBER.format(value="lots")]},
        {
            "row": 3,
            "errors": [
                STATUS_INVALID.format(status="guessed"),
                DUPLICATE_PERIOD.format(period="2023-05", row=3),
            ],
        },
    ]
    assert _stored(measure) == before


def test_a_batch_missing_a_value_is_refused_and_changes_nothing(client, ctx, tokens):
    measure = ctx.measure["own"]
    before = _stored(measure)
    response = _post(
        client,
        measure,
        [{"period": "2023-06", "value": "1"}, {"period": "2023-07"}],
        tokens["analyst"],
    )
    assert response.status_code == 400
    assert response.json()["rows"] == [{"row": 2, "errors": ["value: This field is required."]}]
    assert _stored(measure) == before


def test_who_may_submit_follows_the_importer_rule(client, ctx, tokens, world):
    from .factories import MeasureFactory, PriorityFactory

    chain_priority = PriorityFactory(code="API-CHAIN", lead_department=world.other)
    chain_priority.delivery_chain.add(world.own)
    chain = MeasureFactory(priority=chain_priority)
    rows = [{"period": "2023-06", "value": "1"}]
    assert _post(client, chain, rows, tokens["official"]).status_code == 403
    assert _post(client, ctx.measure["other"], rows, tokens["official"]).status_code == 404
    assert _post(client, ctx.measure["own"], rows, tokens["minister"]).status_code == 403
    assert _post(client, ctx.measure["own"], rows, tokens["minister_all"]).status_code == 403
    assert not chain.actuals.exists()


# --- the schema ---------------------------------------------------------------------------


def test_the_schema_is_valid_openapi_3(client, analyst):
    from openapi_spec_validator import validate

    client.force_login(analyst)
    response = client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/measures/{id}/actuals/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


def test_the_documentation_page_lists_every_endpoint_from_our_own_origin(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("api:docs"))
    html = response.content.decode()
    assert "POST /api/v1/measures/{id}/actuals/" in html
    assert "GET /api/v1/objectives/" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html
