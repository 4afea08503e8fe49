from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Actual, ChainLink, Measure, Milestone, Priority, Trajectory


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Read-only: writes go through the app's forms and services, which validate, detect
    concurrent edits and record who made each change."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Priority)
class PriorityAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "title", "lead_department", "kind", "active")
    list_filter = ("lead_department", "kind", "active")
    search_fields = ("code", "title")


@admin.register(Measure)
class MeasureAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "priority", "unit", "direction", "frequency")


@admin.register(Trajectory)
class TrajectoryAdmin(ReadOnlyHistoryAdmin):
    list_display = ("measure", "number", "label", "agreed_on")


@admin.register(Actual)
class ActualAdmin(ReadOnlyHistoryAdmin):
    list_display = ("measure", "period", "value", "status")


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyHistoryAdmin):
    list_display = ("title", "priority", "due", "status")


@admin.register(ChainLink)
class ChainLinkAdmin(ReadOnlyHistoryAdmin):
    list_display = ("priority", "order", "who", "strength")
