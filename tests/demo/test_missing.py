"""The demo's missing children: written through the services, and seeding twice adds nothing."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from chronology.ledger.services import verify_chain
from chronology.models import ChronologyEntry, EntryKind
from concerns.missing.selectors import absence_state, missing_count_last_12_months
from concerns.models import ContinuousAbsence, MissingEpisode
from safeguard.workdays import LONDON


@pytest.mark.django_db
def test_demo_missing_children_in_every_school_and_seeding_twice_adds_nothing() -> None:
    from demo.seed import seed_demo

    today = datetime.date(2026, 11, 20)  # a Friday
    with time_machine.travel(datetime.datetime(2026, 11, 20, 16, tzinfo=LONDON), tick=False):
        seed_demo(password="demo-password-123", today=today, history=False)
        counts = (
            MissingEpisode.objects.count(),
            ContinuousAbsence.objects.count(),
            ChronologyEntry.objects.count(),
        )
        seed_demo(password="demo-password-123", today=today, history=False)
    assert counts[:2] == (6, 1)
    assert ChronologyEntry.objects.count() == counts[2]
    assert not MissingEpisode.objects.filter(closed_at__isnull=True).exists()
    for slug in ["alderbrook", "southend-bay", "leicester-road"]:
        full = MissingEpisode.objects.get(school__slug=slug, steps__step="police_told_of_return")
        assert set(full.steps.values_list("step", flat=True)) == {
            "searched",
            "contacted",
            "parents_told",
            "police_reported",
            "social_worker_told",
            "found",
            "police_told_of_return",
            "return_interview",
        }
        assert verify_chain(school_id=full.school_id).ok
    frequent = MissingEpisode.objects.filter(school__slug="alderbrook").exclude(
        steps__step="police_told_of_return"
    )
    # Found during the search: each records why the police were not called.
    assert all(e.steps.get(step="police_reported", not_applicable=True).notes for e in frequent)
    pupil = frequent.first().pupil
    now = datetime.datetime(2026, 11, 20, 16, tzinfo=LONDON)
    assert missing_count_last_12_months(pupil=pupil, now=now) == 3
    assert ChronologyEntry.objects.filter(pupil=pupil, kind=EntryKind.MISSING_CLOSED).count() == 3
    absence = ContinuousAbsence.objects.get()
    assert absence.school.slug == "alderbrook"
    state = absence_state(absence, today)
    assert (state.school_days, state.state) == (8, "due")
