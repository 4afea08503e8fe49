"""The product's URLs plus the bare view for bench/pages.py: a Django view that renders a
300-row table from a template, with no database work of its own. It goes through the same
middleware as every page (session, user, CSRF, CSP, login required), so the ratio of a page to
it is what the page itself costs."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from deliveryunit.urls import urlpatterns as product_urlpatterns

BARE_ROWS = 300

_TEMPLATE = engines["django"].from_string(
    """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Bare table</title></head>
<body><main>
<table>
  <caption>{{ rows|length }} rows</caption>
  <thead><tr><th scope="col">Code</th><th scope="col">Title</th><th scope="col">Department</th>
  <th scope="col">Status</th><th scope="col">Value</th></tr></thead>
  <tbody>
  {% for row in rows %}<tr>
    <th scope="row"><a href="/priorities/{{ row.pk }}/">{{ row.code }}</a></th>
    <td>{{ row.title }}</td><td>{{ row.department }}</td>
    <td><strong class="tag tag--{{ row.status }}">{{ row.status_label }}</strong></td>
    <td>{{ row.value|floatformat:1 }}</td>
  </tr>{% endfor %}
  </tbody>
</table>
</main></body></html>
"""
)
_ROWS = [
    {
        "pk": n,
        "code": f"B {n}",
        "title": f"Bare priority number {n}, with a title as long as a real one's",
        "department": "Department of Health",
        "status": "on_track" if n % 3 else "off_track",
        "status_label": "On track" if n % 3 else "Off track",
        "value": n * 1.25,
    }
    for n in range(BARE_ROWS)
]


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_TEMPLATE.render({"rows": _ROWS}, request))


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *product_urlpatterns]
