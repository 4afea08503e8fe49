from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from deliveryunit.editing import HtmxHttpRequest, vary_on_htmx
from reviews.selectors import reviews_under_way_count

from . import dashboard, due
from . import home as home_sections
from .forms import DashboardFilterForm


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The portfolio dashboard, for every role, scoped to what the user may see. Filters and
    sorting live in the query string; htmx asks for the results part only."""
    user = request.user
    form = DashboardFilterForm(request.GET or None, auto_id="filter-%s", user=user)
    board = dashboard.dashboard(user, form.valid_filters(), request.GET)
    context = {"nav_home": True, "form": form, "board": board}
    if request.htmx:
        return vary_on_htmx(render(request, "portfolio/home.html#results", context))
    context |= {
        "due": due.due_from(user),
        "scope_description": home_sections.scope_description(user),
        "role_summary": home_sections.ROLE_SUMMARY.get(user.role, ""),
        "reviews_under_way": reviews_under_way_count(user),
    }
    return vary_on_htmx(render(request, "portfolio/home.html", context))
