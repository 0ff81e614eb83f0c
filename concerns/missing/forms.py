"""Forms for reporting a pupil missing, recording the protocol's steps, and continuous absences.

The forms read what was typed (dates, times, choices); the rules (times in order, nothing in the
future, the incident number when the police were called) live in the services (`episodes.py`,
`absences.py`), and the views put its messages next to the fields here.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import from_current_timezone
from django.utils import timezone

from safeguard.forms import GovukFormMixin

from ..models import MissingStep, PoliceLine

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
    """The date and time as typed, in UK time; a time the clocks skipped or repeated that night
    is refused (Django's own check), with what happened in plain words."""
    if day is None or time is None:
        return None
    naive = datetime.datetime.combine(day, time)
    try:
        return from_current_timezone(naive)
    except ValidationError:
        zone = timezone.get_current_timezone()
        first, second = naive.replace(tzinfo=zone), naive.replace(tzinfo=zone, fold=1)
        at = f"{time:%H:%M} on {day:%d/%m/%Y}"
        zero = datetime.timedelta()
        if (second.utcoffset() or zero) > (first.utcoffset() or zero):  # the hour skipped
            raise ValidationError(
                f"There was no {at} in the UK: the clocks went forward an hour that night. "
                "Check the time, and enter it as the clock showed after the change",
                code="no_such_time",
            ) from None
        raise ValidationError(
            f"{at} happened twice in the UK: the clocks went back an hour that night. Enter the "
            "nearest time you are sure of before or after the hour that was repeated",
            code="ambiguous_time",
        ) from None


class MomentsMixin:
    """Each date and time pair (`MOMENTS`) is read as one moment when the form is cleaned; a
    time that did not exist, or happened twice, is shown beside the time."""

    MOMENTS: dict[str, tuple[str, str]]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}  # type: ignore[misc]
        self.moments: dict[str, datetime.datetime | None] = {}
        for name, (date_name, time_name) in self.MOMENTS.items():
            try:
                self.moments[name] = _moment(data.get(date_name), data.get(time_name))
            except ValidationError as error:
                self.moments[name] = None
                self.add_error(time_name, error)  # type: ignore[attr-defined]
        return data

    def moment(self, name: str) -> datetime.datetime | None:
        return getattr(self, "moments", {}).get(name)


def now_initial(prefix: str) -> dict[str, Any]:
    """Today's date and the time now, for a DSL recording what is happening as it happens."""
    now = timezone.localtime()
    return {f"{prefix}_date": now.date(), f"{prefix}_time": now.strftime("%H:%M")}


class MissingStartForm(MomentsMixin, GovukFormMixin, forms.Form):
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

    MOMENTS = {
        "missing_since": ("missing_since_date", "missing_since_time"),
        "last_seen_at": ("last_seen_date", "last_seen_time"),
    }
    # Where each of the service's problems is shown: beside the last of the inputs it is about,
    # unless one of them already shows what is wrong with it.
    FIELD_FOR: dict[str, tuple[str, ...]] = dict(MOMENTS)

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "missing_since": self.moment("missing_since"),
            "last_seen_at": self.moment("last_seen_at"),
            "last_seen_details": d.get("last_seen_details", ""),
            "circumstances": d.get("circumstances", ""),
            "significant_harm_believed": d.get("significant_harm") == "yes",
        }


