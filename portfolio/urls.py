from django.urls import path

from . import views

# No namespace: the home page has always been plain "home".
urlpatterns = [
    path("", views.home, name="home"),
    path("pm-note/commentary/", views.note_commentary, name="pm_note_commentary"),
    path("pm-note/commentary/issue/", views.note_commentary_issue, name="pm_note_commentary_issue"),
]
