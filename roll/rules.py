"""The rules a pupil's details must meet, by hand or by import: plain-English reasons, no queries.

The form, the CSV import and the CTF import all ask these, so a UPN or a date of birth refused in
one is refused in the others with the same words.
"""

from __future__ import annotations

import datetime

from stdnum.gb import upn as stdnum_upn

# The youngest and oldest a pupil on a school's roll can plausibly be (nursery from 2; young people
# with an EHC plan may stay in education to 25).
YOUNGEST_AGE = 2
OLDEST_AGE = 25
# How far a pupil may be from the usual age of their year group (taught out of year group).
YEARS_OUT_OF_GROUP = 2

# The usual age on 31 August before the school year starts, by NC year group.
_AGE_ON_31_AUGUST = {"N": 3, "R": 4, **{str(n): n + 4 for n in range(1, 14)}}


def upn_problem(upn: str) -> str | None:
    """Why a UPN cannot be right, or None when it is (or is blank: a UPN is optional).

    The check letter is the DfE's (stdnum.gb.upn); the local-authority number is not checked
    against a list, since new authorities (941, 942...) are made after any list is written.
    """
    upn = (upn or "").strip().upper()
    if not upn:
        return None
    if len(upn) != 13:
        return f"A UPN has 13 characters; this has {len(upn)}"
    if not upn.isascii() or not upn[0].isalpha() or not upn[1:12].isdigit():
        return "A UPN is a capital letter, 11 digits, then a digit or a capital letter"
    if upn[12] in "IOS" or not upn[12].isalnum():
        return "The last character of a UPN is a digit or a capital letter other than I, O or S"
    expected = stdnum_upn.calc_check_digit(upn[1:])
    if expected != upn[0]:
        return (
            f"The check letter of this UPN should be {expected}, not {upn[0]}: check it against "
            "the MIS"
        )
    return None


def academic_year_start(today: datetime.date) -> int:
    """The calendar year in which the current school year began (1 September)."""
    return today.year if today.month >= 9 else today.year - 1


def date_of_birth_problem(
    date_of_birth: datetime.date | None, *, year_group: str = "", today: datetime.date
) -> str | None:
    """Why a date of birth is not plausible for a pupil (in `year_group`, when given), or None."""
    if date_of_birth is None:
        return "Enter the date of birth"
    if date_of_birth > today:
        return "The date of birth must be in the past"
    age = _age_on(date_of_birth, today)
    if age < YOUNGEST_AGE:
        return f"A pupil must be at least {YOUNGEST_AGE} years old: check the year of birth"
    if age > OLDEST_AGE:
        return f"A pupil cannot be older than {OLDEST_AGE}: check the year of birth"
    usual = _AGE_ON_31_AUGUST.get(year_group)
    if usual is not None:
        start = academic_year_start(today)
        age_then = _age_on(date_of_birth, datetime.date(start, 8, 31))
        if abs(age_then - usual) > YEARS_OUT_OF_GROUP:
            return (
                f"A pupil born on {long_date(date_of_birth)} is too "
                f"{'young' if age_then < usual else 'old'} for {_year_label(year_group)}: "
                "check the date of birth or the year group"
            )
    return None


def long_date(day: datetime.date) -> str:
    """A date as GOV.UK writes it: 12 November 2023."""
    return f"{day.day} {day:%B %Y}"


def _age_on(date_of_birth: datetime.date, day: datetime.date) -> int:
    return (
        day.year
        - date_of_birth.year
        - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
    )


def usual_year_group(age_on_31_august: int) -> str:
    """The year group, in words, of a pupil of this age on 31 August before the school year."""
    for key, age in _AGE_ON_31_AUGUST.items():
        if age == age_on_31_august:
            return _year_label(key)
    return "no school year group" if age_on_31_august < 3 else "post-16 education"


def _year_label(year_group: str) -> str:
    return {"N": "Nursery", "R": "Reception"}.get(year_group, f"Year {year_group}")


# A joining or leaving date further ahead than this is almost always a mistyped year (a pupil's
# place is offered months ahead, never years); the same limit as a transfer's leaving date.
DAYS_AHEAD = 366
# How far back a joining date may go: no pupil on a roll joined before they could have been born
# into it (OLDEST_AGE years).
_YEARS_BACK = OLDEST_AGE


def joined_on_problem(
    joined_on: datetime.date | None,
    *,
    date_of_birth: datetime.date | None,
    today: datetime.date,
    left_on: datetime.date | None = None,
) -> str | None:
    """Why a date joined is not plausible (before the child was 2, years ahead), or None."""
    if joined_on is None:
        return "Enter the date the pupil joined the school"
    if joined_on > today + datetime.timedelta(days=DAYS_AHEAD):
        return "The date joined must be within the next year: check the year"
    if joined_on.year < today.year - _YEARS_BACK:
        return "The date joined is too long ago: check the year"
    # A date of birth in the future is told once, beside the date of birth, not again here.
    if (
        date_of_birth is not None
        and date_of_birth <= today
        and _age_on(date_of_birth, joined_on) < YOUNGEST_AGE
    ):
        return (
            f"The pupil would have been under {YOUNGEST_AGE} when they joined: check the date "
            "joined and the date of birth"
        )
    if left_on is not None and joined_on > left_on:
        return f"The date joined must be on or before the date they left, {long_date(left_on)}"
    return None


def left_on_problem(
    left_on: datetime.date | None, *, joined_on: datetime.date, today: datetime.date
) -> str | None:
    """Why a leaving date cannot be right (before joining, years ahead), or None."""
    if left_on is None:
        return "Enter the date the pupil left, or will leave, the school"
    if left_on < joined_on:
        return f"The leaving date must be on or after the date they joined, {long_date(joined_on)}"
    if left_on > today + datetime.timedelta(days=DAYS_AHEAD):
        return "The leaving date must be within the next year: check the year"
    return None
