"""Forms for chronology entries, corrections and CP files."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from safeguard.forms import GovukFormMixin

from .models import MANUAL_KINDS, EntryKind


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
