"""Working days in England: weekends and England and Wales bank holidays are not working days.

Deadlines in safeguarding are counted in working days: the LADO is told "within one working day"
of an allegation (`003` section 11), children's social care is expected to respond to a referral
within one working day, the local authority must be told of a pupil absent for 10 school days.
Bank holidays come from the `holidays` library, which computes them (including one-off days such
as a coronation) without a download. Every date here is a date in Europe/London.

"Within one working day" of a moment means by the end of the next working day after the day it
happened: an allegation made on Friday afternoon is due by the end of Monday (Tuesday if Monday is
a bank holiday).

A school day is a working day on which the school is open: each school records its closures
(holidays, half terms, INSET days) and the hours of its school day (default 08:30 to 15:30).
`SchoolCalendar` holds one school's closures and hours, loaded in one query, and answers every
school-day question without touching the database again; the module functions taking a `school`
load one for the call. See docs/adr/0011.
"""

from __future__ import annotations

import bisect
import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
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


def school_day_number(first_day: datetime.date, n: int, school: Any = None) -> datetime.date:
    """The date of the n-th school day counting `first_day` (if it is one) as the first.

    Without a school a school day is a working day."""
    return calendar_for(school).school_day_number(first_day, n)


# --- School days and school hours ----------------------------------------------------------------

DEFAULT_OPENS = datetime.time(8, 30)
DEFAULT_CLOSES = datetime.time(15, 30)
DEFAULT_HOURS = dict.fromkeys(range(5), (DEFAULT_OPENS, DEFAULT_CLOSES))


@dataclass(frozen=True)
class Closure:
    name: str
    first_day: datetime.date
    last_day: datetime.date


@dataclass(frozen=True)
class SchoolCalendar:
    """One school's closures and school hours: every question about its school days, answered
    from memory. Build it once (`SchoolCalendar.load`, `calendars_for`) for many questions."""

    closures: tuple[Closure, ...] = ()
    hours: dict[int, tuple[datetime.time, datetime.time]] = field(
        default_factory=lambda: dict(DEFAULT_HOURS)
    )
    school_id: Any = None
    _starts: list[datetime.date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.closures, key=lambda c: c.first_day))
        object.__setattr__(self, "closures", ordered)
        object.__setattr__(self, "_starts", [c.first_day for c in ordered])

    @classmethod
    def load(cls, school: Any) -> SchoolCalendar:
        """The calendar of one school (a School or its id), in one query."""
        school_id = getattr(school, "pk", school)
        return calendars_for([school_id])[school_id]

    def closure_on(self, day: datetime.date) -> Closure | None:
        """The closure the day falls in, if any."""
        i = bisect.bisect_right(self._starts, day) - 1
        # Closures never overlap (the service refuses it), so only the latest start can hold it.
        if i >= 0 and self.closures[i].last_day >= day:
            return self.closures[i]
        return None

    def is_school_day(self, day: datetime.date) -> bool:
        """A working day on which the school is not closed."""
        return is_working_day(day) and self.closure_on(day) is None

    def add_school_days(self, day: datetime.date, days: int) -> datetime.date:
        """The school day `days` school days after `day` (`day` itself need not be one)."""
        if days < 0:
            raise ValueError("days must not be negative")
        while days:
            day += datetime.timedelta(days=1)
            if self.is_school_day(day):
                days -= 1
        return day

    def school_day_on_or_after(self, day: datetime.date) -> datetime.date:
        """`day` if it is a school day, else the next one."""
        return day if self.is_school_day(day) else self.add_school_days(day, 1)

    def school_day_number(self, first_day: datetime.date, n: int) -> datetime.date:
        """The n-th school day counting `first_day` (if it is one) as the first."""
        if n < 1:
            raise ValueError("n starts at 1")
        return self.add_school_days(self.school_day_on_or_after(first_day), n - 1)

    def school_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """How many school days fall after `start`, up to and including `end`."""
        count, day = 0, start
        while day < end:
            day += datetime.timedelta(days=1)
            count += self.is_school_day(day)
        return count

    def hours_on(self, day: datetime.date) -> tuple[datetime.time, datetime.time] | None:
        """When the school day starts and ends on `day`, or None if it is not a school day."""
        if not self.is_school_day(day):
            return None
        return self.hours.get(day.weekday(), (DEFAULT_OPENS, DEFAULT_CLOSES))

    def within_school_hours(self, moment: datetime.datetime) -> bool:
        """Whether an aware moment falls in the school day (start included, end excluded)."""
        local = moment.astimezone(LONDON)
        span = self.hours_on(local.date())
        return span is not None and span[0] <= local.time() < span[1]

    def add_school_hours(
        self, moment: datetime.datetime, duration: datetime.timedelta
    ) -> datetime.datetime:
        """The moment `duration` of school time after `moment`: only time inside the school day
        counts, so 1 hour from 15:10 on a Friday (school ends 15:30) is 40 minutes after the
        school day starts on the next school day. School hours are London wall-clock times, so
        the clock changes (at night, at weekends) never shift them."""
        if duration < datetime.timedelta(0):
            raise ValueError("duration must not be negative")
        local = moment.astimezone(LONDON)
        day, now = local.date(), local.time()
        remaining = duration
        while True:
            span = self.hours_on(day)
            if span is not None and now < span[1]:
                start = _on(day, max(now, span[0]))
                left = _on(day, span[1]) - start
                if remaining <= left:
                    return start + remaining
                remaining -= left
            day, now = self.add_school_days(day, 1), datetime.time.min


