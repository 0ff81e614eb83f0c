"""The demo's referrals: every state a DSL meets, in every school, written through the services."""

from __future__ import annotations

import datetime

import pytest

from chronology.ledger.services import verify_chain
from demo.referrals import seed_demo_referrals
from demo.seed import seed_demo
from referrals.models import Referral
from schools.models import School


@pytest.mark.django_db
def test_demo_referrals_in_every_state_and_seeding_twice_adds_nothing() -> None:
    today = datetime.date(2026, 11, 18)
    seed_demo(password="demo-password-123", today=today, history=False)
    for school in School.objects.all():
        referrals = Referral.objects.filter(school=school)
        assert referrals.filter(status="closed", outcome="section_47").count() == 1
        assert referrals.filter(status="escalated").count() == 1
        assert referrals.filter(status="open").count() == 2
        outstanding = referrals.filter(follow_up_due_at__isnull=False, follow_up_at__isnull=True)
        assert outstanding.count() == 1
        assert verify_chain(school_id=school.pk).ok
        assert seed_demo_referrals(school=school, today=today) == 0
    times = {
        school.slug: sorted(
            Referral.objects.filter(school=school).values_list("made_at", flat=True)
        )
        for school in School.objects.all()
    }
    assert times["alderbrook"] != times["southend-bay"]
