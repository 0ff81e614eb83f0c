"""Working-day arithmetic for the one-working-day deadlines, across weekends and bank holidays."""

from __future__ import annotations

import datetime

import pytest

from safeguard import workdays

D = datetime.date
LONDON = workdays.LONDON


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (D(2026, 4, 3), "Good Friday"),
        (D(2026, 4, 6), "Easter Monday"),
        (D(2026, 5, 4), "May Day"),
        (D(2026, 8, 31), "Late Summer Bank Holiday"),
        (D(2026, 12, 28), "Boxing Day (observed)"),  # 26 December 2026 is a Saturday
        (D(2027, 12, 27), "Christmas Day (observed)"),
        (D(2023, 5, 8), "Coronation of Charles III"),  # a one-off bank holiday
    ],
)
def test_bank_holidays_of_england_and_wales(day: datetime.date, name: str) -> None:
    assert workdays.bank_holiday_name(day) == name
    assert not workdays.is_working_day(day)


def test_scottish_only_holidays_are_working_days() -> None:
    assert workdays.is_working_day(D(2027, 1, 4))  # 2 January (observed) is Scotland's
    assert workdays.is_working_day(D(2026, 11, 30))  # St Andrew's Day (Monday) likewise


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (at(2026, 11, 17), D(2026, 11, 18)),  # Tuesday -> Wednesday
        (at(2026, 11, 20, 16, 45), D(2026, 11, 23)),  # Friday afternoon -> Monday
        (at(2026, 11, 21), D(2026, 11, 23)),  # Saturday -> Monday
        (at(2026, 11, 22, 23, 30), D(2026, 11, 23)),  # Sunday late -> Monday
        (at(2026, 4, 2), D(2026, 4, 7)),  # Thursday before Easter -> Tuesday after
        (at(2026, 12, 24), D(2026, 12, 29)),  # Christmas Eve -> after Boxing Day observed
        (at(2026, 5, 22), D(2026, 5, 26)),  # Friday before Spring Bank Holiday -> Tuesday
    ],
)
def test_one_working_day_deadline(moment: datetime.datetime, due: datetime.date) -> None:
    deadline = workdays.within_working_days(moment, 1)
    assert deadline.date() == due
    assert deadline.tzinfo is not None
    assert (deadline.hour, deadline.minute) == (23, 59)


def test_deadline_uses_the_london_date_not_utc() -> None:
    # 00:30 BST on Tuesday 2 June 2026 is 23:30 UTC on Monday: the London day (Tuesday) counts.
    moment = datetime.datetime(2026, 6, 1, 23, 30, tzinfo=datetime.UTC)
    assert workdays.within_working_days(moment, 1).date() == D(2026, 6, 3)


def test_same_day_deadline_is_the_end_of_that_london_day() -> None:
    deadline = workdays.same_day_deadline(at(2026, 10, 25, 9))  # the day the clocks go back
    assert deadline.date() == D(2026, 10, 25)
    assert deadline.utcoffset() == datetime.timedelta(0)  # GMT again by the end of the day


def test_working_days_between_counts_only_working_days() -> None:
    assert workdays.working_days_between(D(2026, 11, 20), D(2026, 11, 23)) == 1
    assert workdays.working_days_between(D(2026, 12, 23), D(2026, 12, 29)) == 2  # 24th, 29th
    assert workdays.working_days_between(D(2026, 11, 23), D(2026, 11, 23)) == 0
    assert workdays.working_days_between(D(2026, 11, 24), D(2026, 11, 23)) == 0


def test_tenth_school_day_of_an_absence() -> None:
    # Absent from Monday 16 November 2026: the 10th school day is Friday 27 November.
    assert workdays.school_day_number(D(2026, 11, 16), 10) == D(2026, 11, 27)
    # From Thursday 2 April 2026: Good Friday and Easter Monday do not count.
    assert workdays.school_day_number(D(2026, 4, 2), 10) == D(2026, 4, 17)
    # An absence first recorded on a Saturday starts counting on Monday.
    assert workdays.school_day_number(D(2026, 11, 21), 1) == D(2026, 11, 23)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        workdays.add_working_days(D(2026, 1, 1), -1)
    with pytest.raises(ValueError, match="starts at 1"):
        workdays.school_day_number(D(2026, 1, 1), 0)
