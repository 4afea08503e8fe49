"""The unit lead's user management: list, create, edit (role, department, active) and unlock.
Superusers are not shown: they are managed from the command line only."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.http import require_http_methods, require_POST

from . import access, services
from .editing import CONFLICT_MESSAGE, ConflictError, add_service_errors, render_form, with_version
from .forms_users import UserCreateForm, UserEditForm
from .models import User

USER_CREATED = "{name} has been added. Give them the set-up link below to choose a password."
USER_SAVED = "{name} has been saved."
USER_UNLOCKED = "{name} can sign in again."
SETUP_DONE = "Your password has been set. Sign in with it."


def _managed(pk: int) -> User:
    return get_object_or_404(User, pk=pk, is_superuser=False)


def setup_link(request: HttpRequest, user: User) -> str:
    """A one-time link to choose a password; dead once a password is set (the token is tied to
    the password hash)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("users:setup", args=[uid, token]))


@access.unit_lead_required
def user_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.filter(is_superuser=False).select_related("department")
    locked = set(AccessAttempt.objects.values_list("username", flat=True))
    return render(request, "users/list.html", {"users": users, "locked": locked})


@access.unit_lead_required
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, USER_CREATED.format(name=user))
            return redirect("users:edit", pk=user.pk)
    context = {"form": form, "heading": "Add a user", "submit_label": "Add user"}
    return render_form(request, "users/form.html", context)


def _edit_page(request: HttpRequest, user: User, form: UserEditForm, status: int) -> HttpResponse:
    context = {
        "form": form,
        "heading": str(user),
        "subject": user,
        "submit_label": "Save",
        "events": user.events.select_related("by")[:50],
        "locked": AccessAttempt.objects.filter(username=user.username).exists(),
        "setup_link": "" if user.has_usable_password() else setup_link(request, user),
        "setup_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    return render_form(request, "users/form.html", context, status=status)


@access.unit_lead_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed(pk)
    form = UserEditForm(request.POST or None, instance=user)
    if request.method != "POST" or not form.is_valid():
        return _edit_page(request, user, form, 200)
    try:
        saved = services.user_update(
            user=user,
            by=request.user,
            expected_version=form.expected_version,
            **form.service_fields(),
        )
    except ConflictError as exc:
        form = UserEditForm(with_version(request.POST, exc.current.version), instance=user)
        form.is_valid()
        form.add_error(None, CONFLICT_MESSAGE)
        return _edit_page(request, user, form, 409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _edit_page(request, user, form, 200)
    messages.success(request, USER_SAVED.format(name=saved))
    return redirect("users:edit", pk=saved.pk)


@access.unit_lead_required
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed(pk)
    services.user_unlock(user=user, by=request.user)
    messages.success(request, USER_UNLOCKED.format(name=user))
    return redirect("users:edit", pk=user.pk)


@method_decorator(login_not_required, name="dispatch")
class SetupView(auth_views.PasswordResetConfirmView):
    """A new user chooses their password from the link the unit lead gave them."""

    template_name = "users/setup.html"
    success_url = reverse_lazy("login")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        messages.success(self.request, SETUP_DONE)
        return super().form_valid(form)
