"""Celery tasks: thin, given ids, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from . import documents


@shared_task(acks_late=True)
def build_document(document_id: int) -> None:
    documents.run_build(document_id)


@shared_task
def sweep_stuck_documents() -> int:
    return documents.sweep_stuck()


def is_first_working_day(day) -> bool:  # type: ignore[no-untyped-def]
    """The first Monday-to-Friday day of the month (bank holidays are not modelled)."""
    if day.weekday() >= 5:
        return False
    return all(day.replace(day=d).weekday() >= 5 for d in range(1, day.day))


@shared_task
def build_monthly_pm_note() -> list[int]:
    """Queue this month's note to the Prime Minister (Word and PDF) on the first working day."""
    from .pm_note import request_monthly_note

    today = timezone.localdate()
    if not is_first_working_day(today):
        return []
    return [d.pk for d in request_monthly_note(month=today.replace(day=1), by=None)]
