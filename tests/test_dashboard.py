"""The portfolio dashboard (the home page): a row per priority with likelihood and its move,
performance against trajectory with a sparkline, next milestone, actions and next meeting;
sub-targets folded under their parent; tiles, filters and sorting in the URL; the htmx
fragment; "what has changed"; "due from me"; scoping by role; a fixed number of queries."""

from datetime import date, time
from decimal import Decimal

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services as assessment_services
from assessments.models import Assessment, AssessmentRound, AssessmentStatus, RoundStatus
from deliveryunit import clock
from deliveryunit.models import Role
from portfolio import dashboard, forms
from priorities import periods
from priorities import services as priority_services
from priorities.models import (
    Actual,
    Measure,
    Milestone,
    MilestoneStatus,
    Priority,
    PriorityKind,
    Trajectory,
    TrajectoryPoint,
)
from priorities.services import ActualData
from stocktakes import services as stocktake_services
from stocktakes.models import Action, ActionStatus, Forum, ForumKind, Meeting

from .factories import MeasureFactory, MilestoneFactory, PriorityFactory, UserFactory
from .matrix_assessments import assess, make_round, select

HOME = reverse("home")
AS_AT = date(2023, 9, 15)


def _page(client, user, url=HOME, **headers):
    client.force_login(user)
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return response, lxml.html.fromstring(response.content.decode())


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _codes(page) -> list[str]:
    return [row.get("data-code") for row in select(page, 'tr[data-testid="dashboard-row"]')]


def _row(page, code):
    (row,) = [
        row
        for row in select(page, 'tr[data-testid="dashboard-row"]')
        if row.get("data-code") == code
    ]
    return row


def _cell(row, testid) -> str:
    (cell,) = select(row, f'td[data-testid="{testid}"]')
    return _text(cell)


def _monthly(start: date, values: list[float]) -> list[tuple[date, float]]:
    return [(periods.step(start, periods.MONTHLY, k), v) for k, v in enumerate(values)]


def _measure(priority, analyst, plan, actuals, **fields):
    measure = MeasureFactory(priority=priority, **fields)
    priority_services.trajectory_create(
        measure=measure,
        by=analyst,
        label="Plan",
        agreed_on=date(2022, 12, 1),
        points=[(day, Decimal(str(v))) for day, v in plan],
    )
    for day, value in actuals:
        priority_services.actual_record(
            measure=measure, by=analyst, data=ActualData(day, Decimal(str(value)))
        )
    return measure


@pytest.fixture
def portfolio(world):
    """Home Office: HO 1 (improved AR -> AG; off track since its latest figure, on track at the
    one before) with a sub-target HO 1a; HO 2, a strategic objective never assessed. Health:
    DH 1 (worsened G -> AR; on track). A forum covers HO 1 and meets after the "as at" date."""
    clock.set_as_at(AS_AT)
    analyst = world.users["analyst"]
    lead = world.users["unit_lead"]
    ho1 = PriorityFactory(code="HO 1", title="Asylum decisions", lead_department=world.own)
    ho1a = PriorityFactory(
        code="HO 1a", title="Fast-track claims", lead_department=world.own, parent=ho1
    )
    ho2 = PriorityFactory(
        code="HO 2",
        title="Neighbourhood policing",
        lead_department=world.own,
        kind=PriorityKind.STRATEGIC,
    )
    dh1 = PriorityFactory(code="DH 1", title="Waiting times", lead_department=world.other)
    ho1_measure = _measure(
        ho1,
        analyst,
        _monthly(date(2023, 1, 1), [60 + 2 * k for k in range(12)]),
        _monthly(date(2023, 1, 1), [60, 62, 64, 66, 68, 70, 72, 67]),
        name="Decisions within two months",
    )
    _measure(
        dh1,
        analyst,
        _monthly(date(2023, 1, 1), [50 + k for k in range(12)]),
        _monthly(date(2023, 1, 1), [50, 52, 53, 54, 55, 56, 58, 59]),
        name="Seen within 18 weeks",
    )
    first = make_round("June 2023", date(2023, 6, 30), [ho1, dh1], by=lead)
    assess(first, ho1, "H AR AR 2 AR")
    assess(first, dh1, "M G G 3 G")
    assessment_services.round_publish(round_=first, by=lead)
    second = make_round("September 2023", date(2023, 9, 1), [ho1, ho1a, dh1], by=lead)
    assess(second, ho1, "H AG AG 2 AG", likelihood_rationale="Plans now in place.")
    assess(second, ho1a, "H AG AG 2 G")
    assess(second, dh1, "M AR AR 3 AR")
    assessment_services.round_publish(round_=second, by=lead)
    forum = stocktake_services.forum_create(
        by=analyst,
        name="Asylum stocktake",
        kind=ForumKind.STOCKTAKE,
        chair="Prime Minister",
        priorities=[ho1],
    )
    stocktake_services.meeting_schedule(
        forum=forum, by=analyst, date=date(2023, 10, 4), start_time=time(10)
    )
    for description, due in (("Open a second centre", date(2023, 12, 1)), ("Hire", AS_AT)):
        stocktake_services.action_create(
            by=analyst,
            description=description,
            owner="Director General",
            department=world.own,
            due=due,
            priority=ho1,
        )
    stocktake_services.action_create(
        by=analyst,
        description="Late already",
        owner="Director General",
        department=world.own,
        due=date(2023, 8, 1),
        priority=ho1,
    )
    MilestoneFactory(priority=ho1, title="Centre opens", due=date(2023, 11, 1))
    MilestoneFactory(
        priority=ho1, title="Done earlier", due=date(2023, 2, 1), status=MilestoneStatus.ACHIEVED
    )
    return {
        "ho1": ho1,
        "ho1a": ho1a,
        "ho2": ho2,
        "dh1": dh1,
        "forum": forum,
        "measure": ho1_measure,
        "rounds": (first, second),
    }


