"""Forms of the roll kept by hand: a pupil's details, a leaver, a leaving undone (docs/adr/0022).

Every rule is the service's (`roll.services.pupil_problems`), asked here too so each
problem shows beside its field at once; the service asks again when saving.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import timezone

from safeguard.forms import GovukDatesMixin, GovukFormMixin
from schools.characteristics import ETHNICITY_MAIN
from schools.models import Gender, Pupil, School, SenProvision, YearGroup, search_key

from . import rules
from .selectors import pupil_duplicates_for
from .services import ROLL_FIELDS, pupil_problems

NOT_RECORDED = "not_recorded"
YES_NO = [("yes", "Yes"), ("no", "No"), (NOT_RECORDED, "Not recorded")]
_YES_NO_VALUES = {"yes": True, "no": False, NOT_RECORDED: None, "": None}
_NUL_MESSAGE = "Remove the unusual character (a null character) from this answer"


def _text(
    label: str, max_length: int, *, required: str = "", help_text: str = "", width: str = ""
) -> forms.CharField:
    field = forms.CharField(
        label=label,
        required=bool(required),
        help_text=help_text,
        error_messages={
            "required": required,
            "max_length": f"{label} must be {max_length} characters or fewer",
        },
        widget=forms.TextInput(attrs={"class": width} if width else {}),
    )
    # Checked in clean(), so a 1 MB answer is told once, briefly, and never stored.
    field.max_length_limit = max_length  # type: ignore[attr-defined]
    field.validators = [ProhibitNullCharactersValidator(message=_NUL_MESSAGE)]
    return field


def _yes_no(label: str, help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=YES_NO,
        required=False,
        # A new pupil starts at "Not recorded", as gender and SEN provision do.
        initial=NOT_RECORDED,
        help_text=help_text,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose yes, no or not recorded"},
    )


def _choices_or_not_recorded(
    label: str, choices: list[tuple[str, str]], help_text: str = ""
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[*choices, ("", "Not recorded")],
        required=False,
        help_text=help_text,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": f"Choose one of the answers for {label.lower()}"},
    )


class PupilForm(GovukDatesMixin, GovukFormMixin, forms.Form):
    """A pupil's details as the roll keeps them (add and change)."""

    dates = {"date_of_birth": "the date of birth", "joined_on": "the date the pupil joined"}
    OWN_DATE_RANGE = ("date_of_birth", "joined_on")  # the roll's own rules (roll/rules.py)
    # Where a service's problem with a date shows: on its first box (as `clean` puts it).
    FIELD_FOR: dict[str, tuple[str, ...]] = {
        "date_of_birth": ("date_of_birth_day",),
        "joined_on": ("joined_on_day",),
    }

    legal_first_name = _text("Legal first name", 100, required="Enter the pupil's legal first name")
    legal_middle_names = _text("Legal middle names", 150)
    legal_last_name = _text("Legal last name", 100, required="Enter the pupil's legal last name")
    preferred_first_name = _text(
        "Preferred first name",
        100,
        help_text="Only if the pupil is known by a different first name",
    )
    preferred_last_name = _text(
        "Preferred last name", 100, help_text="Only if the pupil is known by a different last name"
    )
    different_child = forms.BooleanField(
        label="I have checked: this is a different child", required=False
    )
    date_of_birth_day, date_of_birth_month, date_of_birth_year = GovukDatesMixin.date_fields(
        "date_of_birth"
    ).values()
    upn = _text(
        "Unique pupil number (UPN)",
        100,
        help_text="13 characters, from the MIS, like H820200100001. Leave it blank if not known",
        width="govuk-input--width-20",
    )
    admission_number = _text(
        "Admission number",
        20,
        help_text="The school's own number for the pupil, if it uses one",
        width="govuk-input--width-10",
    )
    year_group = forms.ChoiceField(
        label="Year group",
        choices=[("", "Choose a year group"), *YearGroup.choices],
        error_messages={
            "required": "Choose the pupil's year group",
            "invalid_choice": "Choose the pupil's year group",
        },
    )
    registration_group = _text(
        "Registration group",
        20,
        help_text="The form or class, like 7B",
        width="govuk-input--width-10",
    )
    joined_on_day, joined_on_month, joined_on_year = GovukDatesMixin.date_fields(
        "joined_on"
    ).values()
    gender = _choices_or_not_recorded("Gender", list(Gender.choices))
    ethnicity = _text(
        "Ethnicity",
        100,
        help_text="The DfE ethnicity code from the MIS, like WBRI. Leave it blank if not recorded",
        width="govuk-input--width-5",
    )
    sen_provision = _choices_or_not_recorded(
        "Special educational needs (SEN) provision", list(SenProvision.choices)
    )
    fsm_eligible = _yes_no("Eligible for free school meals")
    pupil_premium = _yes_no("Pupil premium")
    looked_after = _yes_no(
        "Looked after",
        help_text="As the MIS records it. The DSL keeps a looked-after status in the pupil's "
        "safeguarding records",
    )

    def __init__(self, *args: Any, school: School, pupil: Pupil | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.school, self.pupil = school, pupil
        self.duplicates: Any = None
        for name in ("upn", "ethnicity"):
            self.fields[name].widget.attrs.update({"spellcheck": "false", "autocomplete": "off"})
        for name in ("legal_first_name", "legal_last_name", "legal_middle_names"):
            self.fields[name].widget.attrs.update({"spellcheck": "false", "autocomplete": "off"})

    @classmethod
    def initial_for(cls, pupil: Pupil) -> dict[str, Any]:
        """The form's answers for a pupil already on the roll."""

        initial: dict[str, Any] = {}
        for name in ROLL_FIELDS:
            value = getattr(pupil, name)
            if name in cls.dates:
                initial.update(cls.date_initial(name, value))
            elif isinstance(value, bool) or (value is None and name in _BOOLEANS):
                initial[name] = {True: "yes", False: "no", None: NOT_RECORDED}[value]
            else:
                initial[name] = value
        return initial

    @property
    def date_of_birth(self) -> dict[str, Any]:
        return self.date_input("date_of_birth")

    @property
    def joined_on(self) -> dict[str, Any]:
        return self.date_input("joined_on")

    @property
    def ethnicity_codes(self) -> list[tuple[str, str]]:
        return list(ETHNICITY_MAIN.items())

    def clean(self) -> dict[str, Any]:

        data: dict[str, Any] = super().clean() or {}
        for name, field in self.fields.items():
            limit = getattr(field, "max_length_limit", None)
            if limit and len(data.get(name) or "") > limit:
                self.add_error(name, field.error_messages["max_length"])
        self.clean_dates(data)
        for name in _BOOLEANS:
            data[name] = _YES_NO_VALUES.get(data.get(name) or "", None)
        # The service's rules run even when a field is already wrong, so every problem shows at
        # once; a field already marked keeps its first message.
        fields = self.service_fields(data)
        problems = pupil_problems(
            school=self.school,
            fields=fields,
            pupil=self.pupil,
            different_child=data.get("different_child", False)
            or not self._name_or_birth_changed(fields),
        )
        for field_name, message in problems.items():
            shown_at = self.FIELD_FOR.get(field_name, (field_name,))[-1]
            if shown_at not in self.errors and field_name not in self.date_faults:
                self.add_error(shown_at, message)
        if problems:
            self._find_duplicates(fields)
        return data

    def _name_or_birth_changed(self, fields: dict[str, Any]) -> bool:
        if self.pupil is None:
            return True

        return (
            search_key(fields["legal_first_name"] or "") != search_key(self.pupil.legal_first_name)
            or search_key(fields["legal_last_name"] or "") != search_key(self.pupil.legal_last_name)
            or fields["date_of_birth"] != self.pupil.date_of_birth
        )

    def _find_duplicates(self, fields: dict[str, Any]) -> None:
        """The pupils the duplicate messages name, so the page can link to them."""

        self.duplicates = pupil_duplicates_for(
            school=self.school,
            upn=fields.get("upn") or "",
            legal_first_name=fields.get("legal_first_name") or "",
            legal_last_name=fields.get("legal_last_name") or "",
            date_of_birth=fields.get("date_of_birth"),
            exclude=self.pupil,
        )

    @property
    def name_duplicate(self) -> Pupil | None:
        if self.duplicates and "different_child" in self.errors:
            return next(iter(self.duplicates.same_name_and_birth), None)
        return None

    @property
    def upn_duplicate(self) -> Pupil | None:
        if self.duplicates and "upn" in self.errors:
            return self.duplicates.upn
        return None

    @property
    def ask_different_child(self) -> bool:
        """Show the checkbox once a namesake was found (or it was ticked already)."""
        return self.name_duplicate is not None or bool(self.data.get("different_child"))

    def service_fields(self, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """What `pupil_add` and `pupil_update` take."""

        data = self.cleaned_data if data is None else data
        return {name: data.get(name) for name in ROLL_FIELDS} | {
            name: data.get(name) or "" for name in _TEXT_FIELDS
        }


_BOOLEANS = ("fsm_eligible", "pupil_premium", "looked_after")
_TEXT_FIELDS = (
    "legal_middle_names",
    "preferred_first_name",
    "preferred_last_name",
    "upn",
    "admission_number",
    "registration_group",
    "gender",
    "ethnicity",
    "sen_provision",
)


class DestinationKind:
    SCHOOL = "school"
    HOME_EDUCATION = "home_education"
    ABROAD = "abroad"
    OTHER = "other"
    NOT_KNOWN = "not_known"


DESTINATIONS = [
    (DestinationKind.SCHOOL, "Another school"),
    (DestinationKind.HOME_EDUCATION, "Elective home education"),
    (DestinationKind.ABROAD, "Moved abroad"),
    (DestinationKind.OTHER, "Somewhere else"),
    (DestinationKind.NOT_KNOWN, "Not known"),
]
_DESTINATION_WORDS = dict(DESTINATIONS)
# Answers whose words the person types (the new school's name, somewhere else).
_NAMED = (DestinationKind.SCHOOL, DestinationKind.OTHER)


class LeaverForm(GovukDatesMixin, GovukFormMixin, forms.Form):
    """When the pupil left (or will leave) and where they went."""

    dates = {"left_on": "the leaving date"}
    OWN_DATE_RANGE = ("left_on",)  # the roll's own rules say which dates (roll/rules.py)
    # Where a service's problem shows: the date on its first box, the words on the choice.
    FIELD_FOR: dict[str, tuple[str, ...]] = {
        "left_on": ("left_on_day",),
        "leaving_destination": ("destination",),
    }

    left_on_day, left_on_month, left_on_year = GovukDatesMixin.date_fields("left_on").values()
    destination = forms.ChoiceField(
        label="Where did the pupil go?",
        choices=DESTINATIONS,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose where the pupil went",
            "invalid_choice": "Choose where the pupil went",
        },
    )
    new_school = _text(
        "Name of the new school", 200, help_text="And its town, like Oak Academy, Chelmsford"
    )
    other_destination = _text("Where the pupil went", 200)

    def __init__(self, *args: Any, pupil: Pupil, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pupil = pupil

    @property
    def left_on(self) -> dict[str, Any]:
        return self.date_input("left_on")

    @classmethod
    def initial_for(cls, pupil: Pupil) -> dict[str, Any]:
        """A leaver's date and, when it was one of the listed answers, where they went."""
        initial = cls.date_initial("left_on", pupil.left_on)
        kinds = {words: kind for kind, words in DESTINATIONS if kind not in _NAMED}
        if pupil.leaving_destination in kinds:
            initial["destination"] = kinds[pupil.leaving_destination]
        return initial

    def clean(self) -> dict[str, Any]:

        data: dict[str, Any] = super().clean() or {}
        for name, field in self.fields.items():
            limit = getattr(field, "max_length_limit", None)
            if limit and len(data.get(name) or "") > limit:
                self.add_error(name, field.error_messages["max_length"])
        self.clean_dates(data)
        kind = data.get("destination")
        if kind == DestinationKind.SCHOOL and not (data.get("new_school") or "").strip():
            self.add_error("new_school", "Enter the name of the new school")
        if kind == DestinationKind.OTHER and not (data.get("other_destination") or "").strip():
            self.add_error("other_destination", "Enter where the pupil went")
        if data.get("left_on") is not None and "left_on_day" not in self.errors:
            problem = rules.left_on_problem(
                data["left_on"], joined_on=self.pupil.joined_on, today=timezone.localdate()
            )
            if problem:
                self.add_error("left_on_day", problem)
        return data

    def leaving_destination(self) -> str:
        """Where the pupil went, in words, as the roll keeps it."""
        data = self.cleaned_data
        kind = data["destination"]
        if kind == DestinationKind.SCHOOL:
            return " ".join(data["new_school"].split())
        if kind == DestinationKind.OTHER:
            return " ".join(data["other_destination"].split())
        return _DESTINATION_WORDS[kind]
