"""The priority list, the priority page with its charts, and the history pages."""

import dataclasses
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from deliveryunit import clock
from deliveryunit.models import Department, Role
from priorities import periods, selectors, services, views
from priorities.models import (
    Actual,
    ActualStatus,
    Measure,
    Milestone,
    MilestoneStatus,
    Priority,
    PriorityKind,
    Trajectory,
    TrajectoryPoint,
)
from priorities.performance import OFF_TRACK, ON_TRACK, Forecast, Performance
from priorities.series import MeasureSeries, Point
from priorities.services import ActualData

from .factories import (
    DepartmentFactory,
    MeasureFactory,
    MilestoneFactory,
    PriorityFactory,
    UserFactory,
    add_trajectory,
)

LIST_URL = reverse("priorities:list")
SCRIPT = "<script>alert(1)</script>"


def _detail(priority) -> str:
    return reverse("priorities:detail", args=[priority.pk])


def _rows(html: str) -> list[tuple[str, int, bool]]:
    """(code, depth, context only) of each row of the list, in order."""
    rows = re.findall(
        r'data-testid="priority-row" data-code="([^"]+)" data-depth="(\d+)"( data-context)?', html
    )
    return [(code, int(depth), bool(context)) for code, depth, context in rows]


def _get(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _monthly(start: date, count: int) -> list[date]:
    return [periods.step(start, periods.MONTHLY, k) for k in range(count)]


# --- the list ---------------------------------------------------------------------------------


def test_list_is_a_full_page_with_hierarchy_indented(client, world, analyst):
    top = PriorityFactory(code="PSA 7", title="Asylum", lead_department=world.own)
    sub = PriorityFactory(code="PSA 7a", title="Removals", lead_department=world.own, parent=top)
    subsub = PriorityFactory(
        code="PSA 7a1", title="Fast track", lead_department=world.own, parent=sub
    )
    PriorityFactory(code="PSA 10", title="Later code", lead_department=world.other)
    PriorityFactory(code="PSA 2", title="Earlier code", lead_department=world.other)

    html = _get(client, analyst, LIST_URL)

    assert "<html" in html
    assert 'aria-current="page"' in html
    # Natural code order at each level, children straight after their parent.
    assert _rows(html) == [
        ("PSA 2", 0, False),
        ("PSA 7", 0, False),
        ("PSA 7a", 1, False),
        ("PSA 7a1", 2, False),
        ("PSA 10", 0, False),
    ]
    assert "du-indent-1" in html
    assert "du-indent-2" in html
    assert "Sub-target of PSA 7: " in html
    assert "Sub-target of PSA 7a: " in html
    assert f'href="{_detail(subsub)}"' in html
    assert "5 priorities" in html


def test_list_filters_by_kind(client, world, analyst):
    PriorityFactory(code="A1", kind=PriorityKind.PSA, lead_department=world.own)
    PriorityFactory(code="B1", kind=PriorityKind.STRATEGIC, lead_department=world.own)

    html = _get(client, analyst, f"{LIST_URL}?kind=strategic")

    assert [code for code, _, _ in _rows(html)] == ["B1"]
    assert '<option value="strategic" selected>' in html
    assert "1 priority matching the filters" in html


def test_list_filters_by_department_lead_or_delivery_chain(client, world, analyst):
    led = PriorityFactory(code="LED", lead_department=world.own)
    chained = PriorityFactory(code="CHAIN", lead_department=world.other)
    chained.delivery_chain.add(world.own)
    PriorityFactory(code="OTHER", lead_department=world.other)

    html = _get(client, analyst, f"{LIST_URL}?department={world.own.pk}")

    assert [code for code, _, _ in _rows(html)] == ["CHAIN", "LED"]
    assert f'<option value="{world.own.pk}" selected>' in html
    assert led.title in html
    assert chained.title in html


def test_filtered_out_parent_is_shown_greyed_above_its_matching_child(client, world, analyst):
    parent = PriorityFactory(code="P", kind=PriorityKind.PSA, lead_department=world.own)
    PriorityFactory(
        code="P.1", kind=PriorityKind.STRATEGIC, parent=parent, lead_department=world.own
    )

    html = _get(client, analyst, f"{LIST_URL}?kind=strategic")

    assert _rows(html) == [("P", 0, True), ("P.1", 1, False)]
    assert "Shown for context: does not match the filters" in html
    assert f'href="{_detail(parent)}"' not in html  # context rows are not links
    assert "1 priority matching the filters" in html


def test_no_match_says_so(client, world, analyst):
    PriorityFactory(code="A1", kind=PriorityKind.PSA, lead_department=world.own)
    html = _get(client, analyst, f"{LIST_URL}?kind=corporate")
    assert "No priorities match these filters." in html


def test_official_sees_own_and_delivery_chain_priorities_only(client, world, official):
    PriorityFactory(code="OWN", lead_department=world.own)
    in_chain = PriorityFactory(code="CHAIN", lead_department=world.other)
    in_chain.delivery_chain.add(world.own)
    hidden = PriorityFactory(code="HIDDEN", title="Hidden priority", lead_department=world.other)
    third = DepartmentFactory(name="Department for Education", code="DfE")
    PriorityFactory(code="THIRD", lead_department=third)

    html = _get(client, official, LIST_URL)

    assert [code for code, _, _ in _rows(html)] == ["CHAIN", "OWN"]
    assert hidden.title not in html
    # The department filter offers only departments of priorities the official can see.
    assert f'<option value="{world.own.pk}"' in html
    assert f'<option value="{world.other.pk}"' in html
    assert f'<option value="{third.pk}"' not in html
    assert "Department for Education" not in html


def test_official_filtering_by_a_department_they_cannot_see_gets_an_error(client, world, official):
    PriorityFactory(code="OWN", lead_department=world.own)
    third = DepartmentFactory(name="Department for Education", code="DfE")
    PriorityFactory(code="THIRD", lead_department=third)

    html = _get(client, official, f"{LIST_URL}?department={third.pk}")

    assert "There is a problem" in html
    assert views.UNKNOWN_DEPARTMENT in html
    assert 'href="#filter-department"' in html
    assert [code for code, _, _ in _rows(html)] == ["OWN"]


def test_unknown_kind_is_reported(client, world, analyst):
    html = _get(client, analyst, f"{LIST_URL}?kind=nonsense")
    assert views.UNKNOWN_KIND in html


def test_sub_target_of_a_priority_the_official_cannot_see_sits_at_top_level(
    client, world, official
):
    hidden_parent = PriorityFactory(code="DH1", title="Hidden parent", lead_department=world.other)
    PriorityFactory(code="HO1", lead_department=world.own, parent=hidden_parent)

    html = _get(client, official, LIST_URL)

    assert _rows(html) == [("HO1", 0, False)]
    assert "Hidden parent" not in html
    assert "DH1" not in html


def test_list_shows_each_measures_status_as_text(client, world, analyst):
    priority = PriorityFactory(code="S1", lead_department=world.own)
    behind = MeasureFactory(priority=priority, name="Behind plan", tolerance=Decimal("1"))
    add_trajectory(behind, [(date(2023, 1, 1), 90), (date(2023, 12, 1), 95)])
    services.actual_record(
        measure=behind, by=analyst, data=ActualData(date(2023, 1, 1), Decimal("80"))
    )
    ahead = MeasureFactory(priority=priority, name="Ahead of plan")
    add_trajectory(ahead, [(date(2023, 1, 1), 90)])
    services.actual_record(
        measure=ahead, by=analyst, data=ActualData(date(2023, 1, 1), Decimal("91"))
    )
    MeasureFactory(priority=priority, name="Nothing yet")

    html = _get(client, analyst, LIST_URL)

    assert "3 measures" in html
    assert re.search(
        r'govuk-tag--red" data-status="off_track">Off track</strong>\s+Behind plan', html
    )
    assert re.search(
        r'govuk-tag--green" data-status="on_track">On track</strong>\s+Ahead of plan', html
    )
    assert re.search(r'data-status="no_data">No data</strong>\s+Nothing yet', html)


def test_list_links_to_forms_only_for_those_allowed(client, world):
    PriorityFactory(code="X1", lead_department=world.own)
    create_url = reverse("priorities:create")
    import_url = reverse("priorities:import")

    analyst_html = _get(client, world.users["analyst"], LIST_URL)
    assert f'href="{create_url}"' in analyst_html
    assert f'href="{import_url}"' in analyst_html
    official_html = _get(client, world.users["official"], LIST_URL)
    assert f'href="{create_url}"' not in official_html
    assert f'href="{import_url}"' in official_html
    minister_html = _get(client, world.users["minister"], LIST_URL)
    assert create_url not in minister_html
    assert import_url not in minister_html


# --- the priority page ------------------------------------------------------------------------


@pytest.fixture
def page_priority(world, analyst):
    top = PriorityFactory(code="PSA 7", title="Asylum applications", lead_department=world.own)
    priority = services.priority_create(
        by=analyst,
        code="PSA 7a",
        title="Halve unfounded applications",
        target_statement="Halve the monthly number of applications by September 2003.",
        lead_department=world.own,
        parent=top,
        senior_responsible_owner="Director General, Immigration",
        minister="Home Secretary",
        kind=PriorityKind.PSA,
        start=date(2002, 10, 1),
        deadline=date(2004, 3, 31),
        delivery_chain=[world.other],
    )
    PriorityFactory(
        code="PSA 7a-i", title="Detained fast track", parent=priority, lead_department=world.own
    )
    measure = MeasureFactory(
        priority=priority,
        name="Asylum applications",
        unit="%",
        target_value=Decimal("78"),
        target_date=date(2004, 3, 1),
        tolerance=Decimal("1"),
    )
    add_trajectory(measure, [(date(2002, 10, 1), 60), (date(2003, 9, 1), 80)], label="Plan")
    add_trajectory(
        measure,
        [(date(2002, 10, 1), 60), (date(2004, 3, 1), 80)],
        label="Re-profiled",
        reason="Slower start than planned",
        agreed_on=date(2003, 1, 15),
    )
    for k, value in enumerate([60, 61, 62, 62.5, 63]):
        Actual.objects.create(
            measure=measure,
            period=periods.step(date(2002, 10, 1), periods.MONTHLY, k),
            value=Decimal(str(value)),
            status=ActualStatus.PROVISIONAL if k == 4 else ActualStatus.FINAL,
        )
    MilestoneFactory(
        priority=priority, title="Fast-track centre opens", due=date(2003, 1, 1), owner="IND"
    )
    MilestoneFactory(
        priority=priority,
        title="Legislation passed",
        due=date(2002, 11, 1),
        status=MilestoneStatus.ACHIEVED,
    )
    return priority


def test_priority_page_shows_summary_children_measures_and_milestones(
    client, analyst, page_priority
):
    measure = page_priority.measures.get()
    html = _get(client, analyst, _detail(page_priority))

    assert '<h1 class="govuk-heading-l">PSA 7a: Halve unfounded applications</h1>' in html
    for text in (
        "Halve the monthly number of applications by September 2003.",
        "Home Office",
        "Department of Health",  # delivery chain
        "Director General, Immigration",
        "Home Secretary",
        "PSA target",
        "1 October 2002",
        "31 March 2004",
    ):
        assert text in html, text
    parent = page_priority.parent
    assert f'<a class="govuk-link" href="{_detail(parent)}">PSA 7: Asylum applications</a>' in html
    child = page_priority.children.get()
    assert f'href="{_detail(child)}">PSA 7a-i: Detained fast track</a>' in html

    # The measure: status as a text tag, latest against plan, forecast, chart and data table.
    assert 'data-status="off_track">Off track</strong>' in html
    assert "Latest actual (2003-02, provisional): 63% against" in html
    assert f'id="chart-{measure.pk}" class="du-chart" data-figure="figure-{measure.pk}"' in html
    assert (
        f'role="figure" aria-label="Chart of Asylum applications" '
        f'aria-describedby="chart-summary-{measure.pk}"'
    ) in html
    figure = json.loads(
        re.search(
            rf'<script id="figure-{measure.pk}" type="application/json">(.*?)</script>', html, re.S
        )[1]
    )
    assert {trace["name"] for trace in figure["data"]} >= {"Actual", "Current trajectory"}
    assert '<details class="govuk-details" open' in html
    assert "Data table for Asylum applications" in html
    assert (
        "Planned and actual values of Asylum applications, against trajectory version 2</caption>"
    ) in html
    assert "(provisional)" in html
    # Both trajectory versions with the re-profiling reason.
    assert "Re-profiled" in html
    assert "Slower start than planned" in html
    assert "15 Jan 2003" in html
    # Milestones: the past-due planned one is overdue, the achieved one is not.
    assert "Fast-track centre opens" in html
    assert "Legislation passed" in html
    assert html.count('data-testid="overdue"') == 1
    # plotly.js and the chart module come from our own static files.
    assert 'src="/static/vendor/plotly.min.js"' in html
    assert 'src="/static/js/charts.mjs"' in html
    assert '<script id="chart-config" type="application/json">' in html
    assert reverse("priorities:history", args=[page_priority.pk]) in html
    assert reverse("priorities:measure_history", args=[measure.pk]) in html


def test_priority_page_forecast_sentence(client, analyst, page_priority):
    html = _get(client, analyst, _detail(page_priority))
    # Actuals rise by about 0.75 points a month from 63% in February 2003, to March 2004.
    match = re.search(r'data-testid="forecast">(On the current trend it reaches [^<]+)</p>', html)
    assert match, html
    assert re.fullmatch(
        r"On the current trend it reaches [\d.]+% by March 2004, "
        r"[\d.]+ points short of the 78% target\.",
        match[1],
    )


def _forecast(value, gap, will_meet):
    return Forecast(
        points=[Point(date(2025, 3, 1), value)],
        deadline=date(2025, 3, 1),
        value_at_deadline=value,
        target_value=78.0,
        gap_to_target=gap,
        will_meet_target=will_meet,
        slope_per_period=0.1,
        method="",
    )


def _series(unit="%", frequency=periods.MONTHLY):
    return MeasureSeries(
        measure_id=1,
        name="M",
        unit=unit,
        direction="higher",
        frequency=frequency,
        tolerance=1.0,
        target_value=78.0,
        target_date=date(2025, 3, 1),
        deadline=date(2025, 3, 31),
    )


@pytest.mark.parametrize(
    ("forecast", "unit", "expected"),
    [
        (
            _forecast(71.2, 6.8, False),
            "%",
            "On the current trend it reaches 71.2% by March 2025, "
            "6.8 points short of the 78% target.",
        ),
        (
            _forecast(80.5, -2.5, True),
            "%",
            "On the current trend it reaches 80.5% by March 2025, "
            "2.5 points better than the 78% target.",
        ),
        (
            _forecast(78.0, 0.0, True),
            "weeks",
            "On the current trend it reaches 78 weeks by March 2025, meeting the 78 weeks target.",
        ),
    ],
)
def test_forecast_sentence_wording(forecast, unit, expected):
    performance = Performance(status=OFF_TRACK, status_label="Off track", forecast=forecast)
    assert selectors.forecast_sentence(_series(unit), performance) == expected


def test_forecast_sentence_says_why_an_unreliable_forecast_is_not_quoted():
    forecast = dataclasses.replace(
        _forecast(0.0, 78.0, False),
        reliable=False,
        unreliable_reason="6 months pass between the actuals of 2003-03 and 2003-09",
    )
    performance = Performance(status=OFF_TRACK, status_label="Off track", forecast=forecast)
    assert selectors.forecast_sentence(_series(), performance) == (
        "Forecast unreliable: 6 months pass between the actuals of 2003-03 and 2003-09."
    )


def test_latest_sentence_says_better_or_worse_than_planned():
    series = _series()
    worse = Performance(
        status=OFF_TRACK,
        status_label="Off track",
        latest_label="2024-06",
        latest_value=70.0,
        planned_value=75.0,
        better_by=-5.0,
    )
    assert selectors.latest_sentence(series, worse) == (
        "Latest actual (2024-06): 70% against 75% planned, 5 points worse than planned."
    )
    better = Performance(
        status=ON_TRACK,
        status_label="On track",
        latest_label="2024-06",
        latest_value=76.0,
        planned_value=75.0,
        better_by=1.0,
        latest_provisional=True,
    )
    assert selectors.latest_sentence(series, better) == (
        "Latest actual (2024-06, provisional): 76% against 75% planned, "
        "1 point better than planned."
    )


def test_priority_page_without_measures_or_milestones(client, world, analyst):
    priority = PriorityFactory(code="EMPTY", lead_department=world.own)
    html = _get(client, analyst, _detail(priority))
    assert "This priority has no measures yet." in html
    assert "No milestones yet." in html
    assert "plotly.min.js" not in html  # no charts, no chart library


def test_official_can_open_own_and_delivery_chain_priority_but_not_others(client, world, official):
    own = PriorityFactory(code="OWN", lead_department=world.own)
    chained = PriorityFactory(code="CHAIN", lead_department=world.other)
    chained.delivery_chain.add(world.own)
    hidden = PriorityFactory(code="HIDDEN", lead_department=world.other)
    measure = MeasureFactory(priority=hidden)
    client.force_login(official)

    assert client.get(_detail(own)).status_code == 200
    assert client.get(_detail(chained)).status_code == 200
    assert client.get(_detail(hidden)).status_code == 404
    assert client.get(reverse("priorities:history", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("priorities:measure_history", args=[measure.pk])).status_code == 404
    assert client.get(reverse("priorities:detail", args=[999999])).status_code == 404


def test_parent_chain_stops_at_a_priority_the_user_cannot_see(client, world, official):
    grandparent = PriorityFactory(code="G", title="Grandparent", lead_department=world.own)
    parent = PriorityFactory(
        code="P", title="Secret parent", lead_department=world.other, parent=grandparent
    )
    child = PriorityFactory(code="C", lead_department=world.own, parent=parent)

    html = _get(client, official, _detail(child))

    assert "Secret parent" not in html
    assert "None: a top-level priority" in html
    analyst_html = _get(client, world.users["analyst"], _detail(child))
    # Breadcrumbs run through every ancestor, top first.
    assert re.search(
        r'>Priorities</a>.*>G</a>.*>P</a>.*<li class="govuk-breadcrumbs__list-item">C</li>',
        analyst_html,
        re.S,
    )


def _has_url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def test_priority_page_links_to_forms_only_for_those_allowed(client, world, page_priority):
    measure = page_priority.measures.get()
    milestone = page_priority.milestones.first()
    editor_only = [
        _has_url("priorities:edit", page_priority.pk),
        _has_url("priorities:measure_create", page_priority.pk),
        _has_url("priorities:milestone_create", page_priority.pk),
        _has_url("priorities:milestone_edit", milestone.pk),
        _has_url("priorities:measure_edit", measure.pk),
        _has_url("priorities:trajectory_create", measure.pk),
    ]
    data_entry = [
        _has_url("priorities:actuals_grid", measure.pk),
        _has_url("priorities:measure_import", measure.pk),
    ]
    export = [
        _has_url("priorities:measure_export_csv", measure.pk),
        _has_url("priorities:measure_export_xlsx", measure.pk),
    ]

    def links(username):
        html = _get(client, world.users[username], _detail(page_priority))
        return {url for url in editor_only + data_entry + export if url and f'href="{url}"' in html}

    built = {url for url in editor_only + data_entry + export if url}
    assert links("analyst") == built
    official = links("official")  # an official of the lead department
    assert official == {url for url in data_entry + export if url}
    assert links("minister") == {url for url in export if url}
    # An official of a delivery-chain department reads the page but does not enter its data.
    chain_official = UserFactory(
        username="chain_official", role=Role.OFFICIAL, department=world.other
    )
    html = _get(client, chain_official, _detail(page_priority))
    assert not any(url and f'href="{url}"' in html for url in editor_only + data_entry)


# --- query-count bounds -----------------------------------------------------------------------


def _bulk_portfolio(count: int, lead: Department, chain: Department, start: int = 0) -> None:
    """`count` priorities, a third of them sub-targets, each with a measure, a trajectory of two
    points, three actuals and a milestone, written in bulk."""
    priorities = Priority.objects.bulk_create(
        Priority(
            code=f"Q{start + i:04d}",
            title=f"Bulk priority {start + i}",
            lead_department=lead,
            kind=PriorityKind.PSA,
            deadline=date(2024, 12, 31),
        )
        for i in range(count)
    )
    for i, priority in enumerate(priorities):
        if i % 3 and i >= 3:
            priority.parent = priorities[i - i % 3]
    Priority.objects.bulk_update(priorities, ["parent"])
    Priority.delivery_chain.through.objects.bulk_create(
        Priority.delivery_chain.through(priority=p, department=chain) for p in priorities
    )
    measures = Measure.objects.bulk_create(
        Measure(
            priority=p,
            name=f"Bulk measure {p.code}",
            unit="%",
            direction="higher",
            frequency="monthly",
            target_value=Decimal("90"),
            tolerance=Decimal("1"),
        )
        for p in priorities
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
        Actual(measure=m, period=day, value=Decimal(80 + k))
        for m in measures
        for k, day in enumerate(_monthly(date(2023, 1, 1), 3))
    )
    Milestone.objects.bulk_create(
        Milestone(priority=p, title="Bulk milestone", due=date(2023, 6, 1)) for p in priorities
    )
    # Written around the services, so the stored performance is refreshed as they would.
    services.performance_refresh(measure_ids=[m.pk for m in measures])


def _count_queries(client, url) -> int:
    # The business date is read at most every few seconds: read it on every counted request,
    # so the counts do not depend on how long the test took.
    clock.forget()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("username", "filtered"), [("analyst", False), ("official", True)])
def test_list_runs_the_same_queries_for_5_or_500_priorities(
    client, world, username, filtered, django_assert_max_num_queries
):
    client.force_login(world.users[username])
    url = f"{LIST_URL}?department={world.other.pk}&kind=psa" if filtered else LIST_URL
    _bulk_portfolio(5, world.own, world.other)
    small = _count_queries(client, url)

    _bulk_portfolio(495, world.own, world.other, start=5)
    clock.forget()
    with django_assert_max_num_queries(small) as captured:
        response = client.get(url)
    assert len(captured) == small
    # The list pages through whole trees; every priority is on one page or another.
    html = response.content.decode()
    while match := re.search(r'href="([^"]+)" rel="next"', response.content.decode()):
        response = client.get(match.group(1).replace("&amp;", "&"))
        html += response.content.decode()
    assert html.count('data-testid="priority-row"') == 500
    # Status comes from the stored performance of every measure, not from actuals.
    assert html.count('data-status="on_track"') == 500


def test_list_pages_through_whole_trees_and_keeps_the_filters(client, world, analyst):
    client.force_login(analyst)
    _bulk_portfolio(180, world.own, world.other)
    url = f"{LIST_URL}?kind=psa"
    first = client.get(url).content.decode()
    assert "?kind=psa&amp;page=2" in first
    assert "Page 1 of" in first
    count = int(re.search(r"(\d+) priorities matching", first).group(1))
    seen, html = 0, first
    page = 1
    while True:
        rows = re.findall(r'data-testid="priority-row"[^>]*data-depth="(\d+)"', html)
        assert rows
        assert rows[0] == "0"  # a page starts with a top-level priority
        assert len([d for d in rows if d == "0"]) <= selectors.LIST_PER_PAGE
        seen += len(rows)
        if 'rel="next"' not in html:
            break
        page += 1
        html = client.get(f"{url}&page={page}").content.decode()
    assert page > 1
    assert seen == count


def test_priority_page_runs_the_same_queries_for_50_or_5000_actuals(
    client, world, analyst, django_assert_max_num_queries
):
    priority = PriorityFactory(code="BIG", lead_department=world.own, deadline=date(2030, 12, 31))
    priority.delivery_chain.add(world.other)
    parent = PriorityFactory(code="BIG-PARENT", lead_department=world.own)
    Priority.objects.filter(pk=priority.pk).update(parent=parent)

    def add_measures(count: int, actuals_each: int, offset: int) -> None:
        measures = Measure.objects.bulk_create(
            Measure(
                priority=priority,
                name=f"Measure {offset + i}",
                unit="applications",
                direction="lower",
                frequency="monthly",
                target_value=Decimal("100"),
                tolerance=Decimal("5"),
            )
            for i in range(count)
        )
        for number in (1, 2):
            trajectories = Trajectory.objects.bulk_create(
                Trajectory(measure=m, number=number, label=f"v{number}", agreed_on=date(2000, 1, 1))
                for m in measures
            )
            TrajectoryPoint.objects.bulk_create(
                TrajectoryPoint(trajectory=t, period=day, value=Decimal(1000 - 10 * k))
                for t in trajectories
                for k, day in enumerate(_monthly(date(2000, 1, 1), 24))
            )
        Actual.objects.bulk_create(
            Actual(measure=m, period=day, value=Decimal(1000 - k))
            for m in measures
            for k, day in enumerate(_monthly(date(1985, 1, 1), actuals_each))
        )
        Milestone.objects.bulk_create(
            Milestone(
                priority=priority,
                title=f"Step {offset + i}",
                due=date(2001, 1, 1) + timedelta(days=i),
            )
            for i in range(count)
        )
        Priority.objects.bulk_create(
            Priority(
                code=f"BIG-{offset + i}", title="Child", lead_department=world.own, parent=priority
            )
            for i in range(count)
        )

    add_measures(1, 50, 0)
    client.force_login(analyst)
    url = _detail(priority)
    small = _count_queries(client, url)

    add_measures(10, 500, 1)  # 5,000 more actuals over ten more measures
    assert Actual.objects.filter(measure__priority=priority).count() == 5050
    clock.forget()
    with django_assert_max_num_queries(small) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(captured) == small
    html = response.content.decode()
    assert f'<h1 class="govuk-heading-l">BIG: {priority.title}</h1>' in html
    assert html.count('class="du-chart"') == 11


def test_history_pages_run_bounded_queries(client, world, analyst, django_assert_num_queries):
    priority = PriorityFactory(code="H1", lead_department=world.own)
    measure = MeasureFactory(priority=priority)
    add_trajectory(measure, [(date(2023, 1, 1), 80)], by=analyst)
    client.force_login(analyst)
    priority_url = reverse("priorities:history", args=[priority.pk])
    measure_url = reverse("priorities:measure_history", args=[measure.pk])
    small_priority, small_measure = (
        _count_queries(client, priority_url),
        _count_queries(client, measure_url),
    )

    for k, day in enumerate(_monthly(date(2023, 1, 1), 20)):
        services.actual_record(measure=measure, by=analyst, data=ActualData(day, Decimal(k)))
        services.milestone_create(priority=priority, by=analyst, title=f"M{k}", due=day)
    add_trajectory(measure, [(date(2023, 1, 1), 81)], by=analyst, reason="Again")
    clock.forget()
    with django_assert_num_queries(small_priority):
        client.get(priority_url)
    clock.forget()
    with django_assert_num_queries(small_measure):
        client.get(measure_url)


# --- history ----------------------------------------------------------------------------------


def test_measure_history_shows_who_when_before_and_after_of_a_revised_actual(client, world):
    analyst = world.users["analyst"]
    official = world.users["official"]
    priority = PriorityFactory(code="HIST", lead_department=world.own)
    measure = MeasureFactory(priority=priority, name="Applications")
    add_trajectory(measure, [(date(2023, 1, 1), 80)], by=analyst)
    services.actual_record(
        measure=measure, by=analyst, data=ActualData(date(2023, 9, 1), Decimal("90.5"))
    )
    services.actual_record(
        measure=measure,
        by=official,
        data=ActualData(
            date(2023, 9, 1), Decimal("91.25"), status=ActualStatus.PROVISIONAL, note="Revised"
        ),
        expected_version=1,
    )

    html = _get(client, official, reverse("priorities:measure_history", args=[measure.pk]))

    assert '<h1 class="govuk-heading-l">History of Applications</h1>' in html
    rows = re.findall(
        r'<tr class="govuk-table__row" data-testid="history-row">(.*?)</tr>', html, re.S
    )
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    # Newest first: the official's revision, with the value, status and note before and after.
    revision = cells[0]
    assert official.get_full_name() in revision[1]
    assert "Actual 2023-09" in revision[2]
    assert "Changed" in revision[3]
    changes = {tuple(cell.strip() for cell in row[-3:]) for row in cells[:3]}
    assert ("Value", "90.5", "91.25") in changes
    assert ("Status", "Final", "Provisional") in changes
    assert any(field == "Note" and after == "Revised" for field, _before, after in changes)
    assert '<time datetime="' in revision[0]
    # Then the analyst's first recording of it, and the trajectory before that.
    assert "Created" in html
    assert analyst.get_full_name() in html
    assert "Trajectory version 1: Plan" in html
    assert "Trajectory version 1 point 2023-01" in html


def test_priority_history_shows_field_changes_delivery_chain_and_milestones(client, world, analyst):
    priority = services.priority_create(
        by=analyst, code="PH", title="Old title", lead_department=world.own
    )
    services.priority_update(
        priority=priority,
        by=analyst,
        expected_version=1,
        title="New title",
        delivery_chain=[world.other],
    )
    milestone = services.milestone_create(
        priority=priority, by=analyst, title="Open the centre", due=date(2023, 1, 1)
    )
    services.milestone_update(
        milestone=milestone,
        by=analyst,
        expected_version=1,
        status=MilestoneStatus.ACHIEVED,
    )

    html = _get(client, analyst, reverse("priorities:history", args=[priority.pk]))

    assert "History of PH" in html
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "|", html))
    assert re.search(r"Title[\s|]+Old title[\s|]+New title", text)
    assert re.search(r"Delivery chain[\s|]+\(empty\)[\s|]+Department of Health", text)
    assert re.search(r"Status[\s|]+Planned[\s|]+Achieved", text)
    assert "Milestone: Open the centre" in html
    assert "Version" not in text  # bookkeeping is not shown as a change
    # The newest entry (the milestone's status) comes first.
    assert html.index("Achieved") < html.index("New title")


