"""The read endpoints of /api/v1/ and the one write: a batch of actual data for a measure.

Every list and object is scoped as the pages scope it, by the same functions: access.scoped for
departments, access.visible_rounds for assessment rounds and access.visible_plan_versions for
plan versions. Judgements are served from published rounds only: the API is for people and
systems outside the unit, and drafts are the unit's working papers. An object the user may not
see is 404, as in the pages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.models import Assessment, AssessmentRound, RoundStatus
from deliveryunit import access
from plans.models import DepartmentalPlan, ObjectiveMeasure, PlanVersion
from plans.selectors import objectives_for_user
from priorities.imports import ACTUALS
from priorities.models import Actual, Measure, Priority, Trajectory, TrajectoryPoint
from stocktakes.models import Action

from . import serializers, services
from .filters import LARGEST_ID, ListFilters


class ScopedViewSet(viewsets.ReadOnlyModelViewSet):
    filter_backends = [ListFilters]
    department_lookup: str | None = None
    period_lookups: tuple[str, ...] = ()
    id_filters: dict[str, str] = {}

    def scope(self, user: Any) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        return self.scope(self.request.user)

    def get_object(self) -> Any:
        # An id no database row could have is simply not found.
        if int(self.kwargs.get("pk", 0)) > LARGEST_ID:
            raise Http404
        return super().get_object()


@extend_schema_view(
    list=extend_schema(summary="Priorities"), retrieve=extend_schema(summary="A priority")
)
class PriorityViewSet(ScopedViewSet):
    serializer_class = serializers.PrioritySerializer
    department_lookup = "lead_department"
    period_lookups = ("start", "deadline")

    def scope(self, user: Any) -> QuerySet:
        return access.scoped(
            Priority.objects.select_related("lead_department").prefetch_related("delivery_chain"),
            user,
        ).order_by("code")


@extend_schema_view(
    list=extend_schema(summary="Measures"), retrieve=extend_schema(summary="A measure")
)
class MeasureViewSet(ScopedViewSet):
    serializer_class = serializers.MeasureSerializer
    department_lookup = "priority__lead_department"
    id_filters = {"priority": "priority_id"}

    def scope(self, user: Any) -> QuerySet:
        return access.scoped(Measure.objects.all(), user).order_by("priority__code", "pk")

    @extend_schema(
        summary="Submit a batch of actual data for a measure",
        description=(
            "All or nothing: every row is checked as a row of an imported file is, and a bad row "
            "refuses the whole batch (400, with each bad row's messages) and changes nothing. "
            "Editors, and officials for their own department's measures, may submit."
        ),
        request=serializers.ActualBatchSerializer,
        responses={
            200: serializers.BatchOutcomeSerializer,
            400: serializers.BatchErrorSerializer,
            403: OpenApiResponse(description="You may not submit data for this measure"),
            404: OpenApiResponse(description="No such measure that you can see"),
        },
    )
    @action(detail=True, methods=["post"], url_path="actuals")
    def actuals(self, request: Request, pk: Any = None) -> Response:
        measure = self.get_object()
        if ACTUALS not in access.import_kinds(request.user, measure):
            raise PermissionDenied(access.NOT_PERMITTED)
        batch = serializers.ActualBatchSerializer(data=request.data)
        if not batch.is_valid():
            return _refused(_shape_errors(batch.errors))
        try:
            outcome = services.actuals_submit(
                measure=measure, by=request.user, rows=batch.validated_data["actuals"]
            )
        except services.BatchRefused as exc:
            return _refused(
                [{"row": row, "errors": errors} for row, errors in sorted(exc.rows.items())],
                exc.problem,
            )
        return Response(serializers.BatchOutcomeSerializer(outcome).data)


def _refused(rows: list[dict[str, Any]], problem: str = "") -> Response:
    return Response(
        {"detail": problem or services.BATCH_REFUSED, "rows": rows},
        status=status.HTTP_400_BAD_REQUEST,
    )


def _shape_errors(errors: Any) -> list[dict[str, Any]]:
    """DRF's errors for a batch, as the importer's: the row (from 1) and its messages."""
    rows = errors.get("actuals") if isinstance(errors, dict) else None
    if isinstance(rows, list) and rows and all(isinstance(row, dict) for row in rows):
        return [
            {"row": index, "errors": [f"{name}: {m}" for name, ms in row.items() for m in ms]}
            for index, row in enumerate(rows, start=1)
            if row
        ]
    if isinstance(rows, dict):  # a message per row number, from the list field
        return [
            {"row": int(index) + 1, "errors": [f"{n}: {m}" for n, ms in row.items() for m in ms]}
            for index, row in rows.items()
        ]
    messages = rows if isinstance(rows, list) else [str(errors)]
    return [{"row": 0, "errors": [str(message) for message in messages]}]


@extend_schema_view(
    list=extend_schema(summary="Trajectories"),
    retrieve=extend_schema(summary="A trajectory version"),
)
class TrajectoryViewSet(ScopedViewSet):
    serializer_class = serializers.TrajectorySerializer
    department_lookup = "measure__priority__lead_department"
    period_lookups = ("agreed_on",)
    id_filters = {"measure": "measure_id"}

    def scope(self, user: Any) -> QuerySet:
        return access.scoped(
            Trajectory.objects.prefetch_related(
                Prefetch("points", queryset=TrajectoryPoint.objects.order_by("period"))
            ),
            user,
        ).order_by("measure_id", "number")


@extend_schema_view(
    list=extend_schema(summary="Actual data"), retrieve=extend_schema(summary="One actual")
)
class ActualViewSet(ScopedViewSet):
    serializer_class = serializers.ActualSerializer
    department_lookup = "measure__priority__lead_department"
    period_lookups = ("period",)
    id_filters = {"measure": "measure_id"}

    def scope(self, user: Any) -> QuerySet:
        return access.scoped(Actual.objects.all(), user).order_by("measure_id", "period")


@extend_schema_view(
    list=extend_schema(summary="Assessment rounds"), retrieve=extend_schema(summary="A round")
)
class RoundViewSet(ScopedViewSet):
    serializer_class = serializers.RoundSerializer
    period_lookups = ("date",)

    def scope(self, user: Any) -> QuerySet:
        return AssessmentRound.objects.filter(access.visible_rounds(user)).order_by("-date")


@extend_schema_view(
    list=extend_schema(summary="Published judgements"),
    retrieve=extend_schema(summary="A published judgement"),
)
class JudgementViewSet(ScopedViewSet):
    serializer_class = serializers.JudgementSerializer
    department_lookup = "priority__lead_department"
    period_lookups = ("round__date",)
    id_filters = {"round": "round_id", "priority": "priority_id"}

    def scope(self, user: Any) -> QuerySet:
        published = AssessmentRound.objects.filter(access.visible_rounds(user)).filter(
            status=RoundStatus.PUBLISHED
        )
        return access.scoped(Assessment.objects.filter(round__in=published), user).order_by(
            "-round__date", "priority__code"
        )


@extend_schema_view(
    list=extend_schema(summary="Actions"), retrieve=extend_schema(summary="An action")
)
class ActionViewSet(ScopedViewSet):
    serializer_class = serializers.ActionSerializer
    department_lookup = "department"
    period_lookups = ("due",)
    id_filters = {"priority": "priority_id", "meeting": "meeting_id"}

    def scope(self, user: Any) -> QuerySet:
        return access.scoped(Action.objects.select_related("department"), user).order_by(
            "due", "pk"
        )


@extend_schema_view(
    list=extend_schema(summary="Departmental plans"), retrieve=extend_schema(summary="A plan")
)
class PlanViewSet(ScopedViewSet):
    serializer_class = serializers.PlanSerializer
    department_lookup = "department"

    def scope(self, user: Any) -> QuerySet:
        versions = PlanVersion.objects.filter(access.visible_plan_versions(user)).order_by("number")
        return (
            access.scoped(DepartmentalPlan.objects.select_related("department"), user)
            .prefetch_related(Prefetch("versions", queryset=versions))
            .order_by("department__code", "period_start", "pk")
        )


@extend_schema_view(
    list=extend_schema(summary="Objectives"), retrieve=extend_schema(summary="An objective")
)
class ObjectiveViewSet(ScopedViewSet):
    serializer_class = serializers.ObjectiveSerializer
    department_lookup = "plan_version__plan__department"
    period_lookups = ("deadline",)
    id_filters = {"plan": "plan_version__plan_id", "priority": "priority_id"}

    def scope(self, user: Any) -> QuerySet:
        return (
            objectives_for_user(user)
            .prefetch_related(
                Prefetch(
                    "measure_links", queryset=ObjectiveMeasure.objects.order_by("order", "pk")
                ),
                "commitment_links__commitment",
                "task_force_links",
            )
            .order_by("plan_version__plan_id", "plan_version__number", "order", "code")
        )
