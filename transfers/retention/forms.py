"""The legal-hold form of a file in retention."""

from __future__ import annotations

from django import forms

from safeguard.forms import GovukFormMixin


class LegalHoldForm(GovukFormMixin, forms.Form):
    # What the person meant (the page they saw): a second click, or a colleague acting first,
    # must never turn "set" into "lift".
    action = forms.ChoiceField(choices=[("set", "Set"), ("lift", "Lift")], widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter the reason"},
    )

    def __init__(self, *args: object, lifting: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        if lifting:
            reason.label = "Why is the hold no longer needed?"
            reason.error_messages["required"] = "Enter why the hold is no longer needed"
        else:
            reason.label = "Why must this file be kept?"
            reason.help_text = (
                "For example, court proceedings, a police investigation, a serious case review "
                "or a subject access request. The file is not destroyed while the hold is set."
            )
            reason.error_messages["required"] = "Enter why the file must be kept"


class RetentionEndForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why is the file needed again?",
        help_text=(
            "For example, the pupil has come back to this school, or the move did not happen. "
            "The file becomes live again and will not be destroyed."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why the file is needed again"},
    )
