"""Import of actuals and trajectory points (one measure, or actuals across the portfolio), and
export of a measure's data as CSV and Excel.

An import is one page that moves through its steps with a `token` naming the user's pending
import (see the priorities.imports package): upload -> (publisher spreadsheets: map the sheet)
-> preview -> confirm. Each step re-checks that the user may still import into the measure.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from deliveryunit import access

from . import exports, imports
from .forms_data import OWN, PUBLISHER, MappingForm, UploadForm, sheet_preview
from .models import Measure

IMPORTED_ACTUALS = "Imported {created} new and {updated} changed values ({unchanged} unchanged)."
IMPORTED_TRAJECTORY = "Added trajectory version {number} with {points} points."
IMPORTED_NOTHING = "Nothing was imported: every row matched the data already stored."
CANCELLED = "The import was cancelled. Nothing was imported."

CONFIRM, CANCEL, MAP, SHOW = "confirm", "cancel", "map", "show"


def _import_url(measure: Measure | None, token: str = "", **params: str) -> str:
    url = (
        reverse("priorities:measure_import", args=[measure.pk])
        if measure
        else reverse("priorities:import")
    )
    query = {"token": token, **params} if token else params
    if query:
        url += "?" + urlencode(query)
    return url


# --- pages --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def measure_import(request: HttpRequest, pk: int) -> HttpResponse:
    measure = access.get_for_user(Measure.objects.select_related("priority"), request.user, pk=pk)
    kinds = access.import_kinds(request.user, measure)
    access.check(bool(kinds))
    return _import(request, measure=measure, kinds=kinds)


@require_http_methods(["GET", "POST"])
def portfolio_import(request: HttpRequest) -> HttpResponse:
    access.check(access.may_import(request.user))
    return _import(request, measure=None, kinds=[imports.ACTUALS])


@require_GET
def measure_export_csv(request: HttpRequest, pk: int) -> HttpResponse:
    measure = access.get_for_user(Measure.objects.all(), request.user, pk=pk)
    response = HttpResponse(
        exports.to_csv(exports.measure_rows(measure)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(measure, "csv")}"'
    return response


@require_GET
def measure_export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    measure = access.get_for_user(Measure.objects.all(), request.user, pk=pk)
    response = HttpResponse(
        exports.to_xlsx(exports.measure_rows(measure), title=measure.name),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(measure, "xlsx")}"'
    return response


# --- the import steps ---------------------------------------------------------------------


def _import(request: HttpRequest, *, measure: Measure | None, kinds: list[str]) -> HttpResponse:
    token = request.POST.get("token") or request.GET.get("token") or ""
    if not token:
        return _upload(request, measure=measure, kinds=kinds)
    pending = imports.pending_load(token, user=request.user, measure=measure)
    if pending is None:
        # Another user's token, another measure's or an expired one: all look the same.
        form = _upload_form(None, measure=measure, kinds=kinds)
        return _render_upload(request, form, measure, missing=True, status=404)
    access.check(pending.kind in kinds)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == CANCEL:
        pending.discard()
        messages.info(request, CANCELLED)
        return redirect(_import_url(measure))
    wants_map = pending.stage == imports.MAP or request.GET.get("step") == MAP
    if measure is not None and pending.has_upload and (wants_map or action in (MAP, SHOW)):
        return _map(request, pending, measure=measure, action=action)
    if action == CONFIRM:
        return _confirm(request, pending, measure=measure)
    return _render_preview(request, pending, measure=measure)


def _upload_form(
    data: Any, *, measure: Measure | None, kinds: list[str], files: Any = None
) -> UploadForm:
    return UploadForm(
        data,
        files,
        kinds=kinds,
        trajectory_exists=bool(measure and imports.latest_trajectory_number(measure)),
        portfolio=measure is None,
    )


def _upload(request: HttpRequest, *, measure: Measure | None, kinds: list[str]) -> HttpResponse:
    if request.method != "POST":
        return _render_upload(request, _upload_form(None, measure=measure, kinds=kinds), measure)
    form = _upload_form(request.POST, measure=measure, kinds=kinds, files=request.FILES)
    if not form.is_valid():
        return _render_upload(request, form, measure)
    try:
        pending = imports.pending_start(user=request.user, measure=measure, **form.upload())
    except imports.ImportRefused as exc:
        form.add_error("file", str(exc))
        return _render_upload(request, form, measure)
    return redirect(_import_url(measure, pending.token))


def _render_upload(
    request: HttpRequest,
    form: UploadForm,
    measure: Measure | None,
    *,
    missing: bool = False,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "measure": measure,
        "missing": imports.PENDING_MISSING if missing else "",
        "max_rows": imports.MAX_ROWS,
        "own": OWN,
        "publisher": PUBLISHER,
        "trajectory_kind": imports.TRAJECTORY,
        "reason_needed": form.trajectory_exists,
    }
    if measure is None:
        measures = imports.importable_measures(request.user).order_by("priority__code", "pk")
        context["measures"] = list(measures)
    else:
        context["priority_url"] = reverse("priorities:detail", args=[measure.priority_id])
    return render(request, "priorities/import_upload.html", context, status=status)


def _map(
    request: HttpRequest, pending: imports.PendingImport, *, measure: Measure, action: str
) -> HttpResponse:
    saved = pending.mapping
    # The form as sent, or as last saved; the sheet on screen then is the one saved.
    source = (
        request.POST if request.method == "POST" else {**saved, "shown_sheet": saved.get("sheet")}
    )
    try:
        choice = pending.choose_sheet(source)
    except imports.ImportRefused as exc:
        pending.discard()
        form = _upload_form(None, measure=measure, kinds=[pending.kind])
        form.add_error("file", str(exc))
        return _render_upload(request, form, measure)
    if action != MAP:
        form = MappingForm.showing(choice, source=source, saved=saved)
    else:
        form = MappingForm(request.POST, sheets=choice.sheets, columns=choice.columns)
        mapped = form.read_rows(choice.table, measure=measure) if form.is_valid() else None
        if mapped is not None:
            pending.set_mapped(form.mapping(), mapped)
            return redirect(_import_url(measure, pending.token))
    return _render_map(request, form, choice, pending=pending, measure=measure)


def _render_map(
    request: HttpRequest,
    form: MappingForm,
    choice: imports.SheetChoice,
    *,
    pending: imports.PendingImport,
    measure: Measure,
) -> HttpResponse:
    context = {
        "form": form,
        "measure": measure,
        "pending": pending,
        "sheet_rows": sheet_preview(choice.table, choice.header_row),
        "shown_sheet": choice.sheet,
        "priority_url": reverse("priorities:detail", args=[measure.priority_id]),
        "import_url": _import_url(measure),
    }
    return render(request, "priorities/import_map.html", context)


def _render_preview(
    request: HttpRequest,
    pending: imports.PendingImport,
    *,
    measure: Measure | None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    preview = imports.build_preview(pending, user=request.user)
    context = {
        "measure": measure,
        "pending": pending,
        "preview": preview,
        "counts": preview.counts,
        "error": error,
        "portfolio": measure is None,
        "is_trajectory": pending.kind == imports.TRAJECTORY,
        "confirm_refused": imports.CONFIRM_WITH_ERRORS,
        "nothing_to_change": imports.NOTHING_TO_CHANGE,
        "import_url": _import_url(measure),
        "remap_url": _import_url(measure, pending.token, step=MAP) if pending.has_upload else "",
    }
    if measure is not None:
        context["priority_url"] = reverse("priorities:detail", args=[measure.priority_id])
    return render(request, "priorities/import_preview.html", context, status=status)


def _confirm(
    request: HttpRequest, pending: imports.PendingImport, *, measure: Measure | None
) -> HttpResponse:
    fingerprint = request.POST.get("fingerprint", "")
    try:
        outcome = imports.apply(pending, by=request.user, fingerprint=fingerprint)
    except imports.ImportProblem as exc:
        status = 409 if isinstance(exc, imports.ImportConflict) else 400
        return _render_preview(request, pending, measure=measure, error=str(exc), status=status)
    pending.discard()
    _report(request, outcome)
    if measure is not None:
        return redirect(reverse("priorities:detail", args=[measure.priority_id]))
    return redirect(_import_url(None))


def _report(request: HttpRequest, outcome: imports.Outcome) -> None:
    if outcome.trajectory is not None:
        number, points = outcome.trajectory.number, outcome.created
        messages.success(request, IMPORTED_TRAJECTORY.format(number=number, points=points))
    elif outcome.created or outcome.updated:
        counts = {"created": outcome.created, "updated": outcome.updated}
        messages.success(request, IMPORTED_ACTUALS.format(**counts, unchanged=outcome.unchanged))
    else:
        messages.info(request, IMPORTED_NOTHING)
