"""The demo's unit commentary for its September 2003 note."""

from datetime import date

from .models import NoteCommentary

DEMO_COMMENTARY_MONTH = date(2003, 9, 1)
DEMO_COMMENTARY = (
    "Illustrative commentary, written for the demonstration: not a record of what the Delivery "
    "Unit said.\n\n"
    "The asylum applications figure is where the pledge wanted it; the task now is to hold it "
    "through the winter. The priorities that moved are set out below, worst first."
)


def load_note_commentary() -> NoteCommentary:
    """Left as a draft, not issued, so that the demo's unit lead can still change it."""
    commentary, _ = NoteCommentary.objects.get_or_create(
        month=DEMO_COMMENTARY_MONTH, defaults={"text": DEMO_COMMENTARY}
    )
    return commentary
