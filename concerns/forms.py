"""Forms for Part 1 (staff), Part 2 (DSL), addenda, body map marks, files and actions.

Labels and hints use the words of Appendix 3 of `shared/seeds/002_...txt`.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from safeguard.forms import DATE_PARTS, GovukFormMixin, read_date_parts

from .content import DSL_FIELDS
from .models import (
    PART_1_TEXT_FIELDS,
    BodySide,
    CpFileDecision,
    DslAction,
    LevelOfNeed,
    ReviewOutcome,
)

YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


# The incident's date as GOV.UK's date input says it (one message for the date, its boxes at
# fault marked: safeguard.forms.read_date_parts).
INCIDENT_DATE = "date of incident"
INCIDENT_PARTS = {"day": "incident_day", "month": "incident_month", "year": "incident_year"}
# No pupil on a roll was born before 2000: an incident before then is a mistyped year.
EARLIEST_INCIDENT = datetime.date(2000, 1, 1)


def _incident_part(label: str) -> forms.CharField:
    field = forms.CharField(label=label, required=False, max_length=None, strip=True)
    field.validators = []  # the whole date is checked together in clean()
    return field


class ConcernDraftForm(GovukFormMixin, forms.Form):
    """Part 1. Everything is optional while drafting; `concern_problems` decides on submit."""

    incident_day = _incident_part("Day")
    incident_month = _incident_part("Month")
    incident_year = _incident_part("Year")
    incident_time = forms.TimeField(
        required=False,
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        error_messages={"invalid": "Enter the time as hours and minutes, like 14:30"},
    )
    location = forms.CharField(
        label="Where did it happen?",
        required=False,
        max_length=200,
        help_text="For example, the playground, Year 5 classroom, on the school bus",
    )
    reason_for_recording = forms.CharField(
        label="Note the reason(s) for recording the incident",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    account = forms.CharField(
        label="Record the following factually",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            "Who? What (if recording a verbal disclosure by a child use their words)? Where? "
            "When (date and time of incident)? Any witnesses?"
        ),
    )
    professional_opinion = forms.CharField(
        label="Professional opinion where relevant",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="How and why might this have happened?",
    )
    actions_taken = forms.CharField(
        label="Note actions, including names of anyone to whom your information was passed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    other_information = forms.CharField(
        label="Any other relevant information",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Distinguish between fact and opinion.",
    )
    immediate_danger = forms.ChoiceField(
        label="Is a child in immediate danger?",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )

    @classmethod
    def initial_for(cls, concern: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {f: getattr(concern, f) for f in PART_1_TEXT_FIELDS}
        if concern.incident_at:
            local = timezone.localtime(concern.incident_at)
            initial.update(
                incident_day=local.day,
                incident_month=local.month,
                incident_year=local.year,
                incident_time=local.strftime("%H:%M"),
            )
        if concern.immediate_danger is not None:
            initial["immediate_danger"] = "yes" if concern.immediate_danger else "no"
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["incident_at"] = self._incident_at(data)
        return data

    @property
    def incident_faults(self) -> tuple[str, ...]:
        """The boxes of the incident's date marked wrong (the message sits beside the date)."""
        return cast(tuple[str, ...], self.__dict__.get("_incident_faults", ()))

    @property
    def incident_date_errors(self) -> list[str]:
        """The date's one message (on whichever of its boxes is first at fault)."""
        return [str(e) for name in INCIDENT_PARTS.values() for e in self.errors.get(name, [])][:1]

    def _date_error(self, message: str, faults: tuple[str, ...]) -> None:
        """One message for the date, on its first box at fault (where the summary links)."""
        self.__dict__["_incident_faults"] = faults
        self.add_error(INCIDENT_PARTS[faults[0]], message)

    def _incident_at(self, data: dict[str, Any]) -> datetime.datetime | None:
        """The incident's date and time as one moment, if given; if given wrong, None, and one
        message beside the date (GOV.UK's words) or the time."""
        parts = [str(data.get(INCIDENT_PARTS[p]) or "") for p in ("day", "month", "year")]
        time = data.get("incident_time")
        if not any(parts) and time is None and "incident_time" not in self.errors:
            return None
        typed = read_date_parts(parts[0], parts[1], parts[2], what=INCIDENT_DATE)
        if typed.value is None:
            self._date_error(typed.message, typed.faulty)
            return None
        date = typed.value
        if date < EARLIEST_INCIDENT:
            self._date_error(
                "Date of incident must be the same as or after 1 January 2000", ("year",)
            )
            return None
        if date > timezone.localdate():
            self._date_error("Date of incident must be today or in the past", DATE_PARTS)
            return None
        if time is None:
            if "incident_time" not in self.errors:  # typed wrong: its own error says so
                self.add_error("incident_time", "Enter the time of the incident, like 14:30")
            return None
        moment = timezone.make_aware(datetime.datetime.combine(date, time))
        if moment > timezone.now() + datetime.timedelta(minutes=5):
            self.add_error("incident_time", "Time of incident must be in the past")
            return None
        return moment

    def _incident_left_empty(self) -> bool:
        names = ["incident_day", "incident_month", "incident_year", "incident_time"]
        return all(name in self.data for name in names) and not any(
            str(self.data.get(name, "")).strip() for name in names
        )

    def draft_values(self) -> dict[str, Any]:
        """What can be saved of this (possibly partly invalid) form: every valid field."""
        values: dict[str, Any] = {}
        cleaned = getattr(self, "cleaned_data", {})
        for field in PART_1_TEXT_FIELDS:
            if field in cleaned:
                values[field] = cleaned[field]
        if cleaned.get("incident_at") is not None:
            values["incident_at"] = cleaned["incident_at"]
        elif self._incident_left_empty():
            values["incident_at"] = None  # the reporter cleared the date and time
        if "immediate_danger" in cleaned:
            values["immediate_danger"] = _yes_no(cleaned["immediate_danger"])
        return values


