"""The unit lead's forms for user accounts: exactly the fields a unit lead may set."""

from django import forms

from .editing import VersionedForm
from .models import User

FIELDS = ["first_name", "last_name", "email", "role", "department", "is_active"]


class UserCreateForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", *FIELDS[:-1]]


class UserEditForm(VersionedForm):
    class Meta:
        model = User
        fields = FIELDS
        labels = {"is_active": "Active (may sign in)"}
        help_texts = {
            "is_active": "Untick to stop this person signing in. Accounts are deactivated, "
            "never deleted, so their history stays."
        }
