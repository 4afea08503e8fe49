"""The portfolio dashboard in a real browser: the Health minister sees the Health priorities only,
with likelihood, move, status and sparkline; filters change the address and the rows; the Prime
Minister sees every department; axe finds nothing serious. Keyboard alone reaches every filter,
sorts a column and opens a priority, with a visible focus at each step; at 640 px wide neither the
dashboard nor the priority page scrolls sideways except inside a labelled table region."""

import importlib
from datetime import date

import pytest

from deliveryunit.models import Role
from tests.factories import PASSWORD, PriorityFactory, UserFactory
from tests.test_dashboard import _measure, _monthly, portfolio  # noqa: F401 (a fixture)

from .conftest import axe_serious_violations, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HEALTH = ("DH 1", "DH 2")


@pytest.fixture
def framework():
    """The framework as its data migration loads it: a transactional test may find its tables
    emptied by the one before, and the likelihood scale (its order, for the moves) comes from
    them. The loader updates in place, so this is safe to repeat."""
    from django.apps import apps as django_apps

    migration = importlib.import_module("assessments.migrations.0002_framework")
    migration.load(django_apps, None)


@pytest.fixture
def people(framework, world, portfolio):  # noqa: F811
    """The Health minister, the Prime Minister (a minister with no department), and a second
    Health priority, off track, so that a status filter changes the Health minister's rows."""
    dh2 = PriorityFactory(code="DH 2", title="Cancer referrals", lead_department=world.other)
    _measure(
        dh2,
        world.users["analyst"],
        _monthly(date(2023, 1, 1), [90] * 12),
        _monthly(date(2023, 1, 1), [90, 88, 85, 80, 75, 70, 66, 62]),
        name="Seen within two weeks",
    )
    health = UserFactory(username="health", role=Role.MINISTER, department=world.other)
    pm = UserFactory(username="pm", role=Role.MINISTER, department=None)
    return {"health": health, "pm": pm, **portfolio}


def _codes(page) -> list[str]:
    return page.locator('tr[data-testid="dashboard-row"]').evaluate_all(
        "rows => rows.map(r => r.dataset.code)"
    )


def _has_focus_style(page) -> bool:
    """The focused element shows it: an outline, a box shadow or the GOV.UK yellow."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return false;  // nothing on the page has focus
            const s = getComputedStyle(el);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
            const shadow = s.boxShadow && s.boxShadow !== 'none';
            const yellow = s.backgroundColor === 'rgb(255, 221, 0)';
            return outline || shadow || yellow;
        }"""
    )


