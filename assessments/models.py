"""Likelihood-of-delivery assessments: the framework (as data), six-monthly rounds, and one
assessment per priority per round.

The framework - dimensions, their rating scales with meanings, and the areas to consider with a
guiding question and worst/best cases - is loaded by a data migration and edited by the unit
lead. Judgements are stored as the scale's codes (H, AR, 3 ...) so the grid across rounds
reads straight from the assessment rows.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from deliveryunit.fields import SingleLineCharField
from priorities.models import Priority

ROUND_PUBLISHED = "This round has been published and cannot be changed."


class RoundLocked(ValidationError):
    """Raised by any write to an assessment, area rating or key challenge of a published round,
    whichever path it comes by (form, htmx, admin, shell)."""

    def __init__(self) -> None:
        super().__init__(ROUND_PUBLISHED)


def _guard(round_id: int | None) -> None:
    if (
        round_id
        and AssessmentRound.objects.filter(pk=round_id, status=RoundStatus.PUBLISHED).exists()
    ):
        raise RoundLocked()


class RoundGuarded(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _guard(self.guarded_round_id())
        if self.pk is not None:
            # Moving a row out of a published round is a change to that round too.
            _guard(self.stored_round_id())
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _guard(self.guarded_round_id())
        if self.pk is not None:
            _guard(self.stored_round_id())
        return super().delete(*args, **kwargs)

    def guarded_round_id(self) -> int | None:
        """The round this row belongs to as it is about to be saved."""
        raise NotImplementedError

    def stored_round_id(self) -> int | None:
        """The round this row belongs to in the database."""
        raise NotImplementedError


class DimensionCode(models.TextChoices):
    CHALLENGE = "challenge", "Degree of challenge"
    PLANNING = "planning", "Quality of planning, implementation and performance management"
    CAPACITY = "capacity", "Capacity to drive progress"
    STAGE = "stage", "Stage of delivery"
    LIKELIHOOD = "likelihood", "Likelihood of delivery"


# The four judgements and the conclusion, in the order the grid shows them.
DIMENSION_ORDER = [
    DimensionCode.CHALLENGE,
    DimensionCode.PLANNING,
    DimensionCode.CAPACITY,
    DimensionCode.STAGE,
    DimensionCode.LIKELIHOOD,
]


class Dimension(models.Model):
    code = models.CharField(max_length=20, choices=DimensionCode.choices, unique=True)
    name = SingleLineCharField(max_length=200)
    short_name = SingleLineCharField(max_length=40, help_text="Column heading in the grid")
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class RatingOption(models.Model):
    """One point of a dimension's scale, e.g. AR "Amber-Red" with what it means."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(max_length=4)
    label = SingleLineCharField(max_length=60)
    meaning = models.TextField(blank=True)
    # The RAG family a rating is drawn in (red, amber-red, amber-green, green) or, for the
    # challenge and stage scales, a neutral shade; always shown with its letters too.
    colour = models.CharField(max_length=20)
    order = models.PositiveSmallIntegerField()
    # Moves on with each change of wording, so two unit leads rewording it at once cannot
    # overwrite each other.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["dimension__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "code"], name="rating_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Area(models.Model):
    """An area to consider when making a judgement, with guidance."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="areas")
    group = SingleLineCharField(
        max_length=120, blank=True, help_text="For planning: the group the area belongs to"
    )
    name = SingleLineCharField(max_length=120)
    question = models.TextField()
    worst_case = models.TextField()
    best_case = models.TextField()
    order = models.PositiveSmallIntegerField()
    # Moves on with each change of wording (see RatingOption.version).
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["dimension__order", "order"]

    def __str__(self) -> str:
        return self.name


class RoundStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    MODERATION = "moderation", "Moderation"
    PUBLISHED = "published", "Published"


class AssessmentRound(models.Model):
    name = SingleLineCharField(max_length=60, unique=True, help_text='For example "December 2002"')
    date = models.DateField(help_text="The date the judgements are as at")
    status = models.CharField(max_length=12, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    priorities = models.ManyToManyField(
        Priority, related_name="assessment_rounds", help_text="The priorities this round judges"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == RoundStatus.PUBLISHED


class RoundEvent(models.Model):
    """The round's log: moved to moderation, published, reopened (with the reason)."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        MODERATION = "moderation", "Moved to moderation"
        PUBLISHED = "published", "Published"
        REOPENED = "reopened", "Reopened"

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.round}: {self.get_kind_display()}"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    AGREED = "agreed", "Agreed"


