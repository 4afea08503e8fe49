"""The priority page joined up: the panels other apps supply through the base (assessment
history, actions, meetings), in a fixed number of queries; the list's likelihood column and
forum filter; the action tracker filtered by priority."""

from datetime import date, timedelta
from types import SimpleNamespace

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import AssessmentRound, RoundStatus
from deliveryunit import clock, panels
from stocktakes import services as stocktake_services
from stocktakes.forms_actions import UNKNOWN_PRIORITY
from stocktakes.models import ActionStatus, ForumKind

from .matrix_actions import build_actions
from .matrix_assessments import assess, build_rounds, make_round, select
from .matrix_packs import build_packs

AS_AT = date(2024, 5, 1)


@pytest.fixture
def ctx(world):
    """The matrix's priorities, rounds (one published, one draft), forums, meetings, packs and
    actions; plus actions on the Home Office priority and a Health meeting with it on the
    agenda."""
    clock.set_as_at(AS_AT)
    ctx = SimpleNamespace(world=world)
    build_rounds(ctx)
    build_actions(ctx)
    build_packs(ctx)
    analyst = world.users["analyst"]
    priority = ctx.priority["own"]
    ctx.on_priority = {}
    for key, due, status, department in (
        ("overdue", date(2024, 3, 1), ActionStatus.OPEN, world.own),
        ("open", date(2024, 5, 1), ActionStatus.IN_PROGRESS, world.own),
        ("done", date(2024, 2, 1), ActionStatus.DONE, world.own),
        ("health", date(2024, 3, 1), ActionStatus.OPEN, world.other),
    ):
        ctx.on_priority[key] = stocktake_services.action_create(
            by=analyst,
            description=f"Action {key}",
            owner="Director",
            department=department,
            due=due,
            status=status,
            priority=priority,
        )
    stocktake_services.agenda_item_add(
        meeting=ctx.meeting["other"], by=analyst, title="Home Office read-across", priority=priority
    )
    return ctx


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _publish(round_) -> None:
    # Straight to published: the publishing service's delivery reports are not what these
    # tests are about, and take seconds to build.
    AssessmentRound.objects.filter(pk=round_.pk).update(status=RoundStatus.PUBLISHED)


def _detail(priority) -> str:
    return reverse("priorities:detail", args=[priority.pk])


def test_panels_are_registered_from_the_apps_in_order():
    assert panels.registered()[:3] == ["assessment_history", "actions", "meetings"]


def test_assessment_history_shows_the_rounds_the_user_may_see(client, world, ctx):
    priority = ctx.priority["own"]
    page = _page(client, world.users["analyst"], _detail(priority))
    rounds = select(page, '[data-testid="history-round"]')
    assert [r.get("data-round") for r in rounds] == [
        str(ctx.round_published.pk),
        str(ctx.round_draft.pk),
    ]
    # The five judgements in the grid's markup, and a link to each assessment.
    assert [_text(cell) for cell in select(rounds[0], "td.du-rag-cell")] == [
        "H",
        "AR",
        "R",
        "2",
        "R",
    ]
    assert select(rounds[0], "td.du-rag-cell span.du-rag--red abbr")
    links = [a.get("href") for a in select(page, '[data-testid="history-round"] a')]
    assert links == [
        reverse("assessments:assessment_detail", args=[ctx.published_assessment["own"].pk]),
        reverse("assessments:assessment_detail", args=[ctx.round_assessment["own"].pk]),
    ]
    assert "(draft)" in _text(rounds[1])
    assert _text(select(page, '[data-testid="latest-rationale"]')[0]) == "Why own"

    for username in ("minister", "official", "minister_all"):
        page = _page(client, world.users[username], _detail(priority))
        rounds = select(page, '[data-testid="history-round"]')
        assert [r.get("data-round") for r in rounds] == [str(ctx.round_published.pk)], username


def test_the_latest_rationale_is_the_newest_round_that_gives_one(client, world, ctx):
    draft = ctx.round_assessment["own"]
    type(draft).objects.filter(pk=draft.pk).update(likelihood_rationale="Newer thinking")
    page = _page(client, world.users["analyst"], _detail(ctx.priority["own"]))
    assert _text(select(page, '[data-testid="latest-rationale"]')[0]) == "Newer thinking"
    page = _page(client, world.users["minister"], _detail(ctx.priority["own"]))
    assert _text(select(page, '[data-testid="latest-rationale"]')[0]) == "Why own"


