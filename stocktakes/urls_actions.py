"""The one action tracker and the minutes of meetings (views_actions.py)."""

from django.urls import path

from . import views_actions as views

urlpatterns = [
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/update/", views.action_update, name="action_update"),
    path("meetings/<int:pk>/minutes/", views.minutes_edit, name="minutes_edit"),
    path(
        "meetings/<int:pk>/minutes/actions/",
        views.action_create_in_minutes,
        name="action_create_in_minutes",
    ),
    path("meetings/<int:pk>/minutes/issue/", views.minutes_issue, name="minutes_issue"),
    path("meetings/<int:pk>/minutes/view/", views.minutes_view, name="minutes_view"),
    path(
        "meetings/<int:pk>/minutes/send-again/",
        views.minutes_send_again,
        name="minutes_send_again",
    ),
]
