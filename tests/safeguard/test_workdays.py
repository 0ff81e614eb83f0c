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


# --- A school's calendar: closures and school hours ----------------------------------------------

T = datetime.time
OCTOBER_HALF_TERM = workdays.Closure("October half term", D(2026, 10, 26), D(2026, 10, 30))
CHRISTMAS = workdays.Closure("Christmas holiday", D(2026, 12, 21), D(2027, 1, 1))
FEBRUARY_HALF_TERM = workdays.Closure("February half term", D(2027, 2, 15), D(2027, 2, 19))
INSET = workdays.Closure("INSET day", D(2027, 1, 4), D(2027, 1, 4))
CALENDAR = workdays.SchoolCalendar(
    closures=(CHRISTMAS, OCTOBER_HALF_TERM, FEBRUARY_HALF_TERM, INSET),
    hours={**workdays.DEFAULT_HOURS, 4: (T(8, 30), T(15, 30))},
)


@pytest.mark.parametrize(
    ("day", "school_day"),
    [
        (D(2026, 10, 23), True),  # Friday before half term
        (D(2026, 10, 26), False),  # half term
        (D(2026, 10, 30), False),
        (D(2026, 10, 31), False),  # Saturday
        (D(2026, 11, 2), True),
        (D(2026, 12, 25), False),  # holiday and bank holiday
        (D(2027, 1, 4), False),  # INSET day
        (D(2027, 1, 5), True),
    ],
)
def test_a_school_day_is_a_working_day_the_school_is_open(
    day: datetime.date, school_day: bool
) -> None:
    assert CALENDAR.is_school_day(day) is school_day
    assert workdays.is_school_day(day, CALENDAR) is school_day


def test_without_a_school_every_working_day_is_a_school_day() -> None:
    assert workdays.is_school_day(D(2026, 10, 26), None)
    assert workdays.school_day_number(D(2026, 10, 19), 10) == D(2026, 10, 30)


def test_tenth_school_day_skips_half_term_and_the_weekend() -> None:
    # Absent from Monday 19 October 2026: 5 days, half term, then 5 more.
    assert workdays.school_day_number(D(2026, 10, 19), 10, school=CALENDAR) == D(2026, 11, 6)
    # First recorded in half term: counting starts when the school reopens.
    assert CALENDAR.school_day_number(D(2026, 10, 28), 1) == D(2026, 11, 2)
    # Across Christmas, the bank holidays and the INSET day on 4 January.
    assert CALENDAR.school_day_number(D(2026, 12, 14), 10) == D(2027, 1, 11)
    assert CALENDAR.add_school_days(D(2026, 12, 18), 1) == D(2027, 1, 5)
    assert workdays.add_school_days(D(2027, 2, 12), 1, CALENDAR) == D(2027, 2, 22)


def test_school_days_between_counts_only_school_days() -> None:
    assert CALENDAR.school_days_between(D(2026, 10, 23), D(2026, 11, 2)) == 1
    assert CALENDAR.school_days_between(D(2026, 11, 2), D(2026, 11, 2)) == 0


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (at(2026, 11, 20, 8, 29), False),
        (at(2026, 11, 20, 8, 30), True),
        (at(2026, 11, 20, 15, 29), True),
        (at(2026, 11, 20, 15, 30), False),  # the end is outside
        (at(2026, 11, 21, 10), False),  # Saturday
        (at(2026, 10, 27, 10), False),  # half term
        # 08:45 BST on Monday 30 March 2026 is 07:45 UTC: school hours are London time.
        (datetime.datetime(2026, 3, 30, 7, 45, tzinfo=datetime.UTC), True),
    ],
)
def test_within_school_hours(moment: datetime.datetime, inside: bool) -> None:
    assert CALENDAR.within_school_hours(moment) is inside
    assert workdays.within_school_hours(moment, CALENDAR) is inside


HOUR = datetime.timedelta(hours=1)


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (at(2026, 11, 18, 10), at(2026, 11, 18, 11)),  # inside the day
        (at(2026, 11, 18, 15, 10), at(2026, 11, 19, 9, 10)),  # over the end of the day
        (at(2026, 11, 20, 15, 10), at(2026, 11, 23, 9, 10)),  # Friday to Monday
        (at(2026, 11, 20, 17), at(2026, 11, 23, 9, 30)),  # after school: from the start
        (at(2026, 11, 21, 12), at(2026, 11, 23, 9, 30)),  # logged at the weekend
        (at(2026, 11, 23, 7), at(2026, 11, 23, 9, 30)),  # before school
        (at(2026, 10, 23, 15, 10), at(2026, 11, 2, 9, 10)),  # Friday before half term
        (at(2026, 10, 27, 11), at(2026, 11, 2, 9, 30)),  # logged in half term
        (at(2026, 12, 18, 15, 10), at(2027, 1, 5, 9, 10)),  # Christmas, bank holidays, INSET
    ],
)
def test_one_school_hour(moment: datetime.datetime, due: datetime.datetime) -> None:
    assert CALENDAR.add_school_hours(moment, HOUR) == due
    assert workdays.add_school_hours(moment, HOUR, CALENDAR) == due


def test_school_hours_across_the_clock_changes() -> None:
    # Clocks go forward on Sunday 29 March 2026: Friday 15:10 GMT, due Monday 09:10 BST.
    due = CALENDAR.add_school_hours(at(2026, 3, 27, 15, 10), HOUR)
    assert due == at(2026, 3, 30, 9, 10)
    assert due.astimezone(datetime.UTC) == datetime.datetime(
        2026, 3, 30, 8, 10, tzinfo=datetime.UTC
    )
    # Clocks go back on Sunday 25 October 2026: Friday 15:10 BST (14:10 UTC), due Monday 09:10
    # GMT (09:10 UTC), with no closure recorded that week.
    plain = workdays.SchoolCalendar()
    friday = datetime.datetime(2026, 10, 23, 14, 10, tzinfo=datetime.UTC)
    due = plain.add_school_hours(friday, HOUR)
    assert due.astimezone(datetime.UTC) == datetime.datetime(
        2026, 10, 26, 9, 10, tzinfo=datetime.UTC
    )


def test_school_hours_follow_each_weekday() -> None:
    early_friday = workdays.SchoolCalendar(
        hours={**workdays.DEFAULT_HOURS, 4: (T(8, 45), T(13, 0))}
    )
    assert early_friday.add_school_hours(at(2026, 11, 20, 12, 30), HOUR) == at(2026, 11, 23, 9, 0)
    assert not early_friday.within_school_hours(at(2026, 11, 20, 13, 30))
    assert early_friday.add_school_hours(at(2026, 11, 20, 12, 30), datetime.timedelta(0)) == at(
        2026, 11, 20, 12, 30
    )
    with pytest.raises(ValueError, match="negative"):
        early_friday.add_school_hours(at(2026, 11, 20, 12), -HOUR)


def test_a_long_duration_spans_several_school_days() -> None:
    # 14 school hours from Monday 08:30 with 7-hour days: the end of Tuesday's school day.
    assert CALENDAR.add_school_hours(at(2026, 11, 16, 8, 30), 14 * HOUR) == at(2026, 11, 17, 15, 30)
