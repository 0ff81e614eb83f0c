"""Benchmarks (not part of `make test`): a pupil's chronology with 2,000 entries, and checking a
chain of 100,000 entries. Run with `make bench`."""

from __future__ import annotations

import datetime
import statistics
import time

from django.urls import reverse
from django.utils import timezone

from chronology.ledger.content import SIGNED_FIELDS, entry_content
from chronology.ledger.services import verify_chain
from chronology.models import GENESIS_HASH, ChainHead, ChronologyEntry
from safeguard.signing import content_hash
from tests.support.world import World


def _chain(world: World, count: int, pupils: list) -> None:
    """Append `count` correctly chained entries in bulk (as the service would, without the lock)."""
    dsl = world.users["dsl"]
    previous = GENESIS_HASH
    now = timezone.now()
    batch = []
    for n in range(1, count + 1):
        entry = ChronologyEntry(
            school=world.school,
            pupil_id=pupils[n % len(pupils)].pk,
            sequence=n,
            kind="note",
            occurred_at=now - datetime.timedelta(minutes=count - n),
            details=f"Benchmark entry {n}: a call, a meeting, a note of what was said and done.",
            author=dsl,
            author_name=dsl.full_name,
            author_role="Designated Safeguarding Lead",
            recorded_at=now,
            previous_hash=previous,
        )
        entry.entry_hash = content_hash(
            entry_content({f: getattr(entry, f) for f in SIGNED_FIELDS})
        )
        previous = entry.entry_hash
        batch.append(entry)
        if len(batch) == 5000:
            ChronologyEntry.objects.bulk_create(batch)
            batch = []
    ChronologyEntry.objects.bulk_create(batch)
    ChainHead.objects.update_or_create(
        school=world.school, defaults={"last_sequence": count, "last_hash": previous}
    )


def _time(client, url: str, runs: int = 15) -> tuple[float, float]:
    client.get(url)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        assert client.get(url).status_code == 200
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), max(timings)


def test_open_the_chronology_of_a_pupil_with_2000_entries(client, world: World) -> None:
    _chain(world, 2000, [world.pupil])
    client.force_login(world.users["dsl"])
    page = _time(client, reverse("pupil-chronology", kwargs={"pk": world.pupil.pk}))
    safeguarding = _time(client, reverse("pupil-safeguarding", kwargs={"pk": world.pupil.pk}))
    printed = _time(
        client, reverse("pupil-chronology-print", kwargs={"pk": world.pupil.pk}), runs=3
    )
    print(
        f"\nchronology of 2000 entries: page median {page[0]:.1f} ms (max {page[1]:.1f}); "
        f"safeguarding page median {safeguarding[0]:.1f} ms; "
        f"whole print view median {printed[0]:.0f} ms"
    )


def test_verify_a_chain_of_100000_entries(world: World) -> None:
    _chain(
        world,
        100_000,
        [
            world.pupil,
            world.other_pupil.__class__.objects.create(
                school=world.school,
                legal_first_name="B",
                legal_last_name="Bench",
                date_of_birth=datetime.date(2015, 1, 1),
                year_group="5",
                joined_on=datetime.date(2020, 9, 1),
                search_text="b bench",
            ),
        ],
    )
    start = time.perf_counter()
    report = verify_chain(school_id=world.school.pk)
    elapsed = time.perf_counter() - start
    assert report.ok
    assert report.checked == 100_000
    print(f"\nverify_records: 100000 entries checked in {elapsed:.2f} s")
