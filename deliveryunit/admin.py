from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Department, User
from .services import user_apply_role


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """For superusers only (nobody else is staff). Superuser, staff, groups and permissions are
    shown, never edited: they are given from the command line (`createsuperuser`), not the web."""

    list_display = ("username", "first_name", "last_name", "role", "department", "is_active")
    list_filter = ("role", "department", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Delivery Unit", {"fields": ("role", "department", "is_active")}),
        ("Administration", {"fields": ("is_superuser", "is_staff", "last_login", "date_joined")}),
    )
    readonly_fields = ("is_superuser", "is_staff", "last_login", "date_joined")
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("Delivery Unit", {"fields": ("role", "department")}),
    )

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        user_apply_role(user=obj)