def _tab_to(page, selector: str, most: int = 80) -> None:
    """Press Tab until the element matching selector has focus, checking each stop shows it."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement === document.body"):
            continue  # focus is in the browser's own controls, not the page
        focused = page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
        assert _has_focus_style(page), focused
        if page.evaluate(f"() => document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_health_minister_sees_health_priorities_with_likelihood_move_status_and_sparkline(
    page, live_server, people
):
    sign_in(page, live_server.url, "health", PASSWORD)
    page.goto(f"{live_server.url}/")
    assert sorted(_codes(page)) == list(HEALTH)
    row = page.locator('tr[data-code="DH 1"]')
    assert row.locator("[data-likelihood]").inner_text().strip() == "AR ↓ from G"
    assert row.locator('[data-testid="performance"]').get_attribute("data-status") == "on_track"
    assert "On track" in row.locator('[data-testid="performance"]').inner_text()
    assert row.locator('[data-testid="sparkline"] svg polyline').count() == 2
    assert "Actual" in row.locator('[data-testid="sparkline-text"]').inner_text()
    off = page.locator('tr[data-code="DH 2"] [data-testid="performance"]')
    assert off.get_attribute("data-status") == "off_track"
    # Nothing of the Home Office, anywhere on the page.
    assert "Asylum" not in page.locator("main").inner_text()
    assert axe_serious_violations(page) == []


def test_filters_change_the_address_and_the_rows(page, live_server, people):
    sign_in(page, live_server.url, "health", PASSWORD)
    page.goto(f"{live_server.url}/")
    page.locator("#filter-status").select_option("off_track")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/?*status=off_track*")
    page.wait_for_function("document.querySelectorAll('tr[data-testid=dashboard-row]').length == 1")
    assert _codes(page) == ["DH 2"]
    assert "1 priority matching the filters of 2" in page.locator("caption").inner_text()
    # The address is a view to share: loading it afresh gives the same rows.
    page.goto(page.url)
    assert _codes(page) == ["DH 2"]
    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_function("document.querySelectorAll('tr[data-testid=dashboard-row]').length == 2")
    assert "status=" not in page.url


def test_the_prime_minister_sees_every_department(page, live_server, people):
    sign_in(page, live_server.url, "pm", PASSWORD)
    page.goto(f"{live_server.url}/")
    codes = _codes(page)
    assert {"HO 1", "HO 1a", "HO 2", "DH 1", "DH 2"} == set(codes)
    page.locator("#filter-department").select_option(label="Department of Health")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(f"**/?*department={people['dh1'].lead_department_id}*")
    page.wait_for_function("document.querySelectorAll('tr[data-testid=dashboard-row]').length == 2")
    assert sorted(_codes(page)) == list(HEALTH)
    assert axe_serious_violations(page) == []


def test_the_keyboard_alone_filters_sorts_and_opens_a_priority(page, live_server, people):
    sign_in(page, live_server.url, "pm", PASSWORD)
    page.goto(f"{live_server.url}/")
    for name in ("department", "forum", "kind", "likelihood", "status"):
        _tab_to(page, f"#filter-{name}")
    _tab_to(page, "#apply-filters")
    _tab_to(page, "#sort-likelihood")
    page.keyboard.press("Enter")
    page.wait_for_url("**/?*sort=likelihood*")
    page.wait_for_function(
        "document.querySelector('#sort-likelihood').closest('th')"
        ".getAttribute('aria-sort') === 'ascending'"
    )
    # Focus comes back to the heading that asked for the sort.
    assert page.evaluate("document.activeElement.id") == "sort-likelihood"
    assert _has_focus_style(page)
    _tab_to(page, 'tr[data-code="DH 1"] th a')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/priorities/{people['dh1'].pk}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("DH 1")


def _wide_tables_sit_in_labelled_regions(page) -> list[str]:
    """Tables wider than the page that are not inside a focusable, labelled scroll region."""
    return page.evaluate(
        """() => [...document.querySelectorAll('table')].filter(t => {
            const region = t.closest('[role=region][aria-label][tabindex="0"]');
            const page = document.documentElement.clientWidth;
            const overflows = t.getBoundingClientRect().width > page;
            if (!region) return overflows;
            const s = getComputedStyle(region);
            return overflows && !['auto', 'scroll'].includes(s.overflowX);
        }).map(t => t.dataset.testid || t.className)"""
    )


@pytest.mark.parametrize("path", ["home", "priority"])
def test_at_640_pixels_nothing_scrolls_sideways_but_a_tables_own_region(
    page, live_server, people, path
):
    page.set_viewport_size({"width": 640, "height": 900})
    sign_in(page, live_server.url, "pm", PASSWORD)
    url = "/" if path == "home" else f"/priorities/{people['ho1'].pk}/"
    page.goto(f"{live_server.url}{url}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 640
    assert _wide_tables_sit_in_labelled_regions(page) == []
    # No content lost: every row's priority link is on the page and reachable.
    if path == "home":
        assert set(_codes(page)) == {"HO 1", "HO 1a", "HO 2", "DH 1", "DH 2"}
        assert page.locator('tr[data-code="DH 2"] th a').is_visible()
        assert page.get_by_role("button", name="Apply filters").is_visible()
    else:
        for heading in ("Milestones",):
            assert page.get_by_role("heading", name=heading).is_visible()
        for testid in ("assessment-history", "priority-actions-table"):
            table = page.locator(f'[data-testid="{testid}"]')
            table.scroll_into_view_if_needed()
            assert table.is_visible()
    for region in page.locator('[role=region][tabindex="0"]').all():
        region.focus()
        assert _has_focus_style(page)
