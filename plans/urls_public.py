"""The public progress pages (views_public.py): open to anyone, no sign-in."""

from django.urls import path

from . import views_public as views

app_name = "progress"

urlpatterns = [
    path("", views.progress_index, name="index"),
    path("plans/<int:pk>/", views.progress_plan, name="plan"),
    path("objectives/<int:pk>/", views.progress_objective, name="objective"),
    path("figures.csv", views.progress_csv, name="csv"),
]
