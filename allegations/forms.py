"""Forms for allegations against adults and low-level concerns (labels in the seeds' words)."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from safeguard.forms import GovukFormMixin

from .models import Outcome, SubjectType

DATETIME_HINT = "For example, 21/11/2026 14:30"
DATETIME_ERRORS = {"invalid": "Enter the date and time like 21/11/2026 14:30"}
YES_NO = [("yes", "Yes"), ("no", "No")]
# A choice not in the list (someone of another school, say, typed into the page): plain words,
# never Django's "<uuid> is not one of the available choices".
PERSON_NOT_LISTED = "Choose someone from the list"


def _yes(value: str) -> bool:
    return value == "yes"


def _datetime(label: str, *, required: bool = True, hint: str = DATETIME_HINT) -> Any:
    # "Enter the date and time the LADO was contacted": only the label's first letter is lowered.
    what = label[:1].lower() + label[1:]
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=hint,
        error_messages={"required": f"Enter the {what}", **DATETIME_ERRORS},
    )


def _not_future(value: datetime.datetime | None) -> datetime.datetime | None:
    if value and value > timezone.now() + datetime.timedelta(minutes=5):
        raise forms.ValidationError("The date and time must be in the past")
    return value


def _choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def _person_label(person: Any, chair_ids: set[Any]) -> str:
    """Name and job title as their account says; "Chair of Governors" only for the account of
    the chair the school's key roles name."""
    label = person.full_name + (f", {person.job_title}" if person.job_title else "")
    return f"{label} (Chair of Governors)" if person.pk in chair_ids else label


def _people_choices(
    people: list[Any], empty: str, chair_ids: set[Any] | None = None
) -> list[tuple[str, str]]:
    return [("", empty)] + [(str(p.pk), _person_label(p, chair_ids or set())) for p in people]


class _SubjectFields(forms.Form):
    subject_name = forms.CharField(
        label="Name of the adult",
        max_length=150,
        error_messages={"required": "Enter the name of the adult"},
    )
    subject_role = forms.CharField(label="Their role or job", max_length=150, required=False)
    subject_type = forms.ChoiceField(
        label="They are",
        choices=SubjectType.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose who the adult is",
            "invalid_choice": "Choose who the adult is",
        },
    )