# --- escaping ---------------------------------------------------------------------------------


def test_user_text_is_escaped_in_the_list_page_figure_and_history(client, world, analyst):
    priority = services.priority_create(
        by=analyst, code="XSS", title=SCRIPT, lead_department=world.own
    )
    measure = MeasureFactory(priority=priority, name=SCRIPT, unit="%")
    add_trajectory(measure, [(date(2023, 1, 1), 80)], label=SCRIPT, by=analyst)
    services.actual_record(
        measure=measure, by=analyst, data=ActualData(date(2023, 1, 1), Decimal("81"), note=SCRIPT)
    )
    MilestoneFactory(priority=priority, title=SCRIPT)

    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for url in (
        LIST_URL,
        _detail(priority),
        reverse("priorities:history", args=[priority.pk]),
        reverse("priorities:measure_history", args=[measure.pk]),
    ):
        html = _get(client, analyst, url)
        assert SCRIPT not in html, url
        assert escaped in html, url

    html = _get(client, analyst, _detail(priority))
    figure_json = re.search(
        rf'<script id="figure-{measure.pk}" type="application/json">(.*?)</script>', html, re.S
    )[1]
    assert "<" not in figure_json  # json_script escapes every <, so no tag can close the script
    # charts.py escapes user text for plotly's HTML-like labels (the milestone's hover text);
    # json_script then escapes its & too.
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in figure_json


