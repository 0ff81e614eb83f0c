"""The two-factor forms: a code from the app, a recovery code, a reset's reason."""

from __future__ import annotations

from typing import Any

from django import forms

from safeguard.forms import GovukFormMixin


class AppCodeForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6 numbers the app shows for Safeguard now, for example 123456.",
        max_length=20,
        error_messages={"required": "Enter the 6 numbers your authenticator app shows"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input govuk-input--width-10",
            }
        )


class RecoveryCodeForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label="Recovery code",
        help_text="One of the codes you saved when you set up two-factor sign-in, for example "
        "7K2M9Q-ABX4PD-0C3R8T-WZ5E1H. Each code works once.",
        max_length=100,
        error_messages={"required": "Enter one of your recovery codes"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        )


class TwoFactorResetForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you resetting their two-factor sign-in?",
        help_text="For example: their phone was lost on a school trip on 3 December and they "
        "asked in person. This goes in the school's staff history.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the two-factor sign-in is being reset"},
    )
