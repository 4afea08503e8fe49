import pytest

from deliveryunit.models import Role
from tests.factories import PASSWORD, DepartmentFactory, UserFactory

from .conftest import axe_serious_violations, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROLE_USERS = [
    ("analyst", Role.ANALYST, None, "Analyst", "None (unit-wide)"),
    ("unitlead", Role.UNIT_LEAD, None, "Unit lead", "None (unit-wide)"),
    ("minister", Role.MINISTER, "DH", "Minister", "Department of Health"),
    ("official", Role.OFFICIAL, "HO", "Departmental official", "Home Office"),
]


def test_login_page_has_no_serious_accessibility_violations(page, base_url):
    page.goto(f"{base_url}/login/")
    assert page.get_by_role("heading", name="Sign in to Delivery Unit").is_visible()
    assert axe_serious_violations(page) == []


@pytest.mark.parametrize(("username", "role", "code", "role_label", "department"), ROLE_USERS)
def test_each_role_signs_in_and_sees_home(
    page, base_url, username, role, code, role_label, department
):
    dept = {
        "HO": DepartmentFactory(name="Home Office", code="HO"),
        "DH": DepartmentFactory(name="Department of Health", code="DH"),
    }
    UserFactory(username=username, role=role, department=dept[code] if code else None)
    sign_in(page, base_url, username, PASSWORD)
    assert page.url == f"{base_url}/"
    assert page.get_by_test_id("role").inner_text() == role_label
    assert page.get_by_test_id("department").inner_text() == department
    # The GOV.UK Frontend script ran (it marks the body as supported) and CSS loaded.
    assert "govuk-frontend-supported" in page.evaluate("document.body.className")
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert font.lower().startswith("arial")
    assert axe_serious_violations(page) == []


def test_wrong_password_shows_an_error_summary(page, base_url, db):
    UserFactory(username="analyst", role=Role.ANALYST)
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").get_by_text("There is a problem").is_visible()
    assert axe_serious_violations(page) == []
