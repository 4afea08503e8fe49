import re

import pytest
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import URLResolver, get_resolver, include, path, reverse
from django.urls.converters import IntConverter, UUIDConverter

from deliveryunit import urls as site_urls

from .factories import PASSWORD


@pytest.mark.parametrize("name", ["home"])
def test_anonymous_user_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


# Named URLs that answer without a session, each with the reason. Static files never reach the
# URL conf (WhiteNoise serves them before it), so they need no entry here.
PUBLIC_URLS = {
    "login": "the sign-in page itself",
    "healthz": "the load balancer's health check, which has no session",
    "admin:login": "the admin's own sign-in page",
    "progress:index": "the public progress pages: published plans, for anyone to read",
    "progress:plan": "a department's published plan, for anyone to read",
    "progress:objective": "an objective of a published plan and its public figures",
    "progress:csv": "the public figures of the published plans, for anyone to download",
    "users:setup": "a new user's one-time link to choose a password, before they can sign in",
}
# The data API answers a call without credentials with 401 (403 for a write that carries a
# session but no CSRF token) rather than sending it to a sign-in page, which a program calling
# the API could not use. Its documentation page (/api/docs/) is a page for people and redirects.
API_PREFIX = "/api/"
API_REFUSALS = (401, 403)
# Sample values for path parameters whose pattern a plain sample would not match.
PARAMETER_SAMPLES = {"app_label": "priorities"}


def _sample(converter: object) -> object:
    if isinstance(converter, IntConverter):
        return 1
    if isinstance(converter, UUIDConverter):
        return "00000000-0000-0000-0000-000000000001"
    return "sample"  # str, slug, path and regex groups


def _named_urls(resolver: URLResolver, namespace: str = "", outer=None):
    """(name, args, kwargs) for every named URL under `resolver`, through every include, with
    its path parameters (its own and its includes') filled with samples; also the patterns
    that have no name."""
    found, unnamed = [], []
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        converters = getattr(pattern, "converters", {})
        params = {**(outer or {})}
        params.update({name: converters.get(name) for name in pattern.regex.groupindex})
        # Groups without a name, as in admin's regex patterns, are passed by position.
        positional = pattern.regex.groups - len(pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            more, more_unnamed = _named_urls(entry, inner, params)
            found += more
            unnamed += more_unnamed
        elif not entry.name:
            unnamed.append(f"{namespace}{pattern}")
        else:
            kwargs = {name: PARAMETER_SAMPLES.get(name, _sample(c)) for name, c in params.items()}
            args = [] if kwargs else ["1"] * positional
            found.append((f"{namespace}{entry.name}", args, kwargs))
    return found, unnamed


def _urls_open_to_anonymous(client) -> list[str]:
    """Every named URL that an anonymous GET or POST does not send to a sign-in page."""
    named, unnamed = _named_urls(get_resolver())
    # Only Django's admin has unnamed patterns (its redirects and catch-all); a page of ours
    # without a name would escape the walk.
    open_urls = [
        f"{pattern} has no name" for pattern in unnamed if not pattern.startswith("admin:")
    ]
    names = {name for name, _args, _kwargs in named}
    open_urls += [
        f"{name} is listed as public but no longer exists" for name in PUBLIC_URLS.keys() - names
    ]
    for name, args, kwargs in named:
        if name in PUBLIC_URLS:
            continue
        url = reverse(name, args=args, kwargs=kwargs)
        # Django's own admin pages send visitors to either sign-in page; ours to the site's.
        logins = {reverse("login")}
        if name.startswith("admin:"):
            logins.add(reverse("admin:login"))
        for method in (client.get, client.post):
            response = method(url)
            if url.startswith(API_PREFIX) and response.status_code in API_REFUSALS:
                continue
            location = response.get("Location", "") if response.status_code == 302 else ""
            if not any(location.startswith(f"{login}?next=") for login in logins):
                open_urls.append(
                    f"{method.__name__.upper()} {url} ({name}): {response.status_code}"
                )
    return open_urls


def test_every_named_url_sends_anonymous_visitors_to_sign_in(client, db):
    assert _urls_open_to_anonymous(client) == []


@login_not_required
def _forgot_login(request, **kwargs):
    return HttpResponse("open to anyone")


# The site's URLs plus pages that forgot to ask for a session, one of them inside an include.
urlpatterns = [
    *site_urls.urlpatterns,
    path("forgot/", _forgot_login, name="forgot"),
    path(
        "nested/<int:pk>/",
        include(([path("<slug:code>/open/", _forgot_login, name="open")], "nested")),
    ),
    path("unnamed/", _forgot_login),
]


@pytest.mark.urls(__name__)
def test_a_page_that_forgets_login_is_caught(client, db):
    assert _urls_open_to_anonymous(client) == [
        "unnamed/ has no name",
        "GET /forgot/ (forgot): 200",
        "POST /forgot/ (forgot): 200",
        "GET /nested/1/sample/open/ (nested:open): 200",
        "POST /nested/1/sample/open/ (nested:open): 200",
    ]


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
    assert "Portfolio dashboard" in html


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


def test_unit_lead_can_unlock_a_locked_account(client, world):
    from axes.models import AccessAttempt

    for _ in range(5):
        client.post(reverse("login"), {"username": "official", "password": "wrong"})
    assert AccessAttempt.objects.filter(username="official").exists()
    lead = world.users["unit_lead"]
    client.force_login(lead)
    # On the users pages: unit leads have no admin at all.
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 302
    official = world.users["official"]
    response = client.post(reverse("users:unlock", args=[official.pk]))
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