class BodyMarkForm(GovukFormMixin, forms.Form):
    side = forms.ChoiceField(choices=BodySide.choices, widget=forms.RadioSelect, label="Side")
    x = forms.DecimalField(min_value=0, max_value=100, decimal_places=2, widget=forms.HiddenInput)
    y = forms.DecimalField(min_value=0, max_value=100, decimal_places=2, widget=forms.HiddenInput)
    region = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)
    description = forms.CharField(
        label="What did you see?",
        max_length=500,
        help_text="Describe the mark factually: size, colour, shape. Do not guess its cause.",
        error_messages={"required": "Describe what you saw at this mark"},
    )
    pupil = forms.UUIDField(required=False, widget=forms.HiddenInput)

    # How to choose is said above the drawing; the message says what is missing.
    WHERE = "Choose where on the body the mark is"

    def clean(self) -> dict[str, Any]:
        """Where the mark is (its side and spot, set together by the drawing) has one message,
        beside the drawing; what was seen has its own, beside its box."""
        data = super().clean() or {}
        if any(name in self.errors for name in ("side", "x", "y")):
            for name in ("side", "x", "y"):
                self.errors.pop(name, None)
            self.add_error("x", self.WHERE)
        return data


class AttachmentForm(GovukFormMixin, forms.Form):
    file = forms.FileField(
        label="Add a photo or document",
        help_text=(
            "A JPG or PNG photo, or a PDF, smaller than 10MB. "
            "Location and camera details are removed from photos."
        ),
        error_messages={"required": "Select a file", "empty": "The selected file is empty"},
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )


class AddendumForm(GovukFormMixin, forms.Form):
    text = forms.CharField(
        label="What do you need to add?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "The concern you submitted does not change. This is added beneath it, signed and dated."
        ),
        error_messages={"required": "Enter the information to add"},
    )


