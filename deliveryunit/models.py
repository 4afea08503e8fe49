"""Departments and users: the two things every scoping decision rests on."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from .fields import SingleLineCharField


class Department(models.Model):
    name = SingleLineCharField(max_length=120, unique=True)
    code = SingleLineCharField(max_length=12, unique=True, help_text="Short code, e.g. HO")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ANALYST = "analyst", "Analyst"
    UNIT_LEAD = "unit_lead", "Unit lead"
    MINISTER = "minister", "Minister"
    OFFICIAL = "official", "Departmental official"


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OFFICIAL)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="Officials see only this department; a minister with none set sees all.",
    )
    # Moves on with every change made on the users pages, so two unit leads editing the same
    # person cannot overwrite each other unseen.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class UserEvent(models.Model):
    """What a unit lead did to a user account, and when: the account's history."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="events")
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=20)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user}: {self.action}"


class DocumentKind(models.TextChoices):
    DELIVERY_REPORT = "delivery_report", "Six-monthly delivery report"
    PM_NOTE = "pm_note", "Monthly note to the Prime Minister"
    STOCKTAKE_PACK = "stocktake_pack", "Stocktake pack"
    REVIEW_REPORT = "review_report", "Priority review report"


class DocumentFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word"


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Building"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


ACTIVE_BUILD_STATUSES = [DocumentStatus.QUEUED, DocumentStatus.RUNNING]


class GeneratedDocument(models.Model):
    """One build of one document. Each finished build of the same kind, subject and format gets
    the next version number; earlier versions stay downloadable. At most one build per kind,
    subject and format is queued or running at a time (a partial unique constraint)."""

    DEPARTMENT_PATHS = ("departments",)

    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    format = models.CharField(max_length=5, choices=DocumentFormat.choices)
    # A stable key of what the document is about, e.g. "round=3;department=HO".
    subject_key = models.CharField(max_length=200)
    subject = models.JSONField(default=dict)
    title = models.CharField(max_length=300)
    # Who may download it: officials and department ministers of these departments. A document
    # with none (the whole portfolio) is for the unit and unscoped ministers only.
    departments = models.ManyToManyField(Department, blank=True, related_name="+")
    status = models.CharField(
        max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    # What a running build is doing, for the documents page: "Drawing charts: 40 of 90".
    progress_text = models.CharField(max_length=120, blank=True)
    error = models.TextField(blank=True)
    file = models.FileField(upload_to="documents/", blank=True)
    checksum = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the file")
    size = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True, help_text="Of a PDF")
    version = models.PositiveIntegerField(null=True, blank=True)
    marking = models.CharField(max_length=60)
    data_as_at = models.DateField(null=True, blank=True)
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_key", "format"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_build_per_document",
            ),
            models.UniqueConstraint(
                fields=["kind", "subject_key", "format", "version"],
                name="document_version_unique",
            ),
        ]

    def __str__(self) -> str:
        version = f" v{self.version}" if self.version else ""
        return f"{self.title} ({self.get_format_display()}){version}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_BUILD_STATUSES


class DocumentDownload(models.Model):
    document = models.ForeignKey(
        GeneratedDocument, on_delete=models.PROTECT, related_name="downloads"
    )
    user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} downloaded {self.document} at {self.at}"


class Workbench(models.Model):
    """Settings of the whole workbench that live in the database (at most one row)."""

    as_at = models.DateField(
        "as at",
        null=True,
        blank=True,
        help_text=(
            "The date the workbench treats as today (for what is overdue, due or next). Set only "
            "for demonstration or training data; leave empty to use the real date."
        ),
    )

    class Meta:
        verbose_name = "workbench settings"
        verbose_name_plural = "workbench settings"

    def __str__(self) -> str:
        return f"Workbench as at {self.as_at}" if self.as_at else "Workbench (real date)"
