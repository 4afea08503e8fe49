"""The permission matrix: every role x every URL x own/other department -> expected status.

Each row names a URL and how to build it for an object in the user's own department or in
another one (`side` is "own" or "other"), and the expected status for each matrix user. Later
features add their rows to MATRIX; tests/test_permission_matrix.py checks every cell.

Users (see conftest.MATRIX_USERS): analyst, unit_lead (no department: see everything),
minister (Home Office), minister_all (no department), official (Home Office). The 'own'
department is the Home Office; 'other' is the Department of Health.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

USERS = ("analyst", "unit_lead", "minister", "minister_all", "official")
SIDES = ("own", "other")


@dataclass(frozen=True)
class Row:
    name: str
    url: Callable[[Any, str], str]  # (context, side) -> url
    # user -> status, or user -> (status for own, status for other)
    expect: dict[str, int | tuple[int, int]]
    method: str = "get"
    data: Callable[[Any, str], dict] | None = field(default=None)
    # Posts the data as JSON rather than a form (the data API takes JSON only).
    json: bool = False

    def expected(self, user: str, side: str) -> int:
        value = self.expect[user]
        if isinstance(value, tuple):
            return value[SIDES.index(side)]
        return value


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(USERS, status)


def scoped_read(own: int = 200, hidden: int = 404) -> dict[str, int | tuple[int, int]]:
    """Editors and the unscoped minister see both; the scoped minister and official only own."""
    return {
        "analyst": own,
        "unit_lead": own,
        "minister_all": own,
        "minister": (own, hidden),
        "official": (own, hidden),
    }


def editors_only(ok: int = 200) -> dict[str, int | tuple[int, int]]:
    """Analysts and unit lead may; others get 403 in scope and 404 out of scope."""
    return {
        "analyst": ok,
        "unit_lead": ok,
        "minister_all": 403,
        "minister": (403, 404),
        "official": (403, 404),
    }


MATRIX: list[Row] = [
    Row("home", lambda ctx, side: reverse("home"), everyone(200)),
    # Signed-in users are sent on from the login page.
    Row("login", lambda ctx, side: reverse("login"), everyone(302)),
    # The Django admin is for superusers only (none in the matrix): sent to its own login.
    Row("admin", lambda ctx, side: reverse("admin:index"), everyone(302)),
    Row("priorities:list", lambda ctx, side: reverse("priorities:list"), everyone(200)),
    Row(
        "assessments:round_list", lambda ctx, side: reverse("assessments:round_list"), everyone(200)
    ),
]


# Functions that add the objects a feature's rows need to the context (a SimpleNamespace with
# `world` already set), e.g. ctx.priority = {"own": ..., "other": ...}.
BUILDERS: list[Callable[[Any], None]] = []


def register(*rows: Row, builder: Callable[[Any], None] | None = None) -> None:
    MATRIX.extend(rows)
    if builder is not None:
        BUILDERS.append(builder)
