from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("portfolio.urls")),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("priorities/", include("priorities.urls")),
    path("assessments/", include("assessments.urls")),
    path("stocktakes/", include("stocktakes.urls")),
    path("reviews/", include("reviews.urls")),
    path("documents/", include("deliveryunit.urls_documents")),
    path("plans/", include("plans.urls")),
    # Public: open to anyone without signing in (plans/views_public.py).
    path("progress/", include("plans.urls_public")),
    # The data API answers 401 or 403, never a redirect to sign in (api/endpoints.py).
    path("api/", include("api.urls")),
    path("account/api-tokens/", include("api.urls_tokens")),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("users/", include("deliveryunit.urls_users")),
    path("admin/", admin.site.urls),
]
