from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Area, Assessment, AssessmentRound, Dimension, RatingOption


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Read-only: rounds and assessments change only through the app, where publication,
    moderation and concurrent edits are enforced."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(AssessmentRound)
class AssessmentRoundAdmin(ReadOnlyAdmin):
    list_display = ("name", "date", "status")


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("priority", "round", "likelihood", "status")
    list_filter = ("round", "status")


@admin.register(Dimension)
class DimensionAdmin(ReadOnlyAdmin):
    list_display = ("name", "order")


@admin.register(RatingOption)
class RatingOptionAdmin(ReadOnlyAdmin):
    list_display = ("dimension", "code", "label")


@admin.register(Area)
class AreaAdmin(ReadOnlyAdmin):
    list_display = ("dimension", "group", "name")
