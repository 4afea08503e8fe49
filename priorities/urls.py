from django.urls import include, path

from . import views

app_name = "priorities"

urlpatterns = [
    path("", views.priority_list, name="list"),
    # Import and export of measure data live in views_data.py / urls_data.py.
    path("", include("priorities.urls_data")),
]
