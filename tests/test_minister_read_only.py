"""A minister never sees an edit control: starting from the dashboard, follow every link a
minister can follow, and check that no page they reach links to, posts to or asks htmx for a
URL that only editors (or the owners of actions) may use. Editor-only URLs are the permission
matrix's: the rows a minister is refused (403)."""

import importlib
import pkgutil
from collections import deque
from types import SimpleNamespace
from urllib.parse import urlsplit

import lxml.html
import pytest
from django.urls import Resolver404, resolve, reverse

import tests
from deliveryunit import clock

from .permission_matrix import BUILDERS, MATRIX, SIDES

# The feature modules register their rows and builders on import.
for module in pkgutil.iter_modules(tests.__path__):
    if module.name.startswith("matrix_"):
        importlib.import_module(f"tests.{module.name}")

# Enough to reach every page of the small portfolio the matrix builds; each path is read once
# (the first time it is linked, whatever its query string).
MOST_PAGES = 200


MINISTERS = ("minister", "minister_all")

# A minister's own account, not the portfolio: changing their password and making or revoking
# their own API tokens are forms every user has.
OWN_ACCOUNT = ("/account/",)


def _refused_to_ministers() -> set[str]:
    """URL names (namespace:name) a minister may never use, from the matrix."""
    names = set()
    for row in MATRIX:
        ministers = [row.expected(user, side) for user in MINISTERS for side in SIDES]
        if 403 in ministers:
            names.add(row.name.split(" ")[0])
    return names


def _name(url: str) -> str | None:
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


@pytest.fixture
def everything(world):
    ctx = SimpleNamespace(world=world)
    for build in BUILDERS:
        build(ctx)
    return ctx


@pytest.mark.parametrize("username", MINISTERS)
def test_no_page_a_minister_can_reach_offers_an_edit_control(client, everything, username):
    refused = _refused_to_ministers()
    assert {"priorities:edit", "priorities:create", "priorities:import"} <= refused
    client.force_login(everything.world.users[username])
    clock.forget()
    seen: set[str] = set()
    queue = deque([reverse("home")])
    offending = []
    visited = 0
    while queue and visited < MOST_PAGES:
        url = queue.popleft()
        if urlsplit(url).path in seen:
            continue
        seen.add(urlsplit(url).path)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        visited += 1
        page = lxml.html.fromstring(response.content.decode())
        for element in page.xpath("//*[@href or @action or @hx-get or @hx-post]"):
            for attribute in ("href", "action", "hx-get", "hx-post"):
                target = element.get(attribute)
                if not target or not target.startswith("/") or target.startswith("/static/"):
                    continue
                name = _name(target)
                if name in refused:
                    offending.append((url, attribute, target))
                if attribute == "href" and name not in (None, "admin:index"):
                    queue.append(target.split("#")[0])
        if urlsplit(url).path.startswith(OWN_ACCOUNT):
            continue
        for form in page.xpath("//form[@method='post' or @method='POST']"):
            if _name(form.get("action") or url) != "logout":
                offending.append((url, "form", form.get("action")))
    assert not offending, offending
    # The walk reached the pages a minister reads: the dashboard, priorities, rounds, meetings.
    reached = {_name(url) for url in seen}
    assert {
        "home",
        "priorities:detail",
        "priorities:list",
        "assessments:round_detail",
        "stocktakes:meeting_detail",
        "stocktakes:action_list",
    } <= reached