class Assessment(RoundGuarded):
    DEPARTMENT_PATHS = ("priority__lead_department", "priority__delivery_chain")
    # Scoping also hides assessments in rounds the user may not see (access.visible_rounds).
    ROUND_PATH = "round"

    round = models.ForeignKey(AssessmentRound, on_delete=models.PROTECT, related_name="assessments")
    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, related_name="assessments")
    challenge = models.CharField("degree of challenge", max_length=4, blank=True)
    challenge_rationale = models.TextField(blank=True)
    planning = models.CharField("quality of planning", max_length=4, blank=True)
    planning_rationale = models.TextField(blank=True)
    capacity = models.CharField("capacity to drive progress", max_length=4, blank=True)
    capacity_rationale = models.TextField(blank=True)
    stage = models.CharField("stage of delivery", max_length=4, blank=True)
    stage_rationale = models.TextField(blank=True)
    likelihood = models.CharField("likelihood of delivery", max_length=4, blank=True)
    likelihood_rationale = models.TextField(blank=True)
    # Measures against trajectory as at the round date, computed when the assessment is made
    # and refreshed on request: a list of {measure, period, actual, planned, status, unit}.
    performance_snapshot = models.JSONField(default=list, blank=True)
    performance_commentary = models.TextField("recent performance commentary", blank=True)
    narrative = models.TextField("overall assessment", blank=True)
    status = models.CharField(
        max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "priority__code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "priority"], name="one_assessment_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.priority.code} - {self.round}"

    def guarded_round_id(self) -> int | None:
        return self.round_id

    def stored_round_id(self) -> int | None:
        return Assessment.objects.filter(pk=self.pk).values_list("round_id", flat=True).first()

    def judgement(self, code: str) -> str:
        return getattr(self, code)


class AreaRating(RoundGuarded):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="area_ratings"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=4, blank=True)
    evidence = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "area"], name="one_rating_per_area")
        ]

    def __str__(self) -> str:
        return f"{self.area}: {self.rating}"

    def guarded_round_id(self) -> int | None:
        return (
            Assessment.objects.filter(pk=self.assessment_id)
            .values_list("round_id", flat=True)
            .first()
        )

    def stored_round_id(self) -> int | None:
        return (
            Assessment.objects.filter(area_ratings__pk=self.pk)
            .values_list("round_id", flat=True)
            .first()
        )


class KeyChallenge(RoundGuarded):
    DEPARTMENT_PATHS = (
        "assessment__priority__lead_department",
        "assessment__priority__delivery_chain",
    )
    ROUND_PATH = "assessment__round"

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="key_challenges"
    )
    order = models.PositiveSmallIntegerField()
    title = SingleLineCharField(max_length=300)
    progress = models.TextField(blank=True)
    # Moves on when the title or progress changes, not when the list is reordered: two people
    # changing the same key challenge get a conflict, while moving others around does not.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    def guarded_round_id(self) -> int | None:
        return (
            Assessment.objects.filter(pk=self.assessment_id)
            .values_list("round_id", flat=True)
            .first()
        )

    def stored_round_id(self) -> int | None:
        return (
            Assessment.objects.filter(key_challenges__pk=self.pk)
            .values_list("round_id", flat=True)
            .first()
        )
