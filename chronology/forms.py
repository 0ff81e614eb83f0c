"""Forms for chronology entries, corrections and CP files."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from safeguard.forms import GovukFormMixin

from .models import MANUAL_KINDS, EntryKind, StatusKind


class EntryForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Type of entry",
        choices=[("", "Choose a type")] + [(k.value, k.label) for k in MANUAL_KINDS],
        error_messages={"required": "Choose the type of entry"},
    )
    occurred_at = forms.DateTimeField(
        label="Date and time it happened",
        help_text="For example, 21/11/2026 14:30",
        error_messages={
            "required": "Enter the date and time it happened",
            "invalid": "Enter the date and time like 21/11/2026 14:30",
        },
    )
    details = forms.CharField(
        label="Information or details",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the information or details"},
    )
    people_involved = forms.CharField(label="People involved", required=False, max_length=500)
    significant = forms.BooleanField(label="This is a significant event", required=False)

    def clean_occurred_at(self) -> datetime.datetime:
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError("The date and time must be in the past")
        return value


class CorrectionForm(GovukFormMixin, forms.Form):
    details = forms.CharField(
        label="The correction",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "The original entry stays as it is; this correction is added after it and points to it."
        ),
        error_messages={"required": "Enter the correction"},
    )


class ReasonForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason"},
    )


class StatusForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Status or plan",
        choices=[("", "Choose one"), *StatusKind.choices],
        error_messages={"required": "Choose the status or plan"},
    )
    start_date = forms.DateField(
        label="Start date",
        help_text="For example, 01/09/2026",
        error_messages={
            "required": "Enter the start date",
            "invalid": "Enter the date like 01/09/2026",
        },
    )
    review_date = forms.DateField(
        label="Review date (optional)",
        required=False,
        error_messages={"invalid": "Enter the date like 01/12/2026"},
    )
    lead_professional = forms.CharField(
        label="Allocated social worker or lead professional (optional)",
        required=False,
        max_length=200,
    )
    lead_professional_contact = forms.CharField(
        label="Their contact details (optional)", required=False, max_length=200
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, review = data.get("start_date"), data.get("review_date")
        if start and review and review < start:
            self.add_error("review_date", "The review date must be after the start date")
        return data


class StatusEndForm(GovukFormMixin, forms.Form):
    end_date = forms.DateField(
        label="End date",
        error_messages={
            "required": "Enter the end date",
            "invalid": "Enter the date like 01/12/2026",
        },
    )
    reason = forms.CharField(
        label="Why did it end?", error_messages={"required": "Enter why it ended"}
    )


class ChronologyFilterForm(forms.Form):
    order = forms.ChoiceField(
        choices=[("newest", "Newest first"), ("oldest", "Oldest first")], required=False
    )
    kind = forms.ChoiceField(choices=[("", "All types"), *EntryKind.choices], required=False)
    significant = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=100)

    def values(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"newest_first": True}
        data = self.cleaned_data
        return {
            "newest_first": data.get("order") != "oldest",
            "kind": data.get("kind") or "",
            "significant_only": bool(data.get("significant")),
            "query": (data.get("q") or "").strip(),
        }
