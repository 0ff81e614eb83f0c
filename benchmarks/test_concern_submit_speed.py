"""Benchmark (not part of `make test`): signing and submitting a concern when the school already
holds 10,000 concerns, through the full stack (the "Sign and submit" request).

Run with `make bench`. Prints the median and 95th-percentile server time of the submit request.
"""

from __future__ import annotations

import datetime
import statistics
import time
import uuid

from django.urls import reverse
from django.utils import timezone

from concerns.models import Concern, ConcernPupil
from tests.concerns.conftest import draft
from tests.support.world import World

EXISTING = 10_000
SUBMISSIONS = 40


def test_submit_a_concern_among_10000(client, world: World, categories) -> None:
    staff = world.users["staff"]
    now = timezone.now()
    rows = [
        Concern(
            id=uuid.uuid4(),
            school=world.school,
            author=staff,
            status="draft",
            reference=f"{world.school.reference_prefix}-2025-{n:05d}",
            incident_at=now - datetime.timedelta(days=n % 365),
            written_at=now - datetime.timedelta(days=n % 365),
            reason_for_recording="Benchmark",
            account="Benchmark concern",
            immediate_danger=False,
            reporter_name=staff.full_name,
        )
        for n in range(EXISTING)
    ]
    Concern.objects.bulk_create(rows, batch_size=2000)
    ConcernPupil.objects.bulk_create(
        [
            ConcernPupil(
                school=world.school, concern=c, pupil=world.pupil, involvement="experienced"
            )
            for c in rows
        ],
        batch_size=2000,
    )
    # Signed last: the guards refuse pupils added to a concern that is already signed.
    Concern.objects.filter(school=world.school, status="draft").update(
        status="received", content_hash="0" * 64
    )
    client.force_login(staff)
    timings = []
    for _ in range(SUBMISSIONS):
        concern = draft(staff, [world.pupil], categories)
        url = reverse("concern-check", kwargs={"pk": concern.pk})
        start = time.perf_counter()
        response = client.post(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 302
    assert Concern.objects.filter(school=world.school).count() == EXISTING + SUBMISSIONS
    timings.sort()
    print(
        f"\nsubmit a concern with {EXISTING} in the school, {SUBMISSIONS} submissions: "
        f"median {statistics.median(timings):.1f} ms, p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms"
    )
