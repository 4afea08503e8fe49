"""The public progress pages: open to anyone, no sign-in.

They are rendered without the request (`render_to_string` with no request), so no context
processor runs: nothing reads the session or the signed-in user, nothing asks for a CSRF token,
and the response sets no cookie. There are no forms and no inline scripts (a cached page cannot
carry a per-request nonce). Each page is cached under plans.public.public_stamp(), which moves
on when anything the page shows can have changed.
"""

from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from deliveryunit import clock
from priorities.charts import PLOT_CONFIG

from . import public

CACHE_SECONDS = 60 * 60
BROWSER_CACHE_SECONDS = 5 * 60


def _cached(
    request: HttpRequest, build: Callable[[], str | bytes], content_type: str
) -> HttpResponse:
    key = f"plans:progress:{public.public_stamp()}:{request.path}"
    content = cache.get(key)
    if content is None:
        content = build()
        cache.set(key, content, CACHE_SECONDS)
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={BROWSER_CACHE_SECONDS}"
    return response


def _page(template: str, **context: object) -> Callable[[], str]:
    def build() -> str:
        return render_to_string(template, {"as_at": clock.as_at(), **context})

    return build


@login_not_required
@require_GET
def progress_index(request: HttpRequest) -> HttpResponse:
    return _cached(
        request,
        lambda: _page("plans/public/index.html", plans=public.public_plans())(),
        "text/html; charset=utf-8",
    )


@login_not_required
@require_GET
def progress_plan(request: HttpRequest, pk: int) -> HttpResponse:
    def build() -> str:
        return _page("plans/public/plan.html", plan=public.public_plan(pk))()

    return _cached(request, build, "text/html; charset=utf-8")


@login_not_required
@require_GET
def progress_objective(request: HttpRequest, pk: int) -> HttpResponse:
    def build() -> str:
        plan, objective = public.public_objective(pk)
        return _page(
            "plans/public/objective.html", plan=plan, objective=objective, plot_config=PLOT_CONFIG
        )()

    return _cached(request, build, "text/html; charset=utf-8")


@login_not_required
@require_GET
def progress_csv(request: HttpRequest) -> HttpResponse:
    response = _cached(request, public.public_csv, "text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="progress-figures.csv"'
    return response
