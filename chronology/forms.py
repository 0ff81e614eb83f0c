"""Forms for chronology entries, corrections and CP files."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from safeguard.forms import GovukFormMixin

from .models import MANUAL_KINDS, EntryKind, RiskReviewOutcome, StatusKind


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
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_start_date(self) -> datetime.date:
        value = self.cleaned_data["start_date"]
        if value > timezone.localdate():
            raise forms.ValidationError("The start date must be today or in the past")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
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


class RiskAssessmentForm(GovukFormMixin, forms.Form):
    pupils = forms.MultipleChoiceField(
        label="Pupils this risk assessment covers",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the pupils the risk assessment covers"},
    )
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title"}
    )
    risks = forms.CharField(
        label="Risks identified",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the risks identified"},
    )
    measures = forms.CharField(
        label="Measures agreed",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the measures agreed"},
    )
    other_pupils_considered = forms.CharField(
        label="Other pupils considered and how they are protected",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pupil_contributed = forms.BooleanField(label="The pupil contributed", required=False)
    parents_contributed = forms.BooleanField(label="Parents or carers contributed", required=False)
    other_contributors = forms.CharField(label="Other contributors", required=False, max_length=300)
    review_date = forms.DateField(
        label="Next review date",
        help_text="For example, 05/12/2026",
        error_messages={
            "required": "Enter the next review date",
            "invalid": "Enter the date like 05/12/2026",
        },
    )

    def __init__(self, *args: Any, pupils: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pupil_objects = {str(p.pk): p for p in pupils}
        cast(forms.ChoiceField, self.fields["pupils"]).choices = [
            (str(p.pk), p.display_name) for p in pupils
        ]

    def clean_review_date(self) -> datetime.date:
        value = self.cleaned_data["review_date"]
        if value < timezone.localdate():
            raise forms.ValidationError("The review date must be today or in the future")
        return value

    def clean_pupils(self) -> list[Any]:
        return [self.pupil_objects[pk] for pk in self.cleaned_data["pupils"]]


class RiskReviewForm(GovukFormMixin, forms.Form):
    reviewed_on = forms.DateField(
        label="Date of review",
        error_messages={
            "required": "Enter the date of the review",
            "invalid": "Enter the date like 05/12/2026",
        },
    )
    notes = forms.CharField(
        label="What the review found",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter what the review found"},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=RiskReviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome"},
    )
    next_review_date = forms.DateField(
        label="Next review date (unless closing)",
        required=False,
        error_messages={"invalid": "Enter the date like 05/01/2027"},
    )
