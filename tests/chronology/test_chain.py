"""Each school's chronology is one hash chain that nobody can alter without it showing."""

from __future__ import annotations

import datetime
import threading
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from chronology import services
from chronology.ledger import services as ledger
from chronology.models import ChronologyEntry, CpFile, EntryKind
from concerns import services as concern_services
from tests.concerns.conftest import draft
from tests.support.factories import PupilFactory
from tests.support.guards import bypassing_guards
from tests.support.world import World


def _note(world: World, text: str = "Phoned the social worker") -> ChronologyEntry:
    return services.chronology_add_entry(
        actor=world.users["dsl"],
        pupil=world.pupil,
        kind=EntryKind.PHONE_CALL,
        occurred_at=timezone.now() - datetime.timedelta(hours=2),
        details=text,
        people_involved="Jo Smith, social worker",
    )


def test_signed_events_appear_for_every_pupil_with_their_source(world: World, categories) -> None:
    staff = world.users["staff"]
    second = PupilFactory(school=world.school)
    concern = concern_services.concern_submit(
        actor=staff, concern=draft(staff, [world.pupil, second], categories)
    )
    entries = ChronologyEntry.objects.filter(source_id=str(concern.pk))
    assert {e.pupil_id for e in entries} == {world.pupil.pk, second.pk}
    for entry in entries:
        assert entry.kind == EntryKind.CONCERN
        assert entry.source_label == "concerns.Concern"
        assert entry.source_hash == concern.content_hash
        assert entry.author_name == staff.full_name
    assert ledger.verify_chain(school_id=world.school.pk).ok


def test_chain_links_each_entry_to_the_one_before(world: World) -> None:
    first, second = _note(world, "one"), _note(world, "two")
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.previous_hash == "0" * 64
    assert second.previous_hash == first.entry_hash
    report = ledger.verify_chain(school_id=world.school.pk)
    assert report.ok
    assert report.checked == 2


def test_schools_have_separate_chains(world: World) -> None:
    _note(world)
    other = services.chronology_add_entry(
        actor=world.users["other_dsl"],
        pupil=world.other_pupil,
        kind=EntryKind.NOTE,
        occurred_at=timezone.now(),
        details="Other school's note",
    )
    assert other.sequence == 1


def test_a_correction_is_a_new_entry_and_the_original_stays(world: World) -> None:
    original = _note(world, "Phoned the social worker at 10:00")
    correction = services.chronology_correct(
        actor=world.users["dsl"], entry=original, details="The call was at 11:00"
    )
    assert correction.corrects == original
    assert correction.kind == EntryKind.CORRECTION
    assert (
        ChronologyEntry.objects.get(pk=original.pk).details == "Phoned the social worker at 10:00"
    )


@pytest.mark.parametrize(
    "change",
    [
        lambda e: ChronologyEntry.objects.filter(pk=e.pk).update(details="rewritten"),
        lambda e: ChronologyEntry.objects.filter(pk=e.pk).delete(),
    ],
    ids=["update", "delete"],
)
def test_database_refuses_to_change_an_entry(world: World, change) -> None:
    entry = _note(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        change(entry)


def test_verify_reports_a_row_altered_with_raw_sql_at_that_entry(world: World) -> None:
    entries = [_note(world, f"entry {n}") for n in range(1, 6)]
    bypassing_guards(
        "UPDATE chronology_chronologyentry SET details = %s WHERE id = %s",
        ["tampered", entries[2].pk],
    )
    report = ledger.verify_chain(school_id=world.school.pk)
    assert report.broken_at == 3
    assert report.problem == "its content does not match its hash"
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_records", stdout=out)
    assert "BROKEN at entry 3" in out.getvalue()


def test_verify_reports_a_deleted_row(world: World) -> None:
    entries = [_note(world, f"entry {n}") for n in range(1, 6)]
    bypassing_guards("DELETE FROM chronology_chronologyentry WHERE id = %s", [entries[3].pk])
    report = ledger.verify_chain(school_id=world.school.pk)
    assert report.broken_at == 4
    assert report.problem == "entry 4 is missing"


def test_verify_reports_the_last_row_deleted(world: World) -> None:
    entries = [_note(world, f"entry {n}") for n in range(1, 4)]
    bypassing_guards("DELETE FROM chronology_chronologyentry WHERE id = %s", [entries[-1].pk])
    assert ledger.verify_chain(school_id=world.school.pk).broken_at == 3


def test_verify_records_command_passes_an_intact_chain(world: World) -> None:
    _note(world)
    out = StringIO()
    call_command("verify_records", "--school", world.school.slug, stdout=out)
    assert "1 entries, chain intact" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_appends_from_two_connections_never_fork_the_chain(world: World) -> None:
    errors = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                _note(world, f"writer {n} entry {i}")
        except Exception as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    sequences = sorted(
        ChronologyEntry.objects.filter(school=world.school).values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, 31))
    assert ledger.verify_chain(school_id=world.school.pk).ok