# --- the priority page at scale: what it sends ------------------------------------------------


def _figure(html: str, measure) -> dict:
    return json.loads(
        re.search(
            rf'<script id="figure-{measure.pk}" type="application/json">(.*?)</script>', html, re.S
        )[1]
    )


def test_priority_page_draws_the_current_trajectory_and_loads_earlier_versions_on_demand(
    client, world, analyst
):
    priority = PriorityFactory(code="TV", lead_department=world.own)
    measure = MeasureFactory(priority=priority, name="Waits")
    add_trajectory(measure, [(date(2023, 1, 1), 80), (date(2023, 2, 1), 70)], label="First")
    add_trajectory(measure, [(date(2023, 1, 1), 90)], label="Second", reason="Slower")
    add_trajectory(measure, [(date(2023, 1, 1), 95)], label="Third", reason="Slower still")

    html = _get(client, analyst, _detail(priority))

    names = [trace["name"] for trace in _figure(html, measure)["data"]]
    assert "Current trajectory" in names
    assert not [name for name in names if name.startswith("Earlier trajectory")]
    url = reverse("priorities:earlier_trajectories", args=[measure.pk])
    assert f'data-earlier-trajectories="{url}" data-chart="chart-{measure.pk}" hidden>' in html
    # Every version is still listed in the table of versions.
    for text in ("First", "Second", "Third", "Slower still"):
        assert text in html, text

    response = client.get(url)
    assert response.status_code == 200
    traces = response.json()["data"]
    assert [t["name"] for t in traces] == [
        "Earlier trajectory v1: First",
        "Earlier trajectory v2: Second",
    ]
    assert all(t["visible"] is True for t in traces)
    assert traces[0]["y"] == [80.0, 70.0]


