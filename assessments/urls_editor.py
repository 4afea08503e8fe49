"""The assessment editor, its actions and key challenges, and the read-only assessment pages.
Included by assessments/urls.py in the "assessments" namespace."""

from django.urls import path

from . import views_editor as views

urlpatterns = [
    path(
        "rounds/<int:round_pk>/priorities/<int:priority_pk>/",
        views.assessment_edit,
        name="assessment_edit",
    ),
    path("<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("<int:pk>/history/", views.assessment_history, name="assessment_history"),
    path("<int:pk>/submit/", views.assessment_submit, name="assessment_submit"),
    path("<int:pk>/agree/", views.assessment_agree, name="assessment_agree"),
    path("<int:pk>/return/", views.assessment_return, name="assessment_return"),
    path("<int:pk>/challenges/", views.challenge_add, name="challenge_add"),
    path("challenges/<int:pk>/update/", views.challenge_update, name="challenge_update"),
    path("challenges/<int:pk>/remove/", views.challenge_remove, name="challenge_remove"),
    path("challenges/<int:pk>/move/", views.challenge_move, name="challenge_move"),
]
