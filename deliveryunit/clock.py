"""The business date: what the workbench treats as today.

Everything that asks "is this overdue?", "what is due?", "which meeting is next?" asks
`today()`, never the system clock directly. In a deployment that is the real date in the
service's time zone. Demonstration and training data describe a fixed moment (the demo's data
ends in 2023), so `load_demo` sets an "as at" date (`Workbench.as_at`) and every page then says
so in a banner; the answers stay coherent with the data however long after loading it is read.
Timestamps of what people did (created, saved, issued) always use the real time.
"""

from __future__ import annotations

import time
from datetime import date

from django.core.signals import request_started
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import Workbench

# Read once per request (see _new_request) and, outside requests (Celery tasks, commands), at
# most this often per process: the setting changes only when demo data is loaded.
_TTL_SECONDS = 5.0
_cached: tuple[float, date | None] | None = None


def as_at() -> date | None:
    """The fixed date set for demonstration data, or None in real use."""
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > _TTL_SECONDS:
        row = Workbench.objects.order_by("pk").values_list("as_at", flat=True).first()
        _cached = (now, row)
    return _cached[1]


def today() -> date:
    return as_at() or timezone.localdate()


def set_as_at(day: date | None) -> None:
    """Set (or clear, with None) the date the workbench treats as today."""
    row = Workbench.objects.order_by("pk").first() or Workbench()
    if row.pk is None or row.as_at != day:
        row.as_at = day
        row.save()
    forget()


def forget() -> None:
    global _cached
    _cached = None


@receiver(post_save, sender=Workbench)
@receiver(post_delete, sender=Workbench)
def _changed(**kwargs: object) -> None:
    forget()


@receiver(request_started)
def _new_request(**kwargs: object) -> None:
    # Each request reads the date afresh, once: a change made by another process (load_demo, the
    # admin in another worker) is seen at once, and every request runs the same queries however
    # soon it follows the last (query-count bounds compare requests).
    forget()
