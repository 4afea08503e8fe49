"""Account hygiene: changing one's own password, production cookie names, the idle and absolute
session limits, and sign-in throttling by source address."""

import os
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django.urls import reverse

from deliveryunit import signin
from deliveryunit.views import OLD_PASSWORD_WRONG, PASSWORD_CHANGED

from .factories import PASSWORD, UserFactory

NEW_PASSWORD = "a-much-longer-new-passphrase-41"
ROOT = Path(__file__).resolve().parent.parent


def _change(client, old, new1, new2=None):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
        follow=True,
    )


def test_a_user_changes_their_password_and_stays_signed_in(client, official):
    client.force_login(official)
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert b'name="old_password"' in page.content
    assert b"govuk-button" in page.content
    response = _change(client, PASSWORD, NEW_PASSWORD)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert PASSWORD_CHANGED in response.content.decode()
    assert client.get(reverse("home")).status_code == 200
    official.refresh_from_db()
    assert official.check_password(NEW_PASSWORD)


def test_the_current_password_is_required(client, official):
    client.force_login(official)
    response = _change(client, "not-the-password", NEW_PASSWORD)
    assert OLD_PASSWORD_WRONG in response.content.decode()
    official.refresh_from_db()
    assert official.check_password(PASSWORD)


def test_the_password_validators_apply(client, official):
    client.force_login(official)
    response = _change(client, PASSWORD, "short1")
    assert "This password is too short" in response.content.decode()
    official.refresh_from_db()
    assert official.check_password(PASSWORD)


def test_a_password_change_needs_the_csrf_token(official):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 403
    official.refresh_from_db()
    assert official.check_password(PASSWORD)


def test_production_cookies_carry_the_host_prefix_and_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_MODE": "production",
        "DJANGO_SECRET_KEY": "test-only-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
        "DJANGO_ALLOWED_HOSTS": "delivery.example.gov.uk",
        "DJANGO_SETTINGS_MODULE": "deliveryunit.settings",
    }
    # The browser tests allow Django's async-unsafe calls in this process; a deployment never does.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_PATH, s.CSRF_COOKIE_PATH, "
        "s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_DOMAIN)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert shown.stdout.split() == [
        "__Host-sessionid", "__Host-csrftoken", "True", "True", "/", "/", "None", "None"
    ], shown.stderr  # fmt: skip
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def _signed_in(client, user, clock):
    clock["now"] = 1_000_000.0
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def _clock(monkeypatch):
    clock = {"now": 0.0}
    monkeypatch.setattr(signin, "now", lambda: clock["now"])
    return clock


def test_a_session_idle_for_more_than_30_minutes_is_signed_out(client, official, monkeypatch):
    clock = _clock(monkeypatch)
    _signed_in(client, official, clock)
    clock["now"] += 29 * 60
    assert client.get(reverse("home")).status_code == 200
    clock["now"] += 29 * 60
    assert client.get(reverse("home")).status_code == 200
    clock["now"] += 31 * 60
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("home")).status_code == 302


def test_a_busy_session_still_ends_8_hours_after_signing_in(client, official, monkeypatch):
    clock = _clock(monkeypatch)
    _signed_in(client, official, clock)
    for _ in range(8 * 3):  # a request every 20 minutes for 8 hours
        clock["now"] += 20 * 60
        assert client.get(reverse("home")).status_code == 200
    clock["now"] += 20 * 60
    assert client.get(reverse("home")).status_code == 302


def _try(client, username, password, address):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_one_address_trying_many_accounts_is_stopped(client, world, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    for number in range(8):  # one wrong password on each of eight accounts
        UserFactory(username=f"person{number}")
        status = _try(client, f"person{number}", "wrong", "10.1.2.3").status_code
        assert status == (429 if number == 7 else 200)
    # The address is stopped, even with a right password for an account it has not tried...
    response = _try(client, "official", PASSWORD, "10.1.2.3")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # ...while the same account from another address signs in.
    other = Client()
    assert _try(other, "official", PASSWORD, "10.9.9.9").status_code == 302


def test_a_few_failures_from_a_shared_address_lock_no_one_else(client, world):
    for number in range(4):
        UserFactory(username=f"person{number}")
        _try(client, f"person{number}", "wrong", "10.1.2.3")
    assert _try(client, "official", PASSWORD, "10.1.2.3").status_code == 302
