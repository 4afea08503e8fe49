"""Priorities, their measures, planned trajectories, actual data and milestones.

Status against trajectory and the forecast are derived (priorities/performance.py), never typed
in. What lists and dashboards read of them is kept in MeasurePerformance, which the services
rewrite in the same transaction as every change to the data it comes from.
Every other model here keeps a history (who, when, before, after) through
django-simple-history, and writes go through priorities/services.py, which records who made them.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from deliveryunit import clock
from deliveryunit.fields import SingleLineCharField
from deliveryunit.models import Department

from . import performance, periods


class PriorityKind(models.TextChoices):
    PSA = "psa", "PSA target"
    STRATEGIC = "strategic", "Strategic objective"
    OPERATIONAL = "operational", "Operational objective"
    CORPORATE = "corporate", "Corporate objective"
    TASK_FORCE = "task_force", "Task-force priority"


class Priority(models.Model):
    DEPARTMENT_PATHS = ("lead_department", "delivery_chain")

    code = SingleLineCharField(max_length=30, unique=True, help_text='For example "PSA 7"')
    title = SingleLineCharField(max_length=300)
    target_statement = models.TextField(blank=True)
    lead_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="priorities_led"
    )
    delivery_chain = models.ManyToManyField(
        Department,
        blank=True,
        related_name="priorities_in_chain",
        help_text="Other departments whose action the priority depends on.",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="For a sub-target: the priority it contributes to.",
    )
    senior_responsible_owner = SingleLineCharField(max_length=200, blank=True)
    minister = SingleLineCharField("responsible minister", max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=PriorityKind.choices, default=PriorityKind.PSA)
    start = models.DateField(null=True, blank=True)
    deadline = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    # Optimistic locking: a save carries the version it was edited from.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(m2m_fields=[delivery_chain])

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "priorities"

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Frequency(models.TextChoices):
    MONTHLY = periods.MONTHLY, "Monthly"
    QUARTERLY = periods.QUARTERLY, "Quarterly"
    ANNUAL = periods.ANNUAL, "Annual"


class IndicatorType(models.TextChoices):
    OUTCOME = "outcome", "Outcome"
    LEAD = "lead", "Lead indicator"


VALUE_DIGITS = {"max_digits": 18, "decimal_places": 4}


class Measure(models.Model):
    DEPARTMENT_PATHS = ("priority__lead_department", "priority__delivery_chain")

    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, related_name="measures")
    name = SingleLineCharField(max_length=300)
    unit = SingleLineCharField(max_length=40, help_text='For example "%" or "applications"')
    direction = models.CharField(max_length=10, choices=Direction.choices)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    indicator_type = models.CharField(
        max_length=10, choices=IndicatorType.choices, default=IndicatorType.OUTCOME
    )
    source = models.TextField(blank=True, help_text="Source and publication notes.")
    target_value = models.DecimalField(null=True, blank=True, **VALUE_DIGITS)
    target_date = models.DateField(null=True, blank=True)
    tolerance = models.DecimalField(
        default=0,
        validators=[MinValueValidator(0)],
        help_text="How far from the trajectory, in the measure's unit, still counts as within "
        "tolerance.",
        **VALUE_DIGITS,
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["priority__code", "pk"]

    def __str__(self) -> str:
        return self.name

    def period_label(self, day) -> str:  # type: ignore[no-untyped-def]
        return periods.label(day, self.frequency)


class Trajectory(models.Model):
    """One version of the planned path of a measure. Re-profiling adds a version; the highest
    version is the current one; none is ever deleted."""

    DEPARTMENT_PATHS = ("measure__priority__lead_department", "measure__priority__delivery_chain")

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="trajectories")
    number = models.PositiveIntegerField("version")
    label = SingleLineCharField(max_length=200)
    agreed_on = models.DateField()
    reason = models.TextField(blank=True, help_text="Why the trajectory was re-profiled.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "number"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "number"], name="trajectory_version_unique")
        ]
        verbose_name_plural = "trajectories"

    def __str__(self) -> str:
        return f"{self.measure} v{self.number}: {self.label}"


class TrajectoryPoint(models.Model):
    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="points")
    period = models.DateField()
    value = models.DecimalField(**VALUE_DIGITS)

    history = HistoricalRecords()

    class Meta:
        ordering = ["trajectory", "period"]
        constraints = [
            models.UniqueConstraint(fields=["trajectory", "period"], name="trajectory_point_unique")
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.value}"


class ActualStatus(models.TextChoices):
    PROVISIONAL = "provisional", "Provisional"
    FINAL = "final", "Final"


class Actual(models.Model):
    DEPARTMENT_PATHS = ("measure__priority__lead_department", "measure__priority__delivery_chain")

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="actuals")
    period = models.DateField()
    value = models.DecimalField(**VALUE_DIGITS)
    status = models.CharField(
        max_length=12, choices=ActualStatus.choices, default=ActualStatus.FINAL
    )
    source = SingleLineCharField(max_length=300, blank=True)
    data_as_at = models.DateField("data as at", null=True, blank=True)
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "period"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "period"], name="actual_one_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.measure} {periods.label(self.period, self.measure.frequency)}: {self.value}"


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    ACHIEVED = "achieved", "Achieved"
    MISSED = "missed", "Missed"


class Milestone(models.Model):
    DEPARTMENT_PATHS = ("priority__lead_department", "priority__delivery_chain")

    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, related_name="milestones")
    title = SingleLineCharField(max_length=300)
    due = models.DateField()
    owner = SingleLineCharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=12, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["priority", "due", "pk"]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today=None) -> bool:  # type: ignore[no-untyped-def]
        today = today or clock.today()
        return self.due < today and self.status in (
            MilestoneStatus.PLANNED,
            MilestoneStatus.IN_PROGRESS,
        )


class MeasurePerformance(models.Model):
    """A measure's derived performance as of its data now: status against the current
    trajectory at the latest actual, the status at the actual before it, the forecast at the
    deadline and a sparkline's worth of points. Never edited: services.performance_refresh
    rewrites it from performance.stored_values inside every transaction that changes the
    measure's actuals, trajectories, the measure itself or its priority, so a list or
    dashboard reads one row a measure instead of every actual. No history: it is not a record
    of anything anyone did, and it can be rebuilt at any time (manage.py refresh_performance).
    """

    DEPARTMENT_PATHS = ("measure__priority__lead_department", "measure__priority__delivery_chain")

    measure = models.OneToOneField(
        Measure, on_delete=models.CASCADE, related_name="stored_performance"
    )
    status = models.CharField(max_length=20)
    status_label = models.CharField(max_length=40)
    latest_period = models.DateField(null=True, blank=True)
    latest_value = models.FloatField(null=True, blank=True)
    latest_provisional = models.BooleanField(default=False)
    latest_source = models.CharField(max_length=300, blank=True)
    planned_value = models.FloatField(null=True, blank=True)
    variance = models.FloatField(null=True, blank=True)  # actual - planned, signed
    better_by = models.FloatField(null=True, blank=True)  # positive when better than planned
    previous_period = models.DateField(null=True, blank=True)
    previous_status = models.CharField(max_length=20, blank=True)
    target_met = models.BooleanField(null=True, blank=True)
    forecast_period = models.DateField(null=True, blank=True)
    forecast_value = models.FloatField(null=True, blank=True)
    forecast_gap = models.FloatField(null=True, blank=True)
    forecast_will_meet = models.BooleanField(null=True, blank=True)
    forecast_reliable = models.BooleanField(default=False)
    plan_start = models.DateField(null=True, blank=True)
    # {"actuals": [[iso date, value, provisional], ...], "plan": [[iso date, value], ...]}
    sparkline = models.JSONField(default=dict, blank=True)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "measure performance"

    def __str__(self) -> str:
        return f"{self.measure_id}: {self.status_label}"

    @property
    def has_data(self) -> bool:
        return self.latest_period is not None

    @property
    def slipped(self) -> bool:
        return performance.slipped(self.status, self.previous_status)


class LinkStrength(models.TextChoices):
    """How well a link of the delivery chain is judged to carry the priority."""

    STRONG = "strong", "Strong"
    ADEQUATE = "adequate", "Adequate"
    WEAK = "weak", "Weak"
    BROKEN = "broken", "Broken"
    NOT_JUDGED = "not_judged", "Not yet judged"


class ChainLink(models.Model):
    """One link of a priority's delivery chain, in order from the responsible minister down to
    the front line: who it is, what they do for this priority, and how strong the link is
    judged to be. Where the weakest links are is what reviews go to find out."""

    DEPARTMENT_PATHS = ("priority__lead_department", "priority__delivery_chain")

    priority = models.ForeignKey(Priority, on_delete=models.CASCADE, related_name="chain_links")
    order = models.PositiveSmallIntegerField()
    who = models.CharField(
        max_length=200, help_text='For example "Home Secretary" or "Asylum screening units"'
    )
    role = models.TextField("what they do for this priority", blank=True)
    strength = models.CharField(
        max_length=12, choices=LinkStrength.choices, default=LinkStrength.NOT_JUDGED
    )
    note = models.TextField(blank=True, help_text="The evidence for the judgement, or a caveat.")
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["priority", "order", "pk"]

    def __str__(self) -> str:
        return self.who
