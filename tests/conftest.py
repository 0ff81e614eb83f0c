"""Shared fixtures: two trusts, a school in each, and a person in every role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from schools.models import Pupil, School, User
from tests.factories import PupilFactory, SchoolFactory, TrustFactory, member, trust_member

SCHOOL_ROLES = ["staff", "dsl", "deputy", "head", "admin", "governor"]
ALL_ROLES = [*SCHOOL_ROLES, "tso", "other_dsl"]


@dataclass
class World:
    school: School
    other_school: School
    users: dict[str, User]
    pupil: Pupil
    other_pupil: Pupil


@pytest.fixture
def world(db) -> World:  # noqa: ANN001
    """School A (trust 1) with every role and its TSO; school B (trust 2) with its own DSL."""
    trust = TrustFactory(name="Northgate", slug="northgate-test")
    other_trust = TrustFactory(name="Elsewhere", slug="elsewhere-test")
    school = SchoolFactory(trust=trust, name="Alpha School", slug="alpha")
    other_school = SchoolFactory(trust=other_trust, name="Beta School", slug="beta")
    users = {role: member(school, role, email=f"{role}@alpha.example") for role in SCHOOL_ROLES}
    users["tso"] = trust_member(trust, "tso", email="tso@northgate-test.example")
    users["other_dsl"] = member(other_school, "dsl", email="dsl@beta.example")
    pupil = PupilFactory(school=school, legal_first_name="Aaliyah", legal_last_name="Alphason")
    other_pupil = PupilFactory(
        school=other_school, legal_first_name="Bartholomew", legal_last_name="Betason"
    )
    return World(school, other_school, users, pupil, other_pupil)