# --- what a row says ----------------------------------------------------------------------------


def test_each_row_joins_likelihood_performance_sparkline_milestone_actions_and_meeting(
    client, world, portfolio
):
    _response, page = _page(client, world.users["minister_all"])

    row = _row(page, "HO 1")
    (likelihood,) = select(row, "[data-likelihood]")
    assert likelihood.get("data-likelihood") == "AG"
    assert likelihood.get("data-move") == "improved"
    assert _text(likelihood) == "AG ↑ from AR"
    assert "Amber-Green in September 2023: improved from Amber-Red (June 2023)" in _cell(
        row, "likelihood"
    )
    (performance,) = select(row, 'td[data-testid="performance"]')
    assert performance.get("data-status") == "off_track"
    assert "Off track" in _text(performance)
    assert "67% against 74% planned in Aug 2023" in _text(performance)
    (svg,) = select(performance, "svg")
    assert svg.get("aria-hidden") == "true"
    assert len(select(svg, "polyline")) == 2  # actuals and the plan
    (spark_text,) = select(performance, '[data-testid="sparkline-text"]')
    assert _text(spark_text) == (
        "Trend of Decisions within two months: Actual 67% in Aug 2023 against 74% planned; "
        "rising over 7 months"
    )
    assert _cell(row, "milestone") == "Centre opens 1 Nov 2023"
    (actions,) = select(row, 'td[data-testid="actions"]')
    assert (actions.get("data-open"), actions.get("data-overdue")) == ("3", "1")
    links = [a.get("href") for a in select(actions, "a")]
    assert links == [
        reverse("stocktakes:action_list") + f"?priority={portfolio['ho1'].pk}&status=outstanding",
        reverse("stocktakes:action_list") + f"?priority={portfolio['ho1'].pk}&status=overdue",
    ]
    assert _cell(row, "meeting") == "Asylum stocktake 4 Oct 2023"

    health = _row(page, "DH 1")
    assert _text(select(health, "[data-likelihood]")[0]) == "AR ↓ from G"
    assert select(health, 'td[data-testid="performance"]')[0].get("data-status") == "on_track"
    assert _cell(health, "meeting") == "None planned"
    assert _cell(health, "actions") == "None open"
    assert _cell(_row(page, "HO 2"), "likelihood") == "Not assessed"
    assert "No measures yet" in _cell(_row(page, "HO 2"), "performance")


def test_overdue_milestone_and_missing_review_column(client, world, portfolio):
    MilestoneFactory(priority=portfolio["dh1"], title="Late step", due=date(2023, 9, 1))
    from deliveryunit import priority_facts

    # With no app supplying reviews, the hook's column is not shown.
    registered = list(priority_facts._reviews)
    priority_facts._reviews.clear()
    try:
        _response, page = _page(client, world.users["analyst"])
    finally:
        priority_facts._reviews[:] = registered
    assert _cell(_row(page, "DH 1"), "milestone") == "Late step 1 Sep 2023 Overdue"
    assert not select(page, 'td[data-testid="review"]')
    assert "Review under way" not in _text(page)


