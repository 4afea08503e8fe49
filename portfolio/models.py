"""The unit's own words in the monthly note to the Prime Minister."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from simple_history.models import HistoricalRecords

# About a paragraph or two: the note stays within two pages at any portfolio size.
COMMENTARY_MAX_LENGTH = 1000
COMMENTARY_ISSUED = (
    "The note for this month has been issued, so its commentary can no longer be changed."
)
COMMENTARY_TOO_LONG = (
    f"Keep the commentary to {COMMENTARY_MAX_LENGTH:,} characters or fewer: the note to the "
    "Prime Minister is two pages at most."
)


class NoteCommentary(models.Model):
    """What the unit lead writes at the head of the month's note. It can be changed until the
    unit lead issues the note for the month; from then on every build of that month's note
    carries the issued text."""

    # The first day of the month the note is about.
    month = models.DateField(unique=True)
    text = models.TextField(
        max_length=COMMENTARY_MAX_LENGTH,
        validators=[MaxLengthValidator(COMMENTARY_MAX_LENGTH, message=COMMENTARY_TOO_LONG)],
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "note commentaries"

    def __str__(self) -> str:
        return f"Unit commentary, {self.month:%B %Y}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The service refuses first, with the row locked; this catches any other way in.
        if (
            self.pk is not None
            and NoteCommentary.objects.filter(pk=self.pk, issued_at__isnull=False).exists()
        ):
            raise ValidationError(COMMENTARY_ISSUED)
        super().save(*args, **kwargs)

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None
