"""Permission-matrix rows for importing and exporting measure data.

Builds on tests/matrix_priorities.py's ctx.measure (own = Home Office-led, other = Department of
Health-led) and adds ctx.chain_measure: a Department of Health measure whose priority has the
Home Office in its delivery chain, which the Home Office official can see but not submit data
for.
"""

from django.urls import reverse

from .factories import MeasureFactory, PriorityFactory
from .matrix_priorities import build_priorities
from .permission_matrix import Row, register, scoped_read


def build_data(ctx) -> None:
    build_priorities(ctx)
    world = ctx.world
    chain = PriorityFactory(code="M-CHAIN", lead_department=world.other)
    chain.delivery_chain.add(world.own)
    ctx.chain_measure = {
        "own": MeasureFactory(priority=chain, name="Matrix chain measure"),
        "other": ctx.measure["other"],
    }


def importers(ok: int = 200) -> dict[str, int | tuple[int, int]]:
    """Editors import anything; the official imports actual data for their own department's
    measures; ministers never import."""
    return {
        "analyst": ok,
        "unit_lead": ok,
        "minister_all": 403,
        "minister": (403, 404),
        "official": (ok, 404),
    }


def _import_url(attribute: str):  # type: ignore[no-untyped-def]
    return lambda ctx, side: reverse(
        "priorities:measure_import", args=[getattr(ctx, attribute)[side].pk]
    )


register(
    Row("priorities:measure_import", _import_url("measure"), importers()),
    # An upload with no file: the form comes back with its error, nothing is written.
    Row(
        "priorities:measure_import (post)",
        _import_url("measure"),
        importers(),
        method="post",
        data=lambda ctx, side: {"kind": "actuals", "layout": "own"},
    ),
    # In the delivery chain, not leading: the official sees the measure but may not import.
    Row(
        "priorities:measure_import (delivery chain)",
        _import_url("chain_measure"),
        {**importers(), "minister": (403, 404), "official": (403, 404)},
    ),
    Row(
        "priorities:import",
        lambda ctx, side: reverse("priorities:import"),
        {"analyst": 200, "unit_lead": 200, "minister": 403, "minister_all": 403, "official": 200},
    ),
    Row(
        "priorities:import (post)",
        lambda ctx, side: reverse("priorities:import"),
        {"analyst": 200, "unit_lead": 200, "minister": 403, "minister_all": 403, "official": 200},
        method="post",
        data=lambda ctx, side: {"kind": "actuals"},
    ),
    Row(
        "priorities:measure_export_csv",
        lambda ctx, side: reverse("priorities:measure_export_csv", args=[ctx.measure[side].pk]),
        scoped_read(),
    ),
    Row(
        "priorities:measure_export_xlsx",
        lambda ctx, side: reverse("priorities:measure_export_xlsx", args=[ctx.measure[side].pk]),
        scoped_read(),
    ),
    builder=build_data,
)
