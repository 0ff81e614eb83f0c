"""The demo's allegations: written through the services, and seeding twice changes nothing."""

from __future__ import annotations

import datetime

import pytest

from allegations.models import Allegation, LowLevelConcern, StepKind
from chronology.models import ChronologyEntry
from contacts.models import FamilyContact


@pytest.mark.django_db
def test_demo_allegations_at_alderbrook_are_idempotent() -> None:
    from demo.seed import seed_demo

    seed_demo(password="demo-password-123", today=datetime.date(2026, 11, 20), history=False)
    entries = ChronologyEntry.objects.count()
    seed_demo(password="demo-password-123", today=datetime.date(2026, 11, 20), history=False)
    assert ChronologyEntry.objects.count() == entries
    allegations = Allegation.objects.filter(school__slug="alderbrook")
    open_one = allegations.get(closed_at__isnull=True)
    assert open_one.lado_contacted_at is not None
    assert open_one.school.local_authority == "Essex"
    # The history reads in the order things happened: the report, then the LADO, and so on.
    steps = list(open_one.steps.all())
    assert [s.kind for s in steps] == [
        StepKind.RECORDED,
        StepKind.LADO_CONTACTED,
        StepKind.POLICE,
        StepKind.NOTE,
    ]
    times = [s.occurred_at for s in steps]
    assert times == sorted(times)
    assert times[0] == open_one.reported_at
    # The story fits the pupil linked to it, told by that pupil's own parent.
    pupil = open_one.pupils.get().pupil
    first_name = pupil.preferred_first_name or pupil.legal_first_name
    assert f"said {first_name} had told them" in open_one.account
    for word in [" son", " daughter", " him", " his ", " he ", " her ", " she "]:
        assert word not in open_one.account, word
    parent = FamilyContact.objects.get(pupil=pupil, name=open_one.reported_by_name)
    assert parent.parental_responsibility
    closed = allegations.get(closed_at__isnull=False)
    assert closed.outcome == "unfounded"
    assert closed.refer_in_references is False
    assert not Allegation.objects.exclude(school__slug="alderbrook").exists()
    concerns = LowLevelConcern.objects.filter(school__slug="alderbrook")
    assert concerns.count() == 3
    assert concerns.filter(subject_key="chris doyle").count() == 2
    assert not ChronologyEntry.objects.filter(details__icontains="Daniel Price").exists()