class DslRecordForm(GovukFormMixin, forms.Form):
    """Part 2, for the Designated Safeguarding Lead."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    received_from = forms.CharField(
        label="Time and date information received by DSL, and from whom",
        max_length=300,
        required=False,
    )
    actions = forms.MultipleChoiceField(
        label="Action taken",
        choices=DslAction.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
    )
    action_reasons = forms.CharField(
        label="Reasons for the action taken",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    action_details = forms.CharField(
        label="Note time, date, names, who information shared with and when",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    level_of_need = forms.ChoiceField(
        label="Level of need (Windscreen of Need)",
        choices=LevelOfNeed.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    level_of_need_reason = forms.CharField(
        label="Reasons for the level of need",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    parents_informed = forms.ChoiceField(
        label="Parents informed?", choices=YES_NO, required=False, widget=forms.RadioSelect
    )
    parents_informed_reason = forms.CharField(
        label="Reasons",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Give the reasons whether or not parents were informed.",
    )
    outcome = forms.CharField(
        label="Outcome", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome_given_by = forms.CharField(
        label="Record names of individuals/agencies who have given information regarding outcome",
        required=False,
        max_length=300,
    )
    information_held_elsewhere = forms.CharField(
        label="Where can additional information regarding child/incident be found?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example, the pupil file or the serious incident book.",
    )
    cp_file_decision = forms.ChoiceField(
        label="Should a concern/confidential file be commenced if there is not already one?",
        choices=CpFileDecision.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    cp_file_reason = forms.CharField(
        label="Why?", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def initial_for(cls, record: Any) -> dict[str, Any]:
        initial = {f: getattr(record, f) for f in DSL_FIELDS}
        initial["version"] = record.version
        if record.parents_informed is not None:
            initial["parents_informed"] = "yes" if record.parents_informed else "no"
        return initial

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["parents_informed"] = _yes_no(data.get("parents_informed"))
        return data


class AdviceForm(GovukFormMixin, forms.Form):
    sought_at = forms.DateTimeField(
        label="Date and time",
        help_text="For example, 21/11/2026 14:30",
        error_messages={
            "required": "Enter the date and time advice was sought",
            "invalid": "Enter the date and time like 21/11/2026 14:30",
        },
    )
    name = forms.CharField(max_length=150, error_messages={"required": "Enter the name"})
    role = forms.CharField(max_length=150, error_messages={"required": "Enter their role"})
    organisation = forms.CharField(
        max_length=200, error_messages={"required": "Enter their organisation"}
    )
    advice = forms.CharField(
        label="Advice given",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the advice given"},
    )

    def clean_sought_at(self) -> datetime.datetime:
        value = self.cleaned_data["sought_at"]
        if value > timezone.now() + datetime.timedelta(minutes=5):
            raise forms.ValidationError("The date and time must be in the past")
        return value


class ActionForm(GovukFormMixin, forms.Form):
    description = forms.CharField(
        label="What needs doing?",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter what needs doing"},
    )
    owner = forms.ChoiceField(
        label="Who will do it?", error_messages={"required": "Choose who will do it"}
    )
    due_on = forms.DateField(
        label="Due by",
        help_text="For example, 27/11/2026",
        error_messages={
            "required": "Enter the date it is due",
            "invalid": "Enter the date like 27/11/2026",
        },
    )

    def __init__(self, *args: Any, owners: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owners = {str(u.pk): u for u in owners}
        cast(forms.ChoiceField, self.fields["owner"]).choices = [("", "Choose a person")] + [
            (str(u.pk), f"{u.full_name} ({u.job_title})" if u.job_title else u.full_name)
            for u in owners
        ]

    def clean_due_on(self) -> datetime.date:
        value = self.cleaned_data["due_on"]
        if value < timezone.localdate():
            raise forms.ValidationError("The due date must be today or in the future")
        return value

    def clean_owner(self) -> Any:
        return self.owners[self.cleaned_data["owner"]]


class ActionDoneForm(GovukFormMixin, forms.Form):
    done_note = forms.CharField(
        label="What was done?",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter what was done"},
    )


class ReassessmentReviewForm(GovukFormMixin, forms.Form):
    """The DSL's review of the whole picture: a decision and its reasons (both required)."""

    outcome = forms.ChoiceField(
        label="What have you decided?",
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the decision of your review",
            "invalid_choice": "Choose the decision of your review",
        },
    )
    reasons = forms.CharField(
        label="Reasons for your decision",
        help_text=(
            "Say what you looked at (the chronology, concerns, referrals and their outcomes) and "
            "why this is the right action now. Any challenge to another agency's decision goes "
            "here too."
        ),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Enter the reasons for your decision",
            "max_length": "The reasons must be 10,000 characters or fewer",
        },
    )

    def clean_reasons(self) -> str:
        value = self.cleaned_data["reasons"].strip()
        if not value:
            raise forms.ValidationError("Enter the reasons for your decision")
        return value
