"""Working days in England: weekends and England and Wales bank holidays are not working days.

Deadlines in safeguarding are counted in working days: the LADO is told "within one working day"
of an allegation (`003` section 11), children's social care is expected to respond to a referral
within one working day, the local authority must be told of a pupil absent for 10 school days.
Bank holidays come from the `holidays` library, which computes them (including one-off days such
as a coronation) without a download. Every date here is a date in Europe/London.

"Within one working day" of a moment means by the end of the next working day after the day it
happened: an allegation made on Friday afternoon is due by the end of Monday (Tuesday if Monday is
a bank holiday). School term dates join this arithmetic with the reminders (issue 6).
"""

from __future__ import annotations

import datetime
import functools
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


@functools.cache
def _bank_holidays(year: int) -> dict[datetime.date, str]:
    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())


def bank_holiday_name(day: datetime.date) -> str | None:
    """The bank holiday's name on this date in England and Wales, or None."""
    return _bank_holidays(day.year).get(day)


def is_working_day(day: datetime.date) -> bool:
    """Monday to Friday and not a bank holiday."""
    return day.weekday() < 5 and bank_holiday_name(day) is None


def add_working_days(day: datetime.date, days: int) -> datetime.date:
    """The working day `days` working days after `day` (`day` itself need not be one)."""
    if days < 0:
        raise ValueError("days must not be negative")
    while days:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def next_working_day(day: datetime.date) -> datetime.date:
    """The first working day after `day`."""
    return add_working_days(day, 1)


def working_day_on_or_after(day: datetime.date) -> datetime.date:
    """`day` if it is a working day, else the next one."""
    return day if is_working_day(day) else next_working_day(day)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many working days fall after `start`, up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working_day(day)
    return count


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last moment of the day in London (an aware datetime)."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=LONDON)


def local_date(moment: datetime.datetime) -> datetime.date:
    """The London calendar date of an aware moment."""
    return moment.astimezone(LONDON).date()


def within_working_days(moment: datetime.datetime, days: int = 1) -> datetime.datetime:
    """The deadline for something due "within `days` working days" of `moment`."""
    return end_of_day(add_working_days(local_date(moment), days))


def same_day_deadline(moment: datetime.datetime) -> datetime.datetime:
    """The end of the day of `moment` (a written follow-up due "the same day")."""
    return end_of_day(local_date(moment))


def school_day_number(first_day: datetime.date, n: int) -> datetime.date:
    """The date of the n-th school day counting `first_day` (if it is one) as the first."""
    if n < 1:
        raise ValueError("n starts at 1")
    start = working_day_on_or_after(first_day)
    return add_working_days(start, n - 1)
