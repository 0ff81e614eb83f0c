"""The demo's key and family contacts: mostly two emergency contacts, a few one, never a real number."""

from __future__ import annotations

import pytest

from contacts.models import FamilyContact, SchoolKeyContact
from demo.contacts import seed_demo_contacts
from schools.models import Pupil
from tests.support.factories import PupilFactory
from tests.support.world import World


@pytest.mark.django_db
def test_demo_family_contacts_mostly_two_a_few_one_and_idempotent(world: World) -> None:
    for _ in range(20):
        PupilFactory(school=world.school)
    written = seed_demo_contacts(trust=world.school.trust)
    assert written > 0
    assert seed_demo_contacts(trust=world.school.trust) == 0
    counts = [
        FamilyContact.objects.filter(pupil=p, emergency_priority__isnull=False).count()
        for p in Pupil.objects.filter(school=world.school)
    ]
    assert counts.count(1) >= 1
    assert counts.count(2) > len(counts) / 2
    assert SchoolKeyContact.objects.filter(school=world.school, role="chair_of_governors").exists()
    # The numbers are Ofcom's drama ranges: no real person is rung from the demo.
    for phone in FamilyContact.objects.exclude(phone="").values_list("phone", flat=True):
        assert phone.startswith(("07700 900", "01632 960"))
