"""Filters every list of the API understands: `?department=HO` (a department's code) and
`?period_from=2023-01&period_to=2023-09` (months, inclusive), plus each list's own id filters
(`?measure=12`). They narrow what the user may see already; they never widen it. A value that
cannot be read answers 400 saying which and why."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from deliveryunit.models import Department

UNKNOWN_DEPARTMENT = "There is no department with the code '{code}'."
PERIOD_INVALID = "Give a month as YYYY-MM, for example 2023-09."
PERIOD_ORDER = "period_to is before period_from."
NOT_AN_ID = "Give an id: a whole number from 1."
# Ids are 64-bit in every database the workbench runs on.
LARGEST_ID = 2**63 - 1

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month(text: str) -> date:
    """The first day of the month YYYY-MM; ValueError otherwise."""
    match = _MONTH.match(text)
    if not match:
        raise ValueError(PERIOD_INVALID)
    year, number = int(match[1]), int(match[2])
    if not 1 <= number <= 12 or year < 1:
        raise ValueError(PERIOD_INVALID)
    return date(year, number, 1)


def after_month(first: date) -> date:
    """The first day of the month after `first`."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


class ListFilters(BaseFilterBackend):
    """Reads the view's `department_lookup` (a lookup to a Department), `period_lookups`
    (date field(s): one is compared with the period; two are a span that must overlap it) and
    `id_filters` (parameter -> lookup)."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        params = request.query_params
        errors: dict[str, list[str]] = {}
        wanted: dict[str, Any] = {}
        lookup = getattr(view, "department_lookup", None)
        if lookup and params.get("department"):
            code = params["department"].strip()
            department = Department.objects.filter(code__iexact=code).first()
            if department is None:
                errors["department"] = [UNKNOWN_DEPARTMENT.format(code=code)]
            else:
                wanted[lookup] = department.pk
        bounds = {}
        for name in ("period_from", "period_to"):
            if params.get(name) and getattr(view, "period_lookups", None):
                try:
                    bounds[name] = month(params[name].strip())
                except ValueError as exc:
                    errors[name] = [str(exc)]
        if len(bounds) == 2 and bounds["period_to"] < bounds["period_from"]:
            errors["period_to"] = [PERIOD_ORDER]
        for name, id_lookup in getattr(view, "id_filters", {}).items():
            if params.get(name):
                try:
                    wanted[id_lookup] = int(params[name])
                except ValueError:
                    errors[name] = [NOT_AN_ID]
                    continue
                if not 0 < wanted[id_lookup] <= LARGEST_ID:
                    errors[name] = [NOT_AN_ID]
        if errors:
            raise ValidationError(errors)
        if wanted:
            # Through a subquery, so lookups across many-to-many relations repeat no row.
            matching = queryset.model._default_manager.filter(**wanted).values("pk")
            queryset = queryset.filter(pk__in=matching)
        return self._period(queryset, view, bounds)

    @staticmethod
    def _period(queryset: QuerySet, view: Any, bounds: dict[str, date]) -> QuerySet:
        lookups = getattr(view, "period_lookups", ())
        if not bounds or not lookups:
            return queryset
        start, end = lookups[0], lookups[-1]
        if "period_from" in bounds:
            queryset = queryset.filter(**{f"{end}__gte": bounds["period_from"]})
        if "period_to" in bounds:
            queryset = queryset.filter(**{f"{start}__lt": after_month(bounds["period_to"])})
        return queryset

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        def query(name: str, kind: str, description: str, **schema: Any) -> dict[str, Any]:
            return {
                "name": name,
                "in": "query",
                "required": False,
                "description": description,
                "schema": {"type": kind, **schema},
            }

        parameters = []
        if getattr(view, "department_lookup", None):
            parameters.append(query("department", "string", "A department's code, e.g. HO"))
        if getattr(view, "period_lookups", None):
            parameters += [
                query("period_from", "string", "From this month: YYYY-MM", pattern=_MONTH.pattern),
                query(
                    "period_to",
                    "string",
                    "To this month, inclusive: YYYY-MM",
                    pattern=_MONTH.pattern,
                ),
            ]
        for name in getattr(view, "id_filters", {}):
            parameters.append(query(name, "integer", f"Only those of this {name} (its id)"))
        return parameters
