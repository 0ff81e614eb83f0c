"""Forms for agencies, school key contacts and family contacts. Every error sits by its field."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms

from safeguard.forms import GovukFormMixin

from .models import (
    WEEKDAYS,
    Agency,
    AgencyKind,
    FamilyContact,
    KeyContactRole,
    Relationship,
    SchoolKeyContact,
)
from .services import OPEN_ALL_HOURS_WITH_HOURS, out_of_hours_problem
from .validators import validate_phone

PHONE_HINT = "For example, 0116 305 0005"
TIME_FORMAT = "%H:%M"


def _phone(label: str, *, help_text: str = PHONE_HINT) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=40,
        help_text=help_text,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )


def _email(label: str) -> forms.EmailField:
    return forms.EmailField(
        label=label,
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.org"},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def _time(label: str) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=[TIME_FORMAT, "%H.%M", "%H:%M:%S"],
        error_messages={"invalid": "Enter a time like 08:30 or 17:00"},
        widget=forms.TimeInput(
            format=TIME_FORMAT, attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}
        ),
    )


class AgencyForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the agency's name"}
    )
    kind = forms.ChoiceField(
        label="Type of service",
        choices=[("", "Choose a type"), *AgencyKind.choices],
        error_messages={"required": "Choose the type of service"},
    )
    local_authority = forms.ChoiceField(label="Local authority", required=False)
    phone = _phone("Telephone")
    email = _email("Email address (optional)")
    web_address = forms.URLField(
        label="Web form or portal address (optional)",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address like https://www.example.org/refer"},
    )
    open_all_hours = forms.BooleanField(label="Answers 24 hours a day", required=False)
    closed_on_bank_holidays = forms.BooleanField(
        label="Closed on England and Wales bank holidays", required=False
    )
    out_of_hours = forms.ModelChoiceField(
        label="Out-of-hours alternative",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="None",
        help_text=(
            "Who to call when this office is closed: a service of the same local authority, "
            "or a national one."
        ),
        error_messages={"invalid_choice": "Choose an agency from the list"},
    )
    guidance = forms.CharField(
        label="When to use it", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    source = forms.CharField(
        label="Where these details come from",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, the local authority's web page and the date you checked it.",
    )
    to_confirm = forms.BooleanField(label="These details still need confirming", required=False)

    def __init__(
        self,
        *args: Any,
        trust: Any,
        authorities: list[str],
        agency: Agency | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for n, day in enumerate(WEEKDAYS):
            self.fields[f"opens_{n}"] = _time(f"{day}: opens")
            self.fields[f"closes_{n}"] = _time(f"{day}: closes")
        # Added after the mixin styled the other fields, so styled here.
        for n in range(7):
            for name in (f"opens_{n}", f"closes_{n}"):
                self.fields[name].widget.attrs["class"] = "govuk-input govuk-input--width-5"
        choices = [("", "Every school (a national service)")]
        choices += [(la, la) for la in authorities]
        cast(forms.ChoiceField, self.fields["local_authority"]).choices = choices
        alternatives = Agency.objects.filter(trust=trust).order_by("local_authority", "name")
        if agency is not None and agency.pk:
            alternatives = alternatives.exclude(pk=agency.pk)
        cast(forms.ModelChoiceField, self.fields["out_of_hours"]).queryset = alternatives
        self.day_rows = [
            (day, self[f"opens_{n}"], self[f"closes_{n}"]) for n, day in enumerate(WEEKDAYS)
        ]

    @staticmethod
    def initial_for(agency: Agency) -> dict[str, Any]:
        initial: dict[str, Any] = {
            f: getattr(agency, f)
            for f in [
                "name",
                "kind",
                "local_authority",
                "phone",
                "email",
                "web_address",
                "open_all_hours",
                "closed_on_bank_holidays",
                "guidance",
                "source",
                "to_confirm",
            ]
        }
        initial["out_of_hours"] = agency.out_of_hours_id
        for n in range(7):
            span = (agency.hours or {}).get(str(n))
            if span:
                initial[f"opens_{n}"], initial[f"closes_{n}"] = span
        return initial

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        hours: dict[str, list[str]] = {}
        for n, day in enumerate(WEEKDAYS):
            opens_name, closes_name = f"opens_{n}", f"closes_{n}"
            if opens_name in self.errors or closes_name in self.errors:
                continue
            opens: datetime.time | None = data.get(opens_name)
            closes: datetime.time | None = data.get(closes_name)
            if opens is None and closes is None:
                continue
            if closes is None:
                self.add_error(closes_name, f"Enter the time it closes on {day}, or clear both")
            elif opens is None:
                self.add_error(opens_name, f"Enter the time it opens on {day}, or clear both")
            elif closes <= opens:
                self.add_error(
                    closes_name,
                    f"On {day} it closes before it opens: enter a closing time later than "
                    f"{opens:%H:%M}",
                )
            else:
                hours[str(n)] = [f"{opens:%H:%M}", f"{closes:%H:%M}"]
        if data.get("open_all_hours") and hours:
            self.add_error("open_all_hours", OPEN_ALL_HOURS_WITH_HOURS)
        alternative = data.get("out_of_hours")
        if alternative is not None and "local_authority" not in self.errors:
            problem = out_of_hours_problem(data.get("local_authority") or "", alternative)
            if problem:
                self.add_error("out_of_hours", problem)
        data["hours"] = hours
        return data

    def values(self) -> dict[str, Any]:
        """What the service takes."""
        data = self.cleaned_data
        keys = [
            "name",
            "kind",
            "local_authority",
            "phone",
            "email",
            "web_address",
            "open_all_hours",
            "closed_on_bank_holidays",
            "out_of_hours",
            "guidance",
            "source",
            "to_confirm",
            "hours",
        ]
        return {k: data.get(k) for k in keys}


class KeyContactForm(GovukFormMixin, forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Choose a role"), *KeyContactRole.choices],
        error_messages={"required": "Choose the role"},
    )
    role_other = forms.CharField(
        label="Role, if other", required=False, max_length=100, help_text="For example, SENCO"
    )
    name = forms.CharField(
        label="Full name", max_length=150, error_messages={"required": "Enter the person's name"}
    )
    phone = _phone("Telephone", help_text="For example, 01245 000101")
    email = _email("Email address")
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=300,
        help_text="For example, when they can be reached.",
    )

    def clean(self) -> dict[str, Any]:
        # The service checks these too; here they show with every other error at once.
        data: dict[str, Any] = super().clean() or {}
        if data.get("role") == KeyContactRole.OTHER and not data.get("role_other", "").strip():
            self.add_error("role_other", "Enter the role")
        if "phone" not in self.errors and not data.get("phone") and not data.get("email"):
            if "email" not in self.errors:
                self.add_error("phone", "Enter a telephone number or an email address")
        return data

    @staticmethod
    def initial_for(contact: SchoolKeyContact) -> dict[str, Any]:
        fields = ["role", "role_other", "name", "phone", "email", "notes"]
        return {f: getattr(contact, f) for f in fields}


class FamilyContactForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label="Full name", max_length=150, error_messages={"required": "Enter the person's name"}
    )
    relationship = forms.ChoiceField(
        label="Relationship to the pupil",
        choices=[("", "Choose a relationship"), *Relationship.choices],
        error_messages={"required": "Choose the relationship to the pupil"},
    )
    relationship_other = forms.CharField(
        label="Relationship, if other", required=False, max_length=100
    )
    parental_responsibility = forms.BooleanField(
        label="Has parental responsibility", required=False
    )
    lives_with_pupil = forms.BooleanField(label="Lives with the pupil", required=False)
    emergency_priority = forms.IntegerField(
        label="Emergency contact order (optional)",
        required=False,
        min_value=1,
        max_value=9,
        help_text="1 is called first. Leave blank if this person is not an emergency contact.",
        error_messages={
            "invalid": "Enter the order as a number, like 1 or 2",
            "min_value": "Enter 1 or more",
            "max_value": "Enter 9 or less",
        },
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-2"}),
    )
    phone = _phone("Main telephone", help_text="For example, 07700 900123")
    phone_other = _phone("Other telephone (optional)", help_text="")
    email = _email("Email address (optional)")
    address = forms.CharField(
        label="Address (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    restrictions = forms.CharField(
        label="Restrictions (optional)",
        required=False,
        max_length=300,
        help_text="For example, a court order: must not collect the pupil, no contact.",
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        # The service checks these too; here they show with every other error at once.
        data: dict[str, Any] = super().clean() or {}
        if (
            data.get("relationship") == Relationship.OTHER
            and not data.get("relationship_other", "").strip()
        ):
            self.add_error("relationship_other", "Enter the relationship to the pupil")
        if data.get("emergency_priority") and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", "An emergency contact needs a main telephone number")
        return data

    @staticmethod
    def initial_for(contact: FamilyContact) -> dict[str, Any]:
        return {
            f: getattr(contact, f)
            for f in [
                "name",
                "relationship",
                "relationship_other",
                "parental_responsibility",
                "lives_with_pupil",
                "emergency_priority",
                "phone",
                "phone_other",
                "email",
                "address",
                "restrictions",
                "notes",
            ]
        }
