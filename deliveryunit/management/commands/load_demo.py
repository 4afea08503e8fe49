from django.core.management.base import BaseCommand

from assessments.demo import load_assessments
from deliveryunit import access, clock, demo, documents
from deliveryunit.models import DocumentKind, DocumentStatus, GeneratedDocument
from plans.demo import load_plans
from portfolio.demo import load_note_commentary
from priorities.demo import load_priorities
from reviews.demo import load_reviews
from stocktakes.demo import load_stocktakes

DEMO_NOTE_MONTH = "2003-09"


class Command(BaseCommand):
    help = "Load the demo departments, users and portfolio. Safe to run more than once."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        # First: anything worked out as of "today" while loading (what a pack shows as
        # overdue, say) is as of the demo's date, whatever day it is loaded on.
        clock.set_as_at(demo.AS_AT)
        logins = demo.load_foundation()
        load_priorities()
        load_assessments()
        load_stocktakes()
        load_reviews()
        load_plans(by=access.SYSTEM)
        load_note_commentary()
        # A note to the PM a user can open: September 2003, when the asylum pledge was met.
        # Built once, through the pipeline, as the monthly schedule would.
        if not GeneratedDocument.objects.filter(
            kind=DocumentKind.PM_NOTE,
            subject_key=f"month={DEMO_NOTE_MONTH}",
            status=DocumentStatus.DONE,
        ).exists():
            documents.build_now(
                kind=DocumentKind.PM_NOTE,
                format="pdf",
                subject={"month": DEMO_NOTE_MONTH},
                by=access.SYSTEM,
            )
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"The workbench treats {demo.AS_AT:%-d %B %Y} as today.")
        self.stdout.write(f"Demo logins (password for each: {demo.DEMO_PASSWORD}):")
        for username, role, department in logins:
            self.stdout.write(f"  {username:<16} {role:<22} {department}")