def test_only_managers_add_entries(world: World) -> None:
    for role in ["staff", "head", "tso", "admin", "other_dsl"]:
        with pytest.raises(PermissionDenied):
            services.chronology_add_entry(
                actor=world.users[role],
                pupil=world.pupil,
                kind=EntryKind.NOTE,
                occurred_at=timezone.now(),
                details="x",
            )


def test_cp_file_opens_and_closes_with_reasons_in_the_chronology(world: World) -> None:
    dsl = world.users["dsl"]
    with pytest.raises(ValidationError):
        services.cp_file_open(actor=dsl, pupil=world.pupil, reason=" ")
    cp_file = services.cp_file_open(actor=dsl, pupil=world.pupil, reason="Disclosure of harm")
    with pytest.raises(ValidationError):
        services.cp_file_open(actor=dsl, pupil=world.pupil, reason="again")
    services.cp_file_close(actor=dsl, cp_file=cp_file, reason="Family moved; file transferred")
    kinds = list(
        ChronologyEntry.objects.filter(pupil=world.pupil)
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    assert kinds == [EntryKind.CP_FILE_OPENED, EntryKind.CP_FILE_CLOSED]
    with pytest.raises(IntegrityError), transaction.atomic():
        CpFile.objects.filter(pk=cp_file.pk).update(open_reason="rewritten")


def test_nightly_check_emails_the_platform_administrators_when_a_chain_breaks(world: World) -> None:
    from django.core import mail

    from chronology.tasks import verify_all_chains
    from tests.support.factories import UserFactory

    UserFactory(email="platform@safeguard.example", is_superuser=True, is_staff=True)
    entries = [_note(world, f"entry {n}") for n in range(1, 4)]
    assert verify_all_chains() == []
    # An intact night still sends the chain heads (tests/chronology/test_chain_heads.py).
    assert [m.subject for m in mail.outbox] == ["Safeguard: record-integrity check passed"]
    mail.outbox.clear()
    bypassing_guards(
        "UPDATE chronology_chronologyentry SET details = %s WHERE id = %s", ["x", entries[1].pk]
    )
    broken = verify_all_chains()
    assert len(broken) == 1
    assert "entry 2" in broken[0]
    assert [m.to for m in mail.outbox] == [["platform@safeguard.example"]]
    assert mail.outbox[0].subject == "Safeguard: record-integrity check failed"
    assert "entry 2" in mail.outbox[0].body
    assert "entry 1" not in mail.outbox[0].body
    assert world.pupil.legal_last_name not in mail.outbox[0].body


def test_a_lost_chain_end_is_reported_and_no_second_chain_is_started(world: World) -> None:
    from chronology.models import ChainHead

    _note(world)
    bypassing_guards("DELETE FROM chronology_chainhead WHERE school_id = %s", [world.school.pk])
    assert (
        ledger.verify_chain(school_id=world.school.pk).problem
        == "the record of the chain's end is missing"
    )
    with pytest.raises(ledger.ChainBrokenError):
        _note(world)
    assert not ChainHead.objects.filter(school=world.school).exists()


def test_the_chain_end_cannot_be_moved_or_removed(world: World) -> None:
    from chronology.models import ChainHead

    _note(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChainHead.objects.filter(school=world.school).update(last_sequence=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ChainHead.objects.filter(school=world.school).delete()


def test_statuses_and_risk_assessments_cannot_be_rewritten(world: World) -> None:
    from chronology.models import PupilStatus, RiskAssessment

    status = services.status_add(
        actor=world.users["dsl"],
        pupil=world.pupil,
        kind="early_help",
        start_date=timezone.localdate(),
    )
    assessment = services.risk_assessment_create(
        actor=world.users["dsl"],
        school=world.school,
        pupils=[world.pupil],
        title="t",
        risks="r",
        measures="m",
        review_date=timezone.localdate(),
    )
    for change in (
        lambda: PupilStatus.objects.filter(pk=status.pk).update(kind="cp_plan"),
        lambda: PupilStatus.objects.filter(pk=status.pk).delete(),
        lambda: RiskAssessment.objects.filter(pk=assessment.pk).update(measures="rewritten"),
        lambda: assessment.covered.all().delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
