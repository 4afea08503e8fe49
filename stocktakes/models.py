"""Stocktakes and task forces: forums, their meetings (agenda, attendees, packs, minutes) and
the one action tracker that meetings and reviews both feed.

Overdue is derived from the due date and status, never stored. Issued packs and issued minutes
cannot change: the models refuse the write, whatever path it comes by.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from deliveryunit import clock
from deliveryunit.fields import SingleLineCharField
from deliveryunit.models import Department, GeneratedDocument
from priorities.models import Priority

MINUTES_ISSUED = "These minutes have been issued and cannot be changed."
PACK_ISSUED = "An issued pack cannot be changed; issue a new version instead."


class ForumKind(models.TextChoices):
    STOCKTAKE = "stocktake", "Prime-ministerial stocktake"
    TASK_FORCE = "task_force", "Implementation task force"


class Forum(models.Model):
    DEPARTMENT_PATHS = ("priorities__lead_department", "priorities__delivery_chain")

    name = SingleLineCharField(max_length=200, unique=True)
    kind = models.CharField(max_length=12, choices=ForumKind.choices)
    chair = SingleLineCharField(max_length=200)
    terms_of_reference = models.TextField(blank=True)
    cycle_weeks = models.PositiveSmallIntegerField(
        default=6, help_text="How many weeks between meetings"
    )
    priorities = models.ManyToManyField(Priority, blank=True, related_name="forums")
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(m2m_fields=[priorities])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AttendeeKind(models.TextChoices):
    MINISTER = "minister", "Minister"
    OFFICIAL = "official", "Official"
    SECRETARIAT = "secretariat", "Secretariat"


class ForumMember(models.Model):
    """A standing member of a forum, by role (the post matters more than the person)."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="members")
    role = SingleLineCharField(
        max_length=200, help_text='For example "Secretary of State for Work and Pensions"'
    )
    name = SingleLineCharField(max_length=200, blank=True)
    kind = models.CharField(max_length=12, choices=AttendeeKind.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_chair = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["forum", "order", "pk"]

    def __str__(self) -> str:
        return self.role


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    PACK_ISSUED = "pack_issued", "Pack issued"
    HELD = "held", "Held"
    MINUTED = "minuted", "Minuted"


class Meeting(models.Model):
    DEPARTMENT_PATHS = (
        "forum__priorities__lead_department",
        "forum__priorities__delivery_chain",
    )

    forum = models.ForeignKey(Forum, on_delete=models.PROTECT, related_name="meetings")
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    place = SingleLineCharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.forum}, {self.date:%d %B %Y}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The issued minutes show the meeting's date, time and place: they are frozen with it.
        guard_minutes(self.pk)
        super().save(*args, **kwargs)


class Attendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    name = SingleLineCharField(max_length=200, blank=True)
    role = SingleLineCharField(max_length=200)
    kind = models.CharField(max_length=12, choices=AttendeeKind.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    present = models.BooleanField(null=True, help_text="Present, or sent apologies; blank before")
    order = models.PositiveSmallIntegerField(default=0)
    # Attendance is recorded person by person: two people recording different attendees do
    # not get in each other's way, and one who records over another's answer is told.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["meeting", "kind", "order", "pk"]

    def __str__(self) -> str:
        return self.name or self.role

    # The issued minutes list who came and who sent apologies: attendance is frozen with them.
    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        guard_minutes(self.meeting_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        guard_minutes(self.meeting_id)
        return super().delete(*args, **kwargs)


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField()
    title = SingleLineCharField(max_length=300)
    lead = SingleLineCharField(max_length=200, blank=True)
    minutes_allowed = models.PositiveSmallIntegerField("time (minutes)", null=True, blank=True)
    priority = models.ForeignKey(
        Priority, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paper = SingleLineCharField(max_length=300, blank=True)
    # The record of discussion, written in the minutes.
    record = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    # Of the item's details (title to paper). The record and decisions are the minutes', and
    # the minutes' own version guards them.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        guard_minutes(self.meeting_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        guard_minutes(self.meeting_id)
        return super().delete(*args, **kwargs)


class Minutes(models.Model):
    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    summary = models.TextField(blank=True)
    distribution = models.TextField(
        blank=True, help_text="One email address a line: keep the list tight"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "minutes"

    def __str__(self) -> str:
        return f"Minutes of {self.meeting}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if (
            self.pk is not None
            and Minutes.objects.filter(pk=self.pk, issued_at__isnull=False).exists()
        ):
            raise ValidationError(MINUTES_ISSUED)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.issued_at:
            raise ValidationError(MINUTES_ISSUED)
        return super().delete(*args, **kwargs)

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None


class DeliveryStatus(models.TextChoices):
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Not sent"


class MinutesDelivery(models.Model):
    """One sending of issued minutes to their distribution list: when they are issued, and
    again each time an editor sends them again after a failure. The e-mail goes out from a
    Celery task that retries with a growing wait; each try is logged as a DeliveryAttempt, and
    the outcome is shown on the minutes page. The minutes themselves never change for it."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="deliveries")
    # The addresses as they were when sending was asked for.
    recipients = models.JSONField(default=list)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.SENDING
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name_plural = "minutes deliveries"

    def __str__(self) -> str:
        return f"{self.minutes}: {self.get_status_display()}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(MinutesDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)
    # None while the try is under way: a second worker given the same task leaves it alone.
    sent = models.BooleanField(null=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_per_number")
        ]

    def __str__(self) -> str:
        outcome = {True: "sent", False: self.error, None: "under way"}[self.sent]
        return f"Attempt {self.number}: {outcome}"


def guard_minutes(meeting_id: int | None) -> None:
    if (
        meeting_id
        and Minutes.objects.filter(meeting_id=meeting_id, issued_at__isnull=False).exists()
    ):
        raise ValidationError(MINUTES_ISSUED)


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


OUTSTANDING = [ActionStatus.OPEN, ActionStatus.IN_PROGRESS]


class ActionSource(models.TextChoices):
    MEETING = "meeting", "Meeting"
    REVIEW = "review", "Priority review"


class Action(models.Model):
    """The one tracker: every action, whether agreed at a meeting or recommended by a review."""

    DEPARTMENT_PATHS = ("department",)

    description = models.TextField()
    owner = SingleLineCharField(max_length=200, help_text="Who owns it, as a post or a name")
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_actions",
        help_text="The workbench user who may update it, if any",
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    due = models.DateField()
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    source = models.CharField(
        max_length=10, choices=ActionSource.choices, default=ActionSource.MEETING
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    priority = models.ForeignKey(
        Priority, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    # Reviews put their recommendations in priority order.
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    # Where an action not agreed at a meeting came from, as its source wrote it (for example
    # "Priority review: Asylum screening"), so the tracker can say so without knowing the app.
    source_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return self.description[:80]

    def is_overdue(self, today=None) -> bool:  # type: ignore[no-untyped-def]
        today = today or clock.today()
        return self.status in OUTSTANDING and self.due < today


class ActionUpdate(models.Model):
    """The action's log: each status change or progress note, who and when."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_from = models.CharField(max_length=12, choices=ActionStatus.choices, blank=True)
    status_to = models.CharField(max_length=12, choices=ActionStatus.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.status_to}"


class PackIssue(models.Model):
    """A pack as circulated: the built PDF and a record of what it contained, so the next
    version can say what changed. Never edited once made."""

    DEPARTMENT_PATHS = (
        "meeting__forum__priorities__lead_department",
        "meeting__forum__priorities__delivery_chain",
    )

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="pack_issues")
    number = models.PositiveSmallIntegerField("version")
    document = models.OneToOneField(
        GeneratedDocument, on_delete=models.PROTECT, related_name="pack_issue"
    )
    contents = models.JSONField(default=dict)
    changes = models.JSONField(default=list, help_text="What changed since the previous version")
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="pack_issue_version_unique")
        ]

    def __str__(self) -> str:
        return f"Pack v{self.number} for {self.meeting}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise ValidationError(PACK_ISSUED)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValidationError(PACK_ISSUED)
