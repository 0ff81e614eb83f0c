"""Forms of the transfer flow: the pupil leaving, how the file was sent, the receipt, returning a
file received, and importing a bundle."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from safeguard.forms import GovukDatesMixin, GovukFormMixin

from .models import ReceiptHow, SentHow
from .services import LARGEST_IMPORT

WHEN_HINT = "For example, 21/11/2026 14:30"


def _when(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        help_text=WHEN_HINT,
        error_messages={
            "required": "Enter the date and time",
            "invalid": "Enter the date and time like 21/11/2026 14:30",
        },
    )


OTHER_CHILDREN_LABEL = "I have read the file and checked what it says about other children"
OTHER_CHILDREN_HINT = (
    "Other children involved are not named in the file's records, but free text written by staff "
    "(what was seen and heard, notes and updates) may still name them. Be content that what it "
    "says about them can be shared: Keeping children safe in education allows sharing "
    "information to keep a child safe."
)
OTHER_CHILDREN_REQUIRED = (
    "Confirm you have read the file and checked what it says about other children"
)


def _other_children_checked() -> forms.BooleanField:
    """The DSL's confirmation, before a file leaves the school, that they have read what staff
    wrote about other children in it (ADR 0013: free text can still name them)."""
    return forms.BooleanField(
        label=OTHER_CHILDREN_LABEL,
        help_text=OTHER_CHILDREN_HINT,
        error_messages={"required": OTHER_CHILDREN_REQUIRED},
    )


class TransferStartForm(GovukFormMixin, forms.Form):
    PLATFORM, ELSEWHERE = "platform", "elsewhere"
    # The service refuses a destination school; the person chose it by what they typed.
    FIELD_FOR: dict[str, tuple[str, ...]] = {"destination_school": ("destination_search",)}

    leaving_date = forms.DateField(
        label="Date the pupil leaves (or left)",
        help_text=(
            "For example, 18/12/2026. The file must be sent within 5 school days of this date."
        ),
        error_messages={
            "required": "Enter the date the pupil leaves",
            "invalid": "Enter the date like 18/12/2026",
        },
    )
    destination = forms.ChoiceField(
        label="Where is the pupil going?",
        choices=[
            (PLATFORM, "A school that uses this service"),
            (ELSEWHERE, "Another school"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose where the pupil is going",
            "invalid_choice": "Choose where the pupil is going",
        },
    )
    destination_search = forms.CharField(
        label="New school's name or DfE URN",
        required=False,
        max_length=200,
        help_text="The school must use this service. For example, Southend Bay Academy, or 123456",
    )
    destination_name = forms.CharField(
        label="Name of the new school", required=False, max_length=200
    )
    destination_address = forms.CharField(
        label="The new school's address",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Where the file goes, for the attention of the Designated Safeguarding Lead",
    )
    destination_dsl = forms.CharField(
        label="Name of the new school's DSL (optional)", required=False, max_length=150
    )

    def __init__(self, *args: Any, schools: Any, own_school: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schools = schools  # the schools the pupil may go to (not their own)
        self.own_school = own_school  # the school the pupil is leaving

    def _is_own_school(self, text: str) -> bool:
        own = self.own_school
        if own is None:
            return False
        folded = text.casefold()
        return text == (own.urn or "") or folded in own.name.casefold()

    def _school_for(self, text: str) -> Any:
        """The one school on the service that the text names (URN, or part of its name)."""
        text = " ".join(text.split())
        if not text:
            self.add_error("destination_search", "Enter the new school's name or URN")
            return None
        found = list(self.schools.filter(urn=text)[:1]) or list(
            self.schools.filter(name__iexact=text)[:1]
        )
        if not found:
            found = list(self.schools.filter(name__icontains=text).order_by("name")[:6])
        if len(found) == 1:
            return found[0]
        if not found and self._is_own_school(text):
            self.add_error(
                "destination_search",
                "That is this school: choose the school the pupil is moving to",
            )
        elif not found:
            self.add_error(
                "destination_search",
                f"No school on this service is called {text!r}: check the name or URN, or "
                "choose Another school",
            )
        else:
            names = ", ".join(s.name for s in found[:5])
            self.add_error(
                "destination_search",
                f"More than one school matches ({names}): type the full name or the URN",
            )
        return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        where = data.get("destination")
        data["destination_school"] = None
        if where == self.PLATFORM:
            data["destination_school"] = self._school_for(data.get("destination_search", ""))
        elif where == self.ELSEWHERE:
            if not data.get("destination_name", "").strip():
                self.add_error("destination_name", "Enter the name of the new school")
            if not data.get("destination_address", "").strip():
                self.add_error("destination_address", "Enter the new school's address")
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data["destination"] == self.PLATFORM:
            return {
                "leaving_date": data["leaving_date"],
                "destination_school": data["destination_school"],
                "destination_dsl": data.get("destination_dsl", ""),
            }
        return {
            "leaving_date": data["leaving_date"],
            "destination_school": None,
            "destination_name": data["destination_name"],
            "destination_address": data["destination_address"],
            "destination_dsl": data.get("destination_dsl", ""),
        }


class SentForm(GovukFormMixin, forms.Form):
    sent_how = forms.ChoiceField(
        label="How was the file sent?",
        choices=[c for c in SentHow.choices if c[0] != SentHow.PLATFORM],
        widget=forms.RadioSelect,
        help_text="Send it securely, separately from the main pupil file, marked confidential",
        error_messages={
            "required": "Choose how the file was sent",
            "invalid_choice": "Choose how the file was sent",
        },
    )
    sent_at = _when("When was it sent?")
    sent_note = forms.CharField(
        label="Details (optional)",
        required=False,
        max_length=300,
        help_text="For example, the tracking number or the email address it went to",
    )
    other_children_checked = _other_children_checked()

    def service_arguments(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "other_children_checked"}


class SendForm(GovukFormMixin, forms.Form):
    """Sending the file in the service to a school that uses it."""

    other_children_checked = _other_children_checked()


class ReceiptForm(GovukFormMixin, forms.Form):
    receipt_by = forms.CharField(
        label="Who confirmed receipt?",
        max_length=200,
        help_text="Their name and role, for example Sam Patel, Designated Safeguarding Lead",
        error_messages={"required": "Enter the name and role of the person who confirmed receipt"},
    )
    received_at = _when("When did they confirm it?")
    receipt_how = forms.ChoiceField(
        label="How did they confirm it?",
        choices=[c for c in ReceiptHow.choices if c[0] != ReceiptHow.PLATFORM],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how receipt was confirmed",
            "invalid_choice": "Choose how receipt was confirmed",
        },
    )


class RejectForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you returning this file?",
        help_text=(
            "For example, the pupil is not joining this school. The sending school sees this."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter why you are returning the file"},
    )


class ImportForm(GovukFormMixin, forms.Form):
    bundle = forms.FileField(
        label="Upload the bundle",
        help_text="The .zip file the previous school sent, with the signed PDF inside",
        error_messages={
            "required": "Choose the bundle file (a .zip) to upload",
            "empty": "The file you chose is empty",
        },
    )

    def clean_bundle(self) -> Any:
        upload = self.cleaned_data["bundle"]
        if upload.size > LARGEST_IMPORT:
            raise forms.ValidationError("The bundle must be smaller than 200 MB")
        return upload


# --- Cancelling, and correcting the leaving date (ADR 0045) ------------------------------------


def _reason_field(label: str, hint: str, required: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": required},
    )


class CancelForm(GovukFormMixin, forms.Form):
    reason = _reason_field(
        "Why are you cancelling this transfer?",
        "For example, the pupil is staying at this school. It is kept in the pupil's chronology.",
        "Enter why the transfer is being cancelled",
    )


class LeavingDateForm(GovukDatesMixin, GovukFormMixin, forms.Form):
    """The corrected leaving date (a GOV.UK date input: day, month, year) and why."""

    # A service's problem with the date shows on its first box, where the summary links.
    FIELD_FOR: dict[str, tuple[str, ...]] = {"leaving_date": ("leaving_date_day",)}

    dates = {"leaving_date": "the leaving date"}
    OWN_DATE_RANGE = ("leaving_date",)  # not before they joined, within a year (the service's)
    leaving_date_day, leaving_date_month, leaving_date_year = GovukDatesMixin.date_fields(
        "leaving_date"
    ).values()
    reason = _reason_field(
        "Why is the leaving date being corrected?",
        "For example, the parents told us the move was put back a week. It is kept in the "
        "pupil's chronology.",
        "Enter why the leaving date is being corrected",
    )

    @property
    def leaving_date(self) -> dict[str, Any]:
        """What the date input template needs: its three bound boxes and any error."""
        return self.date_input("leaving_date")

    @staticmethod
    def initial_for(day: datetime.date) -> dict[str, Any]:
        return GovukDatesMixin.date_initial("leaving_date", day)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        self.clean_dates(data)
        return data

    def service_arguments(self) -> dict[str, Any]:
        return {
            "leaving_date": self.cleaned_data["leaving_date"],
            "reason": self.cleaned_data["reason"],
        }