def test_a_review_app_fills_the_review_column_through_the_hook(client, world, portfolio):
    from deliveryunit import priority_facts

    def reviews(user, ids):
        return {
            pk: priority_facts.ReviewUnderWay(title="Why decisions are slow", stage="Fieldwork")
            for pk in ids
            if pk == portfolio["ho1"].pk
        }

    registered = list(priority_facts._reviews)
    priority_facts.register_reviews(reviews)
    try:
        _response, page = _page(client, world.users["analyst"])
    finally:
        priority_facts._reviews[:] = registered
    assert _cell(_row(page, "HO 1"), "review") == "Why decisions are slow Fieldwork"
    assert _cell(_row(page, "DH 1"), "review") == ""


def test_sub_targets_sit_under_their_parent(client, world, portfolio):
    _response, page = _page(client, world.users["analyst"])
    assert _codes(page) == ["DH 1", "HO 1", "HO 1a", "HO 2"]
    parent, child = _row(page, "HO 1"), _row(page, "HO 1a")
    assert parent.get("data-children") == f"row-{portfolio['ho1a'].pk}"
    assert child.get("data-parent") == f"row-{portfolio['ho1'].pk}"
    assert child.get("data-depth") == "1"
    assert "Sub-target of HO 1:" in _text(select(child, "th")[0])
    assert "1 sub-target below" in _text(select(parent, "th")[0])


def test_a_sub_target_whose_parent_is_filtered_out_stands_alone_and_says_whose_it_is(
    client, world, portfolio
):
    _response, page = _page(client, world.users["analyst"], f"{HOME}?likelihood=G")
    assert _codes(page) == ["HO 1a"]
    row = _row(page, "HO 1a")
    assert row.get("data-depth") == "0"
    assert "Sub-target of HO 1" in _text(select(row, "th")[0])


# --- scope --------------------------------------------------------------------------------------


def test_the_prime_minister_sees_every_department(client, world, portfolio):
    _response, page = _page(client, world.users["minister_all"])
    assert _codes(page) == ["DH 1", "HO 1", "HO 1a", "HO 2"]


def test_a_department_minister_sees_only_their_departments_rows(client, world, portfolio):
    _response, page = _page(client, world.users["minister"])
    assert _codes(page) == ["HO 1", "HO 1a", "HO 2"]
    assert "Waiting times" not in _text(page)
    # Nor does the "what has changed" panel name the other department's priority.
    assert portfolio["dh1"].code not in _text(select(page, '[data-testid="changes"]')[0])


def test_an_official_sees_only_theirs_and_a_priority_in_their_delivery_chain(
    client, world, portfolio
):
    portfolio["dh1"].delivery_chain.add(world.own)
    _response, page = _page(client, world.users["official"])
    assert _codes(page) == ["DH 1", "HO 1", "HO 1a", "HO 2"]
    portfolio["dh1"].delivery_chain.clear()
    _response, page = _page(client, world.users["official"])
    assert _codes(page) == ["HO 1", "HO 1a", "HO 2"]


def test_a_sub_target_of_a_hidden_parent_never_names_it(client, world, portfolio):
    PriorityFactory(code="HO 9", lead_department=world.own, parent=portfolio["dh1"])
    _response, page = _page(client, world.users["minister"])
    row = _row(page, "HO 9")
    assert row.get("data-depth") == "0"
    assert "DH 1" not in _text(page)


def test_actions_counted_are_only_those_the_user_may_see(client, world, portfolio):
    stocktake_services.action_create(
        by=world.users["analyst"],
        description="Health's part",
        owner="Director",
        department=world.other,
        due=date(2023, 8, 1),
        priority=portfolio["ho1"],
    )
    _response, page = _page(client, world.users["analyst"])
    assert select(_row(page, "HO 1"), 'td[data-testid="actions"]')[0].get("data-open") == "4"
    _response, page = _page(client, world.users["minister"])
    assert select(_row(page, "HO 1"), 'td[data-testid="actions"]')[0].get("data-open") == "3"


# --- tiles, filters and sorting -----------------------------------------------------------------


def _tiles(page, testid) -> dict[str, str]:
    return {
        tile.get("data-key"): _text(select(tile, ".du-tile__count")[0])
        for tile in select(page, f'a[data-testid="{testid}"]')
    }


