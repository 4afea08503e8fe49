"""The page's own scripts load in a real browser: app.mjs imports GOV.UK Frontend through the
page's import map (its static name, hashed in production) and starts the components."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_govuk_frontend_starts_its_components_through_the_import_map(page, base_url):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{base_url}/login/")
    skip_link = page.locator('[data-module="govuk-skip-link"]')
    skip_link.and_(page.locator("[data-govuk-skip-link-init]")).wait_for(state="attached")
    assert errors == []
