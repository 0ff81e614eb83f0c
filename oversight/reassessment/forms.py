"""The thresholds form: five whole numbers, each within its limits, in plain words."""

from __future__ import annotations

from typing import Any

from django import forms

from concerns.services.reassess import THRESHOLD_LIMITS
from safeguard.forms import GovukFormMixin


def _number(name: str, label: str, hint: str, what: str) -> forms.IntegerField:
    low, high = THRESHOLD_LIMITS[name]
    between = f"{what} must be a whole number between {low} and {high}"
    return forms.IntegerField(
        label=label,
        help_text=hint,
        min_value=low,
        max_value=high,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": f"Enter {what.lower()}",
            "invalid": between,
            "min_value": between,
            "max_value": between,
        },
    )


class ThresholdsForm(GovukFormMixin, forms.Form):
    after_nfa_concerns = _number(
        "after_nfa_concerns",
        "How many new concerns after a decision of no further action?",
        "For example, 1: the first new concern after the decision asks for a review.",
        "The number of new concerns after no further action",
    )
    after_nfa_days = _number(
        "after_nfa_days",
        "For how many days after a decision of no further action?",
        "For example, 90.",
        "The number of days after no further action",
    )
    many_concerns = _number(
        "many_concerns",
        "How many concerns about one pupil, in any categories, in a short time?",
        "For example, 3.",
        "The number of concerns",
    )
    many_days = _number(
        "many_days",
        "Within how many days?",
        "For example, 30.",
        "The number of days for many concerns",
    )
    after_referral_days = _number(
        "after_referral_days",
        "For how many days after a referral's outcome does a new concern ask for a review?",
        "For example, 180.",
        "The number of days after a referral's outcome",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                field.widget.attrs.get("class", "") + " govuk-input--width-4"
            )
