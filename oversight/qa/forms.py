"""Quality assurance forms: a sample, a concern chosen by reference, a review, a response."""

from __future__ import annotations

from typing import Any

from django import forms

from oversight.models import CRITERIA, CriterionResult, Rating
from oversight.qa.services import CRITERION_REQUIRED, MAX_SAMPLE_SIZE
from oversight.terms import Term
from safeguard.forms import GovukFormMixin


class SampleForm(GovukFormMixin, forms.Form):
    term = forms.ChoiceField(label="Term", error_messages={"required": "Choose the term"})
    size = forms.IntegerField(
        label="Sample size",
        help_text="How many of the school's concerns written in the term to review, picked at "
        "random. The trust's practice is 3 per school per term.",
        initial=3,
        min_value=1,
        max_value=MAX_SAMPLE_SIZE,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter the sample size",
            "invalid": "Enter the sample size as a whole number, like 3",
            "min_value": f"Enter a sample size between 1 and {MAX_SAMPLE_SIZE}",
            "max_value": f"Enter a sample size between 1 and {MAX_SAMPLE_SIZE}",
        },
    )

    def __init__(self, *args: Any, terms: list[Term], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = [(t.key, t.label) for t in terms]  # type: ignore[attr-defined]


class ChooseForm(GovukFormMixin, forms.Form):
    reference = forms.CharField(
        label="Concern reference",
        help_text="For example, ALD-2026-0012",
        max_length=24,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
        error_messages={"required": "Enter the concern's reference"},
    )


class ReviewForm(GovukFormMixin, forms.Form):
    feedback = forms.CharField(
        label="Feedback for the school",
        help_text="What was done well, and what the school should do differently. The school's "
        "DSL and deputies read this and can respond.",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10000,
        error_messages={"required": "Enter your feedback for the school"},
    )
    rating = forms.ChoiceField(
        label="Overall rating",
        help_text="Good: every criterion met or nearly so. Requires improvement: gaps that "
        "leave the record weaker but the child's safety was not put at risk. Inadequate: gaps "
        "that could leave a child unprotected.",
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the overall rating"},
    )

    field_order = [name for name, _, _ in CRITERIA] + ["rating", "feedback"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label, question in CRITERIA:
            self.fields[name] = forms.ChoiceField(
                label=label,
                help_text=question,
                choices=CriterionResult.choices,
                widget=forms.RadioSelect,
                error_messages={"required": CRITERION_REQUIRED[name]},
            )
        self.order_fields(self.field_order)


class ResponseForm(GovukFormMixin, forms.Form):
    text = forms.CharField(
        label="Your response",
        help_text="What the school has done or will do about this feedback. Your name and the "
        "time are signed with it, and it cannot be changed afterwards.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
        error_messages={"required": "Enter your response"},
    )
