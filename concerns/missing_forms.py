"""Forms for reporting a pupil missing, recording the protocol's steps, and continuous absences.

The forms read what was typed (dates, times, choices); the rules (times in order, nothing in the
future, the incident number when the police were called) live in `missing_services`, and the
views put its messages next to the fields here.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from safeguard.forms import GovukFormMixin

from .models import MissingStep, PoliceLine

YES_NO = [("yes", "Yes"), ("no", "No")]
TIME_FORMATS = ["%H:%M", "%H.%M", "%H:%M:%S", "%H%M"]


class Radios(forms.RadioSelect):
    """Radios whose field id is the first radio's, so the error summary links to it."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return f"{id_}_{index or 0}" if id_ else ""


def _date_field(label: str, *, what: str, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text="For example, 21/11/2026",
        error_messages={
            "required": f"Enter the date {what}",
            "invalid": "Enter the date like 21/11/2026",
        },
        widget=forms.DateInput(attrs={"class": "govuk-input--width-10"}),
    )


def _time_field(label: str, *, what: str, required: bool = True) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=required,
        input_formats=TIME_FORMATS,
        help_text="Use the 24-hour clock, for example, 14:10",
        error_messages={
            "required": f"Enter the time {what}",
            "invalid": "Enter the time as hours and minutes, like 14:10",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
    )


def _moment(day: datetime.date | None, time: datetime.time | None) -> datetime.datetime | None:
    if day is None or time is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, time))


def now_initial(prefix: str) -> dict[str, Any]:
    """Today's date and the time now, for a DSL recording what is happening as it happens."""
    now = timezone.localtime()
    return {f"{prefix}_date": now.date(), f"{prefix}_time": now.strftime("%H:%M")}


class MissingStartForm(GovukFormMixin, forms.Form):
    missing_since_date = _date_field(
        "Date you found the pupil was missing", what="you found the pupil was missing"
    )
    missing_since_time = _time_field(
        "Time you found the pupil was missing", what="you found the pupil was missing"
    )
    last_seen_date = _date_field("Date the pupil was last seen", what="the pupil was last seen")
    last_seen_time = _time_field("Time the pupil was last seen", what="the pupil was last seen")
    last_seen_details = forms.CharField(
        label="Where was the pupil last seen, and by whom?",
        help_text="For example, leaving the Year 9 science lesson, seen by Mr Jones",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter where the pupil was last seen and by whom"},
    )
    circumstances = forms.CharField(
        label="Anything else you know (optional)",
        required=False,
        help_text="What they were wearing, who they were with, where they might go",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    significant_harm = forms.ChoiceField(
        label="Do you believe the pupil is suffering significant harm now?",
        choices=YES_NO,
        widget=Radios,
        error_messages={"required": "Select yes if the pupil is suffering significant harm now"},
    )

    # Where each of the service's problems is shown: beside the last of the inputs it is about,
    # unless one of them already shows what is wrong with it.
    FIELD_FOR = {
        "missing_since": ("missing_since_date", "missing_since_time"),
        "last_seen_at": ("last_seen_date", "last_seen_time"),
    }

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "missing_since": _moment(d.get("missing_since_date"), d.get("missing_since_time")),
            "last_seen_at": _moment(d.get("last_seen_date"), d.get("last_seen_time")),
            "last_seen_details": d.get("last_seen_details", ""),
            "circumstances": d.get("circumstances", ""),
            "significant_harm_believed": d.get("significant_harm") == "yes",
        }


# Per step: the labels of the extra fields it asks for (fields not listed are removed).
STEP_FIELDS: dict[str, dict[str, str]] = {
    MissingStep.SEARCHED: {"notes": "Where was searched, and by whom?"},
    MissingStep.CONTACTED: {"notes": "How was the pupil contacted, and was there any reply?"},
    MissingStep.PARENTS_TOLD: {"person": "Who was told?", "notes": "What they said (optional)"},
    MissingStep.POLICE_REPORTED: {
        "police_line": "Which number did you call?",
        "incident_number": "Police incident number",
        "notes": "What the police were told of the checks already made (optional)",
    },
    MissingStep.SOCIAL_WORKER_TOLD: {
        "allocated": "Does the pupil have an allocated social worker?",
        "person": "Name of the social worker told",
        "notes": "Notes (optional)",
    },
    MissingStep.FOUND: {
        "person": "Found by",
        "place": "Where was the pupil found?",
        "notes": "How the pupil seemed, and anything they said (optional)",
    },
    MissingStep.POLICE_TOLD_OF_RETURN: {"notes": "Who at the police was told (optional)"},
    MissingStep.RETURN_INTERVIEW: {
        "person": "Who offered it (optional)",
        "notes": "Notes (optional)",
    },
}
STEP_TIME_LABEL = {
    MissingStep.FOUND: "found",
    MissingStep.RETURN_INTERVIEW: "the return interview was offered",
}


