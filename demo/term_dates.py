"""The demo schools' 2026/27 term dates, as their local authorities publish them."""

from __future__ import annotations

import datetime

from schools import services
from schools.models import School, SchoolClosure

# 2026/27 term dates in the pattern the three local authorities publish: the holidays and half
# terms each school shares with its authority, then its own INSET days. (First day, last day.)
_HOLIDAYS_2026_27 = [
    ("Summer holiday", datetime.date(2026, 7, 23), datetime.date(2026, 9, 1)),
    ("October half term", datetime.date(2026, 10, 26), datetime.date(2026, 10, 30)),
    ("Christmas holiday", datetime.date(2026, 12, 21), datetime.date(2027, 1, 1)),
    ("February half term", datetime.date(2027, 2, 15), datetime.date(2027, 2, 19)),
    ("Easter holiday", datetime.date(2027, 3, 29), datetime.date(2027, 4, 9)),
    ("May half term", datetime.date(2027, 5, 31), datetime.date(2027, 6, 4)),
    ("Summer holiday", datetime.date(2027, 7, 22), datetime.date(2027, 8, 31)),
]
DEMO_CLOSURES: dict[str, list[tuple[str, datetime.date, datetime.date]]] = {
    "alderbrook": [
        *_HOLIDAYS_2026_27,
        ("INSET day", datetime.date(2026, 9, 2), datetime.date(2026, 9, 2)),
        ("INSET day", datetime.date(2027, 1, 4), datetime.date(2027, 1, 4)),
        ("INSET day", datetime.date(2027, 6, 7), datetime.date(2027, 6, 7)),
    ],
    "southend-bay": [
        *_HOLIDAYS_2026_27,
        ("INSET days", datetime.date(2026, 9, 2), datetime.date(2026, 9, 3)),
        ("INSET day", datetime.date(2027, 1, 4), datetime.date(2027, 1, 4)),
        ("INSET day", datetime.date(2027, 7, 21), datetime.date(2027, 7, 21)),
    ],
    "leicester-road": [
        *_HOLIDAYS_2026_27,
        ("INSET day", datetime.date(2026, 9, 2), datetime.date(2026, 9, 2)),
        ("INSET day", datetime.date(2026, 11, 2), datetime.date(2026, 11, 2)),
        ("INSET day", datetime.date(2027, 2, 22), datetime.date(2027, 2, 22)),
    ],
}
# The dates are checked (range, overlaps) as on the first day of the school year they belong to.
DEMO_TERM_DATES_CHECKED_ON = datetime.date(2026, 9, 1)


def seed_term_dates(school: School) -> None:
    """The school's 2026/27 closures, unless it has recorded its own (its edits win)."""
    if SchoolClosure.objects.filter(school=school).exists():
        return
    for name, first_day, last_day in DEMO_CLOSURES[school.slug]:
        services.school_closure_create(
            actor=None,
            school=school,
            name=name,
            first_day=first_day,
            last_day=last_day,
            today=DEMO_TERM_DATES_CHECKED_ON,
        )