class AllegationForm(GovukFormMixin, _SubjectFields):
    # Naming someone as it is recorded: the service's problems with them show beside the question.
    FIELD_FOR: dict[str, tuple[str, ...]] = {
        "user": ("named_user",),
        "capacity": ("named_capacity",),
    }

    subject_user = forms.ChoiceField(
        label="Their account in Safeguard (optional)",
        required=False,
        help_text="If they have one, they can never see this record.",
        error_messages={"invalid_choice": PERSON_NOT_LISTED},
    )
    reported_by_name = forms.CharField(
        label="Reported by", max_length=150, error_messages={"required": "Enter who reported it"}
    )
    reported_by_role = forms.CharField(label="Their role", max_length=150, required=False)
    reported_at = _datetime("Date and time it was reported")
    account = forms.CharField(
        label="What was alleged",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Record what was said, by whom, in their words. Do not investigate before "
        "speaking to the LADO.",
        error_messages={"required": "Enter what was alleged"},
    )
    pupils_involved = forms.CharField(
        label="Pupils involved (optional)",
        max_length=500,
        required=False,
        help_text="Names or initials. This record never appears on a pupil's pages.",
    )
    # Ticked one by one (keyboard and touch alike); `_pupils.html` adds a search box that narrows
    # the list as the handler types.
    pupils = forms.MultipleChoiceField(
        label="Link pupils on the roll (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick each pupil involved.",
        # A pupil not on this school's list (another school's, or one who has gone): never the
        # raw "<uuid> is not one of the available choices".
        error_messages={"invalid_choice": "Choose pupils from this school"},
    )
    named_user = forms.ChoiceField(
        label="Name someone to handle it with you (optional)",
        required=False,
        help_text="Only people with an account here are listed: a deputy headteacher, say, or "
        "a governor. They see the allegation and act on it as you do.",
        error_messages={"invalid_choice": PERSON_NOT_LISTED},
    )
    named_capacity = forms.CharField(
        label="Why they are named (optional)",
        max_length=150,
        required=False,
        help_text="For example, Deputy Headteacher.",
    )

    def __init__(
        self,
        *args: Any,
        people: list[Any],
        pupils: list[Any],
        nameable: list[Any],
        chair_ids: set[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(p.pk): p for p in people}
        self.nameable = {str(p.pk): p for p in nameable}
        self.pupil_objects = {str(p.pk): p for p in pupils}
        _choices(self, "subject_user", _people_choices(people, "No account, or not known"))
        _choices(self, "named_user", _people_choices(nameable, "Nobody else", chair_ids))
        _choices(self, "pupils", [(str(p.pk), p.display_name) for p in pupils])

    def clean_reported_at(self) -> datetime.datetime | None:
        return _not_future(self.cleaned_data.get("reported_at"))

    def clean_subject_user(self) -> Any:
        return self.people.get(self.cleaned_data.get("subject_user") or "")

    def clean_named_user(self) -> Any:
        return self.nameable.get(self.cleaned_data.get("named_user") or "")

    def clean_pupils(self) -> list[Any]:
        return [self.pupil_objects[pk] for pk in self.cleaned_data.get("pupils") or []]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        subject, named = data.get("subject_user"), data.get("named_user")
        if subject is not None and named is not None and subject.pk == named.pk:
            self.add_error("named_user", "The adult it is about cannot be named on it")
        return data

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        named, capacity = data.pop("named_user"), data.pop("named_capacity")
        data["named"] = [(named, capacity)] if named else []
        return data


class LadoForm(GovukFormMixin, forms.Form):
    contacted_at = _datetime("Date and time the LADO was contacted")
    officer = forms.CharField(
        label="LADO officer spoken to",
        max_length=150,
        error_messages={"required": "Enter the name of the LADO officer"},
    )
    reference = forms.CharField(label="LADO reference (optional)", max_length=60, required=False)
    advice = forms.CharField(
        label="LADO advice (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Including whether the police should be involved, and what to say to pupils, "
        "parents and HR.",
    )

    def clean_contacted_at(self) -> datetime.datetime | None:
        return _not_future(self.cleaned_data.get("contacted_at"))


class PoliceForm(GovukFormMixin, forms.Form):
    involved = forms.TypedChoiceField(
        label="Are the police involved?",
        choices=YES_NO,
        coerce=_yes,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no"},
    )
    reference = forms.CharField(
        label="Police reference or crime number (optional)", max_length=60, required=False
    )


class StepForm(GovukFormMixin, forms.Form):
    occurred_at = _datetime("Date and time")
    details = forms.CharField(
        label="What was done",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, advice from HR, a strategy meeting, a decision on suspension.",
        error_messages={"required": "Enter what was done"},
    )

    def clean_occurred_at(self) -> datetime.datetime | None:
        return _not_future(self.cleaned_data.get("occurred_at"))


class OutcomeForm(GovukFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        help_text="A substantiated allegation will be referred to in references. An "
        "unsubstantiated, unfounded, false or malicious one will not be, and nor will a history "
        "of them (KCSIE Part 4).",
        error_messages={"required": "Choose the outcome"},
    )
    outcome_date = forms.DateField(
        label="Date of the outcome",
        help_text="For example, 05/12/2026",
        error_messages={
            "required": "Enter the date of the outcome",
            "invalid": "Enter the date like 05/12/2026",
        },
    )
    notes = forms.CharField(
        label="Notes on the outcome",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter notes on the outcome"},
    )


class NameForm(GovukFormMixin, forms.Form):
    user = forms.ChoiceField(
        label="Person",
        help_text="Only people with an account here are listed.",
        error_messages={"required": "Choose a person", "invalid_choice": PERSON_NOT_LISTED},
    )
    capacity = forms.CharField(
        label="Why they are named (optional)",
        max_length=150,
        required=False,
        help_text="For example, Deputy Headteacher.",
    )

    def __init__(
        self, *args: Any, nameable: list[Any], chair_ids: set[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.nameable = {str(p.pk): p for p in nameable}
        _choices(self, "user", _people_choices(nameable, "Choose a person", chair_ids))

    def clean_user(self) -> Any:
        return self.nameable[self.cleaned_data["user"]]


class ReportForm(GovukFormMixin, _SubjectFields):
    """Any member of staff: a concern about an adult (`003` sections 11 and 13)."""

    level = forms.ChoiceField(
        label="How serious is it?",
        choices=[
            (
                "allegation",
                "They may have harmed a child, committed an offence against or related to a "
                "child, or behaved in a way that suggests they may pose a risk to children",
            ),
            (
                "low_level",
                "A low-level concern: behaviour that does not meet that level but does not fit "
                "the staff code of conduct",
            ),
        ],
        widget=forms.RadioSelect,
        help_text="If you are not sure, choose the first. The person handling it decides.",
        error_messages={"required": "Choose how serious it is"},
    )
    subject_user = forms.ChoiceField(
        label="Their account in Safeguard (optional)",
        required=False,
        help_text="If they have one, choose it: they will never see or be sent what you report, "
        "and it goes to someone else if it would have gone to them.",
        error_messages={"invalid_choice": PERSON_NOT_LISTED},
    )
    happened_at = _datetime(
        "When it happened (optional)", required=False, hint="For example, 21/11/2026 14:30"
    )
    account = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What you saw or heard, where and when, and who else was there. Facts, "
        "in your own words.",
        error_messages={"required": "Describe what happened"},
    )
    governor = forms.ChoiceField(
        label="Also send it in Safeguard to a governor (optional)",
        required=False,
        help_text="Only governors with an account here are listed. It goes to the trust "
        "safeguarding officer either way.",
        error_messages={"invalid_choice": "Choose one of the school's governors listed"},
    )

    def __init__(
        self,
        *args: Any,
        governors: list[Any],
        people: list[Any],
        chair_ids: set[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.governors = {str(p.pk): p for p in governors}
        self.people = {str(p.pk): p for p in people}
        _choices(self, "governor", _people_choices(governors, "Nobody else", chair_ids))
        _choices(self, "subject_user", _people_choices(people, "No account, or not known"))

    def clean_happened_at(self) -> datetime.datetime | None:
        return _not_future(self.cleaned_data.get("happened_at"))

    def clean_subject_user(self) -> Any:
        return self.people.get(self.cleaned_data.get("subject_user") or "")

    def clean_governor(self) -> Any:
        return self.governors.get(self.cleaned_data.get("governor") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("subject_type") != SubjectType.HEADTEACHER:
            # The question is only shown (revealed) for the headteacher: an answer left over from
            # before the reporter changed their mind does not count.
            data["governor"] = None
        return data


class LowLevelForm(GovukFormMixin, _SubjectFields):
    subject_user = forms.ChoiceField(
        label="Their account in Safeguard (optional)",
        required=False,
        help_text="If they have one, they can never see this record.",
        error_messages={"invalid_choice": PERSON_NOT_LISTED},
    )
    observed = forms.CharField(
        label="What was observed",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter what was observed"},
    )
    observed_at = _datetime("Date and time it happened")
    reported_by_name = forms.CharField(
        label="Reported by", max_length=150, error_messages={"required": "Enter who reported it"}
    )
    reported_by_role = forms.CharField(label="Their role", max_length=150, required=False)
    reported_at = _datetime(
        "Date and time it was reported (optional)", required=False, hint="Leave empty for now."
    )

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(p.pk): p for p in people}
        _choices(self, "subject_user", _people_choices(people, "No account, or not known"))

    def clean_observed_at(self) -> datetime.datetime | None:
        return _not_future(self.cleaned_data.get("observed_at"))

    def clean_reported_at(self) -> datetime.datetime | None:
        return _not_future(self.cleaned_data.get("reported_at"))

    def clean_subject_user(self) -> Any:
        return self.people.get(self.cleaned_data.get("subject_user") or "")


class ResponseForm(GovukFormMixin, forms.Form):
    response = forms.CharField(
        label="Your response",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example, a conversation with the adult, a reminder of the code of "
        "conduct, training.",
        error_messages={"required": "Enter the response"},
    )