def test_tiles_count_by_likelihood_and_status_and_link_to_the_filtered_view(
    client, world, portfolio
):
    _response, page = _page(client, world.users["analyst"])
    assert _tiles(page, "likelihood-tile") == {
        "G": "1",
        "AG": "1",
        "AR": "1",
        "R": "0",
        "none": "1",
    }
    assert _tiles(page, "status-tile") == {
        "off_track": "1",
        "within_tolerance": "0",
        "on_track": "1",
        "no_data": "2",
    }
    (off_track,) = select(page, 'a[data-testid="status-tile"][data-key="off_track"]')
    assert off_track.get("href") == f"{HOME}?status=off_track"
    assert off_track.get("hx-get") == off_track.get("href")
    assert off_track.get("hx-push-url") == "true"

    _response, page = _page(client, world.users["analyst"], off_track.get("href"))
    assert _codes(page) == ["HO 1"]
    (selected,) = select(page, 'a[data-testid="status-tile"][aria-current="true"]')
    assert selected.get("data-key") == "off_track"


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("kind=strategic", ["HO 2"]),
        ("likelihood=AR", ["DH 1"]),
        ("likelihood=none", ["HO 2"]),
        ("status=on_track", ["DH 1"]),
        ("status=no_data", ["HO 1a", "HO 2"]),
        ("kind=psa&likelihood=AG", ["HO 1"]),
    ],
)
def test_filters_live_in_the_url_and_change_the_rows(client, world, portfolio, query, codes):
    _response, page = _page(client, world.users["analyst"], f"{HOME}?{query}")
    assert _codes(page) == codes
    for name, value in (pair.split("=") for pair in query.split("&")):
        (option,) = select(page, f'select[name="{name}"] option[value="{value}"]')
        assert option.get("selected") is not None


def test_department_filter_matches_lead_or_delivery_chain(client, world, portfolio):
    portfolio["dh1"].delivery_chain.add(world.own)
    _response, page = _page(client, world.users["analyst"], f"{HOME}?department={world.own.pk}")
    assert _codes(page) == ["DH 1", "HO 1", "HO 1a", "HO 2"]
    _response, page = _page(client, world.users["analyst"], f"{HOME}?department={world.other.pk}")
    assert _codes(page) == ["DH 1"]


def test_forum_filter_shows_the_priorities_in_its_scope(client, world, portfolio):
    url = f"{HOME}?forum={portfolio['forum'].pk}"
    _response, page = _page(client, world.users["analyst"], url)
    assert _codes(page) == ["HO 1"]


def test_invalid_filters_are_reported_and_the_valid_ones_still_apply(client, world, portfolio):
    other_forum = stocktake_services.forum_create(
        by=world.users["analyst"],
        name="Health stocktake",
        kind=ForumKind.STOCKTAKE,
        chair="Prime Minister",
        priorities=[portfolio["dh1"]],
    )
    url = f"{HOME}?forum={other_forum.pk}&likelihood=purple&status=off_track"
    _response, page = _page(client, world.users["minister"], url)
    summary = _text(select(page, ".govuk-error-summary")[0])
    assert forms.UNKNOWN_FORUM in summary
    assert forms.UNKNOWN_LIKELIHOOD in summary
    assert _codes(page) == ["HO 1"]  # off track, in the minister's scope
    _response, page = _page(client, world.users["minister"], f"{HOME}?status=lost&kind=x")
    summary = _text(select(page, ".govuk-error-summary")[0])
    assert forms.UNKNOWN_STATUS in summary
    assert forms.UNKNOWN_KIND in summary
    _response, page = _page(client, world.users["minister"], f"{HOME}?department={world.other.pk}")
    assert forms.UNKNOWN_DEPARTMENT in _text(select(page, ".govuk-error-summary")[0])


