"""Build any registered document from the command line, through the same pipeline a worker
uses (the same builder, versions and stored file), as access.SYSTEM: for operations (rebuild a
report after a correction) and for timing builds.

    manage.py build_document delivery_report --round "December 2003" --department HO \
        --format pdf --output report.pdf
    manage.py build_document delivery_report --round "December 2003"    (whole portfolio)
    manage.py build_document pm_note --month 2023-09 --format pdf --output note.pdf
    manage.py build_document stocktake_pack --meeting 1 --output pack.pdf

It lives in portfolio, the app that may import every other, because it turns the names people
use (a round's name, a department's code) into the ids the builders take."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from assessments.models import AssessmentRound
from deliveryunit import access, documents
from deliveryunit.models import Department, DocumentStatus

UNKNOWN_ROUND = 'No assessment round is called "{name}". Rounds: {names}.'
UNKNOWN_DEPARTMENT = 'No department has the code "{code}". Codes: {codes}.'
MISSING = "A {kind} needs --{option}."
NOT_FOUND = "The {what} asked for does not exist, or the workbench's own builds may not see it."
FAILED = "The build failed: {error}"


class Command(BaseCommand):
    help = "Build a document through the document pipeline, as the workbench itself."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(documents.REGISTRY))
        parser.add_argument("--format", default="pdf", choices=["pdf", "docx"])
        parser.add_argument("--output", help="Also copy the built file here")
        parser.add_argument("--round", help='delivery_report: the round\'s name, "December 2003"')
        parser.add_argument("--department", help="delivery_report: a department's code (none: all)")
        parser.add_argument("--month", help="pm_note: the month, YYYY-MM")
        parser.add_argument("--meeting", help="stocktake_pack: the meeting's id")
        parser.add_argument("--issue", default="", help="stocktake_pack: an issue's number")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        subject = self._subject(kind, options)
        started = time.perf_counter()
        try:
            document = documents.build_now(
                kind=kind, format=options["format"], subject=subject, by=access.SYSTEM
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except Http404:
            raise CommandError(NOT_FOUND.format(what=kind.replace("_", " "))) from None
        seconds = time.perf_counter() - started
        if document.status != DocumentStatus.DONE:
            raise CommandError(FAILED.format(error=document.error or document.status))
        pages = f", {document.page_count} pages" if document.page_count else ""
        where = document.file.path
        if options["output"]:
            shutil.copyfile(document.file.path, options["output"])
            where = str(Path(options["output"]).resolve())
        self.stdout.write(
            f"{document.title}, version {document.version} ({document.format.upper()}): "
            f"built in {seconds:.1f} s{pages}, {document.size or 0:,} bytes, {where}"
        )

    def _subject(self, kind: str, options: dict[str, Any]) -> dict[str, Any]:
        if kind == "delivery_report":
            return {"round": self._round(options), "department": self._department(options)}
        if kind == "pm_note":
            return {"month": self._required(kind, options, "month")}
        if kind == "stocktake_pack":
            return {"meeting": self._required(kind, options, "meeting"), "issue": options["issue"]}
        raise CommandError(f"build_document does not yet know what a {kind} is about.")

    def _required(self, kind: str, options: dict[str, Any], option: str) -> str:
        value = options.get(option)
        if not value:
            raise CommandError(MISSING.format(kind=kind.replace("_", " "), option=option))
        return value

    def _round(self, options: dict[str, Any]) -> int:
        name = self._required("delivery_report", options, "round")
        rounds = AssessmentRound.objects.order_by("-date")
        found = rounds.filter(name=name).first()
        if found is None:
            names = ", ".join(f'"{r.name}"' for r in rounds) or "none"
            raise CommandError(UNKNOWN_ROUND.format(name=name, names=names))
        return found.pk

    def _department(self, options: dict[str, Any]) -> int | str:
        code = options.get("department")
        if not code:
            return ""
        found = Department.objects.filter(code__iexact=code).first()
        if found is None:
            codes = ", ".join(Department.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(UNKNOWN_DEPARTMENT.format(code=code, codes=codes or "none"))
        return found.pk
