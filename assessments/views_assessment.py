"""An assessment as read, for everyone in its scope (ministers and officials included), and the
history of every change to it. Editors change it in the editor (views_editor.py)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from deliveryunit.editing import HtmxHttpRequest

from . import editor, selectors_editor


@require_GET
def assessment_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assessment = selectors_editor.assessment_for_user(request.user, pk)
    page = selectors_editor.editor_page(assessment.round, assessment.priority)
    context = editor.detail_context(page, user=request.user)
    return render(request, "assessments/assessment_detail.html", context)


@require_GET
def assessment_history(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assessment = selectors_editor.assessment_for_user(request.user, pk)
    title = f"History of the assessment of {assessment.priority.code}, {assessment.round.name}"
    return render(
        request,
        "assessments/assessment_history.html",
        {
            "nav_assessments": True,
            "assessment": assessment,
            "title": title,
            "covers": "this assessment, its area ratings and its key challenges",
            "back_url": reverse("assessments:assessment_detail", args=[assessment.pk]),
            "back_label": "Back to the assessment",
            "entries": selectors_editor.assessment_history_entries(assessment),
        },
    )
