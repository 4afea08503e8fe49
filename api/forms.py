from django import forms

from .services import NAME_REQUIRED


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is the token for?",
        max_length=100,
        help_text="For example: the department's performance dashboard",
        error_messages={"required": NAME_REQUIRED},
    )