def test_column_headings_sort_both_ways_with_aria_sort(client, world, portfolio):
    _response, page = _page(client, world.users["analyst"], f"{HOME}?sort=likelihood")
    # Not assessed last, whichever way.
    assert _codes(page) == ["DH 1", "HO 1", "HO 1a", "HO 2"]
    (heading,) = select(page, 'th[aria-sort="ascending"]')
    (link,) = select(heading, "a")
    assert link.get("data-sort") == "likelihood"
    assert link.get("href") == f"{HOME}?sort=-likelihood"
    assert link.get("hx-get") == link.get("href")
    assert len(select(page, 'th[aria-sort="none"]')) == len(select(page, "thead th")) - 1

    _response, page = _page(client, world.users["analyst"], f"{HOME}?sort=-likelihood")
    assert _codes(page) == ["HO 1", "HO 1a", "DH 1", "HO 2"]
    assert select(page, 'th[aria-sort="descending"] a')[0].get("data-sort") == "likelihood"

    _response, page = _page(client, world.users["analyst"], f"{HOME}?sort=status")
    assert _codes(page)[:2] == ["HO 1", "HO 1a"]  # off track first, its sub-target with it
    _response, page = _page(client, world.users["analyst"], f"{HOME}?sort=-meeting&kind=psa")
    assert _codes(page) == ["HO 1", "HO 1a", "DH 1"]
    # A filter keeps the sort, and a sort keeps the filters.
    (kind,) = select(page, 'input[name="sort"]')
    assert kind.get("value") == "-meeting"
    (meeting,) = select(page, 'a[data-sort="meeting"]')
    assert meeting.get("href") == f"{HOME}?kind=psa&sort=meeting"


def test_an_unknown_sort_falls_back_to_code_order(client, world, portfolio):
    _response, page = _page(client, world.users["analyst"], f"{HOME}?sort=-nonsense")
    assert _codes(page) == ["DH 1", "HO 1", "HO 1a", "HO 2"]


