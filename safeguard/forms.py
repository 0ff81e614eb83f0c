"""Form helpers: GOV.UK Frontend classes and error states on Django's widgets, and the range
every date typed into the product must fall in."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

_WIDGET_CLASSES: list[tuple[type[forms.Widget], str, str]] = [
    (forms.Textarea, "govuk-textarea", "govuk-textarea--error"),
    (forms.Select, "govuk-select", "govuk-select--error"),
    (forms.CheckboxInput, "govuk-checkboxes__input", ""),
    (forms.FileInput, "govuk-file-upload", "govuk-file-upload--error"),
    (forms.widgets.Input, "govuk-input", "govuk-input--error"),
]


# Every date typed into the product (an event, a date of birth, a review) is on or after this
# day: no child or member of staff the product records was born before it, and nothing it
# records happened before. 1 January 0001, a slip of the keyboard, is refused beside the field.
EARLIEST_DATE = datetime.date(1900, 1, 1)
# Nor more than this many years ahead (to the end of that year): the furthest anything is
# planned (a review, a term's closures); 31 December 9999 is a slip too. A field whose domain
# has a narrower rule (in the past, within a year) says so itself.
YEARS_AHEAD = 5


def latest_date() -> datetime.date:
    """The last day a date typed into the product may be (`YEARS_AHEAD`)."""
    return datetime.date(timezone.localdate().year + YEARS_AHEAD, 12, 31)


def date_in_reach(value: datetime.date | datetime.datetime | None) -> None:
    """Refuse a date (or date and time) outside the product's range, in GOV.UK's words; run
    as a field's validator, before any rule that would compute with it (a day after 31 December
    9999 cannot be computed)."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime.datetime) else value  # as typed, no zone
    latest = latest_date()
    if not EARLIEST_DATE <= day <= latest:
        raise ValidationError(
            f"The date must be between {_long(EARLIEST_DATE)} and {_long(latest)}",
            code="date_out_of_range",
        )