def _on(day: datetime.date, time: datetime.time) -> datetime.datetime:
    # Wall-clock arithmetic on a naive datetime, made aware at the end: a school day never spans
    # a clock change, so the difference of two times on one day is the time that passes.
    return datetime.datetime.combine(day, time, tzinfo=LONDON)


DEFAULT_CALENDAR = SchoolCalendar()


def calendars_for(school_ids: Iterable[Any]) -> dict[Any, SchoolCalendar]:
    """The calendars of many schools in one query (closures and hours, as one UNION ALL)."""
    from django.db.models import DateField, IntegerField, TimeField, Value

    from schools.models import SchoolClosure, SchoolHours

    ids = list(dict.fromkeys(school_ids))
    none_time, none_day = Value(None, TimeField()), Value(None, DateField())
    closures = (
        SchoolClosure.objects.filter(school_id__in=ids)
        .order_by()
        .values_list(
            "school_id",
            "name",
            "first_day",
            "last_day",
            Value(None, IntegerField()),
            none_time,
            none_time,
        )
    )
    hours = (
        SchoolHours.objects.filter(school_id__in=ids)
        .order_by()
        .values_list("school_id", Value(""), none_day, none_day, "weekday", "opens", "closes")
    )
    found: dict[Any, tuple[list[Closure], dict[int, tuple[datetime.time, datetime.time]]]] = {
        school_id: ([], dict(DEFAULT_HOURS)) for school_id in ids
    }
    for school_id, name, first, last, weekday, opens, closes in closures.union(hours, all=True):
        if weekday is None:
            found[school_id][0].append(Closure(name, first, last))
        else:
            found[school_id][1][weekday] = (opens, closes)
    return {
        school_id: SchoolCalendar(tuple(closed), hours, school_id)
        for school_id, (closed, hours) in found.items()
    }


def calendar_for(school: Any) -> SchoolCalendar:
    """A calendar already built, or the one of a School or school id (one query); without a
    school, the calendar where every working day is a school day of the default hours."""
    if school is None:
        return DEFAULT_CALENDAR
    if isinstance(school, SchoolCalendar):
        return school
    return SchoolCalendar.load(school)


def is_school_day(day: datetime.date, school: Any) -> bool:
    """A working day on which the school (a School, its id or its calendar) is open."""
    return calendar_for(school).is_school_day(day)


def add_school_days(day: datetime.date, days: int, school: Any) -> datetime.date:
    """The school day `days` school days after `day`."""
    return calendar_for(school).add_school_days(day, days)


def within_school_hours(moment: datetime.datetime, school: Any) -> bool:
    """Whether an aware moment falls in one of the school's school days."""
    return calendar_for(school).within_school_hours(moment)


def add_school_hours(
    moment: datetime.datetime, duration: datetime.timedelta, school: Any
) -> datetime.datetime:
    """The moment `duration` of school time after `moment` (the triage target)."""
    return calendar_for(school).add_school_hours(moment, duration)


# --- Saying when ---------------------------------------------------------------------------------


def long_date(day: datetime.date) -> str:
    """ "Monday 7 December 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def day_words(day: datetime.date, *, today: datetime.date) -> str:
    """How a message names a day, true on the day it is read: "today", "tomorrow", or "on
    Monday 7 December 2026" (a day gone by too: the caller says "was due" for that)."""
    if day == today:
        return "today"
    if day == today + datetime.timedelta(days=1):
        return "tomorrow"
    return f"on {long_date(day)}"


def end_of_day_words(day: datetime.date, *, today: datetime.date) -> str:
    """ "the end of today", "the end of tomorrow", "the end of Monday 7 December 2026"."""
    words = day_words(day, today=today)
    return f"the end of {words.removeprefix('on ')}"
