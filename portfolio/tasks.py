"""Scheduled work on the whole portfolio (Celery beat: CELERY_BEAT_SCHEDULE in settings)."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from deliveryunit import access, clock

from .pm_note import request_monthly_note


def is_first_working_day(day: date) -> bool:
    """The first Monday-to-Friday day of the month (bank holidays are not modelled)."""
    if day.weekday() >= 5:
        return False
    return all(day.replace(day=d).weekday() >= 5 for d in range(1, day.day))


@shared_task
def build_monthly_pm_note() -> list[int]:
    """Queue this month's note to the Prime Minister (Word and PDF) on the first working day.
    No one asks for it: the workbench does, as access.SYSTEM.

    The schedule runs on real days; the month the note is about is the business month, which
    is the demo's "as at" month when one is set."""
    if not is_first_working_day(timezone.localdate()):
        return []
    month = clock.today().replace(day=1)
    return [d.pk for d in request_monthly_note(month=month, by=access.SYSTEM)]
