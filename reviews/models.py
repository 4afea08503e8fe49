"""Priority reviews: the unit's "can we help?" routine. A review of a priority that is off track
is a short, intense piece of joint problem solving: a scoped problem statement, an issue tree of
yes/no questions with hypotheses, an analysis and fieldwork plan, visits to the front line,
findings with the charts that make them plain, and a prioritised action plan whose accepted
recommendations become actions in the one tracker (stocktakes), followed up like any other.

Every model keeps a history (who, when, before, after); writes go through reviews/services.py,
which checks the version the user started from under a row lock.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from deliveryunit.models import Department
from priorities.models import ChainLink, Measure, Priority
from stocktakes.models import Action

# A review reports in six to twelve weeks: long enough to get to the front line, short enough to
# keep the pace and urgency that make departments act on it.
SHORTEST_DAYS = 6 * 7
LONGEST_DAYS = 12 * 7

# Who may see a review, and everything in it: the departments of its priority.
REVIEW_PATHS = ("priority__lead_department", "priority__delivery_chain")


def _under_review(paths: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"review__{path}" for path in paths)


class Stage(models.TextChoices):
    SCOPING = "scoping", "Scoping"
    FIELDWORK = "fieldwork", "Fieldwork"
    ANALYSIS = "analysis", "Analysis"
    REPORTING = "reporting", "Reporting"
    COMPLETE = "complete", "Complete"


STAGES = list(Stage.values)


class PriorityReview(models.Model):
    DEPARTMENT_PATHS = REVIEW_PATHS

    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, related_name="reviews")
    title = models.CharField(max_length=200)
    commissioner = models.CharField(
        max_length=200, help_text='Who asked for the review, as a post: "Prime Minister"'
    )
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.SCOPING)
    start = models.DateField()
    report_due = models.DateField("report due")

    # The scope and problem statement.
    basic_question = models.TextField("basic question to be resolved", blank=True)
    context = models.TextField("perspective and context", blank=True)
    decision_makers = models.TextField(blank=True)
    success_criteria = models.TextField("criteria for success", blank=True)
    stakeholders = models.TextField("other key stakeholders", blank=True)
    out_of_scope = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def planned_days(self) -> int:
        return (self.report_due - self.start).days

    @property
    def planned_weeks(self) -> float:
        return round(self.planned_days / 7, 1)

    @property
    def length_out_of_range(self) -> bool:
        return not SHORTEST_DAYS <= self.planned_days <= LONGEST_DAYS

    @property
    def is_complete(self) -> bool:
        return self.stage == Stage.COMPLETE

    def is_late(self, today: date) -> bool:
        """The report is due and the review is not complete."""
        return not self.is_complete and self.report_due < today


class StageChange(models.Model):
    """Each move of a review from one stage to another: who moved it, and when."""

    review = models.ForeignKey(PriorityReview, on_delete=models.CASCADE, related_name="moves")
    stage_from = models.CharField(max_length=12, choices=Stage.choices, blank=True)
    stage_to = models.CharField(max_length=12, choices=Stage.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["review", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.review}: {self.stage_from or 'new'} to {self.stage_to}"


class TeamMember(models.Model):
    """Someone on the review team: a workbench user, or someone from outside named by the role
    they bring (a regulator, a frontline head teacher), which is what gives a review its outside
    challenge."""

    DEPARTMENT_PATHS = _under_review(REVIEW_PATHS)

    review = models.ForeignKey(PriorityReview, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField(
        max_length=200, help_text='What they bring: "team leader", "regulator", "head teacher"'
    )
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "order", "pk"]

    def __str__(self) -> str:
        who = str(self.user) if self.user_id else self.name
        return f"{who} ({self.role})" if who else self.role

    @property
    def is_outside(self) -> bool:
        return self.user_id is None


class IssueStatus(models.TextChoices):
    OPEN = "open", "Open"
    SUPPORTED = "supported", "Supported"
    REFUTED = "refuted", "Refuted"


class IssueNode(models.Model):
    """A question of the issue tree, answerable yes or no, with the hypothesis the team expects
    the evidence to bear out. Sub-questions break a question down, to any depth; each is open
    until evidence supports or refutes its hypothesis."""

    DEPARTMENT_PATHS = _under_review(REVIEW_PATHS)

    review = models.ForeignKey(PriorityReview, on_delete=models.CASCADE, related_name="issues")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveIntegerField(default=1)
    question = models.TextField()
    hypothesis = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=IssueStatus.choices, default=IssueStatus.OPEN)
    evidence = models.TextField(blank=True, help_text="What settled it, once it is settled.")
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "position", "pk"]

    def __str__(self) -> str:
        return self.question[:80]


class PlanStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    UNDER_WAY = "under_way", "Under way"
    DONE = "done", "Done"


class AnalysisPlanRow(models.Model):
    """One line of the analysis and fieldwork plan: the work that will prove or disprove a
    hypothesis, where the data will come from, who does it by when, and what it produces."""

    DEPARTMENT_PATHS = _under_review(REVIEW_PATHS)

    review = models.ForeignKey(PriorityReview, on_delete=models.CASCADE, related_name="plan")
    issue = models.ForeignKey(
        IssueNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="plan_rows"
    )
    hypothesis = models.TextField(blank=True)
    analysis = models.TextField()
    source = models.TextField(blank=True)
    responsibility = models.CharField(max_length=200, blank=True)
    due = models.DateField(null=True, blank=True)
    end_product = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.PLANNED)
    order = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "order", "pk"]

    def __str__(self) -> str:
        return self.analysis[:80]


class FrontlineVisit(models.Model):
    """A visit to where the priority is delivered, placed on the link of the delivery chain it
    looked at."""

    DEPARTMENT_PATHS = _under_review(REVIEW_PATHS)

    review = models.ForeignKey(PriorityReview, on_delete=models.CASCADE, related_name="visits")
    date = models.DateField()
    site = models.CharField(max_length=200)
    visitors = models.CharField("who went", max_length=300, blank=True)
    chain_link = models.ForeignKey(
        ChainLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True)
    findings = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.site}, {self.date:%d %B %Y}"


class ChartKind(models.TextChoices):
    NONE = "none", "No chart"
    MEASURE = "measure", "A measure's chart"
    IMAGE = "image", "An uploaded image"


def _image_name(instance: Finding, filename: str) -> str:
    # The stored name is ours, never the uploader's: reviews/<review>/<random>.<format>.
    return f"reviews/{instance.review_id}/{filename}"


class Finding(models.Model):
    """What the review found, with the evidence, optionally made plain by a "killer chart": a
    measure's chart as at a chosen date (with a second measure to compare, if wanted) or an
    uploaded image, checked and re-encoded before it is stored."""

    DEPARTMENT_PATHS = _under_review(REVIEW_PATHS)

    review = models.ForeignKey(PriorityReview, on_delete=models.CASCADE, related_name="findings")
    order = models.PositiveSmallIntegerField(default=0)
    headline = models.CharField(max_length=300)
    evidence = models.TextField(blank=True)
    chart_kind = models.CharField(max_length=10, choices=ChartKind.choices, default=ChartKind.NONE)
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compare_with = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chart_as_at = models.DateField("chart as at", null=True, blank=True)
    image = models.FileField(upload_to=_image_name, blank=True, max_length=200)
    image_type = models.CharField(max_length=20, blank=True)
    image_description = models.TextField(
        blank=True, help_text="What the image shows, for people who cannot see it."
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "order", "pk"]

    def __str__(self) -> str:
        return self.headline


class Recommendation(models.Model):
    """A recommendation of the review, in priority order (rank 1 first). Accepting it creates an
    action in the one tracker and links it here: the tracker follows it up from then on."""

    DEPARTMENT_PATHS = _under_review(REVIEW_PATHS)

    review = models.ForeignKey(
        PriorityReview, on_delete=models.CASCADE, related_name="recommendations"
    )
    rank = models.PositiveSmallIntegerField(default=1)
    description = models.TextField()
    owner = models.CharField(max_length=200, help_text="Who owns it, as a post or a name")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    action = models.OneToOneField(
        Action, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "rank", "pk"]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def is_accepted(self) -> bool:
        return self.action_id is not None

    @property
    def label(self) -> str:
        return f"recommendation {self.rank}"
