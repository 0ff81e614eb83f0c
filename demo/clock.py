"""Moments in the demo's past, counted back from the day it is seeded."""

from __future__ import annotations

import datetime

from django.utils import timezone

from safeguard.workdays import SchoolCalendar


def at(today: datetime.date, days_ago: int, hour: int, minute: int = 0) -> datetime.datetime:
    """The moment `days_ago` days before `today` at `hour:minute`, in the site's time zone."""
    day = today - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def school_days_back(today: datetime.date, n: int, calendar: SchoolCalendar) -> datetime.date:
    """The school day that makes `today` (or the last school day before it) the (n+1)-th."""
    day = today
    while not calendar.is_school_day(day):
        day -= datetime.timedelta(days=1)
    while n:
        day -= datetime.timedelta(days=1)
        n -= calendar.is_school_day(day)
    return day
