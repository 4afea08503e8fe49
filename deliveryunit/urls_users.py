from django.urls import path

from . import views_users

app_name = "users"

urlpatterns = [
    path("", views_users.user_list, name="list"),
    path("new/", views_users.user_create, name="create"),
    path("<int:pk>/", views_users.user_edit, name="edit"),
    path("<int:pk>/unlock/", views_users.user_unlock, name="unlock"),
    path("set-up/<uidb64>/<token>/", views_users.SetupView.as_view(), name="setup"),
]
