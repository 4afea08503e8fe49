"""What other apps show on the priority page, without this app knowing them.

The priority page is the place to read everything about one priority, but priorities knows no
other app (DESIGN.md section 3). An app that has something to say about a priority (the reviews
of it, for one) registers a contributor from its AppConfig.ready(); the page asks each for its
part, as the signed-in user, and draws the part with the template the contributor names. A part
may also place marks on the links of the priority's delivery chain (a review's frontline visit
on the link it looked at), which the chain diagram draws under each link.

A contributor runs a fixed number of queries whatever the size of the portfolio: the priority
page's query bound counts them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .models import ChainLink, Priority


@dataclass(frozen=True)
class ChainMark:
    """Something another app places on one link of a delivery chain."""

    link_id: int
    label: str
    url: str | None = None


@dataclass
class PagePart:
    """One part of the priority page: `template` is drawn with `part` in its context."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)
    chain_marks: list[ChainMark] = field(default_factory=list)


Contributor = Callable[[Any, Priority], "PagePart | None"]

CONTRIBUTORS: list[Contributor] = []


def register(contributor: Contributor) -> Contributor:
    if contributor not in CONTRIBUTORS:
        CONTRIBUTORS.append(contributor)
    return contributor


def parts_for(user: Any, priority: Priority) -> list[PagePart]:
    return [part for contributor in CONTRIBUTORS if (part := contributor(user, priority))]


@dataclass
class ChainRow:
    """A link of the chain as the diagram draws it, with the marks placed on it."""

    link: ChainLink
    marks: list[ChainMark] = field(default_factory=list)
    # The URLs of the workspace's edit controls ("edit", "move", "remove"), where editable.
    controls: dict[str, str] | None = None

    @property
    def css(self) -> str:
        return f"du-chain__link--{self.link.strength.replace('_', '-')}"


def chain_rows(links: list[ChainLink], marks: list[ChainMark]) -> list[ChainRow]:
    by_link: dict[int, list[ChainMark]] = defaultdict(list)
    for mark in marks:
        by_link[mark.link_id].append(mark)
    return [ChainRow(link, by_link.get(link.pk, [])) for link in links]
