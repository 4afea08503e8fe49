"""Figures as they were known on a date: what a snapshot "as at" that date may show.

An actual's figure can be revised after it is first published (provisional figures become
final, a department corrects a return). A document that describes a date (an assessment's
recent performance, a stocktake pack, a delivery report's charts, the monthly note) must show
each figure as it was known then, not as it is now, and nothing first reported after it.

The rule, read from each actual's history (django-simple-history keeps every version):

- A version of an actual is *known from* its "data as at" date. A version with no "data as at"
  counts as known from the end of its period (the last day of the month, quarter or year it
  measures): the earliest the figure could have existed.
- The figure known on date D is the *latest recorded* version known from D or before. So a
  later correction of the same release (the same "data as at") replaces the figure it corrects,
  while a revision published after D is left out.
- A deletion counts from the day it was made: a figure deleted before D is not shown.
- An actual whose period starts after D is never known on D.
- An actual with no history at all (written in bulk, which records none) is taken as its
  current row, by the same rule.

All of it is read in one query for any number of measures.
"""

from __future__ import annotations

import calendar
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from . import periods
from .models import Actual, ActualStatus


@dataclass(frozen=True)
class KnownFigure:
    period: date
    value: Decimal | float
    status: str
    note: str
    data_as_at: date | None
    source: str = ""


@functools.lru_cache(maxsize=4096)
def period_end(period: date, frequency: str) -> date:
    """The last day of the period that starts on `period` (remembered: a portfolio asks for
    the same few hundred periods tens of thousands of times)."""
    last_month = periods.step(period, frequency)
    if last_month.month == 1:
        year, month = last_month.year - 1, 12
    else:
        year, month = last_month.year, last_month.month - 1
    return date(year, month, calendar.monthrange(year, month)[1])


def known_from(period: date, data_as_at: date | None, frequency: str) -> date:
    return data_as_at or period_end(period, frequency)


def figures_known_at(
    measures: Iterable[Any], known_at: date, current: dict[int, list[Any]] | None = None
) -> dict[int, list[KnownFigure]]:
    """For each measure, its figures as known on `known_at`, by period, oldest first. One
    query on the history whatever the number of measures. `current` gives each measure's
    actuals as they are now, by measure id (rows with the Actual fields); without it they are
    read from each measure's actuals (prefetched, or not)."""
    measures = list(measures)
    frequency = {m.pk: m.frequency for m in measures}
    versions: dict[tuple[int, date], list[dict[str, Any]]] = defaultdict(list)
    rows = (
        Actual.history.filter(measure_id__in=list(frequency), period__lte=known_at)
        .order_by("history_date", "history_id")
        .values(
            "measure_id",
            "period",
            "value",
            "status",
            "note",
            "data_as_at",
            "source",
            "history_date",
            "history_type",
        )
    )
    for row in rows:
        versions[(row["measure_id"], row["period"])].append(row)

    known: dict[int, list[KnownFigure]] = {pk: [] for pk in frequency}
    for (measure_id, period), history in versions.items():
        figure = _latest_known(history, period, frequency[measure_id], known_at)
        if figure is not None:
            known[measure_id].append(figure)
    for measure in measures:
        rows = current.get(measure.pk, []) if current is not None else measure.actuals.all()
        for actual in rows:
            if (measure.pk, actual.period) in versions or actual.period > known_at:
                continue
            if known_from(actual.period, actual.data_as_at, measure.frequency) <= known_at:
                known[measure.pk].append(
                    KnownFigure(
                        actual.period,
                        actual.value,
                        actual.status,
                        actual.note,
                        actual.data_as_at,
                        actual.source,
                    )
                )
    for figures in known.values():
        figures.sort(key=lambda f: f.period)
    return known


def _latest_known(
    history: list[dict[str, Any]], period: date, frequency: str, known_at: date
) -> KnownFigure | None:
    chosen = None
    for version in history:  # in the order they were recorded
        if version["history_type"] == "-":
            if version["history_date"].date() <= known_at:
                chosen = None
            continue
        if known_from(period, version["data_as_at"], frequency) <= known_at:
            chosen = version
    if chosen is None:
        return None
    return KnownFigure(
        period=period,
        value=chosen["value"],
        status=chosen["status"] or ActualStatus.FINAL,
        note=chosen["note"] or "",
        data_as_at=chosen["data_as_at"],
        source=chosen["source"] or "",
    )
