from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health

PASSWORD_CHANGED = "Your password has been changed."  # noqa: S105 - a message
OLD_PASSWORD_WRONG = "Your current password is not right. Enter it again."  # noqa: S105


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": OLD_PASSWORD_WRONG,
    }


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (CSRF-protected, the password validators, the current password asked
    for), which keeps this session signed in and ends the user's other sessions."""

    form_class = PasswordChangeForm
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        messages.success(self.request, PASSWORD_CHANGED)
        return super().form_valid(form)


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):  # type: ignore[no-untyped-def]
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        return context


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and container health checks: 200 when the database, the broker and
    the document storage all answer, 503 naming the ones that do not."""
    checks = health.run_checks()
    down = [name for name, outcome in checks.items() if outcome == health.DOWN]
    body = {"status": "unavailable" if down else "ok", "down": down, "checks": checks}
    return JsonResponse(body, status=503 if down else 200)
