"""Import of actuals and trajectory points (one measure, or actuals across the portfolio), and
export of a measure's data as CSV and Excel.

An import is one page that moves through its steps with a `token` naming the user's pending
import (see priorities/imports.py): upload -> (publisher spreadsheets: map the sheet) ->
preview -> confirm. Each step re-checks that the user may still import into the measure.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
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


def _importable_measures(user: Any) -> QuerySet[Measure]:
    """Measures the user may import actuals for: any for editors; for an official, those of
    priorities their department leads."""
    measures = access.scoped(Measure.objects.select_related("priority"), user)
    if access.is_editor(user):
        return measures
    department_id = access.department_id_of(user)
    if department_id is None or not access.can_submit_data_for(user, {department_id}):
        return measures.none()
    return measures.filter(priority__lead_department_id=department_id)


def _kinds_for(user: Any, measure: Measure) -> list[str]:
    if access.is_editor(user):
        return [imports.ACTUALS, imports.TRAJECTORY]
    if access.can_submit_data_for(user, {measure.priority.lead_department_id}):
        return [imports.ACTUALS]
    return []


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
    kinds = _kinds_for(request.user, measure)
    access.check(bool(kinds))
    return _import(request, measure=measure, kinds=kinds)


@require_http_methods(["GET", "POST"])
def portfolio_import(request: HttpRequest) -> HttpResponse:
    department_id = access.department_id_of(request.user)
    access.check(
        access.is_editor(request.user)
        or access.can_submit_data_for(request.user, {department_id} if department_id else set())
    )
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


def _upload_form(data: Any, *, measure: Measure | None, kinds: list[str], files: Any = None):  # type: ignore[no-untyped-def]
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
    upload = form.cleaned_data["file"]
    kind = form.cleaned_data["kind"]
    pending = imports.pending_create(
        user=request.user, kind=kind, measure=measure, filename=upload.name or ""
    )
    pending.trajectory = form.trajectory_meta()
    try:
        data = upload.read(imports.MAX_BYTES + 1)
        if len(data) > imports.MAX_BYTES:
            raise imports.ImportRefused(imports.FILE_TOO_LARGE)
        if measure is not None and form.cleaned_data.get("layout") == PUBLISHER:
            imports.sheet_names(data)  # can it be read at all?
            pending.stage = imports.MAP
            pending.save(upload=data)
            return redirect(_import_url(measure, pending.token))
        table = imports.read_table(data)
        if measure is None:
            resolve = imports.measure_resolver(
                access.scoped(Measure.objects.select_related("priority"), request.user),
                can_submit=lambda m: _kinds_for(request.user, m) != [],
            )
            parsed = imports.parse_own_format(table, kind=kind, resolve=resolve)
        else:
            parsed = imports.parse_own_format(table, kind=kind, measure=measure)
    except imports.ImportRefused as exc:
        form.add_error("file", str(exc))
        return _render_upload(request, form, measure)
    pending.set_rows(parsed.rows)
    pending.skipped = parsed.skipped
    pending.save()
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
        context["measures"] = list(
            _importable_measures(request.user).order_by("priority__code", "pk")
        )
    else:
        context["priority_url"] = reverse("priorities:detail", args=[measure.priority_id])
    return render(request, "priorities/import_upload.html", context, status=status)


def _map(
    request: HttpRequest, pending: imports.PendingImport, *, measure: Measure, action: str
) -> HttpResponse:
    data = pending.upload()
    try:
        sheets = imports.sheet_names(data)
    except imports.ImportRefused as exc:
        pending.discard()
        form = _upload_form(None, measure=measure, kinds=[pending.kind])
        form.add_error("file", str(exc))
        return _render_upload(request, form, measure)
    saved = pending.mapping
    posted = request.POST if request.method == "POST" else None
    requested = posted.get("sheet") if posted is not None else saved.get("sheet")
    sheet = requested if requested in sheets else sheets[0]
    # The sheet on screen when the form was sent: choosing another one starts its guesses afresh.
    shown = posted.get("shown_sheet") if posted is not None else saved.get("sheet")
    fresh_sheet = shown != sheet
    table = imports.read_table(data, sheet or None)
    guessed_header, guessed_period = imports.guess_mapping(table)
    header_row = guessed_header
    if not fresh_sheet:
        try:
            header_row = int(posted["header_row"] if posted is not None else saved["header_row"])
        except (KeyError, ValueError):
            header_row = guessed_header
    columns = imports.column_choices(table, header_row)
    initial: dict[str, Any] = {
        "sheet": sheet,
        "header_row": header_row,
        "period_column": guessed_period,
        "value_column": None,
        "scale": saved.get("scale", imports.SCALE_AS_PUBLISHED),
        "skip_non_dates": saved.get("skip_non_dates", True),
        "skip_no_value": saved.get("skip_no_value", True),
    }
    if not fresh_sheet:
        source = posted if posted is not None else saved
        for name in ("period_column", "value_column", "scale"):
            if source.get(name) not in (None, ""):
                initial[name] = source[name]
    if action == MAP:
        form = MappingForm(request.POST, sheets=sheets, columns=columns)
        if form.is_valid():
            mapping = form.mapping()
            try:
                mapped = imports.parse_mapped(table, mapping=mapping, measure=measure)
            except imports.ImportRefused as exc:
                form.add_error(None, str(exc))
            else:
                pending.set_rows(mapped.rows)
                pending.skipped = mapped.skipped
                pending.mapping = {
                    "sheet": mapping.sheet,
                    "header_row": mapping.header_row,
                    "period_column": mapping.period_column,
                    "value_column": mapping.value_column,
                    "scale": mapping.scale,
                    "skip_non_dates": mapping.skip_non_dates,
                    "skip_no_value": mapping.skip_no_value,
                }
                pending.stage = imports.PREVIEW
                pending.save()
                return redirect(_import_url(measure, pending.token))
    else:
        form = MappingForm(initial=initial, sheets=sheets, columns=columns)
    return render(
        request,
        "priorities/import_map.html",
        {
            "form": form,
            "measure": measure,
            "pending": pending,
            "sheet_rows": sheet_preview(table, header_row),
            "shown_sheet": sheet,
            "priority_url": reverse("priorities:detail", args=[measure.priority_id]),
            "import_url": _import_url(measure),
        },
    )


def _recheck_measures(request: HttpRequest, pending: imports.PendingImport) -> None:
    """A portfolio import's measures as the user may import them now, not as at upload."""
    if pending.measure_id is not None:
        return
    allowed = set(_importable_measures(request.user).values_list("pk", flat=True))
    for row in pending.rows:
        if row["measure_id"] is not None and row["measure_id"] not in allowed:
            row["errors"] = [imports.UNKNOWN_MEASURE.format(measure=row["measure_text"])]
            row["measure_id"] = None


