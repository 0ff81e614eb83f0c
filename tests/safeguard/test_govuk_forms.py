"""GovukFormMixin: each input shows its error style and is described by its hint and error, also
for a hint set in the form's own __init__ and an error a service adds after validation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from safeguard.forms import GovukFormMixin, add_service_errors


class ReasonForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(widget=forms.Textarea)
    name = forms.CharField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = "Say why"  # after the mixin's own __init__


def test_a_hint_set_late_still_describes_its_input() -> None:
    html = str(ReasonForm()["reason"])
    assert 'aria-describedby="id_reason-hint"' in html
    assert "govuk-textarea--error" not in html


def test_a_service_error_added_after_validation_styles_and_describes_the_input() -> None:
    form = ReasonForm({"reason": "Because", "name": "Sam"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"name": "That name is taken"}))
    name = str(form["name"])
    assert "govuk-input--error" in name
    assert 'aria-describedby="id_name-error"' in name
    reason = str(form["reason"])
    assert "govuk-textarea--error" not in reason
    assert 'aria-describedby="id_reason-hint"' in reason


def test_a_refusal_about_no_field_goes_to_the_top() -> None:
    form = ReasonForm({"reason": "Because", "name": "Sam"})
    assert form.is_valid()
    add_service_errors(form, ValidationError("The file is read-only"))
    assert form.non_field_errors() == ["The file is read-only"]
