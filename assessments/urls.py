from django.urls import include, path

from . import views

app_name = "assessments"

urlpatterns = [
    path("", views.round_list, name="round_list"),
    # The assessment editor, key challenges and assessment history: views_editor.py.
    path("", include("assessments.urls_editor")),
]
