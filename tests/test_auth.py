import re

import pytest
from django.urls import reverse

from .factories import PASSWORD

PAGES_REQUIRING_LOGIN = ["home", "logout"]


@pytest.mark.parametrize("name", ["home"])
def test_anonymous_user_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_every_url_except_login_and_health_requires_login(client, db):
    from django.urls import get_resolver

    open_names = {"login", "healthz"}
    checked = 0
    for pattern in get_resolver().url_patterns:
        name = getattr(pattern, "name", None)
        if name is None or name in open_names or "<" in str(pattern.pattern):
            continue
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert "/login/" in response["Location"], name
        checked += 1
    assert checked >= 1


def test_login_page_is_open(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in to Delivery Unit" in response.content


def test_good_password_signs_in_and_home_shows_role_and_department(client, official):
    response = client.post(
        reverse("login"), {"username": "official", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Departmental official" in html
    assert "Home Office" in html
    assert "Priorities and trajectories" in html


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, official):
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "official", "password": "wrong"})
        assert response.status_code == 200
        assert b"Please enter a correct username and password" in response.content
    response = client.post(reverse("login"), {"username": "official", "password": "wrong"})
    assert response.status_code == 429
    assert b"Account locked" in response.content
    response = client.post(reverse("login"), {"username": "official", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Account locked" in response.content
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account(client, world):
    for _ in range(5):
        client.post(reverse("login"), {"username": "official", "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": "analyst", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"].username == "analyst"


def test_logout_needs_post(client, analyst):
    client.force_login(analyst)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_csp_header_has_script_nonce_and_no_unsafe_inline_scripts(client, analyst):
    client.force_login(analyst)
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in policy.split(";")) if part
    )
    script_src = directives["script-src"]
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts, "the page has scripts"
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag, tag


def test_csp_nonce_changes_per_request(client, analyst):
    client.force_login(analyst)
    first = client.get(reverse("home"))["Content-Security-Policy"]
    second = client.get(reverse("home"))["Content-Security-Policy"]
    assert first != second


def test_csrf_token_is_sent_with_htmx_requests(client, analyst):
    client.force_login(analyst)
    html = client.get(reverse("home")).content.decode()
    assert re.search(r"hx-headers='\{\"X-CSRFToken\": \"[A-Za-z0-9]+\"\}'", html)


def test_unit_lead_can_unlock_a_locked_account_in_the_admin(client, world):
    from axes.models import AccessAttempt

    from deliveryunit.services import user_apply_role

    for _ in range(5):
        client.post(reverse("login"), {"username": "official", "password": "wrong"})
    assert AccessAttempt.objects.filter(username="official").exists()
    lead = world.users["unit_lead"]
    user_apply_role(user=lead)
    client.force_login(lead)
    attempt = AccessAttempt.objects.get(username="official")
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    client.logout()
    response = client.post(
        reverse("login"), {"username": "official", "password": PASSWORD}, follow=True
    )
    assert response.context["user"].username == "official"


def test_analyst_has_no_admin(client, analyst):
    from deliveryunit.services import user_apply_role

    user_apply_role(user=analyst)
    client.force_login(analyst)
    assert client.get(reverse("admin:index")).status_code == 302
