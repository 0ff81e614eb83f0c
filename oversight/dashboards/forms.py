"""The dashboards' filters: a date range and a group of pupils (both dashboards), the schools and
the characteristic to break down by school (the trust's)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from oversight.dashboards.pupil_groups import CHARACTERISTICS, GROUPS, PupilGroup, group_choices
from safeguard.forms import GovukFormMixin

EARLIEST = datetime.date(2000, 1, 1)
LONGEST = datetime.timedelta(days=5 * 366)  # five years: longer ranges say little and read slowly
AHEAD = datetime.timedelta(days=366)  # a term can end in the future; a year ahead is the most


def period_problems(
    start: datetime.date | None,
    end: datetime.date | None,
    *,
    earliest: datetime.date = EARLIEST,
    future_start: bool = False,
) -> dict[str, str]:
    """What is wrong with a dashboard's dates, by field ("start", "end"; empty when nothing is):
    the rules of the dashboards' filter and of the API's figures alike."""
    problems: dict[str, str] = {}
    today = timezone.localdate()
    earliest_words = f"{earliest.day} {earliest:%B %Y}"
    if start and start < earliest:
        problems["start"] = f"Enter a first day on or after {earliest_words}"
    if start and start > today and not future_start:
        problems["start"] = "The first day must be today or in the past"
    latest = today + AHEAD
    if end and end < earliest:
        problems["end"] = f"Enter a last day on or after {earliest_words}"
    elif end and end > latest:
        problems["end"] = f"Enter a last day no later than {latest.day} {latest:%B %Y}"
    elif start and end and end < start:
        problems["end"] = "The last day must be the same as or after the first day"
    elif start and end and end - start > LONGEST:
        problems["end"] = "Choose a range of five years or less"
    return problems


class PeriodForm(GovukFormMixin, forms.Form):
    """From and to dates, both included; left empty, the dashboard shows this term."""

    earliest = EARLIEST
    future_start = False  # a person choosing dates starts with a day that has happened
    # Narrower than the product's range for any date, and said more plainly (`clean`).
    OWN_DATE_RANGE = ("start", "end")

    start = forms.DateField(
        label="From",
        required=False,
        help_text="For example, 1/9/2026",
        error_messages={"invalid": "Enter the first day like 1/9/2026"},
        widget=forms.DateInput(attrs={"class": "govuk-input--width-10"}),
    )
    end = forms.DateField(
        label="To",
        required=False,
        help_text="For example, 20/11/2026",
        error_messages={"invalid": "Enter the last day like 20/11/2026"},
        widget=forms.DateInput(attrs={"class": "govuk-input--width-10"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        problems = period_problems(
            data.get("start"),
            data.get("end"),
            earliest=self.earliest,
            future_start=self.future_start,
        )
        for name, message in problems.items():
            self.add_error(name, message)
        return data

    def dates(self) -> tuple[datetime.date | None, datetime.date | None]:
        """The chosen dates once valid (None for either left empty, or for an invalid form)."""
        if not self.is_valid():
            return None, None
        return self.cleaned_data.get("start"), self.cleaned_data.get("end")


def _pupils_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Pupils",
        required=False,
        choices=group_choices,
        help_text="Count only the concerns about pupils in this group (and their files, "
        "referrals, actions and reviews)",
        error_messages={"invalid_choice": "Choose a group of pupils from the list"},
    )


class SchoolFilterForm(PeriodForm):
    """The school dashboard's dates and group of pupils."""

    pupils = _pupils_field()

    def __init__(self, *args: Any, groups: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not groups:  # the governor's page: never narrowed to a group of pupils
            del self.fields["pupils"]

    def pupil_group(self) -> PupilGroup | None:
        """The group chosen once valid (None: all pupils, or an invalid form)."""
        if not self.is_valid():
            return None
        return GROUPS.get(self.cleaned_data.get("pupils") or "")


class LinkPeriodForm(PeriodForm):
    """The dates of a link from a dashboard (the drill-down's): its period, or the period before
    it, which can start up to five years before the earliest first day a dashboard accepts."""

    earliest = EARLIEST - LONGEST - datetime.timedelta(days=1)
    future_start = True  # "To 30/6/2027" alone is the summer term, from 1 April 2027


class TrustFilterForm(PeriodForm):
    """The date range and which of the trust's schools to show (none ticked: all of them)."""

    school = forms.TypedMultipleChoiceField(
        label="Schools",
        required=False,
        coerce=int,
        help_text="Leave them all unticked to see every school",
        error_messages={"invalid_choice": "Choose schools from the list"},
        widget=forms.CheckboxSelectMultiple,
    )

    pupils = _pupils_field()
    by = forms.ChoiceField(
        label="Concerns by pupil characteristic",
        required=False,
        choices=[("", "Not shown"), *CHARACTERISTICS.items()],
        help_text="The tables of pupils and concerns by characteristic, for the schools shown "
        "together and for each school by the characteristic chosen (for a whole trust they take "
        "a second or so longer)",
        error_messages={"invalid_choice": "Choose a characteristic from the list"},
    )

    def __init__(self, *args: Any, schools: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = schools  # type: ignore[attr-defined]

    def pupil_group(self) -> PupilGroup | None:
        """The group chosen once valid (None: all pupils, or an invalid form)."""
        if not self.is_valid():
            return None
        return GROUPS.get(self.cleaned_data.get("pupils") or "")

    def characteristic(self) -> str | None:
        """The characteristic each school's breakdown is by (None: no breakdown, or invalid)."""
        if not self.is_valid():
            return None
        return self.cleaned_data.get("by") or None

    def school_ids(self) -> list[int] | None:
        """The schools ticked (None: all of them, or the form is invalid)."""
        if not self.is_valid():
            return None
        return list(self.cleaned_data.get("school") or []) or None
