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


CELLS = [(row, user, side) for row in MATRIX for user in USERS for side in SIDES]


@pytest.fixture
def matrix_context(world):
    ctx = SimpleNamespace(world=world)
    for build in BUILDERS:
        build(ctx)
    return ctx


@pytest.mark.parametrize(
    ("row", "user", "side"), CELLS, ids=[f"{r.name}-{u}-{s}" for r, u, s in CELLS]
)
def test_permission_matrix(client, matrix_context, row, user, side):
    client.force_login(matrix_context.world.users[user])
    url = row.url(matrix_context, side)
    if row.method == "get":
        response = client.get(url)
    else:
        response = client.post(url, row.data(matrix_context, side) if row.data else {})
    assert response.status_code == row.expected(user, side), (row.name, user, side, url)


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
