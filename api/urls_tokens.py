"""/account/api-tokens/: each user's API tokens, and a unit lead's view of everyone's."""

from django.urls import path

from . import views

app_name = "tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("new/", views.token_create, name="create"),
    path("<int:pk>/revoke/", views.token_revoke, name="revoke"),
    path("users/", views.token_users, name="users"),
    path("users/<int:pk>/", views.token_user, name="user"),
    path("users/<int:pk>/new/", views.token_user_create, name="user_create"),
]
