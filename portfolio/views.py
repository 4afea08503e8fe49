from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import home as home_sections


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portfolio/home.html",
        {
            "nav_home": True,
            "sections": home_sections.sections_for(request.user),
            "scope_description": home_sections.scope_description(request.user),
            "role_summary": home_sections.ROLE_SUMMARY.get(request.user.role, ""),
        },
    )