def test_earlier_trajectory_versions_of_a_measure_out_of_scope_are_404(client, world, official):
    priority = PriorityFactory(code="OUT", lead_department=world.other)
    measure = MeasureFactory(priority=priority)
    add_trajectory(measure, [(date(2023, 1, 1), 80)], label="First")
    add_trajectory(measure, [(date(2023, 1, 1), 90)], label="Second", reason="Slower")
    client.force_login(official)

    response = client.get(reverse("priorities:earlier_trajectories", args=[measure.pk]))

    assert response.status_code == 404


def test_priority_page_data_table_shows_the_periods_around_the_latest_actual(
    client, world, analyst
):
    priority = PriorityFactory(code="WIN", lead_department=world.own)
    measure = MeasureFactory(priority=priority, name="Waits")
    months = _monthly(date(2020, 1, 1), 60)
    add_trajectory(measure, [(day, 100 - k) for k, day in enumerate(months)])
    for k, day in enumerate(months[:40]):
        services.actual_record(measure=measure, by=analyst, data=ActualData(day, Decimal(k)))

    html = _get(client, analyst, _detail(priority))

    table = re.search(r'data-testid="data-table".*?</details>', html, re.S)[0]
    shown = selectors.TABLE_BEFORE + selectors.TABLE_AFTER
    assert table.count('<tr class="govuk-table__row') == shown + 1  # the header row too
    assert "2023-04" in table  # the latest actual, 2023-04
    # TABLE_BEFORE periods up to it and TABLE_AFTER after it.
    assert "2022-05" in table
    assert "2022-04" not in table
    assert "2024-04" in table
    assert "2024-05" not in table
    assert f"Showing {shown} of 60 periods, 2022-05 to 2024-04" in table
    whole = f"{_detail(priority)}?table={measure.pk}#data-table-{measure.pk}"
    assert f'href="{whole}"' in html

    whole_html = _get(client, analyst, whole)
    table = re.search(r'data-testid="data-table".*?</details>', whole_html, re.S)[0]
    assert table.count('<tr class="govuk-table__row') == 60 + 1
    assert 'data-testid="table-window"' not in table
