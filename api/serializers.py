"""What the API returns for each kind of record, and the shape of a batch of actual data."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from assessments.models import Assessment, AssessmentRound
from deliveryunit import clock
from plans.models import DepartmentalPlan, Objective
from priorities.models import Actual, Measure, Priority, Trajectory
from stocktakes.models import Action


def _department() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", read_only=True)


class PrioritySerializer(serializers.ModelSerializer):
    lead_department = _department()
    delivery_chain = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Priority
        fields = [
            "id",
            "code",
            "title",
            "target_statement",
            "kind",
            "lead_department",
            "delivery_chain",
            "parent",
            "senior_responsible_owner",
            "minister",
            "start",
            "deadline",
            "active",
        ]


class MeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Measure
        fields = [
            "id",
            "priority",
            "name",
            "unit",
            "direction",
            "frequency",
            "indicator_type",
            "source",
            "target_value",
            "target_date",
            "tolerance",
        ]


class TrajectoryPointSerializer(serializers.Serializer):
    period = serializers.DateField()
    value = serializers.DecimalField(max_digits=18, decimal_places=4)


class TrajectorySerializer(serializers.ModelSerializer):
    points = TrajectoryPointSerializer(many=True, read_only=True)

    class Meta:
        model = Trajectory
        fields = ["id", "measure", "number", "label", "agreed_on", "reason", "points"]


class ActualSerializer(serializers.ModelSerializer):
    class Meta:
        model = Actual
        fields = ["id", "measure", "period", "value", "status", "source", "data_as_at", "note"]


class RoundSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentRound
        fields = ["id", "name", "date", "status", "published_at"]


class JudgementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assessment
        fields = [
            "id",
            "round",
            "priority",
            "challenge",
            "planning",
            "capacity",
            "stage",
            "likelihood",
            "status",
        ]


class ActionSerializer(serializers.ModelSerializer):
    department = _department()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "description",
            "owner",
            "department",
            "due",
            "status",
            "overdue",
            "source",
            "meeting",
            "priority",
        ]

    def get_overdue(self, action: Action) -> bool:
        return action.is_overdue(clock.today())


class PlanVersionSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)


class PlanSerializer(serializers.ModelSerializer):
    department = _department()
    versions = serializers.SerializerMethodField()

    class Meta:
        model = DepartmentalPlan
        fields = ["id", "department", "title", "period_start", "period_end", "versions"]

    def get_versions(self, plan: DepartmentalPlan) -> list[dict[str, Any]]:
        # The view prefetches only the versions the user may see.
        return PlanVersionSummarySerializer(plan.versions.all(), many=True).data  # type: ignore[return-value]


class ObjectiveMeasureSerializer(serializers.Serializer):
    measure = serializers.IntegerField(source="measure_id")
    public = serializers.BooleanField()
    illustrative = serializers.BooleanField()


class ObjectiveCommitmentSerializer(serializers.Serializer):
    reference = serializers.CharField(source="commitment.reference")
    text = serializers.CharField(source="commitment.text")


class ObjectiveSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="plan_version.plan_id")
    version = serializers.IntegerField(source="plan_version.number")
    version_status = serializers.CharField(source="plan_version.status")
    measures = ObjectiveMeasureSerializer(source="measure_links", many=True, read_only=True)
    commitments = ObjectiveCommitmentSerializer(
        source="commitment_links", many=True, read_only=True
    )
    task_forces = serializers.SerializerMethodField()

    class Meta:
        model = Objective
        fields = [
            "id",
            "plan",
            "version",
            "version_status",
            "group",
            "code",
            "title",
            "target",
            "owner",
            "deadline",
            "priority",
            "measures",
            "commitments",
            "task_forces",
        ]

    def get_task_forces(self, objective: Objective) -> list[int]:
        return [link.forum_id for link in objective.task_force_links.all()]


# --- a batch of actual data -------------------------------------------------------------------


class ActualRowSerializer(serializers.Serializer):
    """One period's figure, with the columns of the importer's own format. Its contents are
    checked as an imported file's are."""

    period = serializers.CharField(
        max_length=40, help_text="The period: 2023-09 (month), 2023-Q3 (quarter) or 2023 (year)"
    )
    value = serializers.CharField(max_length=60, help_text="A number, for example 74.2")
    status = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="provisional or final"
    )
    source = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    data_as_at = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="A date, e.g. 2023-10-12"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class ActualBatchSerializer(serializers.Serializer):
    actuals = ActualRowSerializer(many=True, min_length=1, max_length=1000)  # type: ignore[call-arg]


class BatchOutcomeSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row's place in the batch, from 1")
    errors = serializers.ListField(child=serializers.CharField())


class BatchErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    rows = RowErrorSerializer(many=True)
