"""Sign-in and pupil search forms."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from safeguard.forms import GovukFormMixin


class SignInForm(GovukFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "The email address or password is not right. Check both and try again.",
        "inactive": "This account has been switched off. Ask your school administrator.",
    }

    def _post_clean(self) -> None:
        # A wrong email or password belongs to both fields: show it at the email address and
        # mark the password too, so the error summary link lands somewhere that explains it.
        super()._post_clean()
        wrong = self.errors.pop("__all__", None)
        if wrong:
            self.errors.setdefault("username", self.error_class()).extend(wrong)
            self.errors.setdefault("password", self.error_class())

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "email", "spellcheck": "false", "inputmode": "email"}
        )
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class ResetRequestForm(GovukFormMixin, PasswordResetForm):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].error_messages.update(
            {
                "required": "Enter your email address",
                "invalid": "Enter an email address in the correct format, like name@example.com",
            }
        )

    def get_users(self, email: str):  # noqa: ANN201
        """Active users whose email matches, ignoring case (the model stores it lower-case)."""
        from .models import User

        return (
            u
            for u in User.objects.filter(email__iexact=email, is_active=True)
            if u.has_usable_password()
        )


class NewPasswordForm(GovukFormMixin, SetPasswordForm):
    pass


class PupilSearchForm(GovukFormMixin, forms.Form):
    q = forms.CharField(
        label="Search pupils",
        required=False,
        max_length=100,
        help_text="Type part of a legal or preferred name, or a UPN",
    )
    include_left = forms.BooleanField(label="Include pupils who have left", required=False)
