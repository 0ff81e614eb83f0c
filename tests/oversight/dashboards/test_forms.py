"""The dashboards' filters (oversight/dashboards/forms.py): dates checked on the server, in the
order a person types them, and the trust's schools only."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.utils import timezone

from oversight.dashboards.forms import PeriodForm, TrustFilterForm

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    moment = datetime.datetime(2026, 11, 20, 12, tzinfo=timezone.get_default_timezone())
    with time_machine.travel(moment, tick=False):
        yield


def _errors(form: PeriodForm) -> dict[str, list[str]]:
    form.is_valid()
    return {k: [str(e) for e in v] for k, v in form.errors.items()}


def test_empty_dates_mean_this_term() -> None:
    form = PeriodForm({})
    assert form.is_valid()
    assert form.dates() == (None, None)
    assert PeriodForm({"start": "", "end": ""}).dates() == (None, None)


def test_an_unbound_form_gives_no_dates_and_no_errors() -> None:
    form = PeriodForm()
    assert form.dates() == (None, None)
    assert not form.errors


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("1/9/2026", datetime.date(2026, 9, 1)),  # day first, as people in England write it
        ("01/09/2026", datetime.date(2026, 9, 1)),
        ("2026-09-01", datetime.date(2026, 9, 1)),  # as the drill-down links carry it
        ("20/11/2026", TODAY),
    ],
)
def test_dates_are_read_day_first(typed: str, day: datetime.date) -> None:
    form = PeriodForm({"start": typed, "end": "20/11/2026"})
    assert form.dates() == (day, TODAY)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"start": "2/10/2026", "end": "1/10/2026"},
            {"end": ["The last day must be the same as or after the first day"]},
        ),
        ({"start": "31/2/2026"}, {"start": ["Enter the first day like 1/9/2026"]}),
        ({"start": "yesterday"}, {"start": ["Enter the first day like 1/9/2026"]}),
        ({"end": "11/31/2026"}, {"end": ["Enter the last day like 20/11/2026"]}),
        ({"start": "21/11/2026"}, {"start": ["The first day must be today or in the past"]}),
        ({"start": "31/12/1999"}, {"start": ["Enter a first day on or after 1 January 2000"]}),
        ({"end": "1/1/0001"}, {"end": ["Enter a last day on or after 1 January 2000"]}),
        ({"end": "31/12/9999"}, {"end": ["Enter a last day no later than 21 November 2027"]}),
        ({"end": "9999-12-31"}, {"end": ["Enter a last day no later than 21 November 2027"]}),
        (
            {"start": "1/1/2020", "end": "20/11/2026"},
            {"end": ["Choose a range of five years or less"]},
        ),
    ],
)
def test_bad_dates_are_refused_beside_their_field(
    data: dict[str, str], expected: dict[str, list[str]]
) -> None:
    form = PeriodForm(data)
    assert _errors(form) == expected
    assert form.dates() == (None, None)


def test_the_same_day_twice_and_today_are_allowed() -> None:
    assert PeriodForm({"start": "20/11/2026", "end": "20/11/2026"}).dates() == (TODAY, TODAY)
    # Five years to the day is allowed (five years of 366 days at most).
    five = PeriodForm({"start": "20/11/2021", "end": "20/11/2026"})
    assert five.dates() == (datetime.date(2021, 11, 20), TODAY)


def test_one_date_alone_is_kept_for_the_dashboard_to_complete() -> None:
    assert PeriodForm({"start": "1/10/2026"}).dates() == (datetime.date(2026, 10, 1), None)
    assert PeriodForm({"end": "1/10/2026"}).dates() == (None, datetime.date(2026, 10, 1))


def test_the_inputs_have_govuk_classes_and_errors_mark_them() -> None:
    form = PeriodForm({"start": "nonsense"})
    form.is_valid()
    start = str(form["start"])
    assert "govuk-input" in start
    assert "govuk-input--error" in start
    assert 'aria-describedby="id_start-hint id_start-error"' in start
    assert "govuk-input--error" not in str(form["end"])


SCHOOLS = [(1, "Alpha School"), (3, "Gamma School")]


def test_the_trust_filter_takes_the_trusts_schools_only() -> None:
    form = TrustFilterForm({"school": ["1", "3"]}, schools=SCHOOLS)
    assert form.school_ids() == [1, 3]
    assert form.dates() == (None, None)
    form = TrustFilterForm({"school": ["2"]}, schools=SCHOOLS)  # another trust's school
    assert form.school_ids() is None
    assert _errors(form) == {"school": ["Choose schools from the list"]}


def test_no_school_ticked_means_every_school() -> None:
    assert TrustFilterForm({}, schools=SCHOOLS).school_ids() is None
    assert TrustFilterForm({"start": "1/10/2026"}, schools=SCHOOLS).school_ids() is None


def test_the_trust_filter_checks_its_dates_too() -> None:
    form = TrustFilterForm(
        {"start": "2/10/2026", "end": "1/10/2026", "school": ["1"]}, schools=SCHOOLS
    )
    assert form.school_ids() is None
    assert form.dates() == (None, None)
    assert "end" in form.errors
