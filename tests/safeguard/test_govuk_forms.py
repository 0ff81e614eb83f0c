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


class WhenForm(GovukFormMixin, forms.Form):
    day = forms.DateField(required=False)
    moment = forms.DateTimeField(required=False)


def test_every_date_is_held_to_the_products_range() -> None:
    """Issue 16: 1 January 0001 and 31 December 9999 are refused beside the field, in GOV.UK's
    words; the first and last days allowed are accepted."""
    from safeguard.forms import latest_date

    latest = latest_date()
    for typed in ["01/01/0001", "31/12/1899", "31/12/9999", f"01/01/{latest.year + 1}"]:
        form = WhenForm({"day": typed, "moment": f"{typed} 10:00"})
        assert not form.is_valid()
        for field in ("day", "moment"):
            assert form.errors[field] == [
                f"The date must be between 1 January 1900 and 31 December {latest.year}"
            ], typed
    edges = WhenForm({"day": "01/01/1900", "moment": latest.strftime("%d/%m/%Y 23:59")})
    assert edges.is_valid(), edges.errors


def test_a_form_shown_again_as_typed_says_nothing_is_wrong() -> None:
    from django.http import QueryDict

    from safeguard.forms import as_typed

    posted = QueryDict("when-day=01/01/0001&when-moment=typed&other=x")
    form = as_typed(WhenForm, posted, prefix="when")
    assert not form.is_bound
    assert form["day"].value() == "01/01/0001"
    assert 'value="typed"' in str(form["moment"])
    assert not form.errors
