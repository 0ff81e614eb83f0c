"""Contacts fixtures: the world's trust with a school in each seed local authority."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from contacts.services import agency_seed_defaults
from schools.models import School
from tests.support.factories import SchoolFactory
from tests.support.world import World


@dataclass
class Authorities:
    essex: School
    southend: School
    leicestershire: School


@pytest.fixture
def authorities(world: World) -> Authorities:
    """World's school A (Essex), plus a Southend and a Leicestershire school in its trust, with
    the seed agencies loaded; world's other trust gets its own."""
    trust = world.school.trust
    southend = SchoolFactory(trust=trust, local_authority="Southend-on-Sea", name="Bay School")
    leics = SchoolFactory(trust=trust, local_authority="Leicestershire", name="Road School")
    agency_seed_defaults(trust=trust)
    agency_seed_defaults(trust=world.other_school.trust)
    return Authorities(essex=world.school, southend=southend, leicestershire=leics)
