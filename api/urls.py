"""/api/: the data API (v1), its OpenAPI schema and its documentation page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import endpoints, views

app_name = "api"

router = SimpleRouter()
router.register("priorities", endpoints.PriorityViewSet, basename="priority")
router.register("measures", endpoints.MeasureViewSet, basename="measure")
router.register("trajectories", endpoints.TrajectoryViewSet, basename="trajectory")
router.register("actuals", endpoints.ActualViewSet, basename="actual")
router.register("rounds", endpoints.RoundViewSet, basename="round")
router.register("judgements", endpoints.JudgementViewSet, basename="judgement")
router.register("actions", endpoints.ActionViewSet, basename="action")
router.register("plans", endpoints.PlanViewSet, basename="plan")
router.register("objectives", endpoints.ObjectiveViewSet, basename="objective")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.api_docs, name="docs"),
]
