"""The judgement cells of the assessment grid, rendered once per distinct judgement.

A grid of 300 priorities over 10 rounds has 15,000 judgement cells but only a score of
distinct ones (a code of each scale, "not judged", "not assessed"). Rendering the cell's partial
for every cell took most of the page's time, so each distinct cell is rendered once per page,
from the same partials of the grid's template, and repeated.
"""

from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

register = template.Library()

GRID_TEMPLATE = "assessments/grid.html"
RATING_CELL = f"{GRID_TEMPLATE}#rating_cell"
NOT_ASSESSED = f"{GRID_TEMPLATE}#not_assessed_cells"
_CACHE = "assessment_grid.cells"


def _renderer(context: template.Context) -> Any:
    """A function that gives a partial's HTML for a rating, rendering each pair once per page."""
    cache: dict[tuple[str, Any], str] = context.render_context.setdefault(_CACHE, {})

    def rendered(partial: str, rating: Any) -> str:
        key = (partial, rating)
        html = cache.get(key)
        if html is None:
            with context.push(rating=rating):
                html = cache[key] = context.template.engine.get_template(partial).render(context)
        return html

    return rendered


@register.simple_tag(takes_context=True)
def judgement_cells(context: template.Context, ratings: list) -> SafeString:
    """A row's cells: for each round, its five judgements (a Rating, or None where not
    judged), or None where the priority was not assessed in that round."""
    rendered = _renderer(context)
    parts = []
    for judgements in ratings:
        if judgements is None:
            parts.append(rendered(NOT_ASSESSED, None))
        else:
            parts.extend(rendered(RATING_CELL, rating) for rating in judgements)
    # Each part is a partial rendered with autoescaping, so kept as it is; anything else would
    # be escaped.
    return format_html_join("", "{}", ((part,) for part in parts))
