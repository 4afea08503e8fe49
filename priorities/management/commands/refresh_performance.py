"""Rebuild the stored performance of every measure from its data.

The services keep it up to date as data changes; this is for rows written around them (bulk
loads) or to check that nothing has drifted. Safe to run at any time, as often as wanted.
"""

from typing import Any

from django.core.management.base import BaseCommand

from priorities.services import performance_refresh_all


class Command(BaseCommand):
    help = "Recompute the stored status, forecast and sparkline of every measure."

    def handle(self, *args: Any, **options: Any) -> None:
        count = performance_refresh_all()
        self.stdout.write(f"Stored performance refreshed for {count} measure{'s' * (count != 1)}.")
