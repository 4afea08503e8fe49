"""The assessment editor and its actions (views_editor.py), key challenges
(views_challenges.py), and the read-only assessment page and its history
(views_assessment.py). Included by assessments/urls.py in the "assessments" namespace."""

from django.urls import path

from . import views_assessment, views_challenges, views_editor

urlpatterns = [
    path(
        "rounds/<int:round_pk>/priorities/<int:priority_pk>/",
        views_editor.assessment_edit,
        name="assessment_edit",
    ),
    path("<int:pk>/submit/", views_editor.assessment_submit, name="assessment_submit"),
    path("<int:pk>/agree/", views_editor.assessment_agree, name="assessment_agree"),
    path("<int:pk>/return/", views_editor.assessment_return, name="assessment_return"),
    path("<int:pk>/challenges/", views_challenges.challenge_add, name="challenge_add"),
    path(
        "challenges/<int:pk>/update/",
        views_challenges.challenge_update,
        name="challenge_update",
    ),
    path(
        "challenges/<int:pk>/remove/",
        views_challenges.challenge_remove,
        name="challenge_remove",
    ),
    path("challenges/<int:pk>/move/", views_challenges.challenge_move, name="challenge_move"),
    path("<int:pk>/", views_assessment.assessment_detail, name="assessment_detail"),
    path("<int:pk>/history/", views_assessment.assessment_history, name="assessment_history"),
]
