"""Benchmark (not part of `make test`): a roll of 2,000 pupils imported from a CSV, previewed and
applied through the services, then the same file again (nothing to do).

Run with `make bench`. Prints the time of each step; the issue asks for 2,000 pupils previewed
and applied in well under 10 seconds. A benchmark informs; the tests in
tests/roll/imports guard what the import does.
"""

from __future__ import annotations

import random
import time

from demo.pupils import upn_with_check_letter
from roll.imports import services
from roll.imports.selectors import roll_import_columns_for
from schools.models import Pupil
from tests.support.factories import FIRST_NAMES_FOR_BENCH, LAST_NAMES_FOR_BENCH
from tests.support.world import World

ROLL = 2000
HEADING = "UPN,Legal Surname,Legal Forename,DOB,Year,Reg,Gender,Ethnicity,SEN Status,FSM"


def _csv(rng: random.Random) -> bytes:
    lines = [HEADING]
    for n in range(ROLL):
        year = 1 + n % 11
        lines.append(
            ",".join(
                [
                    upn_with_check_letter(f"8810001{n:05d}"),
                    rng.choice(LAST_NAMES_FOR_BENCH),
                    rng.choice(FIRST_NAMES_FOR_BENCH),
                    f"{1 + n % 28:02d}/{1 + n % 12:02d}/{2026 - 5 - year}",
                    f"Year {year}",
                    f"{year}{'ABC'[n % 3]}",
                    "MF"[n % 2],
                    "WBRI",
                    "N",
                    "N",
                ]
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def _preview(world: World, data: bytes):
    admin = world.users["admin"]
    roll_import = services.roll_import_start(
        actor=admin,
        school=world.school,
        source="csv",
        file_name="roll.csv",
        data=data,
        whole_roll=True,
    )
    return services.roll_import_columns_set(
        actor=admin,
        roll_import=roll_import,
        columns=roll_import_columns_for(roll_import=roll_import),
    )


def test_import_a_roll_of_2000(world: World) -> None:
    data = _csv(random.Random(14))
    start = time.perf_counter()
    roll_import = _preview(world, data)
    previewed = time.perf_counter() - start
    assert roll_import.problems == [], roll_import.problems[:3]
    assert roll_import.joiners == ROLL

    start = time.perf_counter()
    services.roll_import_apply(actor=world.users["admin"], roll_import=roll_import)
    applied = time.perf_counter() - start
    assert Pupil.objects.filter(school=world.school, left_on__isnull=True).count() == ROLL

    start = time.perf_counter()
    again = _preview(world, data)
    repeated = time.perf_counter() - start
    assert (again.joiners, again.changes, again.leavers) == (0, 0, 0)
    print(
        f"\nroll import, CSV of {ROLL} pupils: preview {previewed:.2f} s, apply {applied:.2f} s "
        f"(together {previewed + applied:.2f} s); the same file again {repeated:.2f} s"
    )
