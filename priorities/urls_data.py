from django.urls import path

from . import views_data

urlpatterns = [
    path("import/", views_data.portfolio_import, name="import"),
    path("measures/<int:pk>/import/", views_data.measure_import, name="measure_import"),
    path("measures/<int:pk>/export.csv", views_data.measure_export_csv, name="measure_export_csv"),
    path(
        "measures/<int:pk>/export.xlsx",
        views_data.measure_export_xlsx,
        name="measure_export_xlsx",
    ),
]
