"""The page's forms: register a client, and give it a new secret."""

from __future__ import annotations

from django import forms

from safeguard.forms import GovukCheckboxes, GovukFormMixin

from .scopes import SCOPE_CHOICES
from .services import NAME_LONGEST, SECRET_LIFETIMES

_LIFETIME_WORDS = {30: "30 days", 90: "90 days (recommended)", 365: "1 year"}
LIFETIME_CHOICES = [(str(days), _LIFETIME_WORDS[days]) for days in SECRET_LIFETIMES]
REACH_CHOICES = [
    ("school", "This school only"),
    ("trust", "Every school of the trust"),
]


class LifetimeForm(GovukFormMixin, forms.Form):
    lifetime_days = forms.TypedChoiceField(
        label="How long the secret lasts",
        help_text="Before it ends, give the system a new secret here.",
        choices=LIFETIME_CHOICES,
        coerce=int,
        initial="90",
        widget=forms.RadioSelect,
        error_messages={"required": "Select how long the secret lasts"},
    )


class ApiClientForm(LifetimeForm):
    name = forms.CharField(
        label="Name of the system",
        help_text="Say which product and what for, such as “Wonde roll sync”.",
        max_length=NAME_LONGEST,
        error_messages={
            "required": "Enter a name for the system, such as the product and what it does",
            "max_length": f"Name must be {NAME_LONGEST} characters or fewer",
        },
    )
    scopes = forms.MultipleChoiceField(
        label="What it may do",
        choices=SCOPE_CHOICES,
        widget=GovukCheckboxes,
        error_messages={
            "required": "Select what the system may do",
            "invalid_choice": "Select only what the list offers",
        },
    )
    reach = forms.ChoiceField(
        label="Which schools",
        choices=REACH_CHOICES,
        initial="school",
        widget=forms.RadioSelect,
        required=False,
    )
    field_order = ["name", "scopes", "reach", "lifetime_days"]

    def __init__(self, *args, trust_wide: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not trust_wide:
            del self.fields["reach"]
