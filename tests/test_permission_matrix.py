import importlib
import pkgutil
from types import SimpleNamespace

import pytest

import tests

from .permission_matrix import BUILDERS, MATRIX, SIDES, USERS

# Feature modules named matrix_*.py register their rows on import.
for module in pkgutil.iter_modules(tests.__path__):
    if module.name.startswith("matrix_"):
        importlib.import_module(f"tests.{module.name}")


# Reading a page changes nothing, so one context serves every user and side of a GET row;
# a POST may change what the next cell sees, so each POST cell gets a context of its own.
GET_ROWS = [row for row in MATRIX if row.method == "get"]
POST_CELLS = [
    (row, user, side) for row in MATRIX if row.method != "get" for user in USERS for side in SIDES
]


@pytest.fixture
def matrix_context(world):
    ctx = SimpleNamespace(world=world)
    for build in BUILDERS:
        build(ctx)
    return ctx


def _status(client, ctx, row, user, side):
    client.force_login(ctx.world.users[user])
    url = row.url(ctx, side)
    if row.method == "get":
        return url, client.get(url).status_code
    data = row.data(ctx, side) if row.data else {}
    if row.json:
        return url, client.post(url, data, content_type="application/json").status_code
    return url, client.post(url, data).status_code


@pytest.mark.parametrize("row", GET_ROWS, ids=[r.name for r in GET_ROWS])
def test_permission_matrix_get(client, matrix_context, row):
    wrong = []
    for user in USERS:
        for side in SIDES:
            url, status = _status(client, matrix_context, row, user, side)
            if status != row.expected(user, side):
                wrong.append(f"{user}/{side} {url}: {status}, expected {row.expected(user, side)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("row", "user", "side"), POST_CELLS, ids=[f"{r.name}-{u}-{s}" for r, u, s in POST_CELLS]
)
def test_permission_matrix_post(client, matrix_context, row, user, side):
    url, status = _status(client, matrix_context, row, user, side)
    assert status == row.expected(user, side), (row.name, user, side, url)


def test_matrix_covers_every_named_url():
    """A new page must come with its matrix row."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def names(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                yield from names(
                    p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix
                )
            elif isinstance(p, URLPattern) and p.name:
                yield prefix + p.name

    exempt = {"logout", "healthz"}
    covered = {row.name.split(" ")[0] for row in MATRIX}
    missing = sorted(set(names(get_resolver().url_patterns)) - covered - exempt)
    assert not missing, f"URLs without a permission-matrix row: {missing}"
