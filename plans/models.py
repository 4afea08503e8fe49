"""Single Departmental Plans: a plan per department and period, refreshed in versions; the
objectives of each version in three groups, with their measures, the manifesto commitments they
cover, their implementation timetables and the task forces that drive them; and progress on
them, formal (a quarterly return per objective) and informal (notes).

A plan version is drafted by the unit and then published. Publishing freezes it: the version,
its objectives and everything that belongs to them (measure links, commitment links, timetable,
task-force links) refuse any write from then on, whatever path it comes by, as a published
assessment round does. The next refresh is a new draft version that starts as a copy of the
latest published one. Progress records (returns and notes) are not part of the plan's text:
they are added against the objectives of the published version in force.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from deliveryunit.models import Department
from priorities.models import Measure, Priority
from stocktakes.models import Forum

VERSION_PUBLISHED = "This version of the plan has been published and cannot be changed."


class PlanPublished(ValidationError):
    """Raised by any write to a published plan version or to anything that belongs to it."""

    def __init__(self) -> None:
        super().__init__(VERSION_PUBLISHED)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


def _guard(plan_version_id: int | None) -> None:
    if (
        plan_version_id
        and PlanVersion.objects.filter(pk=plan_version_id, status=VersionStatus.PUBLISHED).exists()
    ):
        raise PlanPublished()


class DepartmentalPlan(models.Model):
    """A department's Single Departmental Plan for a period, e.g. 2015 to 2020."""

    DEPARTMENT_PATHS = ("department",)

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="plans")
    period_start = models.PositiveSmallIntegerField("first year")
    period_end = models.PositiveSmallIntegerField("last year")
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["department__name", "-period_start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "period_start", "period_end"], name="one_plan_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="plan_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period(self) -> str:
        return f"{self.period_start} to {self.period_end}"


class PlanVersion(models.Model):
    DEPARTMENT_PATHS = ("plan__department",)

    plan = models.ForeignKey(DepartmentalPlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField("version")
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    summary = models.TextField(
        blank=True,
        help_text="The plan's introduction. Once published it is shown on the public progress "
        "pages.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique"),
            # A refresh is drafted once at a time.
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(status="draft"),
                name="one_draft_per_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan}, version {self.number}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            _guard(self.pk)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _guard(self.pk)
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class VersionContent(models.Model):
    """Something that belongs to a plan version and is frozen with it when it is published."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _guard(self.guarded_version_id())
        if self.pk is not None:
            # Moving a row out of a published version is a change to that version too.
            _guard(self.stored_version_id())
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _guard(self.guarded_version_id())
        if self.pk is not None:
            _guard(self.stored_version_id())
        return super().delete(*args, **kwargs)

    def guarded_version_id(self) -> int | None:
        """The plan version this row belongs to as it is about to be saved."""
        raise NotImplementedError

    def stored_version_id(self) -> int | None:
        """The plan version this row belongs to in the database."""
        raise NotImplementedError


class ManifestoCommitment(models.Model):
    """A commitment made to the public, and the departments responsible for it. Every strategic
    objective covers one or more; the coverage check lists those that none covers."""

    DEPARTMENT_PATHS = ("departments",)

    reference = models.CharField(max_length=20, unique=True, help_text='For example "C15-07"')
    text = models.TextField("commitment")
    source_document = models.CharField(max_length=200)
    page = models.PositiveSmallIntegerField(null=True, blank=True)
    departments = models.ManyToManyField(
        Department, related_name="manifesto_commitments", help_text="Departments responsible"
    )
    illustrative = models.BooleanField(
        default=False,
        help_text="Made up for demonstration or training: not a commitment anyone made.",
    )
    provenance = models.CharField(
        max_length=300,
        blank=True,
        help_text="How the wording and page were checked, or why no page is given.",
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(m2m_fields=[departments])

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.text[:80]}"


class ObjectiveGroup(models.TextChoices):
    STRATEGIC = "strategic", "Strategic objective"
    OPERATIONAL = "operational", "Operational objective"
    CORPORATE = "corporate", "Corporate objective"


GROUP_DESCRIPTIONS = {
    ObjectiveGroup.STRATEGIC: "The department's goals for the Parliament, linked to the "
    "manifesto commitments it is responsible for.",
    ObjectiveGroup.OPERATIONAL: "Essential core business, such as the services the department "
    "runs, that is not a top political priority.",
    ObjectiveGroup.CORPORATE: "People and workforce, and major changes to how the department "
    "runs itself.",
}


class Objective(VersionContent):
    """A SMART objective of one plan version: a target, its measures, an owner and a deadline.
    `code` (e.g. "SO1") stays the same from version to version; `copied_from` links the row to
    the one it was copied from when the plan was refreshed."""

    DEPARTMENT_PATHS = ("plan_version__plan__department",)

    plan_version = models.ForeignKey(
        PlanVersion, on_delete=models.PROTECT, related_name="objectives"
    )
    group = models.CharField(max_length=12, choices=ObjectiveGroup.choices)
    code = models.CharField(max_length=12, help_text='For example "SO1"')
    title = models.CharField(max_length=300)
    target = models.TextField(help_text="What will be achieved, measurably, and by when.")
    owner = models.CharField(max_length=200, help_text="The post accountable for it")
    deadline = models.DateField()
    priority = models.ForeignKey(
        Priority,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plan_objectives",
        help_text="The priority this objective carries into the plan, if any.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    commitments = models.ManyToManyField(
        ManifestoCommitment, through="ObjectiveCommitment", related_name="objectives"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan_version", "order", "code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan_version", "code"], name="objective_code_unique_in_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    def guarded_version_id(self) -> int | None:
        return self.plan_version_id

    @property
    def task_forces(self) -> models.QuerySet[Forum]:
        return Forum.objects.filter(objective_links__objective=self)

    def stored_version_id(self) -> int | None:
        return (
            Objective.objects.filter(pk=self.pk).values_list("plan_version_id", flat=True).first()
        )


class _ObjectivePart(VersionContent):
    """A row hanging off an objective: frozen with the objective's plan version."""

    objective_id: int | None

    class Meta:
        abstract = True

    def guarded_version_id(self) -> int | None:
        return (
            Objective.objects.filter(pk=self.objective_id)
            .values_list("plan_version_id", flat=True)
            .first()
        )

    def stored_version_id(self) -> int | None:
        return (
            type(self)
            .objects.filter(pk=self.pk)
            .values_list("objective__plan_version_id", flat=True)
            .first()
        )


class ObjectiveCommitment(_ObjectivePart):
    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="commitment_links"
    )
    commitment = models.ForeignKey(
        ManifestoCommitment, on_delete=models.PROTECT, related_name="objective_links"
    )

    class Meta:
        ordering = ["objective", "commitment__reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "commitment"], name="objective_commitment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.objective.code} covers {self.commitment.reference}"


class ObjectiveMeasure(_ObjectivePart):
    """A measure an objective is judged by. Only the unit marks a link public, and only public
    links of a published plan appear on the public progress pages."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="measure_links")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="objective_links")
    public = models.BooleanField(
        default=False,
        help_text="Show this measure's figures on the public progress pages once the plan is "
        "published.",
    )
    illustrative = models.BooleanField(
        default=False,
        help_text="The figures are illustrative, not published statistics; say so wherever they "
        "are shown.",
    )
    public_note = models.CharField(
        "note for the public",
        max_length=300,
        blank=True,
        help_text="Shown with the figures: the source, or where real figures would come from.",
    )
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["objective", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "measure"], name="objective_measure_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.objective.code}: {self.measure}"


class TimetableKind(models.TextChoices):
    PROGRAMME = "programme", "Programme"
    POLICY = "policy", "Policy"
    ACTION = "action", "Action"
    MILESTONE = "milestone", "Key milestone"
    DELIVERABLE = "deliverable", "Deliverable"


class TimetableItem(_ObjectivePart):
    """A line of an objective's implementation timetable. Whether it has been met comes from the
    quarterly returns, or, when a refreshed plan was drafted, is recorded here."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="timetable")
    kind = models.CharField(max_length=12, choices=TimetableKind.choices)
    title = models.CharField(max_length=300)
    due = models.DateField()
    owner = models.CharField(max_length=200, blank=True)
    completed_on = models.DateField(
        null=True, blank=True, help_text="When it was met, if it was met before this version."
    )
    order = models.PositiveSmallIntegerField(default=0)
    copied_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["objective", "due", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class TaskForceObjective(_ObjectivePart):
    """An implementation task force (a stocktakes forum) drives this objective. The link lives
    here because the stocktakes app knows nothing of plans."""

    objective = models.ForeignKey(
        Objective, on_delete=models.CASCADE, related_name="task_force_links"
    )
    forum = models.ForeignKey(Forum, on_delete=models.PROTECT, related_name="objective_links")

    class Meta:
        ordering = ["objective", "forum__name"]
        constraints = [
            models.UniqueConstraint(fields=["objective", "forum"], name="task_force_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.forum} drives {self.objective.code}"


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    AGREED = "agreed", "Agreed"


class QuarterlyReturn(models.Model):
    """The formal track: the department's return on one objective for one quarter (RAG,
    commentary, the timetable's milestones met and missed), submitted by the department or the
    unit and agreed by the unit."""

    DEPARTMENT_PATHS = ("objective__plan_version__plan__department",)

    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="returns")
    quarter = models.DateField(help_text="The first day of the quarter reported on")
    rag = models.CharField("RAG rating", max_length=6, choices=Rag.choices)
    commentary = models.TextField()
    milestones_met = models.ManyToManyField(TimetableItem, blank=True, related_name="met_in")
    milestones_missed = models.ManyToManyField(TimetableItem, blank=True, related_name="missed_in")
    status = models.CharField(
        max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreed_at = models.DateTimeField(null=True, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(m2m_fields=[milestones_met, milestones_missed])

    class Meta:
        ordering = ["objective", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["objective", "quarter"], name="one_return_a_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.objective.code}, quarter from {self.quarter:%B %Y}"


class InformalNote(models.Model):
    """The informal track: a dated note on an objective, any time, by anyone who may write."""

    DEPARTMENT_PATHS = ("objective__plan_version__plan__department",)

    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="notes")
    noted_on = models.DateField("date")
    text = models.TextField("note")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["objective", "-noted_on", "-pk"]

    def __str__(self) -> str:
        return f"Note on {self.objective.code}, {self.noted_on}"
