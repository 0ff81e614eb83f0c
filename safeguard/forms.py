"""Form helpers: GOV.UK Frontend classes and error states on Django's widgets."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

_WIDGET_CLASSES: list[tuple[type[forms.Widget], str, str]] = [
    (forms.Textarea, "govuk-textarea", "govuk-textarea--error"),
    (forms.Select, "govuk-select", "govuk-select--error"),
    (forms.CheckboxInput, "govuk-checkboxes__input", ""),
    (forms.FileInput, "govuk-file-upload", "govuk-file-upload--error"),
    (forms.widgets.Input, "govuk-input", "govuk-input--error"),
]


class GovukFormMixin:
    """Give each widget its GOV.UK class, the error class when invalid, and linked hint ids."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            for widget_type, css, _ in _WIDGET_CLASSES:
                if isinstance(widget, widget_type):
                    widget.attrs["class"] = " ".join(
                        c for c in [widget.attrs.get("class", ""), css] if c
                    )
                    break

    def __getitem__(self, name: str) -> Any:
        """The bound field as it is shown: its input described by its hint and its error (as the
        template ids them) and given the error style, whenever they apply: a hint set in a form's
        own __init__, an error a service added after validation (`add_service_errors`)."""
        bound = super().__getitem__(name)  # type: ignore[misc]
        widget = bound.field.widget
        errors = self._errors  # type: ignore[attr-defined]  # only once validated: never
        # A field may be marked wrong with no message of its own (the sign-in password).
        marked = errors is not None and name in errors  # validate from here
        if not isinstance(widget, forms.RadioSelect):  # radios: the fieldset is described
            ids = [f"{bound.id_for_label}-hint"] if bound.field.help_text else []
            if marked and errors[name]:
                ids.append(f"{bound.id_for_label}-error")
            if ids:
                widget.attrs["aria-describedby"] = " ".join(ids)
            else:
                widget.attrs.pop("aria-describedby", None)
        for widget_type, _, error_css in _WIDGET_CLASSES:
            if isinstance(widget, widget_type):
                classes = [c for c in widget.attrs.get("class", "").split() if c != error_css]
                if marked and error_css:
                    classes.append(error_css)
                widget.attrs["class"] = " ".join(classes)
                break
        return bound


def add_service_errors(form: Any, error: Any, rename: dict[str, str] | None = None) -> None:
    """Put a service's refusal (a ValidationError, or its {key: messages}) next to the field it
    is about; a message for no field of the form goes to the top. What the person typed stays in
    the form. A form whose one input is made of several fields (a date input's day, month and
    year) maps the service's key to them in `FIELD_FOR`: the message goes beside the last, unless
    one of them already says what is wrong."""
    if isinstance(error, dict):
        error = ValidationError(error)
    if not hasattr(error, "error_dict"):  # a refusal about no field: the top of the form
        form.add_error(None, error.messages)
        return
    parts_for: dict[str, tuple[str, ...]] = getattr(form, "FIELD_FOR", {})
    for key, problems in error.message_dict.items():
        key = (rename or {}).get(key, key)
        parts = [p for p in parts_for.get(key, (key,)) if p in form.fields]
        if any(form.has_error(p) for p in parts):
            continue
        form.add_error(parts[-1] if parts else None, problems)