def _render_preview(
    request: HttpRequest,
    pending: imports.PendingImport,
    *,
    measure: Measure | None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    _recheck_measures(request, pending)
    preview = imports.build_preview(pending)
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
    _recheck_measures(request, pending)
    try:
        outcome = imports.apply(
            pending, by=request.user, fingerprint=request.POST.get("fingerprint", "")
        )
    except imports.ImportConflict as exc:
        return _render_preview(request, pending, measure=measure, error=str(exc), status=409)
    except imports.ImportRefused as exc:
        return _render_preview(request, pending, measure=measure, error=str(exc), status=400)
    except IntegrityError:
        # Someone added one of the same periods between our check and our write.
        return _render_preview(
            request, pending, measure=measure, error=imports.CONFLICT, status=409
        )
    except ValidationError as exc:
        return _render_preview(
            request, pending, measure=measure, error=" ".join(exc.messages), status=400
        )
    pending.discard()
    if outcome.trajectory is not None:
        messages.success(
            request,
            IMPORTED_TRAJECTORY.format(number=outcome.trajectory.number, points=outcome.created),
        )
    elif outcome.created or outcome.updated:
        messages.success(
            request,
            IMPORTED_ACTUALS.format(
                created=outcome.created, updated=outcome.updated, unchanged=outcome.unchanged
            ),
        )
    else:
        messages.info(request, IMPORTED_NOTHING)
    if measure is not None:
        return redirect(reverse("priorities:detail", args=[measure.priority_id]))
    return redirect(_import_url(None))
