from django.urls import path

from . import views, views_commitments, views_objectives, views_progress

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_create, name="plan_create"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/new-draft/", views.version_new_draft, name="version_new_draft"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version_edit"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:pk>/coverage/", views.coverage, name="coverage"),
    path(
        "versions/<int:pk>/objectives/new/",
        views_objectives.objective_create,
        name="objective_create",
    ),
    path("objectives/<int:pk>/", views_objectives.objective_detail, name="objective_detail"),
    path("objectives/<int:pk>/edit/", views_objectives.objective_edit, name="objective_edit"),
    path("objectives/<int:pk>/remove/", views_objectives.objective_remove, name="objective_remove"),
    path(
        "objectives/<int:pk>/measures/",
        views_objectives.objective_measures,
        name="objective_measures",
    ),
    path("measure-links/<int:pk>/", views_objectives.measure_link_edit, name="measure_link_edit"),
    path(
        "measure-links/<int:pk>/remove/",
        views_objectives.measure_link_remove,
        name="measure_link_remove",
    ),
    path(
        "objectives/<int:pk>/timetable/new/", views_objectives.timetable_add, name="timetable_add"
    ),
    path("timetable/<int:pk>/", views_objectives.timetable_edit, name="timetable_edit"),
    path("timetable/<int:pk>/remove/", views_objectives.timetable_remove, name="timetable_remove"),
    path("objectives/<int:pk>/returns/new/", views_progress.return_create, name="return_create"),
    path("returns/<int:pk>/", views_progress.return_edit, name="return_edit"),
    path("returns/<int:pk>/submit/", views_progress.return_submit, name="return_submit"),
    path("returns/<int:pk>/agree/", views_progress.return_agree, name="return_agree"),
    path("objectives/<int:pk>/notes/", views_progress.note_add, name="note_add"),
    path("commitments/", views_commitments.commitment_list, name="commitment_list"),
    path("commitments/new/", views_commitments.commitment_create, name="commitment_create"),
    path("commitments/<int:pk>/", views_commitments.commitment_edit, name="commitment_edit"),
    path("task-forces/<int:pk>/", views_objectives.task_force, name="task_force"),
]
