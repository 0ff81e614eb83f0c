"""Benchmark (not part of `make test`): the scheduled review over a trust with 50,000 open items.

Run with `make bench`. Seeds 20,000 untriaged concerns, 20,000 overdue actions and 10,000 risk
assessments due for review in one school (bulk inserts), then times the review: the first run,
which raises every reminder, and the next run, which finds everything already told (what the
review costs every five minutes in steady state).
"""

from __future__ import annotations

import datetime
import time
import uuid

from django.utils import timezone

from chronology.models import RiskAssessment
from concerns.models import Action, Concern
from reminders.models import Reminder
from reminders.services import reviews_run
from tests.support.world import World

CONCERNS = 20_000
ACTIONS = 20_000
ASSESSMENTS = 10_000


def test_review_of_50000_open_items(world: World, django_capture_on_commit_callbacks) -> None:
    staff, dsl = world.users["staff"], world.users["dsl"]
    now = timezone.now()
    written = now - datetime.timedelta(days=10)
    concerns = [
        Concern(
            id=uuid.uuid4(),
            school=world.school,
            author=staff,
            status="received",
            reference=f"{world.school.reference_prefix}-2026-{n:05d}",
            incident_at=written,
            written_at=written,
            reason_for_recording="Benchmark",
            account="Benchmark concern",
            immediate_danger=n % 10 == 0,
            reporter_name=staff.full_name,
            content_hash="0" * 64,
        )
        for n in range(CONCERNS)
    ]
    Concern.objects.bulk_create(concerns, batch_size=2000)
    Action.objects.bulk_create(
        [
            Action(
                school=world.school,
                concern=concerns[n % CONCERNS],
                description="Benchmark action",
                owner=staff,
                created_by=dsl,
                due_on=now.date() - datetime.timedelta(days=3),
            )
            for n in range(ACTIONS)
        ],
        batch_size=2000,
    )
    RiskAssessment.objects.bulk_create(
        [
            RiskAssessment(
                school=world.school,
                title="Benchmark",
                risks="Benchmark",
                measures="Benchmark",
                review_date=now.date() - datetime.timedelta(days=1),
                created_by=dsl,
            )
            for _ in range(ASSESSMENTS)
        ],
        batch_size=2000,
    )
    start = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=False):  # no broker round trips timed
        first = reviews_run(now=now)
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    again = reviews_run(now=now)
    steady_s = time.perf_counter() - start
    assert again.raised == 0
    assert Reminder.objects.count() == first.raised
    print(
        f"\nreview of {CONCERNS + ACTIONS + ASSESSMENTS} open items: first run (raises "
        f"{first.raised} reminders) {first_s:.1f} s; steady state {steady_s:.2f} s"
    )
