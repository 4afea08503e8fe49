from django.core.management.base import BaseCommand

from assessments.demo import load_assessments
from deliveryunit import access, demo, documents
from deliveryunit.models import DocumentKind, DocumentStatus, GeneratedDocument
from priorities.demo import load_priorities
from stocktakes.demo import load_stocktakes

DEMO_NOTE_MONTH = "2003-09"


class Command(BaseCommand):
    help = "Load the demo departments, users and portfolio. Safe to run more than once."

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        logins = demo.load_foundation()
        load_priorities()
        load_assessments()
        # The demo issues a pack, which asks for its PDF: the loader does so as the system.
        load_stocktakes(by=access.SYSTEM)
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
        self.stdout.write(f"Demo logins (password for each: {demo.DEMO_PASSWORD}):")
        for username, role, department in logins:
            self.stdout.write(f"  {username:<10} {role:<22} {department}")
