"""Is an agency answering at a given moment? Office hours in Europe/London local time.

Hours are wall-clock times in London, so converting the moment to London time first makes the
March and October clock changes right without any special case. England and Wales bank holidays
close an office unless it says otherwise (`Agency.closed_on_bank_holidays`).

An office whose hours are not recorded is taken to open no wider than Monday to Friday 08:00 to
18:00 (the usual 09:00 to 17:00 with an hour either side): outside that window, at a weekend and
on a bank holiday it is certainly closed, so the out-of-hours number is the one answer; inside it
the office may be open, so its own number comes first and the out-of-hours one is the fallback.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from safeguard.workdays import LONDON, bank_holiday_name

if TYPE_CHECKING:
    from .models import Agency

# How far ahead to look for the next opening (a fortnight covers Christmas and New Year).
LOOKAHEAD_DAYS = 14
# When an office's hours are not recorded: the widest it could be open, Monday to Friday.
UNKNOWN_HOURS_OPEN = datetime.time(8, 0)
UNKNOWN_HOURS_CLOSE = datetime.time(18, 0)


class Opening(StrEnum):
    ALWAYS = "always"  # answers 24 hours a day
    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"  # office hours not recorded, and now is within weekday working hours


@dataclass(frozen=True)
class OpeningState:
    opening: Opening
    closes_at: datetime.time | None = None  # when open: today's closing time
    opens_at: datetime.datetime | None = None  # when closed: the next opening, in London time
    closed_for: str = ""  # when closed because of a bank holiday: its name
    hours_known: bool = True  # False: closed (or maybe open) by the unknown-hours window


def parse_time(value: str) -> datetime.time:
    """ "08:30" as a time."""
    hours, minutes = value.split(":")
    return datetime.time(int(hours), int(minutes))


def span_on(agency: Agency, day: datetime.date) -> tuple[datetime.time, datetime.time] | None:
    """The agency's opening and closing times on `day`, or None when it is closed all day."""
    if agency.closed_on_bank_holidays and bank_holiday_name(day):
        return None
    span = (agency.hours or {}).get(str(day.weekday()))
    if not span:
        return None
    return parse_time(span[0]), parse_time(span[1])


def opening_at(agency: Agency, at: datetime.datetime) -> OpeningState:
    """Whether `agency` answers at the aware moment `at`, and until when or from when."""
    if agency.open_all_hours:
        return OpeningState(Opening.ALWAYS)
    local = at.astimezone(LONDON)
    today, now = local.date(), local.time()
    if not agency.hours:
        return _unknown_hours_at(agency, today, now)
    span = span_on(agency, today)
    if span and span[0] <= now < span[1]:
        return OpeningState(Opening.OPEN, closes_at=span[1])
    closed_for = ""
    if agency.closed_on_bank_holidays and (holiday := bank_holiday_name(today)):
        closed_for = holiday
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = today + datetime.timedelta(days=offset)
        span = span_on(agency, day)
        if span and (offset > 0 or now < span[0]):
            opens = datetime.datetime.combine(day, span[0], tzinfo=LONDON)
            return OpeningState(Opening.CLOSED, opens_at=opens, closed_for=closed_for)
    return OpeningState(Opening.CLOSED, closed_for=closed_for)


def _unknown_hours_at(agency: Agency, today: datetime.date, now: datetime.time) -> OpeningState:
    """Hours not recorded: certainly closed outside weekday 08:00 to 18:00, else maybe open."""
    holiday = bank_holiday_name(today) if agency.closed_on_bank_holidays else None
    if holiday:
        return OpeningState(Opening.CLOSED, closed_for=holiday, hours_known=False)
    if today.weekday() >= 5 or not UNKNOWN_HOURS_OPEN <= now < UNKNOWN_HOURS_CLOSE:
        return OpeningState(Opening.CLOSED, hours_known=False)
    return OpeningState(Opening.UNKNOWN, hours_known=False)


def when_in_words(moment: datetime.datetime, *, now: datetime.datetime) -> str:
    """ "today at 08:30", "Monday 08:30", or "Tuesday 6 January 08:30" when more than 6 days on."""
    local, today = moment.astimezone(LONDON), now.astimezone(LONDON).date()
    clock = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days == 0:
        return f"today at {clock}"
    if days < 7:
        return f"{local.strftime('%A')} {clock}"
    return f"{local.strftime('%A')} {local.day} {local.strftime('%B')} {clock}"
