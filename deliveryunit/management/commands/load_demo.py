from django.core.management.base import BaseCommand

from assessments.demo import load_assessments
from deliveryunit import access, demo
from plans.demo import load_plans
from priorities.demo import load_priorities
from stocktakes.demo import load_stocktakes


class Command(BaseCommand):
    help = "Load the demo departments, users and portfolio. Safe to run more than once."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        logins = demo.load_foundation()
        load_priorities()
        load_assessments()
        # The demo issues a pack, which asks for its PDF: the loader does so as the system.
        load_stocktakes(by=access.SYSTEM)
        load_plans(by=access.SYSTEM)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for each: {demo.DEMO_PASSWORD}):")
        for username, role, department in logins:
            self.stdout.write(f"  {username:<10} {role:<22} {department}")
