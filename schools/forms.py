"""Sign-in, pupil search, and term dates and school hours forms."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from safeguard.forms import GovukFormMixin

from .models import SCHOOL_WEEKDAYS, User


class SignInForm(GovukFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "The email address or password is not right. Check both and try again.",
        "inactive": "This account has been switched off. Ask your school administrator.",
    }

    def _post_clean(self) -> None:
        # A wrong email or password belongs to both fields: show it at the email address and
        # mark the password too, so the error summary link lands somewhere that explains it.
        super()._post_clean()  # type: ignore[misc]  # Form._post_clean is not in the stubs
        wrong = self.errors.pop("__all__", None)
        if wrong:
            self.errors.setdefault("username", self.error_class()).extend(wrong)
            self.errors.setdefault("password", self.error_class())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "email", "spellcheck": "false", "inputmode": "email"}
        )
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class ResetRequestForm(GovukFormMixin, PasswordResetForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].error_messages.update(
            {
                "required": "Enter your email address",
                "invalid": "Enter an email address in the correct format, like name@example.com",
            }
        )

    def get_users(self, email: str):
        """Active users whose email matches, ignoring case (the model stores it lower-case)."""

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


class SchoolClosureForm(GovukFormMixin, forms.Form):
    """Days the school is closed. The service's rules (order, overlap, range) are the view's
    `run_service(check=...)`, so every problem shows by its field, styled, at once; the service
    checks again on saving."""

    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="For example, October half term, Christmas holiday or INSET day",
        error_messages={"required": "Enter a name, like October half term or INSET day"},
    )
    first_day = forms.DateField(
        label="First day closed",
        help_text="For example, 26/10/2026",
        error_messages={
            "required": "Enter the first day the school is closed",
            "invalid": "Enter the date like 26/10/2026",
        },
        widget=forms.DateInput(attrs={"class": "govuk-input--width-10"}),
    )
    last_day = forms.DateField(
        label="Last day closed",
        help_text="The same as the first day for a single day, like an INSET day",
        error_messages={
            "required": "Enter the last day the school is closed",
            "invalid": "Enter the date like 30/10/2026",
        },
        widget=forms.DateInput(attrs={"class": "govuk-input--width-10"}),
    )

    # Narrower than the product's range for any date, in its own words (`school_closure_problems`:
    # two years back, three ahead, "check the year").
    OWN_DATE_RANGE = ("first_day", "last_day")

    @staticmethod
    def initial_for(closure: Any) -> dict[str, Any]:
        return {f: getattr(closure, f) for f in ["name", "first_day", "last_day"]}

    def values(self) -> dict[str, Any]:
        """What the service and its rules take, as far as it was typed right (a wrong field is
        missing: `None`, or no name)."""
        d = self.cleaned_data
        return {
            "name": d.get("name", ""),
            "first_day": d.get("first_day"),
            "last_day": d.get("last_day"),
        }


def _school_time(label: str, what: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        error_messages={
            "required": f"Enter the time the school day {what}",
            "invalid": "Enter a time like 08:30 or 15:30",
        },
        widget=forms.TimeInput(
            format="%H:%M",
            attrs={"class": "govuk-input govuk-input--width-5", "inputmode": "numeric"},
        ),
    )


class SchoolHoursForm(GovukFormMixin, forms.Form):
    """When the school day starts and ends, Monday to Friday."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        self.day_rows = []
        for n, day in enumerate(SCHOOL_WEEKDAYS):
            self.fields[f"opens_{n}"] = _school_time(f"{day}: starts", f"starts on {day}")
            self.fields[f"closes_{n}"] = _school_time(f"{day}: ends", f"ends on {day}")
            self.day_rows.append((day, self[f"opens_{n}"], self[f"closes_{n}"]))

    @staticmethod
    def initial_for(hours: dict[int, tuple[datetime.time, datetime.time]]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for n, (opens, closes) in hours.items():
            initial[f"opens_{n}"], initial[f"closes_{n}"] = opens, closes
        return initial

    def values(self) -> dict[str, Any]:
        """What the service and its rules take: {"hours": {weekday: (starts, ends)}}, the days
        whose two times were typed right (all five, once the form is valid)."""
        data = self.cleaned_data
        return {
            "hours": {
                n: (data[f"opens_{n}"], data[f"closes_{n}"])
                for n in range(5)
                if f"opens_{n}" in data and f"closes_{n}" in data
            }
        }
