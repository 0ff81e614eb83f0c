"""Benchmarks (not part of `make test`): a pupil's chronology with 2,000 entries, checking a chain
of 100,000 entries, and checking a chain of 21,000 entries that cite signed records, each
re-hashed from its row (docs/adr/0030). Run with `make bench`."""

from __future__ import annotations

import datetime
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from benchmarks.chain import note_entry, sealed
from chronology.ledger.services import verify_chain
from chronology.models import GENESIS_HASH, ChainHead, ChronologyEntry, EntryKind
from concerns.content import addendum_content, concern_content, dsl_record_content
from concerns.models import Addendum, Concern, ConcernPupil, DslRecord, InvolvementCategory
from referrals.content import referral_content
from referrals.models import Referral
from safeguard.signing import content_hash
from tests.referrals.conftest import agency_for
from tests.support.world import World


def _chain(world: World, count: int, pupils: list) -> None:
    """Append `count` correctly chained entries in bulk (as the service would, without the lock)."""
    dsl = world.users["dsl"]
    previous = GENESIS_HASH
    now = timezone.now()
    batch = []
    for n in range(1, count + 1):
        entry = note_entry(
            school=world.school,
            pupil_id=pupils[n % len(pupils)].pk,
            sequence=n,
            occurred_at=now - datetime.timedelta(minutes=count - n),
            author=dsl,
            recorded_at=now,
            previous=previous,
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


def _sign_concerns(world: World, categories: dict, count: int) -> list[Concern]:
    """`count` concerns about the world's pupil, written as drafts in bulk and then signed with
    the content function the service signs with (from their rows, as the service does)."""
    staff = world.users["staff"]
    category = categories["Physical abuse"]
    now = timezone.now()
    drafts = [
        Concern(
            school=world.school,
            author=staff,
            reference=f"BEN-{n:05d}",
            incident_at=now - datetime.timedelta(hours=count - n + 1),
            location="Playground",
            reason_for_recording="A disclosure",
            account=f"Benchmark account {n}: what was seen and said, in the staff member's words.",
            immediate_danger=False,
            reporter_name=staff.full_name,
            reporter_job_title="Teacher",
            written_at=now - datetime.timedelta(hours=count - n),
        )
        for n in range(count)
    ]
    Concern.objects.bulk_create(drafts, batch_size=2000)
    involvements = [
        ConcernPupil(
            school=world.school,
            concern=c,
            pupil=world.pupil,
            involvement="experienced",
            pupil_legal_name=world.pupil.legal_name,
            pupil_year_group="Year 5",
        )
        for c in drafts
    ]
    ConcernPupil.objects.bulk_create(involvements, batch_size=2000)
    InvolvementCategory.objects.bulk_create(
        [
            InvolvementCategory(
                school=world.school, involvement=i, category=category, label=category.label
            )
            for i in involvements
        ],
        batch_size=2000,
    )
    signed = []
    rows = Concern.objects.filter(school=world.school).prefetch_related(
        "involvements__involvementcategory_set", "body_marks", "attachments"
    )
    for concern in rows.order_by("reference"):
        concern.content_hash = content_hash(
            concern_content(
                concern,
                concern.involvements.all(),
                concern.body_marks.all(),
                concern.attachments.all(),
            )
        )
        concern.status = "received"
        signed.append(concern)
    Concern.objects.bulk_update(signed, ["content_hash", "status"], batch_size=2000)
    return signed


def _signed_records_chain(world: World, categories: dict, concerns: int) -> int:
    """Each concern signed, with its signed DSL record; every other one with an addendum and a
    referral; each in the chronology with its hash, chained as the service chains (in bulk)."""
    dsl = world.users["dsl"]
    now = timezone.now()
    cited: list[tuple[str, str, object, str, object]] = []  # kind, label, id, hash, concern
    records: list[DslRecord] = []
    addenda: list[Addendum] = []
    referrals: list[Referral] = []
    agency = agency_for(world.school)
    for n, concern in enumerate(_sign_concerns(world, categories, concerns)):
        cited.append((EntryKind.CONCERN, "concerns.Concern", concern.pk, concern.content_hash,
                      concern.pk))  # fmt: skip
        record = DslRecord(
            school=world.school,
            concern=concern,
            received_at=now,
            received_from="The reporter, in Safeguard",
            actions=["monitoring"],
            action_reasons="Benchmark reasons",
            level_of_need="additional",
            level_of_need_reason="Benchmark reasons",
            parents_informed=True,
            parents_informed_reason="Benchmark reasons",
            cp_file_decision="no",
            cp_file_reason="Benchmark reasons",
            status="signed",
            signed_by=dsl,
            signer_name=dsl.full_name,
            signer_role="Designated Safeguarding Lead",
            signed_at=now,
        )
        record.content_hash = content_hash(dsl_record_content(record, concern, []))
        records.append(record)
        cited.append((EntryKind.DSL_DECISION, "concerns.DslRecord", record.pk,
                      record.content_hash, concern.pk))  # fmt: skip
        if n % 2:
            continue
        addendum = Addendum(
            school=world.school,
            concern=concern,
            author=dsl,
            author_name=dsl.full_name,
            text="A later fact, added by the DSL.",
            signed_at=now,
        )
        addendum.content_hash = content_hash(addendum_content(addendum, concern))
        addenda.append(addendum)
        cited.append((EntryKind.ADDENDUM, "concerns.Addendum", addendum.pk,
                      addendum.content_hash, concern.pk))  # fmt: skip
        referral = Referral(
            school=world.school,
            pupil=world.pupil,
            concern=concern,
            agency=agency,
            agency_name=agency.name,
            referral_type="social_care",
            urgency="routine",
            method="portal",
            made_at=now,
            reason="Benchmark referral",
            parents_informed="informed",
            parents_reason="Benchmark reasons",
            made_by=dsl,
            made_by_name=dsl.full_name,
            response_due_at=now + datetime.timedelta(days=1),
        )
        referral.content_hash = content_hash(referral_content(referral))
        referrals.append(referral)
        cited.append((EntryKind.REFERRAL_MADE, "referrals.Referral", referral.pk,
                      referral.content_hash, concern.pk))  # fmt: skip
    DslRecord.objects.bulk_create(records, batch_size=2000)
    Addendum.objects.bulk_create(addenda, batch_size=2000)
    Referral.objects.bulk_create(referrals, batch_size=2000)
    previous = GENESIS_HASH
    batch = []
    for n, (kind, label, source_id, source_hash, concern_id) in enumerate(cited, start=1):
        entry = ChronologyEntry(
            school=world.school,
            pupil=world.pupil,
            sequence=n,
            kind=kind,
            occurred_at=now - datetime.timedelta(minutes=len(cited) - n),
            details=f"Benchmark entry {n}: one line about the signed record.",
            significant=kind == EntryKind.DSL_DECISION,
            source_label=label,
            source_id=str(source_id),
            source_hash=source_hash,
            concern_ref=concern_id,
            author=dsl,
            author_name=dsl.full_name,
            author_role="Designated Safeguarding Lead",
            recorded_at=now,
            previous_hash=previous,
        )
        previous = sealed(entry)
        batch.append(entry)
    ChronologyEntry.objects.bulk_create(batch, batch_size=5000)
    ChainHead.objects.update_or_create(
        school=world.school, defaults={"last_sequence": len(cited), "last_hash": previous}
    )
    return len(cited)


def test_verify_a_chain_of_21000_entries_citing_signed_records(world: World, categories) -> None:
    entries = _signed_records_chain(world, categories, 7000)
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        report = verify_chain(school_id=world.school.pk)
    elapsed = time.perf_counter() - start
    assert report.ok, report.broken_records[:3]
    assert report.checked == entries == 21_000
    assert report.records_checked == entries
    start = time.perf_counter()
    chain_only = verify_chain(school_id=world.school.pk, records=False)
    chain_elapsed = time.perf_counter() - start
    assert chain_only.ok
    print(
        f"\nverify_records: {entries} entries citing {report.records_checked} signed records "
        f"(concerns, DSL records, addenda, referrals) re-hashed in {elapsed:.2f} s, "
        f"{len(queries)} queries; the chain alone in {chain_elapsed:.2f} s"
    )
