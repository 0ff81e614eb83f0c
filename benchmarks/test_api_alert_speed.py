"""Benchmark (not part of `make test`): the alert intake (issue 17's goal, under 100 ms server
time), through the full stack (authentication, the call's record, the services that sign the
concern, chronicle it and tell the DSLs), on a school with a roll of 1,500 and 10,000 concerns,
2,000 of them raised by the same monitoring system before.

Run with `make bench`. Prints the median and 95th-percentile time of a new alert and of one sent
again (the 200 that writes nothing), and the queries one new alert takes.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time
import uuid

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from concerns.models import Concern, ConcernPupil
from schools.models import Pupil
from tests.support.api import bearer, register_client
from tests.support.factories import FIRST_NAMES_FOR_BENCH, LAST_NAMES_FOR_BENCH
from tests.support.world import World

ROLL = 1500
EXISTING = 10_000
EARLIER_ALERTS = 2000
CALLS = 50
GOAL_MS = 100


def _roll(world: World, rng: random.Random) -> list[Pupil]:
    pupils = []
    for n in range(ROLL):
        pupil = Pupil(
            school=world.school,
            legal_first_name=rng.choice(FIRST_NAMES_FOR_BENCH),
            legal_last_name=rng.choice(LAST_NAMES_FOR_BENCH),
            date_of_birth=datetime.date(2010, 9, 1) + datetime.timedelta(days=n % 2500),
            year_group=str(1 + n % 11),
            joined_on=datetime.date(2020, 9, 1),
            upn=f"B{n:012d}",
        )
        pupil.search_text = pupil.build_search_text()
        pupils.append(pupil)
    return Pupil.objects.bulk_create(pupils, batch_size=2000)


def _history(world: World, pupils: list[Pupil], system_user_id: int, rng: random.Random) -> None:
    """10,000 signed concerns, the first 2,000 raised by the monitoring system."""
    staff = world.users["staff"]
    now = timezone.now()
    rows = []
    for n in range(EXISTING):
        system = n < EARLIER_ALERTS
        rows.append(
            Concern(
                id=uuid.uuid4(),
                school=world.school,
                author_id=system_user_id if system else staff.pk,
                status="draft",
                reference=f"{world.school.reference_prefix}-2025-{n:05d}",
                incident_at=now - datetime.timedelta(days=n % 365),
                written_at=now - datetime.timedelta(days=n % 365),
                reason_for_recording="Benchmark",
                account="Benchmark concern",
                immediate_danger=None if system else False,
                reporter_name="Smoothwall Monitor (system)" if system else staff.full_name,
                source_name="Smoothwall Monitor" if system else "",
                source_alert_id=f"SWM-old-{n:05d}" if system else "",
            )
        )
    Concern.objects.bulk_create(rows, batch_size=2000)
    ConcernPupil.objects.bulk_create(
        [
            ConcernPupil(
                school=world.school, concern=c, pupil=rng.choice(pupils), involvement="other"
            )
            for c in rows
        ],
        batch_size=2000,
    )
    # Signed last: the guards refuse pupils added to a concern that is already signed.
    Concern.objects.filter(school=world.school, status="draft").update(
        status="received", content_hash="0" * 64
    )


def _alert(n: int, pupil: Pupil, category_id: int) -> dict[str, object]:
    return {
        "alert_id": f"SWM-bench-{n:04d}",
        "pupils": [{"upn": pupil.upn}],
        "occurred_at": (timezone.now() - datetime.timedelta(minutes=5)).isoformat(),
        "category_id": category_id,
        "severity": "Level 4: high risk",
        "summary": (
            'Search typed in Google Chrome: "how to buy a knife online under 18". Device: '
            f"LAPTOP-{n:02d}. Signed in as pupil{n}@school.example."
        ),
        "link": f"https://monitor.smoothwall.example/alerts/bench-{n:04d}",
    }


def _times(call: object, count: int) -> list[float]:
    timings = []
    for n in range(count):
        start = time.perf_counter()
        call(n)  # type: ignore[operator]
        timings.append((time.perf_counter() - start) * 1000)
    return sorted(timings)


def _figures(timings: list[float]) -> str:
    p95 = timings[int(len(timings) * 0.95) - 1]
    return f"median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms"


def test_an_alert_intake_on_a_school_with_history(world: World, categories) -> None:
    rng = random.Random(17)
    api_client, secret = register_client(
        world.users["dsl"], school=world.school, scopes=["alerts:write"], name="Smoothwall Monitor"
    )
    pupils = _roll(world, rng)
    _history(world, pupils, api_client.user_id, rng)
    category_id = categories["Online safety > Filtering and monitoring alert"].pk
    caller = bearer(secret)
    url = f"/api/v1/schools/{world.school.pk}/alerts/"
    chosen = [rng.choice(pupils) for _ in range(CALLS + 2)]

    def post(n: int) -> object:
        return caller.post(url, _alert(n, chosen[n], category_id), content_type="application/json")

    assert post(CALLS).status_code == 201  # type: ignore[attr-defined]  (warm: a first call)
    reset_queries()  # each request starts the log again: the count from the start of the log
    with CaptureQueriesContext(connection) as one:
        assert post(CALLS + 1).status_code == 201  # type: ignore[attr-defined]
    queries = len(one.captured_queries)  # read now: the next request starts the log again

    statuses: list[int] = []

    def new_alert(n: int) -> None:
        statuses.append(post(n).status_code)  # type: ignore[attr-defined]

    created = _times(new_alert, CALLS)
    assert statuses == [201] * CALLS
    statuses.clear()
    repeated = _times(new_alert, CALLS)
    assert statuses == [200] * CALLS
    assert Concern.objects.filter(school=world.school).count() == EXISTING + CALLS + 2

    print(
        f"\nalert intake, roll {ROLL}, {EXISTING} concerns ({EARLIER_ALERTS} from the system), "
        f"{CALLS} calls each (goal under {GOAL_MS} ms):"
        f"\n  new alert (201): {_figures(created)}"
        f"\n  sent again (200, nothing written): {_figures(repeated)}"
        f"\n  queries for one new alert: {queries}"
    )
