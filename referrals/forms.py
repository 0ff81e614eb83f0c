"""Forms for making a referral and recording what happens after it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from safeguard.forms import GovukFormMixin

from .models import EscalationReason, Method, Outcome, ParentsInformed, ReferralType, Urgency
from .selectors import STATES

WHEN_ERRORS = {
    "required": "Enter the date and time",
    "invalid": "Enter the date and time like 21/11/2026 14:30",
}
WHEN_HINT = "For example, 21/11/2026 14:30"


def _when(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, help_text=WHEN_HINT, error_messages=WHEN_ERRORS)


def _text(label: str, required_message: str = "", **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=bool(required_message),
        widget=forms.Textarea(attrs={"rows": kwargs.pop("rows", 4)}),
        error_messages={"required": required_message},
        **kwargs,
    )


def _radios(label: str, choices: Any, required_message: str, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
        **kwargs,
    )


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        phone = f", {obj.phone}" if obj.phone and obj.phone not in obj.name else ""
        return f"{obj.name}{phone}"


class ReferralForm(GovukFormMixin, forms.Form):
    pupil: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Which pupil are you referring?",
        queryset=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the pupil",
            "invalid_choice": "Choose a pupil named in the concern",
        },
    )
    agency = AgencyChoiceField(
        label="Agency",
        queryset=None,
        empty_label="Choose an agency",
        error_messages={
            "required": "Choose an agency",
            "invalid_choice": "Choose an agency from the list",
        },
    )
    referral_type = _radios("Type of referral", ReferralType.choices, "Choose the type of referral")
    urgency = _radios("Urgency", Urgency.choices, "Choose how urgent it is")
    method = _radios(
        "How was it made?",
        Method.choices,
        "Choose how the referral was made",
        help_text=(
            "An urgent phone referral must be followed by the written form the same day; "
            "it will show as outstanding until you record it."
        ),
    )
    made_at = _when("Date and time the referral was made")
    spoken_to = forms.CharField(
        label="Who you spoke to or sent it to (optional)",
        help_text="Name and role, for example the duty social worker",
        required=False,
        max_length=200,
    )
    reason = _text("What you referred and why", "Enter what you referred and why", rows=5)
    parents_informed = _radios(
        "Were parents or carers informed, or was consent sought?",
        ParentsInformed.choices,
        "Choose whether parents or carers were informed",
    )
    parents_reason = _text(
        "Reasons",
        "Enter why parents or carers were, or were not, told",
        help_text="Do not tell parents where that could put the child at greater risk of harm.",
        rows=3,
    )
    agency_reference = forms.CharField(
        label="The agency's reference (optional)", required=False, max_length=100
    )

    def __init__(self, *args: Any, agencies: Any, pupils: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
        if pupils is None:
            del self.fields["pupil"]
        else:
            self.fields["pupil"].queryset = pupils  # type: ignore[attr-defined]
            if not self.is_bound and len(pupils) == 1:
                self.initial["pupil"] = pupils[0].pk
            self.fields["pupil"].label_from_instance = lambda p: p.display_name  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("made_at", timezone.localtime().strftime("%d/%m/%Y %H:%M"))


class FollowUpForm(GovukFormMixin, forms.Form):
    occurred_at = _when("Date and time it was sent")
    sent_to = forms.CharField(
        label="Who it was sent to",
        help_text="An email address, or the name of the portal or form",
        max_length=200,
        error_messages={"required": "Enter who it was sent to"},
    )
    notes = _text("Notes (optional)", rows=3)


class ResponseForm(GovukFormMixin, forms.Form):
    kind = _radios(
        "What came back?",
        [
            ("acknowledged", "The agency acknowledged the referral"),
            ("outcome", "The outcome of the referral"),
            ("note", "Other information"),
        ],
        "Choose what came back",
    )
    occurred_at = _when("Date and time")
    source = forms.CharField(
        label="Who it came from",
        help_text="Name and role",
        max_length=200,
        error_messages={"required": "Enter who it came from"},
    )
    outcome = forms.ChoiceField(
        label="Outcome (if this is the outcome)",
        choices=[("", "Choose the outcome"), *Outcome.choices],
        required=False,
    )
    agency_reference = forms.CharField(
        label="The agency's reference (optional)", required=False, max_length=100
    )
    notes = _text("Notes", help_text="What was said, and any next steps", rows=4)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "outcome" and not data.get("outcome"):
            self.add_error("outcome", "Choose the outcome")
        elif data.get("kind") in ("acknowledged", "note") and data.get("outcome"):
            self.add_error(
                "outcome",
                "You chose an outcome: choose “The outcome of the referral” above, "
                "or set the outcome back to “Choose the outcome”",
            )
        return data


class EscalateForm(GovukFormMixin, forms.Form):
    occurred_at = _when("Date and time you escalated")
    escalation_reason = _radios(
        "Why are you escalating?", EscalationReason.choices, "Choose why you are escalating"
    )
    escalated_to = forms.CharField(
        label="Who you escalated to",
        help_text="Name and role, for example the team manager",
        max_length=200,
        error_messages={"required": "Enter who you escalated to"},
    )
    notes = _text(
        "What you said and what you asked for",
        "Enter what you said and what you asked for",
        help_text="Follow your safeguarding partnership's escalation (resolving disagreements) "
        "procedure.",
        rows=5,
    )


class ReferralFilterForm(forms.Form):
    state = forms.ChoiceField(choices=[("", "All"), *STATES.items()], required=False)
    agency: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="All agencies",
        widget=forms.Select(attrs={"class": "govuk-select app-full-width"}),
    )
    outcome = forms.ChoiceField(choices=[("", "All outcomes"), *Outcome.choices], required=False)

    def __init__(self, *args: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