def test_a_priority_never_assessed_says_so(client, world, ctx):
    from .factories import PriorityFactory

    fresh = PriorityFactory(code="NEW", lead_department=world.own)
    page = _page(client, world.users["minister"], _detail(fresh))
    assert select(page, '[data-testid="no-assessments"]')
    assert select(page, '[data-testid="no-priority-actions"]')
    assert select(page, '[data-testid="no-priority-meetings"]')


def test_actions_on_the_priority_open_first_overdue_marked(client, world, ctx):
    page = _page(client, world.users["analyst"], _detail(ctx.priority["own"]))
    rows = select(page, '[data-testid="priority-action"]')
    on = ctx.on_priority
    assert [r.get("data-action") for r in rows] == [
        str(on["overdue"].pk),
        str(on["health"].pk),
        str(on["open"].pk),
        str(on["done"].pk),
    ]
    assert select(rows[0], '[data-testid="overdue"]')
    assert not select(rows[2], '[data-testid="overdue"]')
    assert not select(rows[3], '[data-testid="overdue"]')
    counts = _text(select(page, '[data-testid="action-counts"]')[0])
    assert counts.startswith("3 outstanding, 2 overdue.")
    (tracker,) = select(select(page, '[data-testid="action-counts"]')[0], "a")
    assert tracker.get("href") == (
        reverse("stocktakes:action_list") + f"?priority={ctx.priority['own'].pk}&status=all"
    )
    # The Home Office minister does not see the Health department's action.
    page = _page(client, world.users["minister"], _detail(ctx.priority["own"]))
    shown = [r.get("data-action") for r in select(page, '[data-testid="priority-action"]')]
    assert str(on["health"].pk) not in shown
    assert len(shown) == 3


def test_meetings_that_covered_the_priority_with_their_packs(client, world, ctx):
    priority = ctx.priority["own"]
    page = _page(client, world.users["analyst"], _detail(priority))
    past = select(page, '[data-testid="past-meetings"] li')
    # Latest first; the two on 6 March the later-made first.
    assert [li.get("data-meeting") for li in past] == [
        str(ctx.held_meeting["own"].pk),
        str(ctx.meeting["other"].pk),
        str(ctx.meeting["own"].pk),
    ]
    assert "the priority is in the forum's scope" in _text(past[2])
    assert "on the agenda" in _text(past[2])
    assert "on the agenda" in _text(past[1])
    assert "forum's scope" not in _text(past[1])
    packs = [a.get("href") for a in select(past[2], "a")]
    assert reverse("stocktakes:pack_detail", args=[ctx.pack["own"].pk]) in packs
    assert not select(page, '[data-testid="upcoming-meetings"]')

    # The Home Office minister cannot see the Health forum's meeting.
    page = _page(client, world.users["minister"], _detail(priority))
    shown = [li.get("data-meeting") for li in select(page, '[data-testid="past-meetings"] li')]
    assert str(ctx.meeting["other"].pk) not in shown

    coming = stocktake_services.meeting_schedule(
        forum=ctx.forum["own"], by=world.users["analyst"], date=AS_AT + timedelta(days=30)
    )
    page = _page(client, world.users["minister"], _detail(priority))
    upcoming = select(page, '[data-testid="upcoming-meetings"] li')
    assert [li.get("data-meeting") for li in upcoming] == [str(coming.pk)]


def test_the_page_names_nothing_of_another_department_to_a_minister(client, world, ctx):
    page = _page(client, world.users["minister"], _detail(ctx.priority["own"]))
    text = _text(page)
    assert "Matrix forum other" not in text
    assert "Action health" not in text


def _count(client, url) -> int:
    clock.forget()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_panels_run_the_same_queries_whatever_the_history(client, world, ctx):
    client.force_login(world.users["analyst"])
    url = _detail(ctx.priority["own"])
    small = _count(client, url)
    analyst, lead = world.users["analyst"], world.users["unit_lead"]
    for n in range(5):
        round_ = make_round(f"Extra {n}", date(2001, 1, 1 + n), [ctx.priority["own"]], by=lead)
        assess(round_, ctx.priority["own"], "M G G 3 G", likelihood_rationale=f"R{n}")
        _publish(round_)
        stocktake_services.action_create(
            by=analyst,
            description=f"More {n}",
            owner="Director",
            department=world.own,
            due=date(2024, 1, 1 + n),
            priority=ctx.priority["own"],
        )
        forum = stocktake_services.forum_create(
            by=analyst,
            name=f"Extra forum {n}",
            kind=ForumKind.STOCKTAKE,
            chair="PM",
            priorities=[ctx.priority["own"]],
        )
        stocktake_services.meeting_schedule(forum=forum, by=analyst, date=date(2024, 5, 1 + n))
    assert _count(client, url) == small


