"""One school's contacts records for the tenancy matrix (tests/conftest.py `_records_for`)."""

from __future__ import annotations

from typing import Any

from contacts import services
from contacts.models import SchoolKeyContact
from schools.models import Pupil, School, User


def contact_records(school: School, manager: User, pupil: Pupil) -> tuple[Any, Any]:
    """The trust's seed agencies, a family contact of `pupil`, and a key contact of `school`."""
    services.agency_seed_defaults(trust=school.trust)
    family_contact = services.family_contact_create(
        actor=manager,
        pupil=pupil,
        name="Dana Parentson",
        relationship="mother",
        parental_responsibility=True,
        lives_with_pupil=True,
        emergency_priority=1,
        phone="07700 900001",
    )
    # Written directly: the service wants the school administrator, whom school B lacks.
    key_contact = SchoolKeyContact.objects.create(
        school=school, role="chair_of_governors", name="Cyril Chairman", phone="01632 960001"
    )
    return family_contact, key_contact
