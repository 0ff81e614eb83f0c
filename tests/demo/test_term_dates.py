"""The demo schools' 2026/27 term dates: seeded once, and never over a school's own."""

from __future__ import annotations

import datetime

from demo.term_dates import seed_term_dates
from safeguard import workdays
from schools.models import SchoolClosure
from tests.support.factories import SchoolFactory
from tests.support.world import World

D = datetime.date


def test_the_demo_schools_get_2026_27_term_dates_once(world: World) -> None:
    alderbrook = SchoolFactory(trust=world.school.trust, slug="alderbrook")
    leicester = SchoolFactory(trust=world.school.trust, slug="leicester-road")
    for school in [alderbrook, leicester, alderbrook]:
        seed_term_dates(school)
    assert SchoolClosure.objects.filter(school=alderbrook).count() == 10
    calendars = workdays.calendars_for([alderbrook.pk, leicester.pk])
    ald, lei = calendars[alderbrook.pk], calendars[leicester.pk]
    assert not ald.is_school_day(D(2026, 10, 27))  # half term
    assert not ald.is_school_day(D(2026, 12, 22))  # Christmas holiday
    assert ald.is_school_day(D(2026, 11, 2))
    assert not lei.is_school_day(D(2026, 11, 2))  # Leicester Road's INSET day
    assert ald.school_day_number(D(2027, 2, 8), 10) == D(2027, 2, 26)  # across February half term
    # A school that has recorded its own dates keeps them.
    closure = SchoolClosure.objects.filter(school=leicester).first()
    closure.delete()
    seed_term_dates(leicester)
    assert SchoolClosure.objects.filter(school=leicester).count() == 9
