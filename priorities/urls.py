from django.urls import include, path

from . import views

app_name = "priorities"

urlpatterns = [
    path("", views.priority_list, name="list"),
    path("<int:pk>/", views.priority_detail, name="detail"),
    path("<int:pk>/history/", views.priority_history, name="history"),
    path("measures/<int:pk>/history/", views.measure_history, name="measure_history"),
    path(
        "measures/<int:pk>/earlier-trajectories/",
        views.earlier_trajectories,
        name="earlier_trajectories",
    ),
    # Forms and the actuals grid live in views_edit.py / urls_edit.py; import and export of
    # measure data in views_data.py / urls_data.py.
    path("", include("priorities.urls_edit")),
    path("", include("priorities.urls_data")),
]
