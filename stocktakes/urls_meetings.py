from django.urls import path

from . import views

urlpatterns = [
    path("", views.forum_list, name="forum_list"),
    path("forums/new/", views.forum_create, name="forum_create"),
    path("forums/<int:pk>/", views.forum_detail, name="forum_detail"),
    path("forums/<int:pk>/edit/", views.forum_edit, name="forum_edit"),
    path("forums/<int:pk>/members/add/", views.forum_member_add, name="forum_member_add"),
    path(
        "forums/<int:pk>/members/<int:member_pk>/remove/",
        views.forum_member_remove,
        name="forum_member_remove",
    ),
    path("forums/<int:pk>/meetings/new/", views.meeting_schedule, name="meeting_schedule"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/held/", views.meeting_mark_held, name="meeting_mark_held"),
    path("meetings/<int:pk>/agenda/add/", views.agenda_add, name="agenda_add"),
    path("meetings/<int:pk>/agenda/<int:item_pk>/edit/", views.agenda_edit, name="agenda_edit"),
    path(
        "meetings/<int:pk>/agenda/<int:item_pk>/remove/",
        views.agenda_remove,
        name="agenda_remove",
    ),
]
