"""Permission-matrix rows for the unit commentary of the note to the Prime Minister, and their
builder: ctx.commentary, a saved (not issued) commentary for this month, to change and to
issue (a month the note can be built for whatever the data's first month). The commentary is
about the whole portfolio, so own and other department read the same."""

from django.urls import reverse

from deliveryunit import clock
from portfolio.models import NoteCommentary

from .permission_matrix import Row, register

# Not the unit's: the role check turns everyone else away before any question of scope.
NOT_THE_UNIT = {"minister_all": 403, "minister": 403, "official": 403}


def build_commentary(ctx) -> None:
    if getattr(ctx, "commentary", None) is None:
        ctx.commentary = NoteCommentary.objects.create(
            month=clock.today().replace(day=1), text="The matrix's commentary."
        )


def _url(name: str) -> str:
    return f"{reverse(name)}?month={clock.today():%Y-%m}"


register(
    Row(
        "pm_note_commentary",
        lambda ctx, side: _url("pm_note_commentary"),
        # Analysts read it; only the unit lead writes it.
        {"analyst": 200, "unit_lead": 200, **NOT_THE_UNIT},
    ),
    Row(
        "pm_note_commentary (post)",
        lambda ctx, side: _url("pm_note_commentary"),
        {"analyst": 403, "unit_lead": 302, **NOT_THE_UNIT},
        method="post",
        data=lambda ctx, side: {"text": "Steady month.", "version": str(ctx.commentary.version)},
    ),
    Row(
        "pm_note_commentary_issue (post)",
        lambda ctx, side: _url("pm_note_commentary_issue"),
        {"analyst": 403, "unit_lead": 302, **NOT_THE_UNIT},
        method="post",
        data=lambda ctx, side: {"version": str(ctx.commentary.version)},
    ),
    builder=build_commentary,
)
