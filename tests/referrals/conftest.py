"""Referral fixtures: an agency for a school's local authority, and a referral made through the
service."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from contacts.models import Agency
from referrals import services
from referrals.models import Referral
from safeguard.workdays import LONDON
from schools.models import Pupil, School, User
from tests.support.world import World

# A Friday afternoon in the past: the response is due by the end of Monday 16 November 2026.
FRIDAY_4PM = datetime.datetime(2026, 11, 13, 16, 0, tzinfo=LONDON)


def agency_for(school: School, name: str = "Children and Families Hub") -> Agency:
    agency, _ = Agency.objects.get_or_create(
        trust=school.trust,
        local_authority=school.local_authority,
        name=name,
        defaults={"kind": "social_care", "phone": "0345 000 0000"},
    )
    return agency


def make_referral(
    manager: User, pupil: Pupil, *, concern: Any = None, **overrides: Any
) -> Referral:
    values: dict[str, Any] = {
        "agency": agency_for(pupil.school),
        "referral_type": "social_care",
        "urgency": "immediate",
        "method": "phone",
        "made_at": FRIDAY_4PM,
        "spoken_to": "Duty social worker, J. Adeyemi",
        "reason": "Disclosure of physical harm by a parent",
        "parents_informed": "not_informed",
        "parents_reason": "Telling the father could put the child at greater risk",
    }
    values.update(overrides)
    return services.referral_make(actor=manager, pupil=pupil, concern=concern, **values)


@pytest.fixture
def agency(world: World) -> Agency:
    return agency_for(world.school)
