from django.urls import include, path

from . import views, views_framework

app_name = "assessments"

urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/moderation/", views.round_moderation, name="round_moderation"),
    path("rounds/<int:pk>/publish/", views.round_publish, name="round_publish"),
    path("rounds/<int:pk>/reopen/", views.round_reopen, name="round_reopen"),
    path("grid/", views.grid, name="grid"),
    path("movement/", views.movement, name="movement"),
    path("framework/", views_framework.framework, name="framework"),
    path(
        "framework/areas/<int:pk>/edit/",
        views_framework.framework_area_edit,
        name="framework_area_edit",
    ),
    path(
        "framework/options/<int:pk>/edit/",
        views_framework.framework_option_edit,
        name="framework_option_edit",
    ),
    # The assessment editor, key challenges and an assessment's own pages: urls_editor.py.
    path("", include("assessments.urls_editor")),
]