# Per step: the labels of the extra fields it asks for (fields not listed are removed).
STEP_FIELDS: dict[str, dict[str, str]] = {
    MissingStep.SEARCHED: {"notes": "Where was searched, and by whom?"},
    MissingStep.CONTACTED: {"notes": "How was the pupil contacted, and was there any reply?"},
    MissingStep.PARENTS_TOLD: {
        "told": "Were the parents or carers told?",
        "person": "Who was told?",
        "reason": "If they were not told, why not?",
        "notes": "What they said (optional)",
    },
    MissingStep.POLICE_REPORTED: {
        "called": "Was the pupil reported missing to the police?",
        "police_line": "Which number did you call?",
        "incident_number": "Police incident number",
        "reason": "If the police were not called, why not?",
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
# Per step with a yes/no question: the question's field, the "yes" answer's words for the time,
# and the reason's hint.
STEP_QUESTION: dict[str, tuple[str, str, str]] = {
    MissingStep.PARENTS_TOLD: (
        "told",
        "the parents or carers were told",
        "For example, the pupil was with them",
    ),
    MissingStep.POLICE_REPORTED: (
        "called",
        "the police were called",
        "For example, the pupil was found on the premises within minutes",
    ),
    MissingStep.SOCIAL_WORKER_TOLD: ("allocated", "the social worker was told", ""),
}
STEP_TIME_LABEL = {
    MissingStep.FOUND: "found",
    MissingStep.RETURN_INTERVIEW: "the return interview was offered",
}


class MissingStepForm(MomentsMixin, GovukFormMixin, forms.Form):
    done_date = _date_field("Date", what="it was done")
    done_time = _time_field("Time", what="it was done")
    told = forms.ChoiceField(
        choices=YES_NO,
        widget=Radios,
        error_messages={"required": "Select yes if the parents or carers were told"},
    )
    allocated = forms.ChoiceField(
        choices=YES_NO,
        widget=Radios,
        error_messages={"required": "Select yes if the pupil has an allocated social worker"},
    )
    called = forms.ChoiceField(
        choices=YES_NO,
        widget=Radios,
        error_messages={"required": "Select yes if the pupil was reported missing to the police"},
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
    reason = forms.CharField(
        required=False,
        help_text="For example, the pupil was with them",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    MOMENTS = {"done_at": ("done_date", "done_time")}
    OPTIONAL_FIELDS = ["told", "allocated", "called", "police_line", "incident_number", "person",
                       "place", "reason", "notes"]  # fmt: skip

    def __init__(self, *args: Any, step: MissingStep, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step = step
        wanted = STEP_FIELDS[step]
        for name in self.OPTIONAL_FIELDS:
            if name in wanted:
                self.fields[name].label = wanted[name]
            else:
                del self.fields[name]
        # Where the service's problems are shown: "not done" beside its yes/no question; the
        # missing reason beside the reason. While the question is unanswered, what the "yes"
        # answer needs (the time, who was told, the incident number) is not asked: the question's
        # own error says what to do first.
        self.FIELD_FOR: dict[str, tuple[str, ...]] = dict(self.MOMENTS)
        question = STEP_QUESTION.get(step)
        if question is not None:
            name, _, reason_hint = question
            self.FIELD_FOR |= {
                "not_applicable": (name,),
                "notes": (name, "reason"),
                "done_at": (name, *self.MOMENTS["done_at"]),
                "person": (name, "person"),
                "police_line": (name, "police_line"),
                "incident_number": (name, "incident_number"),
            }
            if "reason" in self.fields:
                self.fields["reason"].help_text = reason_hint
            # "No": no time to enter.
            self.fields["done_date"].required = False
            self.fields["done_time"].required = False
        what = STEP_TIME_LABEL.get(step, "it was done")
        self.fields["done_date"].label = f"Date {what}" if step in STEP_TIME_LABEL else "Date"
        self.fields["done_time"].label = f"Time {what}" if step in STEP_TIME_LABEL else "Time"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        question = STEP_QUESTION.get(self.step)
        if question and data.get(question[0]) == "yes":
            for name, what in [("done_date", "date"), ("done_time", "time")]:
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, f"Enter the {what} {question[1]}")
        return data

    @property
    def not_done(self) -> bool:
        question = STEP_QUESTION.get(self.step)
        d = getattr(self, "cleaned_data", {})
        return question is not None and d.get(question[0]) == "no"

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        not_applicable = self.not_done
        notes = d.get("notes", "")
        if not_applicable and "reason" in self.fields:
            notes = d.get("reason", "")
        called = not not_applicable
        return {
            "done_at": None if not_applicable else self.moment("done_at"),
            "not_applicable": not_applicable,
            "notes": notes,
            "person": "" if not_applicable else d.get("person", ""),
            "place": d.get("place", ""),
            "police_line": d.get("police_line", "") if called else "",
            "incident_number": d.get("incident_number", "") if called else "",
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
    # Where the error summary links a refusal about no field (the absence not yet ended), if set.
    non_field_error_href = ""

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "first_day": d.get("first_day"),
            "contact_attempts": d.get("contact_attempts", ""),
            "reason_known": d.get("reason_known", ""),
        }


class AbsenceLaToldForm(MomentsMixin, GovukFormMixin, forms.Form):
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

    MOMENTS = {"told_at": ("told_date", "told_time")}
    FIELD_FOR: dict[str, tuple[str, ...]] = dict(MOMENTS)

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "told_at": self.moment("told_at"),
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
