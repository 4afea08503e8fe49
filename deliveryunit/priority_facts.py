"""What other apps tell the priority list and the dashboard about each priority, through the
base.

`priorities` knows no other app, but its list shows each priority's likelihood of delivery (an
assessments judgement) and filters by forum (a stocktakes grouping). Those apps register the
answers here from their AppConfig.ready(), in the same way as the priority page's panels
(deliveryunit/panels.py):

- `register_likelihood(function)`: function(user, priority_ids) -> {priority id: Likelihood},
  the latest judgement `user` may see and the one before it, in a fixed number of queries.
- `register_grouping(Grouping(...))`: a filter by something priorities belong to; `choices`
  lists the groups `user` may see, `members` the ids of the priorities in one of them.
- `register_reviews(function)`: function(user, priority_ids) -> {priority id: ReviewUnderWay},
  the priority review under way on each priority, if any. The reviews app registers it; until
  it does, the dashboard's review column is not shown.

Nothing registered means no column and no filter: the pages still work on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

IMPROVED = "improved"
WORSENED = "worsened"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Likelihood:
    """A likelihood-of-delivery judgement as lists and dashboards show it: its letters always,
    its colour as well, and how it moved since the judgement before."""

    code: str  # "AG"
    label: str  # "Amber-Green"
    css: str  # classes of the coloured letters
    round_name: str
    order: int  # position on the scale: higher is better
    round_date: date | None = None
    previous_code: str = ""
    previous_label: str = ""
    previous_order: int | None = None
    previous_round_name: str = ""

    @property
    def direction(self) -> str:
        """IMPROVED, WORSENED, UNCHANGED, or "" when there is nothing to compare with."""
        if self.previous_order is None:
            return ""
        if self.order > self.previous_order:
            return IMPROVED
        if self.order < self.previous_order:
            return WORSENED
        return UNCHANGED

    @property
    def arrow(self) -> str:
        return {IMPROVED: "↑", WORSENED: "↓", UNCHANGED: "→"}.get(self.direction, "")

    @property
    def move_text(self) -> str:
        """E.g. "↑ from AR", "→ as AG", or "" for a first judgement."""
        if not self.direction:
            return ""
        if self.direction == UNCHANGED:
            return f"→ as {self.previous_code}"
        return f"{self.arrow} from {self.previous_code}"

    @property
    def move_words(self) -> str:
        """The move in words, for screen readers: "improved from Amber-Red (June 2003)"."""
        if not self.direction:
            return "first judgement"
        when = f" ({self.previous_round_name})" if self.previous_round_name else ""
        if self.direction == UNCHANGED:
            return f"unchanged since {self.previous_round_name or 'the judgement before'}"
        return f"{self.direction} from {self.previous_label}{when}"


LikelihoodFunction = Callable[[Any, Iterable[int]], dict[int, Likelihood]]

_likelihood: list[LikelihoodFunction] = []


def register_likelihood(function: LikelihoodFunction) -> None:
    _likelihood[:] = [function]


def has_likelihood() -> bool:
    return bool(_likelihood)


def likelihoods(user: Any, priority_ids: Iterable[int]) -> dict[int, Likelihood]:
    if not _likelihood:
        return {}
    return _likelihood[0](user, priority_ids)


@dataclass(frozen=True)
class Grouping:
    key: str  # the query-string name, e.g. "forum"
    label: str  # "Forum"
    hint: str
    all_label: str  # the "no filter" option, e.g. "All forums"
    invalid: str  # the error when the chosen group is not one the user may see
    choices: Callable[[Any], list[tuple[str, str]]]  # user -> [(value, label)]
    members: Callable[[Any, str], Iterable[int]]  # (user, value) -> priority ids


_groupings: dict[str, Grouping] = {}


def register_grouping(grouping: Grouping) -> None:
    _groupings[grouping.key] = grouping


def groupings() -> list[Grouping]:
    return list(_groupings.values())


@dataclass(frozen=True)
class ReviewUnderWay:
    """A priority review in progress on a priority, as the dashboard shows it."""

    title: str
    stage: str  # the stage's label, e.g. "Fieldwork"
    url: str = ""  # the review's page, for users who may open it


ReviewsFunction = Callable[[Any, Iterable[int]], dict[int, ReviewUnderWay]]

_reviews: list[ReviewsFunction] = []


def register_reviews(function: ReviewsFunction) -> None:
    _reviews[:] = [function]


def has_reviews() -> bool:
    return bool(_reviews)


def reviews_under_way(user: Any, priority_ids: Iterable[int]) -> dict[int, ReviewUnderWay]:
    """The hook the dashboard's review column reads: empty until an app registers reviews."""
    if not _reviews:
        return {}
    return _reviews[0](user, priority_ids)