def _long(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


# The boxes of a GOV.UK date input, in order.
DATE_PARTS = ("day", "month", "year")


@dataclass(frozen=True)
class TypedDate:
    """A date read from a GOV.UK date input's three boxes: the date, or the one message saying
    what is wrong (GOV.UK's words) and the boxes at fault (each marked; the error summary links
    to the first)."""

    value: datetime.date | None
    message: str = ""
    faulty: tuple[str, ...] = ()


def read_date_parts(day: Any, month: Any, year: Any, what: str) -> TypedDate:
    """The date typed into a GOV.UK date input (`what` names it: "the date of birth"), or why
    not: "Enter ...", "... must include a month", "... must be a real date", "Year must include
    4 numbers". Only the digits 0 to 9 count, so "١٢" or a 1 MB answer is refused."""
    given = {
        "day": str(day or "").strip(),
        "month": str(month or "").strip(),
        "year": str(year or "").strip(),
    }
    named = what[:1].upper() + what[1:]
    if not any(given.values()):
        return TypedDate(None, f"Enter {what}", DATE_PARTS)
    missing = tuple(p for p in DATE_PARTS if not given[p])
    if missing:
        return TypedDate(None, f"{named} must include a {' and a '.join(missing)}", missing)
    not_numbers = tuple(
        p for p in DATE_PARTS if not (given[p].isascii() and given[p].isdigit())
    ) or tuple(p for p in DATE_PARTS if len(given[p]) > 4)
    if not_numbers:
        return TypedDate(
            None, f"{named} must be a real date, in numbers, like 27 3 2015", not_numbers
        )
    if len(given["year"]) != 4:
        return TypedDate(None, "Year must include 4 numbers", ("year",))
    number = {p: int(v) for p, v in given.items()}
    if not 1 <= number["month"] <= 12:
        return TypedDate(None, f"{named} must be a real date", ("month",))
    try:
        return TypedDate(datetime.date(number["year"], number["month"], number["day"]))
    except ValueError:
        # 31 February: the day and the month together; 32 March: the day alone.
        faulty = ("day", "month") if 1 <= number["day"] <= 31 else ("day",)
        return TypedDate(None, f"{named} must be a real date", faulty)


class GovukCheckboxes(forms.CheckboxSelectMultiple):
    """The error summary links to the first checkbox (GOV.UK), so the field's id is its id."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return f"{id_}_{index or 0}" if id_ else id_


class GovukFormMixin:
    """Give each widget its GOV.UK class, the error class when invalid, and linked hint ids;
    hold every date field to the product's range (`date_in_reach`), unless the form names it in
    `OWN_DATE_RANGE`: a narrower range of its own, said in its own words (a dashboard's dates)."""

    OWN_DATE_RANGE: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            # Each form has its own copy of its fields (and of their validators).
            dated = isinstance(field, forms.DateField | forms.DateTimeField)
            if dated and name not in self.OWN_DATE_RANGE and date_in_reach not in field.validators:
                field.validators.append(date_in_reach)
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


def as_typed(form_class: type[forms.Form], data: Any, **kwargs: Any) -> Any:
    """A form shown again with what was typed into it, unchecked: a form of the page whose button
    was not the one pressed (so it says nothing is wrong), when the page comes back for another."""
    form = form_class(**kwargs)
    form.initial = {
        name: field.widget.value_from_datadict(data, {}, form.add_prefix(name))
        for name, field in form.fields.items()
        if not field.widget.value_omitted_from_data(data, {}, form.add_prefix(name))
    }
    return form


def date_part(part: str) -> forms.CharField:
    field = forms.CharField(label=part.capitalize(), required=False, strip=True)
    field.validators = []  # the whole date is checked together in clean()
    field.widget.attrs.update({"inputmode": "numeric"})
    return field


class GovukDatesMixin:
    """Turns each date's three boxes (`<name>_day`, `_month`, `_year`) into `<name>`, putting any
    problem on the first box at fault (where the error summary's link lands, as GOV.UK does) and
    marking each box at fault; a problem the service finds with the whole date marks them all."""

    dates: dict[str, str] = {}
    # Dates that may be left blank (all three boxes empty): `None`, no message.
    optional_dates: tuple[str, ...] = ()

    @property
    def date_faults(self) -> dict[str, tuple[str, ...]]:
        if "_date_faults" not in self.__dict__:
            self.__dict__["_date_faults"] = {}
        return self.__dict__["_date_faults"]

    @classmethod
    def date_fields(cls, name: str) -> dict[str, forms.CharField]:
        return {f"{name}_{part}": date_part(part) for part in DATE_PARTS}

    def clean_dates(self, data: dict[str, Any]) -> None:
        for name, what in self.dates.items():
            raw = [str(self.data.get(f"{name}_{p}", "")) for p in DATE_PARTS]  # type: ignore[attr-defined]
            if name in self.optional_dates and not any(v.strip() for v in raw):
                data[name] = None
                continue
            typed = read_date_parts(raw[0], raw[1], raw[2], what=what)
            if typed.value is not None and name not in getattr(self, "OWN_DATE_RANGE", ()):
                try:  # the product's range, unless the form has a narrower one of its own
                    date_in_reach(typed.value)
                except ValidationError as error:
                    typed = TypedDate(None, error.messages[0], ("year",))
            if typed.message:
                # Beside the input, linked from the summary to its first box at fault (GOV.UK).
                self.add_error(f"{name}_{typed.faulty[0]}", typed.message)  # type: ignore[attr-defined]
                self.date_faults[name] = typed.faulty
            data[name] = typed.value

    def date_input(self, name: str) -> dict[str, Any]:
        """What the date input template needs: its three bound boxes and any error."""
        boxes = [self[f"{name}_{p}"] for p in DATE_PARTS]  # type: ignore[index]
        errors = [e for box in boxes for e in box.errors][:1]
        faults = self.date_faults.get(name, DATE_PARTS) if errors else ()
        return {
            "name": name,
            "boxes": [
                {"field": box, "faulty": part in faults}
                for part, box in zip(DATE_PARTS, boxes, strict=True)
            ],
            "errors": errors,
        }

    @staticmethod
    def date_initial(name: str, value: datetime.date | None) -> dict[str, Any]:
        if value is None:
            return {}
        return {f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year}
