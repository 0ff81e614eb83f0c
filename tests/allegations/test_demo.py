"""The demo's allegations: written through the services, and seeding twice changes nothing."""

from __future__ import annotations

import datetime

import pytest

from allegations.models import Allegation, LowLevelConcern
from chronology.models import ChronologyEntry


@pytest.mark.django_db
def test_demo_allegations_at_alderbrook_are_idempotent() -> None:
    from schools.demo import seed_demo

    seed_demo(password="demo-password-123", today=datetime.date(2026, 11, 20))
    entries = ChronologyEntry.objects.count()
    seed_demo(password="demo-password-123", today=datetime.date(2026, 11, 20))
    assert ChronologyEntry.objects.count() == entries
    allegations = Allegation.objects.filter(school__slug="alderbrook")
    open_one = allegations.get(closed_at__isnull=True)
    assert open_one.lado_contacted_at is not None
    assert open_one.school.local_authority == "Essex"
    assert open_one.steps.count() == 4
    closed = allegations.get(closed_at__isnull=False)
    assert closed.outcome == "unfounded"
    assert closed.refer_in_references is False
    assert not Allegation.objects.exclude(school__slug="alderbrook").exists()
    concerns = LowLevelConcern.objects.filter(school__slug="alderbrook")
    assert concerns.count() == 3
    assert concerns.filter(subject_key="chris doyle").count() == 2
    assert not ChronologyEntry.objects.filter(details__icontains="Daniel Price").exists()
