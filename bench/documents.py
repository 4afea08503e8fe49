"""How long the delivery report and the note to the Prime Minister take to build.

    .venv/bin/python bench/documents.py            (or: make bench)
    .venv/bin/python bench/documents.py --quick    (or: make bench-quick, BENCH_QUICK=1)

Builds in this process with the pipeline's own run_build, as a worker does, against a
throwaway SQLite database and media folder (both removed at the end): first the demo data, then
a generated portfolio (300 priorities by default; BENCH_PRIORITIES=n for another size). The
chart browser's cold start is timed on its own, before any document, so the document figures
are those of a warm worker. What each figure means: bench/README.md.

The quick mode runs every step on a handful of generated priorities, with each chart export
timed once and the repeated report left out: its figures mean little, but it proves the bench
still runs (CI runs it).
"""

from __future__ import annotations

import io
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUICK = "--quick" in sys.argv[1:] or os.environ.get("BENCH_QUICK", "") not in ("", "0")
PRIORITIES = int(os.environ.get("BENCH_PRIORITIES", "3" if QUICK else "300"))
MEASURES_PER_PRIORITY = 1 if QUICK else 3
MONTHS_OF_ACTUALS = 60
DEPARTMENTS = 10
ROUNDS = [
    ("Bench round, December 2022", date(2022, 12, 31)),
    ("Bench round, June 2023", date(2023, 6, 30)),
    ("Bench round, December 2023", date(2023, 12, 31)),
]
FIRST_MONTH = date(2019, 1, 1)
CHART_REPEATS = 1 if QUICK else 5
PACK_PRIORITIES = 10
# The demo's own documents are built too in the full run (BENCH_DEMO=0 leaves them out).
DEMO = not QUICK and os.environ.get("BENCH_DEMO", "1") != "0"