class MissingStepForm(GovukFormMixin, forms.Form):
    done_date = _date_field("Date", what="it was done")
    done_time = _time_field("Time", what="it was done")
    allocated = forms.ChoiceField(
        choices=YES_NO,
        widget=Radios,
        error_messages={"required": "Select yes if the pupil has an allocated social worker"},
    )
    police_line = forms.ChoiceField(
        choices=PoliceLine.choices,
        widget=Radios,
        required=False,
    )
    incident_number = forms.CharField(
        required=False,
        max_length=50,
        help_text="The police give it when the report is made; quote it in every later call",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )
    person = forms.CharField(required=False, max_length=200)
    place = forms.CharField(required=False, max_length=200)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    FIELD_FOR = {"done_at": ("done_date", "done_time")}

    def __init__(self, *args: Any, step: MissingStep, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step = step
        wanted = STEP_FIELDS[step]
        for name in ["allocated", "police_line", "incident_number", "person", "place", "notes"]:
            if name in wanted:
                self.fields[name].label = wanted[name]
            else:
                del self.fields[name]
        what = STEP_TIME_LABEL.get(step, "it was done")
        self.fields["done_date"].label = f"Date {what}" if step in STEP_TIME_LABEL else "Date"
        self.fields["done_time"].label = f"Time {what}" if step in STEP_TIME_LABEL else "Time"
        if step == MissingStep.SOCIAL_WORKER_TOLD:
            # No social worker: nothing else to enter.
            self.fields["done_date"].required = False
            self.fields["done_time"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.step == MissingStep.SOCIAL_WORKER_TOLD and data.get("allocated") == "yes":
            for name, what in [("done_date", "date"), ("done_time", "time")]:
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, f"Enter the {what} the social worker was told")
        return data

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        not_applicable = d.get("allocated") == "no"
        return {
            "done_at": None if not_applicable else _moment(d.get("done_date"), d.get("done_time")),
            "not_applicable": not_applicable,
            "notes": d.get("notes", ""),
            "person": "" if not_applicable else d.get("person", ""),
            "place": d.get("place", ""),
            "police_line": d.get("police_line", ""),
            "incident_number": d.get("incident_number", ""),
        }


class AbsenceStartForm(GovukFormMixin, forms.Form):
    first_day = _date_field("First day of the absence", what="of the first day of the absence")
    contact_attempts = forms.CharField(
        label="How has the school tried to contact the family?",
        help_text=(
            "Parents give at least two emergency contact numbers: say which were called, when, "
            "and any home visit or message, and what happened"
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter how the school tried to contact the family"},
    )
    reason_known = forms.CharField(
        label="What is known of the reason (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    FIELD_FOR: dict[str, tuple[str, ...]] = {}

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "first_day": d.get("first_day"),
            "contact_attempts": d.get("contact_attempts", ""),
            "reason_known": d.get("reason_known", ""),
        }


class AbsenceLaToldForm(GovukFormMixin, forms.Form):
    told_date = _date_field(
        "Date the local authority was told", what="the local authority was told"
    )
    told_time = _time_field(
        "Time the local authority was told", what="the local authority was told"
    )
    whom = forms.CharField(
        label="Who at the local authority was told?",
        max_length=200,
        help_text="Their name and team, for example, Children Missing Education team",
        error_messages={"required": "Enter who at the local authority was told"},
    )
    reference = forms.CharField(
        label="Their reference (optional)",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20"}),
    )

    FIELD_FOR = {"told_at": ("told_date", "told_time")}

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "told_at": _moment(d.get("told_date"), d.get("told_time")),
            "whom": d.get("whom", ""),
            "reference": d.get("reference", ""),
        }


class AbsenceEndForm(GovukFormMixin, forms.Form):
    ended_on = _date_field("The day the absence ended", what="the absence ended")
    reason = forms.CharField(
        label="How did it end?",
        help_text=(
            "For example, the pupil returned to school, or the family moved and a new school "
            "confirmed the pupil is on its roll"
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter how the absence ended"},
    )

    FIELD_FOR: dict[str, tuple[str, ...]] = {}

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"ended_on": d.get("ended_on"), "reason": d.get("reason", "")}