def test_htmx_gets_the_results_only_and_the_response_varies_on_it(client, world, portfolio):
    response, page = _page(
        client, world.users["analyst"], f"{HOME}?status=off_track", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="dashboard-results"')
    assert _codes(page) == ["HO 1"]
    assert "Due from you" not in html
    assert "HX-Request" in response["Vary"]
    full, _page_ = _page(client, world.users["analyst"], f"{HOME}?status=off_track")
    assert "HX-Request" in full["Vary"]
    assert "<html" in full.content.decode()


def test_the_filter_form_works_without_javascript_and_asks_htmx_to_push_the_url(
    client, world, portfolio
):
    _response, page = _page(client, world.users["analyst"])
    (form,) = select(page, 'form[data-testid="dashboard-filters"]')
    assert form.get("method") == "get"
    assert form.get("action") == HOME
    assert form.get("hx-get") == HOME
    assert form.get("hx-target") == "#dashboard-results"
    assert form.get("hx-push-url") == "true"
    names = [s.get("name") for s in select(form, "select")]
    assert names == ["department", "forum", "kind", "likelihood", "status"]


# --- what has changed ---------------------------------------------------------------------------


def test_changes_panel_lists_likelihood_moves_and_priorities_that_slipped(client, world, portfolio):
    _response, page = _page(client, world.users["analyst"])
    moved = select(page, '[data-testid="moved"] li')
    assert [(li.get("data-priority"), li.get("data-move")) for li in moved] == [
        (str(portfolio["dh1"].pk), "worsened"),
        (str(portfolio["ho1"].pk), "improved"),
    ]
    assert "in September 2023" in _text(select(page, '[data-testid="changes"]')[0])
    (slipped,) = select(page, '[data-testid="slipped"] li')
    assert slipped.get("data-priority") == str(portfolio["ho1"].pk)
    assert "Decisions within two months (Aug 2023)" in _text(slipped)


def test_a_priority_already_off_track_has_not_slipped(client, world, portfolio):
    priority_services.actual_record(
        measure=portfolio["measure"],
        by=world.users["analyst"],
        data=ActualData(date(2023, 9, 1), Decimal("66")),
    )
    _response, page = _page(client, world.users["analyst"])
    assert select(page, '[data-testid="none-slipped"]')
    assert _row(page, "HO 1") is not None


# --- due from me --------------------------------------------------------------------------------


@pytest.fixture
def due_world(world, portfolio):
    """A draft round with an assessment the analyst writes, one another analyst writes and one
    priority nobody has taken; measures with data due and not; actions the official owns."""
    analyst = world.users["analyst"]
    colleague = UserFactory(username="colleague", role=Role.ANALYST)
    lead = world.users["unit_lead"]
    in_round = [portfolio["ho1"], portfolio["ho2"], portfolio["dh1"]]
    draft = make_round("December 2023", date(2023, 12, 31), in_round, by=lead)
    assess(draft, portfolio["ho1"], "- - - - -", status=AssessmentStatus.DRAFT, author=analyst)
    assess(draft, portfolio["dh1"], "- - - - -", status=AssessmentStatus.DRAFT, author=colleague)
    stale = _measure(
        portfolio["ho2"],
        analyst,
        [(date(2023, 1, 1), 10)],
        _monthly(date(2023, 1, 1), [10, 11, 12, 13, 14, 15]),  # to June: July was due by 30 Aug
        name="Officers on patrol",
    )
    _measure(
        portfolio["ho2"],
        analyst,
        [(date(2023, 1, 1), 10)],
        _monthly(date(2023, 1, 1), [10, 11, 12, 13, 14, 15, 16]),  # July: August not yet due
        name="Response times",
    )
    waiting = MeasureFactory(priority=portfolio["ho2"], name="Victims satisfied")
    priority_services.trajectory_create(
        measure=waiting,
        by=analyst,
        label="Plan",
        agreed_on=date(2023, 1, 1),
        points=[(date(2023, 5, 1), Decimal("80"))],
    )
    MeasureFactory(priority=portfolio["ho2"], name="No plan, no data")
    official = world.users["official"]
    mine = {}
    for key, due, status in (
        ("overdue", date(2023, 9, 1), ActionStatus.OPEN),
        ("soon", date(2023, 9, 20), ActionStatus.IN_PROGRESS),
        ("later", date(2023, 12, 1), ActionStatus.OPEN),
        ("done", date(2023, 9, 1), ActionStatus.DONE),
    ):
        mine[key] = stocktake_services.action_create(
            by=analyst,
            description=f"Official's {key} action",
            owner="Director",
            owner_user=official,
            department=world.own,
            due=due,
            status=status,
        )
    not_mine = stocktake_services.action_create(
        by=analyst,
        description="Someone else's",
        owner="Director",
        department=world.own,
        due=date(2023, 9, 1),
    )
    return {
        "draft": draft,
        "stale": stale,
        "waiting": waiting,
        "mine": mine,
        "not_mine": not_mine,
    }


def _due(page, testid) -> list:
    return select(page, f'[data-testid="{testid}"] li')


def test_an_analyst_is_due_their_drafts_and_the_unassigned_judgements(client, world, due_world):
    _response, page = _page(client, world.users["analyst"])
    judgements = _due(page, "due-judgements")
    ho1, ho2 = Priority.objects.get(code="HO 1"), Priority.objects.get(code="HO 2")
    assert [(li.get("data-priority"), "Your draft" in _text(li)) for li in judgements] == [
        (str(ho1.pk), True),
        (str(ho2.pk), False),
    ]
    (link,) = select(judgements[0], "a")
    assert link.get("href") == reverse(
        "assessments:assessment_edit", args=[due_world["draft"].pk, ho1.pk]
    )
    assert "Not yet taken" in _text(judgements[1])
    # The colleague's draft is theirs, and published rounds ask nothing.
    assert "DH 1" not in _text(select(page, '[data-testid="due-judgements"]')[0])


def test_data_is_due_a_period_and_a_publication_lag_after_the_last_one_received(
    client, world, due_world
):
    _response, page = _page(client, world.users["official"])
    due = {li.get("data-measure"): _text(li) for li in _due(page, "due-data")}
    assert set(due) == {str(due_world["stale"].pk), str(due_world["waiting"].pk)}
    assert "Jul 2023 is due; latest received Jun 2023" in due[str(due_world["stale"].pk)]
    assert "May 2023 is due; latest received none received yet" in due[str(due_world["waiting"].pk)]
    # The official submits for the Home Office only: Health's late data is not theirs.
    health_measure = Measure.objects.get(name="Seen within 18 weeks")
    Actual.objects.filter(measure=health_measure, period__gte=date(2023, 5, 1)).delete()
    priority_services.performance_refresh(measure_ids=[health_measure.pk])
    _response, page = _page(client, world.users["official"])
    assert str(health_measure.pk) not in {li.get("data-measure") for li in _due(page, "due-data")}
    _response, page = _page(client, world.users["analyst"])
    assert str(health_measure.pk) in {li.get("data-measure") for li in _due(page, "due-data")}


def test_the_rule_for_data_due():
    from portfolio.due import data_due

    monthly = periods.MONTHLY
    assert data_due(monthly, date(2023, 7, 1), None, date(2023, 9, 30)) is None
    assert data_due(monthly, date(2023, 7, 1), None, date(2023, 10, 1)) == date(2023, 8, 1)
    assert data_due(monthly, None, None, date(2030, 1, 1)) is None
    assert data_due(monthly, None, date(2023, 5, 1), date(2023, 7, 1)) == date(2023, 5, 1)
    quarterly = periods.QUARTERLY
    assert data_due(quarterly, date(2023, 1, 1), None, date(2023, 8, 14)) is None
    assert data_due(quarterly, date(2023, 1, 1), None, date(2023, 8, 15)) == date(2023, 4, 1)
    annual = periods.ANNUAL
    assert data_due(annual, date(2021, 1, 1), None, date(2023, 3, 31)) is None
    assert data_due(annual, date(2021, 1, 1), None, date(2023, 4, 1)) == date(2022, 1, 1)


def test_actions_owned_that_are_due_soon_or_overdue_are_due(client, world, due_world):
    _response, page = _page(client, world.users["official"])
    actions = _due(page, "due-actions")
    mine = due_world["mine"]
    assert [li.get("data-action") for li in actions] == [
        str(mine["overdue"].pk),
        str(mine["soon"].pk),
    ]
    assert "Overdue" in _text(actions[0])
    assert "Overdue" not in _text(actions[1])
    # Officials write no judgements.
    assert not _due(page, "due-judgements")


def test_a_minister_has_nothing_due(client, world, due_world):
    for username in ("minister", "minister_all"):
        _response, page = _page(client, world.users[username])
        assert not select(page, '[data-testid="due-from-me"]')


def test_nothing_due_says_so(client, world, portfolio):
    clock.set_as_at(date(2023, 9, 20))
    _response, page = _page(client, world.users["official"])
    assert select(page, '[data-testid="nothing-due"]')


# --- no edit controls for ministers ------------------------------------------------------------


def test_the_home_page_has_no_edit_controls_for_a_minister(client, world, due_world):
    for username in ("minister", "minister_all"):
        response, page = _page(client, world.users[username])
        html = response.content.decode()
        # The only form that posts is signing out.
        assert [f.get("action") for f in select(page, 'form[method="post"]')] == [reverse("logout")]
        for marker in ("/edit/", "/new/", "/import/", "/actuals/", "/update/"):
            assert marker not in html, (username, marker)


# --- a fixed number of queries -----------------------------------------------------------------


def _bulk(world, count: int, start: int) -> None:
    """`count` priorities in both departments (a third of them sub-targets), each with two
    measures with stored performance, two published assessments, a milestone, two actions and
    a forum meeting, written in bulk."""
    priorities = Priority.objects.bulk_create(
        Priority(
            code=f"B{start + n:04d}",
            title=f"Bulk {start + n}",
            lead_department=world.own if n % 2 else world.other,
            deadline=date(2024, 12, 31),
        )
        for n in range(count)
    )
    for n, priority in enumerate(priorities):
        if n % 3 == 2:
            priority.parent = priorities[n - 2]
    Priority.objects.bulk_update(priorities, ["parent"])
    measures = Measure.objects.bulk_create(
        Measure(
            priority=p,
            name=f"Measure {k} of {p.code}",
            unit="%",
            direction="higher",
            frequency="monthly",
            target_value=Decimal("90"),
            tolerance=Decimal("1"),
        )
        for p in priorities
        for k in range(2)
    )
    trajectories = Trajectory.objects.bulk_create(
        Trajectory(measure=m, number=1, label="Plan", agreed_on=date(2022, 1, 1)) for m in measures
    )
    TrajectoryPoint.objects.bulk_create(
        TrajectoryPoint(trajectory=t, period=day, value=Decimal(v))
        for t in trajectories
        for day, v in ((date(2023, 1, 1), 80), (date(2024, 12, 1), 90))
    )
    Actual.objects.bulk_create(
        Actual(measure=m, period=day, value=Decimal(80 + (k % 4) - (m.pk % 3)))
        for m in measures
        for k, (day, _v) in enumerate(_monthly(date(2023, 1, 1), [0] * 8))
    )
    priority_services.performance_refresh(measure_ids=[m.pk for m in measures])
    Milestone.objects.bulk_create(
        Milestone(priority=p, title="Bulk step", due=date(2023, 12, 1)) for p in priorities
    )
    rounds = list(AssessmentRound.objects.filter(status=RoundStatus.PUBLISHED))
    through = AssessmentRound.priorities.through
    through.objects.bulk_create(
        through(assessmentround_id=r.pk, priority_id=p.pk) for r in rounds for p in priorities
    )
    Assessment.objects.bulk_create(
        Assessment(
            round=r,
            priority=p,
            likelihood=["R", "AR", "AG", "G"][(p.pk + r.pk) % 4],
            status=AssessmentStatus.AGREED,
        )
        for r in rounds
        for p in priorities
    )
    Action.objects.bulk_create(
        Action(
            description=f"Bulk action {k}",
            owner="Director",
            department=p.lead_department,
            due=date(2023, 8 + 2 * k, 1),
            priority=p,
        )
        for p in priorities
        for k in range(2)
    )
    forum = Forum.objects.create(name=f"Bulk forum {start}", kind=ForumKind.TASK_FORCE, chair="PM")
    forum.priorities.add(*priorities)
    Meeting.objects.create(forum=forum, date=date(2023, 10, 1 + start % 20))


def _count(client, url) -> int:
    clock.forget()  # the business date is read on every counted request
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("username", ["minister_all", "minister"])
def test_dashboard_runs_the_same_queries_for_30_or_300_priorities(
    client, world, portfolio, username
):
    client.force_login(world.users[username])
    _bulk(world, 30, 0)
    small = _count(client, HOME)
    small_filtered = _count(client, f"{HOME}?status=off_track&sort=-likelihood")

    _bulk(world, 270, 30)
    assert Priority.objects.filter(code__startswith="B").count() == 300
    large = _count(client, HOME)
    assert large == small
    assert _count(client, f"{HOME}?status=off_track&sort=-likelihood") == small_filtered
    # The table pages through the top-level rows; every row is on one page or another.
    codes, url = [], HOME
    while url:
        _response, page = _page(client, world.users[username], url)
        codes += _codes(page)
        (nav,) = select(page, '[data-testid="dashboard-pages"]') or [None]
        url = next((a.get("href") for a in select(nav, 'a[rel="next"]')), None) if nav else None
    expected = 300 if username == "minister_all" else 150
    assert len([c for c in codes if c.startswith("B")]) == expected
    assert len(codes) == len(set(codes))
    print(f"\n{username}: {small} queries at 30 priorities, {large} at 300")  # noqa: T201


def test_the_table_pages_but_tiles_and_counts_cover_every_row(client, world, portfolio):
    # 90 bulk rows (60 top-level, 30 sub-targets) and the 4 of the portfolio (3 top-level).
    _bulk(world, 90, 0)
    _response, first = _page(client, world.users["minister_all"], f"{HOME}?sort=-priority")

    def top_level(page):
        rows = select(page, 'tr[data-testid="dashboard-row"]')
        return [row.get("data-code") for row in rows if row.get("data-depth") == "0"]

    assert len(top_level(first)) == dashboard.ROWS_PER_PAGE
    tiles = select(first, '[data-testid="status-tile"]')
    assert sum(int(_text(select(t, ".du-tile__count")[0])) for t in tiles) == 94
    assert _text(select(first, "caption")[0]).startswith("94 priorities")
    assert "Page 1 of 2" in _text(select(first, '[data-testid="page-of"]')[0])
    (nav,) = select(first, 'nav[data-testid="dashboard-pages"]')
    (following,) = select(nav, 'a[rel="next"]')
    # The page link keeps the sort and works without JavaScript and with htmx.
    assert following.get("href") == f"{HOME}?sort=-priority&page=2"
    assert following.get("hx-get") == following.get("href")
    assert select(nav, 'a[aria-current="page"]')[0].text_content() == "1"

    _response, second = _page(client, world.users["minister_all"], following.get("href"))
    assert len(top_level(second)) == 63 - dashboard.ROWS_PER_PAGE
    assert set(_codes(second)).isdisjoint(_codes(first))
    assert len(_codes(second)) + len(_codes(first)) == 94
    # Sorting or filtering starts again at the first page.
    (sort_link,) = select(second, 'a[data-sort="status"]')
    assert "page=" not in sort_link.get("href")
    assert select(second, 'a[rel="prev"]')[0].get("href") == f"{HOME}?sort=-priority"
    # A page past the end shows the last one.
    _response, beyond = _page(client, world.users["minister_all"], f"{HOME}?sort=-priority&page=9")
    assert _codes(beyond) == _codes(second)
