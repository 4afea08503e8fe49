from django.urls import path

from . import views_edit

urlpatterns = [
    path("new/", views_edit.priority_create, name="create"),
    path("<int:pk>/edit/", views_edit.priority_edit, name="edit"),
    path("<int:pk>/measures/new/", views_edit.measure_create, name="measure_create"),
    path("measures/<int:pk>/edit/", views_edit.measure_edit, name="measure_edit"),
    path(
        "measures/<int:pk>/trajectory/new/",
        views_edit.trajectory_create,
        name="trajectory_create",
    ),
    path("<int:pk>/milestones/new/", views_edit.milestone_create, name="milestone_create"),
    path("milestones/<int:pk>/edit/", views_edit.milestone_edit, name="milestone_edit"),
    path("measures/<int:pk>/actuals/", views_edit.actuals_grid, name="actuals_grid"),
    path(
        "measures/<int:pk>/actuals/<str:period>/",
        views_edit.actual_cell,
        name="actual_cell",
    ),
]