# --- the list -----------------------------------------------------------------------------------


def _list_rows(page):
    return {row.get("data-code"): row for row in select(page, 'tr[data-testid="priority-row"]')}


def test_the_list_shows_the_latest_published_likelihood_with_its_move(client, world, ctx):
    lead = world.users["unit_lead"]
    later = make_round("Later", date(2004, 6, 30), [ctx.priority["own"]], by=lead)
    assess(later, ctx.priority["own"], "H AR AG 3 AG")
    _publish(later)

    page = _page(client, world.users["minister_all"], reverse("priorities:list"))
    rows = _list_rows(page)
    own = select(rows[ctx.priority["own"].code], '[data-testid="likelihood"]')[0]
    (mark,) = select(own, "[data-likelihood]")
    assert (mark.get("data-likelihood"), mark.get("data-move")) == ("AG", "improved")
    assert _text(mark) == "AG ↑ from R"
    other = select(rows[ctx.priority["other"].code], '[data-testid="likelihood"]')[0]
    (mark,) = select(other, "[data-likelihood]")
    # Only the published round counts: the draft's AG is not shown, even to the unit's analyst.
    assert (mark.get("data-likelihood"), mark.get("data-move")) == ("R", "")
    page = _page(client, world.users["analyst"], reverse("priorities:list"))
    other = select(_list_rows(page)[ctx.priority["other"].code], "[data-likelihood]")[0]
    assert other.get("data-likelihood") == "R"


def test_the_list_filters_by_forum(client, world, ctx):
    url = reverse("priorities:list") + f"?forum={ctx.forum['own'].pk}"
    page = _page(client, world.users["analyst"], url)
    assert list(_list_rows(page)) == [ctx.priority["own"].code]
    (option,) = select(page, f'select[name="forum"] option[value="{ctx.forum["own"].pk}"]')
    assert option.get("selected") is not None
    # The Home Office minister is offered only the forums they can see, and told when a link
    # names another.
    url = reverse("priorities:list") + f"?forum={ctx.forum['other'].pk}"
    page = _page(client, world.users["minister"], url)
    assert not select(page, f'select[name="forum"] option[value="{ctx.forum["other"].pk}"]')
    assert "Choose a forum from the list" in _text(select(page, ".govuk-error-summary")[0])
    assert list(_list_rows(page)) == [ctx.priority["own"].code]


# --- the tracker, by priority -------------------------------------------------------------------


def test_the_tracker_shows_one_prioritys_actions(client, world, ctx):
    priority = ctx.priority["own"]
    url = reverse("stocktakes:action_list") + f"?priority={priority.pk}&status=all"
    page = _page(client, world.users["analyst"], url)
    shown = {r.get("data-action") for r in select(page, '[data-testid="action-row"]')}
    assert shown == {str(a.pk) for a in ctx.on_priority.values()}
    note = _text(select(page, '[data-testid="priority-filter"]')[0])
    assert note == f"Actions on {priority.code}: {priority.title}"
    (kept,) = select(page, 'input[name="priority"]')
    assert kept.get("value") == str(priority.pk)


def test_the_tracker_refuses_a_priority_out_of_scope(client, world, ctx):
    url = reverse("stocktakes:action_list") + f"?priority={ctx.priority['other'].pk}&status=all"
    page = _page(client, world.users["official"], url)
    assert UNKNOWN_PRIORITY in _text(select(page, ".govuk-error-summary")[0])
    assert not select(page, '[data-testid="priority-filter"]')
    assert ctx.priority["other"].title not in _text(page)


def test_a_draft_round_assessment_is_not_in_the_history_of_others(client, world, ctx):
    # Moving the draft on to moderation changes nothing for readers.
    ctx.round_draft.status = "moderation"
    ctx.round_draft.save(update_fields=["status"])
    page = _page(client, world.users["official"], _detail(ctx.priority["own"]))
    assert str(ctx.round_draft.pk) not in {
        r.get("data-round") for r in select(page, '[data-testid="history-round"]')
    }
    page = _page(client, world.users["analyst"], _detail(ctx.priority["own"]))
    assert str(ctx.round_draft.pk) in {
        r.get("data-round") for r in select(page, '[data-testid="history-round"]')
    }
