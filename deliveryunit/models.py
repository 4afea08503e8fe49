"""Departments and users: the two things every scoping decision rests on."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Department(models.Model):
    name = models.CharField(max_length=120, unique=True)
    code = models.CharField(max_length=12, unique=True, help_text="Short code, e.g. HO")

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

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
