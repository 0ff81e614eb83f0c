"""Forms of category governance (the services check everything again)."""

from __future__ import annotations

from typing import Any

from django import forms

from oversight.categories.services import NAME_MAX
from safeguard.forms import GovukFormMixin

TOP_LEVEL = ""


class _ParentChoice(forms.ChoiceField):
    """Where in the list: a heading in use, or a new heading (the empty choice)."""

    def __init__(self, *, headings: Any, **kwargs: Any) -> None:
        self.headings = {str(h.pk): h for h in headings}
        choices = [(TOP_LEVEL, "A new heading (top level)")]
        choices += [(pk, f"Under {h.name}") for pk, h in self.headings.items()]
        super().__init__(
            choices=choices,
            required=False,
            widget=forms.RadioSelect,
            error_messages={
                "invalid_choice": "Choose a heading in use, or a new heading (that heading "
                "may have been retired since the page was opened)"
            },
            **kwargs,
        )

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return self.headings.get(value) if value else None


class CategoryForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=NAME_MAX,
        error_messages={
            "required": "Enter the category's name",
            "max_length": f"The name must be {NAME_MAX} characters or fewer",
        },
    )

    def __init__(self, *args: Any, headings: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if headings is not None:
            self.fields["parent"] = _ParentChoice(
                headings=headings,
                label="Where in the list",
                help_text="A heading, or a category under one of the headings.",
            )


class CategoryRequestForm(CategoryForm):
    reason = forms.CharField(
        label="Why the school needs it",
        help_text=(
            "What kind of concern it is for and why no category on the list fits. "
            "Do not name a child."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        error_messages={"required": "Say why the school needs this category"},
    )


class ApproveForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label="Name on the list",
        help_text="You can correct the school's wording before it is added.",
        max_length=NAME_MAX,
        error_messages={
            "required": "Enter the category's name",
            "max_length": f"The name must be {NAME_MAX} characters or fewer",
        },
    )
    approve_note = forms.CharField(
        label="Note to the school (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


class DeclineForm(GovukFormMixin, forms.Form):
    decline_reason = forms.CharField(
        label="Why the request is declined",
        help_text="The school's DSL reads this. For example, which category to use instead.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Say why the request is declined"},
    )


class RetireForm(GovukFormMixin, forms.Form):
    """The "Are you sure?" of retiring: no fields, it carries a refusal to the page's summary."""