# The targets on a 2-core machine: (what, seconds). Each is timed with an empty chart cache, so
# every chart is drawn; the table at the end sets the figures against them.
TARGET_DEPARTMENT = "department report (30 priorities), PDF"
TARGET_PORTFOLIO = "whole-portfolio report (300 priorities), PDF"
TARGET_PACK = f"stocktake pack ({PACK_PRIORITIES} priorities), PDF"
TARGET_NOTE = "PM note (300 priorities), PDF"
TARGETS = [
    (TARGET_DEPARTMENT, 10.0),
    (TARGET_PORTFOLIO, 90.0),
    (TARGET_PACK, 5.0),
    (TARGET_NOTE, 3.0),
]
MEASURED: dict[str, tuple[float, int | None, str, float]] = {}


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="du-bench-"))
    try:
        _configure(workdir)
        run()
    finally:
        _stop_browser()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _configure(workdir: Path) -> None:
    """Point Django at the throwaway database and media folder before it reads its settings.
    No broker: nothing is queued, every build runs here."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "deliveryunit.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.pop("REDIS_URL", None)
    # The demo issues minutes, which are emailed: kept in memory here, not printed.
    os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    # One warning per chart from each of these would bury the figures.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="The kopts argument is ignored")

    from deliveryunit import documents

    # Requests only store the row here; the bench calls run_build itself, to time the build
    # alone (without a broker, requesting would build at once, inside the request).
    documents._enqueue = lambda document_id: None


def _stop_browser() -> None:
    if "kaleido" in sys.modules:
        sys.modules["kaleido"].stop_sync_server(silence_warnings=True)


# --- timing ---------------------------------------------------------------------------------


@dataclass
class Built:
    seconds: float
    size: int
    pages: int | None
    # CPU seconds of this process (not the chart browser's): on a machine shared with other
    # work, wall-clock time says as much about the load as about the build.
    cpu: float = 0.0


def build(kind: str, fmt: str, subject: dict[str, Any], *, cold: bool = False) -> Built:
    from deliveryunit import access, chart_images, documents
    from deliveryunit.models import DocumentStatus

    if cold:
        # Every chart drawn, none taken from an earlier build.
        shutil.rmtree(chart_images.cache_dir(), ignore_errors=True)

    # As the workbench's own builds are asked for (on a schedule, or when a round is published).
    document = documents.document_request(kind=kind, format=fmt, subject=subject, by=access.SYSTEM)
    started, cpu_started = time.perf_counter(), time.process_time()
    documents.run_build(document.pk)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    document.refresh_from_db()
    if document.status != DocumentStatus.DONE:
        raise SystemExit(f"{document.title} ({fmt}) did not build: {document.error}")
    pages = None
    if fmt == "pdf":
        import pypdf

        with document.file.open("rb") as handle:
            pages = len(pypdf.PdfReader(io.BytesIO(handle.read())).pages)
    return Built(seconds, document.size or 0, pages, cpu)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


ROW = "  {:<46} {:>5} {:>7} {:>6} {:>9} {:>9} {:>9} {:>9}"


def header() -> None:
    print(ROW.format("document", "fmt", "charts", "pages", "size", "content", "build", "cpu"))


def row(title: str, fmt: str, charts: int | str, content: float, built: Built) -> None:
    print(
        ROW.format(
            title[:46],
            fmt.upper(),
            charts,
            "" if built.pages is None else built.pages,
            _size(built.size),
            f"{content:.2f} s",
            f"{built.seconds:.2f} s",
            f"{built.cpu:.2f} s",
        ),
        flush=True,
    )


# --- what is timed -----------------------------------------------------------------------


def charts_cold_and_warm() -> None:
    """The first chart starts the headless browser; later ones reuse it. Both kinds of export
    the documents use: SVG in PDFs, PNG (at twice the size) in Word files."""
    from deliveryunit import chart_images, print_charts
    from priorities import performance as perf
    from priorities.charts import measure_figure
    from priorities.models import Measure
    from priorities.selectors import measure_series_for_priorities

    measure = Measure.objects.select_related("priority").order_by("pk").first()
    series = measure_series_for_priorities([measure.priority])[measure.pk]
    figure = measure_figure(series, perf.assess(series))
    spec = chart_images.PRINT
    python = [
        timed(lambda: print_charts.draw_jpeg(figure, spec.width, spec.height, spec.scale))[0]
        for _ in range(CHART_REPEATS)
    ]
    # Straight to the exporter, past the chart cache: each call draws.
    svg_spec, png_spec = chart_images.SVG, chart_images.PNG_FOR_WORD
    cold, _ = timed(lambda: chart_images._export([figure], svg_spec))
    svg = [timed(lambda: chart_images._export([figure], svg_spec))[0] for _ in range(CHART_REPEATS)]
    png = [timed(lambda: chart_images._export([figure], png_spec))[0] for _ in range(CHART_REPEATS)]
    print("Chart export (one measure's trajectory chart)")
    for label, seconds in [
        (
            f"each chart drawn in Python, JPEG for documents (mean of {CHART_REPEATS})",
            statistics.mean(python),
        ),
        ("first chart from the browser in a process (starts it)", cold),
        (f"each later chart, SVG from the browser (mean of {CHART_REPEATS})", statistics.mean(svg)),
        (f"each later chart, PNG from the browser (mean of {CHART_REPEATS})", statistics.mean(png)),
    ]:
        print(f"  {label:<66} {seconds:7.3f} s")
    print()


def delivery_report(
    title: str,
    round_: Any,
    department: Any,
    target: str = "",
    formats: tuple[str, ...] = ("pdf", "docx"),
) -> None:
    from assessments.documents import report_content

    content_seconds, content = timed(lambda: report_content(round_, department))
    subject = {"round": round_.pk, "department": department.pk if department else ""}
    for fmt in formats:
        built = build("delivery_report", fmt, subject, cold=bool(target))
        row(title, fmt, content.chart_count, content_seconds, built)
        if target and fmt == "pdf":
            MEASURED[target] = (built.seconds, built.pages, title, built.cpu)
    if target:
        # The same report again: every chart now comes from the cache.
        built = build("delivery_report", "pdf", subject)
        row(f"{title} (rebuilt, charts cached)", "pdf", content.chart_count, 0.0, built)


def pm_note(title: str, month: date, target: str = "") -> None:
    from portfolio.pm_note import note_content

    content_seconds, _ = timed(lambda: note_content(month))
    for fmt in ("pdf", "docx"):
        built = build("pm_note", fmt, {"month": f"{month:%Y-%m}"})
        row(title, fmt, "-", content_seconds, built)
        if target and fmt == "pdf":
            MEASURED[target] = (built.seconds, built.pages, title, built.cpu)


def stocktake_pack(title: str, priorities: list[Any], meeting_date: date, target: str) -> None:
    """A stocktake on the first generated priorities, its meeting as at `meeting_date`."""
    from stocktakes.models import Forum, ForumKind, Meeting

    forum = Forum.objects.create(
        name="Bench stocktake", kind=ForumKind.STOCKTAKE, chair="Prime Minister", cycle_weeks=8
    )
    forum.priorities.set(priorities)
    meeting = Meeting.objects.create(forum=forum, date=meeting_date)
    built = build("stocktake_pack", "pdf", {"meeting": meeting.pk, "issue": ""}, cold=True)
    row(title, "pdf", len(priorities) * MEASURES_PER_PRIORITY, 0.0, built)
    MEASURED[target] = (built.seconds, built.pages, title, built.cpu)


def targets_table(load: float) -> None:
    print(
        f"\nAgainst the targets (load average {load:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end; each with an empty chart cache)"
    )
    print(f"  {'target':<46} {'limit':>7} {'measured':>9} {'cpu':>9} {'pages':>6}  met")
    for what, limit in TARGETS:
        if what not in MEASURED:
            print(f"  {what:<46} {limit:>5.0f} s {'not run':>9}")
            continue
        seconds, pages, title, cpu = MEASURED[what]
        met = "yes" if seconds < limit else "NO"
        if QUICK:
            met = "(quick mode: smaller portfolio)"
        print(
            f"  {what:<46} {limit:>5.0f} s {seconds:>7.2f} s {cpu:>7.2f} s {pages or '':>6}  {met}"
        )
        if title and QUICK:
            print(f"    measured on: {title}")


def run() -> None:
    from django.core.management import call_command
    from django.db import connection

    from deliveryunit import clock
    from deliveryunit.models import DocumentKind, DocumentStatus, GeneratedDocument
    from priorities.models import Priority

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Document builds, in-process run_build on {connection.vendor} "
        f"({os.cpu_count()} CPUs, load average {load:.1f} at the start)"
        + (" - quick mode: the figures prove it runs, nothing more" if QUICK else "")
        + "\n",
        flush=True,
    )
    migrate_seconds, _ = timed(lambda: call_command("migrate", verbosity=0))
    demo_seconds, _ = timed(lambda: call_command("load_demo", stdout=io.StringIO()))
    # Publishing the demo rounds asked for their reports; with nothing queued here they were
    # never built, and would stand in the way of the timed builds of the same documents. (The
    # demo's issued pack is left: its issue record keeps its document, and it is not timed.)
    GeneratedDocument.objects.filter(
        kind=DocumentKind.DELIVERY_REPORT, status=DocumentStatus.QUEUED
    ).delete()
    print(f"Setting up: migrate {migrate_seconds:.1f} s, demo data {demo_seconds:.1f} s\n")

    charts_cold_and_warm()

    # The note can be built up to the workbench's today (the demo's "as at"), not the calendar's.
    month = clock.today().replace(day=1)
    if DEMO:
        demo_documents(month)

    generate_seconds, (departments, latest) = timed(lambda: generate_portfolio(PRIORITIES))
    per_department = Priority.objects.filter(lead_department=departments[0]).count()
    print(
        f"Generated portfolio: {PRIORITIES} priorities, {PRIORITIES * MEASURES_PER_PRIORITY} "
        f"measures with {MONTHS_OF_ACTUALS} monthly actuals each, {len(ROUNDS)} rounds "
        f"(generated in {generate_seconds:.1f} s)",
        flush=True,
    )
    header()
    delivery_report(
        f"Delivery report, 1 dept ({per_department} priorities)",
        latest,
        departments[0],
        target=TARGET_DEPARTMENT,
    )
    delivery_report(
        f"Delivery report, whole portfolio ({PRIORITIES})",
        latest,
        None,
        target=TARGET_PORTFOLIO,
        formats=("pdf",),
    )
    pack_priorities = list(Priority.objects.filter(code__startswith="BENCH-").order_by("code"))
    stocktake_pack(
        f"Stocktake pack ({min(PACK_PRIORITIES, PRIORITIES)} priorities)",
        pack_priorities[:PACK_PRIORITIES],
        latest.date,
        TARGET_PACK,
    )
    pm_note(f"PM note, {month:%B %Y} ({PRIORITIES} + demo)", month, target=TARGET_NOTE)
    targets_table(load)


def demo_documents(month: date) -> None:
    from assessments.models import AssessmentRound, RoundStatus
    from deliveryunit.models import Department
    from priorities.models import Measure, Priority

    print(
        f"Demo data: {Priority.objects.count()} priorities, {Measure.objects.count()} measures",
        flush=True,
    )
    header()
    seed_round = (
        AssessmentRound.objects.filter(name="December 2003").first()
        or AssessmentRound.objects.filter(status=RoundStatus.PUBLISHED).order_by("-date").first()
    )
    home_office = Department.objects.filter(code="HO").first()
    delivery_report(f"Delivery report, HO, {seed_round.name}", seed_round, home_office)
    delivery_report(f"Delivery report, all, {seed_round.name}", seed_round, None)
    # The second time round, anything loaded once per process (fonts, templates) is loaded.
    delivery_report(f"Delivery report, HO, {seed_round.name} (again)", seed_round, home_office)
    pm_note(f"PM note, {month:%B %Y}", month)
    print()


# --- the generated portfolio ----------------------------------------------------------------


def _month(index: int) -> date:
    year, month = divmod(FIRST_MONTH.month - 1 + index, 12)
    return date(FIRST_MONTH.year + year, month + 1, 1)


def generate_portfolio(count: int) -> tuple[list[Any], Any]:
    """Priorities with measures, trajectories, actuals and three published rounds of
    assessments. Written in bulk: this is throwaway data, so the services' history and checks
    are not wanted here (bulk writes skip them)."""
    from django.db import transaction
    from django.utils import timezone

    from assessments.models import (
        Assessment,
        AssessmentRound,
        KeyChallenge,
        RatingOption,
        RoundStatus,
    )
    from assessments.services import performance_snapshot
    from deliveryunit.models import Department
    from priorities.models import (
        Actual,
        Direction,
        Frequency,
        Measure,
        Priority,
        Trajectory,
        TrajectoryPoint,
    )

    rng = random.Random(2003)
    scales: dict[str, list[str]] = {}
    for dimension, code in RatingOption.objects.values_list("dimension__code", "code"):
        scales.setdefault(dimension, []).append(code)

    with transaction.atomic():
        departments = Department.objects.bulk_create(
            [Department(name=f"Bench department {n}", code=f"BD{n}") for n in range(DEPARTMENTS)]
        )
        priorities = Priority.objects.bulk_create(
            [
                Priority(
                    code=f"BENCH-{n:03d}",
                    title=f"Generated priority {n}: improve outcome {n} for the public",
                    target_statement=f"Raise outcome {n} to its target by December 2024.",
                    lead_department=departments[n % DEPARTMENTS],
                    start=FIRST_MONTH,
                    deadline=date(2024, 12, 31),
                )
                for n in range(count)
            ]
        )
        measures = Measure.objects.bulk_create(
            [
                Measure(
                    priority=priority,
                    name=f"Outcome {priority.code} measure {m + 1}",
                    unit="%",
                    direction=Direction.HIGHER,
                    frequency=Frequency.MONTHLY,
                    target_value=Decimal("90"),
                    target_date=date(2024, 12, 1),
                    tolerance=Decimal("2"),
                )
                for priority in priorities
                for m in range(MEASURES_PER_PRIORITY)
            ]
        )
        trajectories = Trajectory.objects.bulk_create(
            [
                Trajectory(measure=m, number=1, label="Plan", agreed_on=date(2019, 1, 1))
                for m in measures
            ]
        )
        points, actuals = [], []
        for trajectory, measure in zip(trajectories, measures, strict=True):
            start = Decimal(rng.randint(50, 70))
            for quarter in range(0, 72, 3):
                planned = start + (Decimal("90") - start) * quarter / 71
                points.append(
                    TrajectoryPoint(
                        trajectory=trajectory,
                        period=_month(quarter),
                        value=planned.quantize(Decimal("0.1")),
                    )
                )
            for index in range(MONTHS_OF_ACTUALS):
                trend = start + (Decimal("90") - start) * index / 71
                noise = Decimal(rng.uniform(-4, 3)).quantize(Decimal("0.1"))
                actuals.append(Actual(measure=measure, period=_month(index), value=trend + noise))
        TrajectoryPoint.objects.bulk_create(points, batch_size=2000)
        Actual.objects.bulk_create(actuals, batch_size=2000)

        rounds = []
        for name, day in ROUNDS:
            round_ = AssessmentRound.objects.create(
                name=name, date=day, status=RoundStatus.PUBLISHED, published_at=timezone.now()
            )
            round_.priorities.set(priorities)
            rounds.append(round_)
        assessments = []
        for round_ in rounds:
            for priority in priorities:
                judgements = {dim: rng.choice(codes) for dim, codes in scales.items()}
                assessments.append(
                    Assessment(
                        round=round_,
                        priority=priority,
                        **judgements,
                        likelihood_rationale="Plans are credible but the trend has stalled.",
                        performance_commentary="Above trajectory for two quarters running.",
                        narrative=f"{priority.title}: progress is steady; risks remain.",
                        performance_snapshot=performance_snapshot(priority, round_.date),
                        status="agreed",
                    )
                )
        assessments = Assessment.objects.bulk_create(assessments, batch_size=500)
        latest = [a for a in assessments if a.round_id == rounds[-1].pk]
        KeyChallenge.objects.bulk_create(
            [
                KeyChallenge(
                    assessment=a,
                    order=n,
                    title=f"Key challenge {n}",
                    progress="Some progress.",
                )
                for a in latest
                for n in (1, 2)
            ]
        )
    return departments, rounds[-1]


if __name__ == "__main__":
    raise SystemExit(main())
