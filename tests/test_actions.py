"""The one action tracker, an action's page and its status updates by owners and editors."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from deliveryunit import clock
from stocktakes import services
from stocktakes.forms_actions import CHOOSE_STATUS, UNKNOWN_FORUM
from stocktakes.models import Action, ActionStatus, ActionUpdate
from stocktakes.views_actions import ACTION_CONFLICT, ACTION_UPDATED, NOTHING_TO_SAVE

from .factories import UserFactory
from .matrix_stocktakes import build_stocktakes

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def ctx(world):
    ctx = SimpleNamespace(world=world)
    build_stocktakes(ctx)
    return ctx


def make_action(ctx, side="own", *, description="Publish the recovery plan", **fields):
    department = getattr(ctx.world, side)
    fields.setdefault("owner", "Director General")
    fields.setdefault("due", timezone.localdate() + timedelta(days=30))
    fields.setdefault("meeting", ctx.meeting[side])
    return services.action_create(
        by=ctx.world.users["analyst"], description=description, department=department, **fields
    )


def set_status(action, status, by):
    return services.action_update_status(
        action=action, by=by, expected_version=action.version, status=status
    )


def row_ids(response):
    return [action.pk for action in response.context["page"].object_list]


def update_url(action):
    return reverse("stocktakes:action_update", args=[action.pk])


# --- the tracker --------------------------------------------------------------------------


def test_tracker_shows_outstanding_actions_unless_asked_otherwise(client, ctx, analyst):
    today = timezone.localdate()
    open_action = make_action(ctx, description="Open one")
    in_progress = set_status(make_action(ctx, description="Started one"), "in_progress", analyst)
    done = set_status(make_action(ctx, description="Finished one"), "done", analyst)
    dropped = set_status(make_action(ctx, description="Dropped one"), "dropped", analyst)
    late = make_action(ctx, description="Late one", due=today - timedelta(days=1))
    client.force_login(analyst)
    url = reverse("stocktakes:action_list")

    assert set(row_ids(client.get(url))) == {open_action.pk, in_progress.pk, late.pk}
    assert row_ids(client.get(url, {"status": "overdue"})) == [late.pk]
    assert row_ids(client.get(url, {"status": "done"})) == [done.pk]
    assert set(row_ids(client.get(url, {"status": "all"}))) == {
        open_action.pk,
        in_progress.pk,
        done.pk,
        dropped.pk,
        late.pk,
    }


def test_tracker_filters_by_department_forum_and_owner(client, ctx, analyst, official):
    home = make_action(ctx, "own", owner_user=official)
    health = make_action(ctx, "other")
    unowned_home = make_action(ctx, "own", description="Nobody updates this")
    client.force_login(analyst)
    url = reverse("stocktakes:action_list")

    by_department = client.get(url, {"department": ctx.world.other.pk})
    assert row_ids(by_department) == [health.pk]
    by_forum = client.get(url, {"forum": ctx.forum["own"].pk})
    assert set(row_ids(by_forum)) == {home.pk, unowned_home.pk}

    client.force_login(official)
    assert row_ids(client.get(url, {"owner": "mine"})) == [home.pk]


def test_official_sees_only_their_department_actions(client, ctx, official):
    home = make_action(ctx, "own", description="Home Office action")
    health = make_action(ctx, "other", description="Health action")
    client.force_login(official)

    response = client.get(reverse("stocktakes:action_list"), {"status": "all"})

    assert row_ids(response) == [home.pk]
    assert "Health action" not in response.content.decode()
    # The filters offer only what the official may see.
    assert list(response.context["departments"]) == [ctx.world.own]
    assert list(response.context["forums"]) == [ctx.forum["own"]]
    assert client.get(reverse("stocktakes:action_detail", args=[home.pk])).status_code == 200
    assert client.get(reverse("stocktakes:action_detail", args=[health.pk])).status_code == 404


def test_out_of_scope_forum_filter_is_reported_and_left_out(client, ctx, official):
    home = make_action(ctx, "own")
    client.force_login(official)

    response = client.get(reverse("stocktakes:action_list"), {"forum": ctx.forum["other"].pk})

    assert response.status_code == 200
    assert escape(UNKNOWN_FORUM) in response.content.decode()
    assert row_ids(response) == [home.pk]


def test_tracker_sorts_by_a_column_both_ways(client, ctx, analyst):
    health = make_action(ctx, "other", description="Health")
    home = make_action(ctx, "own", description="Home")
    client.force_login(analyst)
    url = reverse("stocktakes:action_list")

    assert row_ids(client.get(url, {"sort": "department"})) == [health.pk, home.pk]
    response = client.get(url, {"sort": "-department"})
    assert row_ids(response) == [home.pk, health.pk]
    department_column = next(c for c in response.context["columns"] if c.key == "department")
    assert department_column.sorted == "descending"
    assert "sort=department" in department_column.url


def test_overdue_is_derived_from_due_date_and_status(client, ctx, analyst):
    yesterday = timezone.localdate() - timedelta(days=1)
    late_open = make_action(ctx, description="Late and open", due=yesterday)
    late_started = set_status(
        make_action(ctx, description="Late and started", due=yesterday), "in_progress", analyst
    )
    late_done = set_status(
        make_action(ctx, description="Late but done", due=yesterday), "done", analyst
    )
    on_time = make_action(ctx, description="Not due yet")
    client.force_login(analyst)

    response = client.get(reverse("stocktakes:action_list"), {"status": "all"})

    overdue = {action.pk: action.overdue for action in response.context["page"].object_list}
    assert overdue == {
        late_open.pk: True,
        late_started.pk: True,
        late_done.pk: False,
        on_time.pk: False,
    }
    html = response.content.decode()
    assert html.count('data-testid="overdue">Overdue</strong>') == 2
    assert response.context["overdue_count"] == 2
    assert late_open.is_overdue()
    assert not late_done.is_overdue()


def test_action_page_shows_source_and_log_newest_first(client, ctx, analyst):
    action = make_action(ctx, agenda_item=ctx.agenda_item["own"])
    services.action_update_status(
        action=action, by=analyst, expected_version=1, status="in_progress", note="First steps"
    )
    services.action_update_status(
        action=Action.objects.get(pk=action.pk),
        by=analyst,
        expected_version=2,
        status="in_progress",
        note="Second note",
    )
    client.force_login(analyst)

    response = client.get(reverse("stocktakes:action_detail", args=[action.pk]))

    notes = [update.note for update in response.context["updates"]]
    assert notes == ["Second note", "First steps", "Action agreed."]
    html = response.content.decode()
    assert ctx.forum["own"].name in html
    assert reverse("stocktakes:meeting_detail", args=[ctx.meeting["own"].pk]) in html
    assert ctx.agenda_item["own"].title in html


# --- status updates -----------------------------------------------------------------------


def test_owner_official_updates_their_action_with_htmx(client, ctx, official):
    action = make_action(ctx, owner_user=official)
    history_before = action.history.count()
    client.force_login(official)

    response = client.post(
        update_url(action),
        {"status": "in_progress", "note": "Guidance drafted", "version": action.version},
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="action-panel"' in html
    assert ACTION_UPDATED.format(status="in progress") in html
    assert "HX-Request" in response["Vary"]
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    assert action.version == 2
    update = action.updates.first()
    assert (update.by, update.status_from, update.status_to, update.note) == (
        official,
        "open",
        "in_progress",
        "Guidance drafted",
    )
    assert action.history.count() == history_before + 1
    assert action.history.first().history_user == official


def test_update_without_htmx_redirects_to_the_action(client, ctx, analyst):
    action = make_action(ctx)
    client.force_login(analyst)

    response = client.post(update_url(action), {"status": "done", "version": action.version})

    assert response.status_code == 302
    assert response["Location"] == reverse("stocktakes:action_detail", args=[action.pk])
    page = client.get(response["Location"])
    assert ACTION_UPDATED.format(status="done") in page.content.decode()


def test_official_cannot_update_someone_elses_action(client, ctx, official):
    colleague = UserFactory(username="colleague", role="official", department=ctx.world.own)
    action = make_action(ctx, owner_user=colleague)
    client.force_login(official)

    detail = client.get(reverse("stocktakes:action_detail", args=[action.pk]))
    response = client.post(update_url(action), {"status": "done", "version": action.version})

    assert detail.status_code == 200
    assert detail.context["may_update"] is False
    assert 'data-testid="action-update-form"' not in detail.content.decode()
    assert response.status_code == 403
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    assert action.updates.count() == 1


def test_official_cannot_update_another_departments_action_even_as_owner(client, ctx, official):
    action = make_action(ctx, "other", owner_user=official)
    client.force_login(official)

    response = client.post(update_url(action), {"status": "done", "version": action.version})

    assert response.status_code == 404
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_minister_cannot_update_actions(client, ctx, world):
    minister = world.users["minister"]
    action = make_action(ctx, owner_user=minister)
    client.force_login(minister)

    response = client.post(update_url(action), {"status": "done", "version": action.version})

    assert response.status_code == 403
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_concurrent_update_is_a_conflict_and_keeps_the_note(client, ctx, official, analyst):
    action = make_action(ctx, owner_user=official)
    opened_version = action.version
    # The analyst marks it done while the official has the page open.
    services.action_update_status(
        action=action, by=analyst, expected_version=opened_version, status="done", note="Closed"
    )
    client.force_login(official)

    response = client.post(
        update_url(action),
        {"status": "in_progress", "note": "Still working on it", "version": opened_version},
        **HTMX,
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert escape(ACTION_CONFLICT.format(status="done")) in html
    assert 'data-testid="current-status">Done</strong>' in html
    assert "Still working on it</textarea>" in html
    assert response.context["form"]["version"].value() == "2"
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert action.version == 2
    assert [u.note for u in action.updates.all()] == ["Closed", "Action agreed."]


def test_update_needs_a_known_status(client, ctx, analyst):
    action = make_action(ctx)
    client.force_login(analyst)

    response = client.post(update_url(action), {"status": "finished", "version": 1}, **HTMX)

    assert response.status_code == 422
    assert escape(CHOOSE_STATUS) in response.content.decode()
    assert Action.objects.get(pk=action.pk).version == 1


def test_htmx_update_needs_the_csrf_token(ctx, official):
    action = make_action(ctx, owner_user=official)
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    data = {"status": "in_progress", "note": "", "version": action.version}

    refused = client.post(update_url(action), data, **HTMX)
    assert refused.status_code == 403
    assert Action.objects.get(pk=action.pk).status == ActionStatus.OPEN

    page = client.get(reverse("stocktakes:action_detail", args=[action.pk]))
    token = page.cookies["csrftoken"].value
    # The page puts the token where htmx sends it from: hx-headers on <body>.
    assert "X-CSRFToken" in page.content.decode()
    accepted = client.post(update_url(action), data, HTTP_X_CSRFTOKEN=token, **HTMX)
    assert accepted.status_code == 200
    assert Action.objects.get(pk=action.pk).status == ActionStatus.IN_PROGRESS


def test_user_text_is_escaped(client, ctx, analyst):
    markup = '<script>alert("x")</script>'
    action = make_action(ctx, description=markup, owner=markup)
    services.action_update_status(
        action=action, by=analyst, expected_version=1, status="in_progress", note=markup
    )
    client.force_login(analyst)

    for url in (
        reverse("stocktakes:action_list"),
        reverse("stocktakes:action_detail", args=[action.pk]),
    ):
        html = client.get(url).content.decode()
        assert markup not in html
        assert "&lt;script&gt;" in html


# --- query bounds -------------------------------------------------------------------------


def _bulk_actions(ctx, count):
    today = timezone.localdate()
    Action.objects.bulk_create(
        [
            Action(
                description=f"Bulk action {n}",
                owner="Director",
                owner_user=ctx.world.users["official"] if n % 2 else None,
                department=ctx.world.own if n % 3 else ctx.world.other,
                due=today + timedelta(days=n % 40 - 20),
                status=ActionStatus.values[n % 4],
                meeting=ctx.meeting["own" if n % 3 else "other"],
            )
            for n in range(count)
        ]
    )


def _queries(client, url, params):
    # The business date is read at most every few seconds: read it on every counted request,
    # so the counts do not depend on how long the test took.
    clock.forget()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("user", ["analyst", "official"])
def test_tracker_runs_the_same_queries_for_10_or_1000_actions(client, ctx, world, user):
    client.force_login(world.users[user])
    url = reverse("stocktakes:action_list")
    params = {"status": "all", "sort": "-status"}
    _bulk_actions(ctx, 10)
    with_ten = _queries(client, url, params)
    _bulk_actions(ctx, 990)
    with_thousand = _queries(client, url, params)

    assert with_thousand == with_ten
    assert with_ten <= 12


def test_due_date_on_the_action_page(client, ctx, analyst):
    action = make_action(ctx, due=date(2031, 3, 5))
    client.force_login(analyst)
    assert (
        "5 March 2031"
        in client.get(reverse("stocktakes:action_detail", args=[action.pk])).content.decode()
    )
    assert ActionUpdate.objects.filter(action=action).count() == 1


def test_saving_the_same_status_without_a_note_changes_nothing(client, ctx, official):
    action = make_action(ctx, owner_user=official)
    client.force_login(official)

    response = client.post(
        update_url(action), {"status": "open", "note": "", "version": action.version}, **HTMX
    )

    assert response.status_code == 200
    assert escape(NOTHING_TO_SAVE) in response.content.decode()
    assert Action.objects.get(pk=action.pk).version == 1
    assert action.updates.count() == 1
