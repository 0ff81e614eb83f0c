"""Benchmark (not part of `make test`): pupil search on a roll of 2,000, through the full stack.

Run with `make bench`. Prints median and 95th-percentile response times; a benchmark informs,
the query-count test in tests/schools/test_pupils.py guards.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time

from django.urls import reverse

from schools.models import Pupil
from tests.support.factories import FIRST_NAMES_FOR_BENCH, LAST_NAMES_FOR_BENCH
from tests.support.world import World

ROLL = 2000
SEARCHES = 200


def test_pupil_search_on_a_roll_of_2000(client, world: World) -> None:
    rng = random.Random(7)
    pupils = []
    for n in range(ROLL):
        first, last = rng.choice(FIRST_NAMES_FOR_BENCH), rng.choice(LAST_NAMES_FOR_BENCH)
        pupil = Pupil(
            school=world.school,
            legal_first_name=first,
            legal_last_name=last,
            date_of_birth=datetime.date(2012, 1, 1) + datetime.timedelta(days=n % 1500),
            year_group=str(1 + n % 11),
            joined_on=datetime.date(2020, 9, 1),
            upn=f"A{n:012d}",
        )
        pupil.search_text = pupil.build_search_text()
        pupils.append(pupil)
    Pupil.objects.bulk_create(pupils)
    client.force_login(world.users["dsl"])
    url = reverse("pupil-list")
    queries = [rng.choice(LAST_NAMES_FOR_BENCH)[:3].lower() for _ in range(SEARCHES)]
    client.get(url, {"q": "warm"}, HTTP_HX_REQUEST="true")
    timings = []
    for q in queries:
        start = time.perf_counter()
        response = client.get(url, {"q": q}, HTTP_HX_REQUEST="true")
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"\npupil search, roll {ROLL}, {SEARCHES} htmx searches: p50 {p50:.1f} ms, p95 {p95:.1f} ms"
    )
