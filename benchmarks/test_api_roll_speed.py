"""Benchmark (not part of `make test`): 2,000 new pupils upserted through the API in one call,
then the same 2,000 again (nothing to do), as an MIS connector sends them.

Run with `make bench`. Prints the server's time for each call (the request handled in-process:
authentication, reading the body, the roll import's plan and writes, the answer); issue 17 asks
for a roll upsert of 2,000 pupils under 5 seconds. A benchmark informs; tests/api/test_roll.py
guards what the upsert does.
"""

from __future__ import annotations

import json
import random
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.pupils import upn_with_check_letter
from roll.rules import academic_year_start
from schools.models import Pupil
from tests.support.api import bearer, register_client
from tests.support.factories import FIRST_NAMES_FOR_BENCH, LAST_NAMES_FOR_BENCH
from tests.support.world import World

ROLL = 2000
LIMIT_SECONDS = 5.0


def _pupils(rng: random.Random, start: int) -> list[dict[str, object]]:
    pupils: list[dict[str, object]] = []
    for n in range(ROLL):
        year = 1 + n % 11
        pupils.append(
            {
                "upn": upn_with_check_letter(f"8810001{n:05d}"),
                "legal_first_name": rng.choice(FIRST_NAMES_FOR_BENCH),
                "legal_last_name": rng.choice(LAST_NAMES_FOR_BENCH),
                "date_of_birth": f"{start - year - 5}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "year_group": str(year),
                "registration_group": f"{year}{'ABC'[n % 3]}",
                "admission_number": f"{n:06d}",
                "gender": "MF"[n % 2],
                "ethnicity": "WBRI",
                "sen_provision": "N",
                "fsm_eligible": n % 5 == 0,
                "pupil_premium": n % 4 == 0,
                "looked_after": False,
                "joined_on": f"{start - year + 1}-09-0{1 + n % 5}",
            }
        )
    return pupils


def _timed_post(api, url: str, body: str) -> tuple[float, int, dict]:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = api.post(url, body, content_type="application/json")
        seconds = time.perf_counter() - start
    assert response.status_code == 200, response.content[:2000]
    return seconds, len(queries.captured_queries), response.json()


def test_upsert_2000_pupils_then_the_same_again(world: World) -> None:
    from django.utils import timezone

    _, secret = register_client(world.users["dsl"], school=world.school, scopes=["roll:write"])
    api = bearer(secret)
    url = f"/api/v1/schools/{world.school.pk}/pupils/"
    start_year = academic_year_start(timezone.localdate())
    body = json.dumps({"pupils": _pupils(random.Random(17), start_year)})

    first, first_queries, added = _timed_post(api, url, body)
    assert (added["added"], added["updated"], added["unchanged"]) == (ROLL, 0, 0)
    assert Pupil.objects.filter(school=world.school).count() == ROLL + 1

    again, again_queries, unchanged = _timed_post(api, url, body)
    assert (unchanged["changed"], unchanged["unchanged"]) == (False, ROLL)

    print(
        f"\nAPI roll upsert, {ROLL} pupils in one call ({len(body) / 1024:.0f} KB of JSON): "
        f"new {first:.2f} s ({first_queries} queries), "
        f"the same again {again:.2f} s ({again_queries} queries)"
    )
    assert first < LIMIT_SECONDS
    assert again < LIMIT_SECONDS
