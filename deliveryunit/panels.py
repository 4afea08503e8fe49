"""Priority page panels: the sections of the priority page that other apps supply.

The priority page belongs to `priorities`, which knows no other app, yet the page should show
everything known about the priority: its assessment history, the actions on it, the meetings
that covered it, reviews of it. So the page asks this registry, and each app that knows
something about priorities registers a panel here from its AppConfig.ready():

    from deliveryunit import panels
    panels.register("assessment_history", assessment_history_panel, order=10)

A panel is a function (user, priority) -> Panel | None. It reads what it shows itself, scoped
to the user through deliveryunit.access (rounds through access.visible_rounds), in a fixed
number of queries whatever the size of the portfolio, and returns the template that draws it
with that template's context; None when it has nothing to say for this priority and user (the
page then shows no heading for it). The template is the app's own (e.g.
"stocktakes/priority_panels.html#actions"): it is included in the page inside a <section>,
starts at heading level 2 and receives its context as `panel`. Panels are drawn in `order`,
lowest first; gaps leave room for others (assessments 10, stocktakes 20 and 30, reviews 40).
Registering the same key again replaces the earlier panel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # The <section>'s id and its heading's id, for links from elsewhere on the page.
    key: str = ""


PanelFunction = Callable[[Any, Any], Panel | None]


@dataclass(frozen=True)
class _Registered:
    key: str
    order: int
    function: PanelFunction


_panels: dict[str, _Registered] = {}


def register(key: str, function: PanelFunction, *, order: int) -> None:
    _panels[key] = _Registered(key=key, order=order, function=function)


def registered() -> list[str]:
    """The keys of the registered panels, in the order they are drawn."""
    return [p.key for p in sorted(_panels.values(), key=lambda p: (p.order, p.key))]


def for_priority(user: Any, priority: Any) -> list[Panel]:
    """Every panel that has something to show `user` about `priority`, in order."""
    shown = []
    for key in registered():
        panel = _panels[key].function(user, priority)
        if panel is not None:
            shown.append(Panel(template=panel.template, context=panel.context, key=key))
    return shown
