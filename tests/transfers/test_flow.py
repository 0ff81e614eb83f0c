"""The transfer flow's services: the KCSIE deadline, a pupil leaving, the export task's service,
sending in the service, accepting (pupil matched or added), returning, the route for a school
outside the service, import, and the reminders that chase it all."""

# ruff: noqa: F811 (fixtures imported from tests/support/transfer_fixtures.py are arguments of the tests)

from __future__ import annotations

import datetime
import zipfile
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from chronology.ledger.services import verify_chain
from chronology.models import ChronologyEntry, CpFile, EntryKind
from reminders.models import Reminder
from reminders.services import reviews_run
from safeguard.models import Notification
from schools.models import Pupil, SchoolClosure, SchoolMembership
from tests.support.factories import PupilFactory, SchoolFactory, member
from tests.support.transfer_fixtures import (  # the fixtures, by name
    LEAVING,
    _start,
    ready,  # noqa: F401
    ready_elsewhere,  # noqa: F401
)
from tests.support.transfers import bundle_files, tampered_bundle, transfer_row
from tests.support.world import World
from transfers import services
from transfers.export import pdf as pdf_module
from transfers.export.bundle import bundle_build, bundle_package
from transfers.models import (
    Export,
    ExportState,
    IncomingSource,
    IncomingState,
    IncomingTransfer,
    ReceiptHow,
    SentHow,
    Transfer,
    TransferState,
)
from transfers.selectors import incoming_get_for, transfer_get_for
from transfers.signing.verify import pdf_signature_check

# --- The deadline ------------------------------------------------------------------------------


def test_in_year_deadline_is_five_school_days_after_leaving(world: World) -> None:
    deadline = services.transfer_deadline(school=world.school, leaving_date=LEAVING)
    assert deadline.due == datetime.date(2026, 11, 25)  # Thu, Fri, Mon, Tue, Wed
    assert not deadline.end_of_term


def test_a_closure_inside_the_five_days_is_skipped(world: World) -> None:
    SchoolClosure.objects.create(
        school=world.school,
        name="INSET days",
        first_day=datetime.date(2026, 11, 23),
        last_day=datetime.date(2026, 11, 24),
    )
    deadline = services.transfer_deadline(school=world.school, leaving_date=LEAVING)
    assert deadline.due == datetime.date(2026, 11, 27)
    assert not deadline.end_of_term


def test_leaving_at_the_end_of_term_is_due_in_the_first_five_days_of_the_next(
    world: World,
) -> None:
    SchoolClosure.objects.create(
        school=world.school,
        name="Christmas holiday",
        first_day=datetime.date(2026, 12, 21),
        last_day=datetime.date(2027, 1, 1),
    )
    deadline = services.transfer_deadline(
        school=world.school, leaving_date=datetime.date(2026, 12, 18)
    )
    assert deadline.end_of_term
    # Term starts Monday 4 January 2027: its fifth day is Friday 8 January.
    assert deadline.due == datetime.date(2027, 1, 8)
    assert "first 5 school days of the new term" in deadline.rule


def test_a_one_day_closure_after_leaving_is_not_an_end_of_term(world: World) -> None:
    SchoolClosure.objects.create(
        school=world.school,
        name="INSET day",
        first_day=datetime.date(2026, 11, 30),
        last_day=datetime.date(2026, 11, 30),
    )
    deadline = services.transfer_deadline(
        school=world.school, leaving_date=datetime.date(2026, 11, 27)
    )
    assert not deadline.end_of_term
    assert deadline.due == datetime.date(2026, 12, 7)  # Tue 1 to Mon 7 December


def test_a_half_term_after_leaving_is_an_end_of_term(world: World) -> None:
    SchoolClosure.objects.create(
        school=world.school,
        name="Spring half term",
        first_day=datetime.date(2027, 2, 15),
        last_day=datetime.date(2027, 2, 19),
    )
    deadline = services.transfer_deadline(
        school=world.school, leaving_date=datetime.date(2027, 2, 12)
    )
    assert deadline.end_of_term


# --- A pupil leaving ---------------------------------------------------------------------------


def test_marking_a_pupil_leaving_queues_the_export(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch("transfers.tasks.export_render.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            transfer = services.transfer_start(
                actor=world.users["deputy"],
                pupil=world.pupil,
                leaving_date=LEAVING,
                destination_school=world.other_school,
            )
    delay.assert_called_once_with(str(transfer.export_id))
    transfer.refresh_from_db()
    assert transfer.state == TransferState.PREPARING
    assert transfer.export.state == ExportState.QUEUED  # nothing rendered in the request
    assert transfer.destination_name == "Beta School"
    assert transfer.deadline == datetime.date(2026, 11, 25)
    world.pupil.refresh_from_db()
    assert world.pupil.left_on == LEAVING


@pytest.mark.parametrize("role", ["staff", "head", "admin", "tso", "other_dsl"])
def test_only_the_dsl_and_deputies_transfer(world: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        services.transfer_start(
            actor=world.users[role],
            pupil=world.pupil,
            leaving_date=LEAVING,
            destination_school=world.other_school,
        )
    assert not Transfer.objects.exists()


def test_one_transfer_at_a_time(world: World, django_capture_on_commit_callbacks: Any) -> None:
    _start(world, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as refused:
        services.transfer_start(
            actor=world.users["dsl"],
            pupil=world.pupil,
            leaving_date=LEAVING,
            destination_name="Somewhere Primary",
            destination_address="1 Road",
        )
    assert "already being transferred" in str(refused.value)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"destination_name": "", "destination_address": "1 Road"}, "destination_name", "name"),
        ({"destination_name": "Elm School", "destination_address": " "}, "destination_address", ""),
        (
            {"destination_name": "Elm School", "destination_address": "1 Road",
             "leaving_date": datetime.date(2020, 1, 1)},
            "leaving_date",
            "on or after the day they joined",
        ),
        (
            {"destination_name": "Elm School", "destination_address": "1 Road",
             "leaving_date": timezone.localdate() + datetime.timedelta(days=400)},
            "leaving_date",
            "within the next year",
        ),
    ],
)  # fmt: skip
def test_what_a_transfer_needs(
    world: World, kwargs: dict[str, Any], field: str, message: str
) -> None:
    arguments = {"actor": world.users["dsl"], "pupil": world.pupil, "leaving_date": LEAVING}
    arguments.update(kwargs)
    with pytest.raises(ValidationError) as refused:
        services.transfer_start(**arguments)
    assert field in refused.value.message_dict
    assert message in " ".join(refused.value.message_dict[field])


def test_not_to_the_pupils_own_school(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.transfer_start(
            actor=world.users["dsl"],
            pupil=world.pupil,
            leaving_date=LEAVING,
            destination_school=world.school,
        )
    assert "destination_school" in refused.value.message_dict


# --- The export --------------------------------------------------------------------------------


def test_the_export_is_a_signed_pdf_and_a_bundle_in_the_schools_folder(
    world: World, ready: Transfer
) -> None:
    export = ready.export
    assert ready.state == TransferState.READY
    assert export.progress == 100
    assert export.pages
    assert export.pages >= 3
    assert export.started_at
    assert export.finished_at
    assert export.attempts == 1
    pdf = export.pdf.read()
    assert services.sha256(pdf) == export.pdf_sha256
    check = pdf_signature_check(pdf)
    assert check.valid, check.problem
    assert check.intact
    assert check.trusted
    assert check.school_name == "Alpha School"
    with zipfile.ZipFile(export.bundle.open("rb")) as bundle:
        assert any(name.endswith(".pdf") for name in bundle.namelist())
    for stored in (export.pdf.name, export.bundle.name):
        assert stored.startswith(f"schools/{world.school.pk}/transfers/exports/{export.pk}/")


def test_running_the_export_again_changes_nothing(ready: Transfer) -> None:
    export = ready.export
    with mock.patch("transfers.export.pdf.cp_file_pdf") as render:
        again = services.export_run(export_id=export.pk)
    render.assert_not_called()
    assert again.pdf_sha256 == export.pdf_sha256
    assert again.attempts == 1


def test_a_failed_export_says_so_and_can_be_tried_again(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    transfer = _start(world, django_capture_on_commit_callbacks)
    with mock.patch("transfers.export.pdf.cp_file_pdf", side_effect=RuntimeError("disk full")):
        export = services.export_run(export_id=transfer.export_id)
    assert export.state == ExportState.FAILED
    assert "Something went wrong while preparing the file" in export.error
    assert "disk full" not in export.error  # no technical detail on the page
    transfer.refresh_from_db()
    assert transfer.state == TransferState.PREPARING
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.export_retry(actor=world.users["dsl"], transfer=transfer)
    assert len(callbacks) == 1
    export.refresh_from_db()
    assert export.state == ExportState.QUEUED
    assert export.error == ""
    assert services.export_run(export_id=export.pk).state == ExportState.DONE


def test_a_task_lost_to_a_broker_outage_can_be_queued_again(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    down = ConnectionError("broker down")
    with mock.patch("transfers.tasks.export_render.delay", side_effect=down):
        with django_capture_on_commit_callbacks(execute=True):
            transfer = services.transfer_start(  # the request still succeeds
                actor=world.users["dsl"],
                pupil=world.pupil,
                leaving_date=LEAVING,
                destination_school=world.other_school,
            )
    export = Export.objects.get(pk=transfer.export_id)
    assert export.state == ExportState.QUEUED
    assert not services.export_is_stale(export)
    with pytest.raises(ValidationError):
        services.export_retry(actor=world.users["dsl"], transfer=transfer)
    Export.objects.filter(pk=export.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    assert services.export_is_stale(Export.objects.get(pk=export.pk))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.export_retry(actor=world.users["dsl"], transfer=transfer)
    assert len(queued) == 1


def test_a_refusal_is_shown_in_its_own_words(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from transfers.export.gather import ExportRefused

    transfer = _start(world, django_capture_on_commit_callbacks)
    refusal = ExportRefused("This child-protection file includes restricted records")
    with mock.patch("transfers.export.pdf.cp_file_pdf", side_effect=refusal):
        export = services.export_run(export_id=transfer.export_id)
    assert export.error == "This child-protection file includes restricted records"


def test_progress_only_moves_forward(world: World, django_capture_on_commit_callbacks: Any) -> None:
    transfer = _start(world, django_capture_on_commit_callbacks)
    Export.objects.filter(pk=transfer.export_id).update(state=ExportState.RENDERING, progress=40)
    write = services._progress_writer(transfer.export_id)
    write(30, "Earlier stage")
    assert Export.objects.get(pk=transfer.export_id).progress == 40
    write(60, "Laying out pages")
    export = Export.objects.get(pk=transfer.export_id)
    assert (export.progress, export.stage) == (60, "Laying out pages")


def test_a_failed_duplicate_run_leaves_a_finished_export_done(ready_elsewhere: Transfer) -> None:
    export = ready_elsewhere.export
    assert export is not None
    Export.objects.filter(pk=export.pk).update(state=ExportState.QUEUED)
    real = pdf_module.cp_file_pdf
    calls = {"n": 0}

    def render(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:  # while this run renders, the task's other delivery finishes
            assert services.export_run(export_id=export.pk).state == ExportState.DONE
            raise RuntimeError("the worker ran out of memory")
        return real(**kwargs)

    with mock.patch.object(pdf_module, "cp_file_pdf", side_effect=render):
        result = services.export_run(export_id=export.pk)
    assert calls["n"] == 2
    assert result.state == ExportState.DONE
    assert result.pdf


# --- Sending in the service and accepting ------------------------------------------------------


def _entries(pupil: Pupil, kind: str) -> list[ChronologyEntry]:
    return list(ChronologyEntry.objects.filter(pupil=pupil, kind=kind))


def test_sending_gives_the_new_school_its_own_copy(world: World, ready: Transfer) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    ready.refresh_from_db()
    assert ready.state == TransferState.SENT
    assert ready.sent_how == SentHow.PLATFORM
    assert incoming.school == world.other_school
    assert incoming.state == IncomingState.WAITING
    assert incoming.pdf.name.startswith(f"schools/{world.other_school.pk}/transfers/incoming/")
    assert incoming.pdf.read() == ready.export.pdf.read()
    assert incoming.pdf_sha256 == ready.export.pdf_sha256
    (sent,) = _entries(world.pupil, EntryKind.TRANSFER_SENT)
    assert "Beta School" in sent.details
    assert sent.source_hash == ready.export.pdf_sha256
    told = Notification.objects.filter(kind="transfer_incoming")
    assert [n.recipient for n in told] == [world.users["other_dsl"]]
    assert world.pupil.legal_last_name not in told[0].title
    with pytest.raises(ValidationError):
        services.transfer_send(actor=world.users["dsl"], transfer=ready)  # not twice


def test_accepting_attaches_the_file_and_confirms_receipt(world: World, ready: Transfer) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    receiver = world.users["other_dsl"]
    incoming = services.incoming_accept(actor=receiver, incoming=incoming)
    assert incoming.state == IncomingState.ACCEPTED
    assert incoming.pupil_created
    pupil = incoming.pupil
    assert pupil.school == world.other_school
    assert (pupil.legal_name, pupil.date_of_birth) == (
        world.pupil.legal_name,
        world.pupil.date_of_birth,
    )
    assert CpFile.objects.filter(pupil=pupil, closed_at__isnull=True).exists()
    (received,) = _entries(pupil, EntryKind.TRANSFER_RECEIVED)
    assert "Alpha School" in received.details
    assert received.school == world.other_school
    ready.refresh_from_db()
    assert ready.state == TransferState.RECEIVED
    assert ready.receipt_how == ReceiptHow.PLATFORM
    assert ready.receipt_by == f"{receiver.full_name}, Designated Safeguarding Lead"
    (receipt,) = _entries(world.pupil, EntryKind.TRANSFER_RECEIPT)
    assert receipt.school == world.school
    assert receiver.full_name in receipt.details
    assert Notification.objects.filter(
        kind="transfer_receipt", recipient=world.users["dsl"]
    ).exists()
    for school in (world.school, world.other_school):
        assert verify_chain(school_id=school.pk).broken_at is None
    with pytest.raises(ValidationError):
        services.incoming_accept(actor=receiver, incoming=incoming)


def test_the_pupil_is_matched_by_upn_first(world: World, ready: Transfer) -> None:
    Pupil.objects.filter(pk=world.pupil.pk).update(upn="A123456789012")
    joined = PupilFactory(
        school=world.other_school, legal_first_name="Someone", legal_last_name="Else",
        upn="A123456789012", date_of_birth=world.pupil.date_of_birth,
    )  # fmt: skip
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    assert services.incoming_match(incoming=incoming).by == "UPN and date of birth"
    incoming = services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)
    assert incoming.pupil == joined
    assert not incoming.pupil_created


def test_a_upn_match_needs_the_same_date_of_birth(world: World, ready: Transfer) -> None:
    world.pupil.upn = "A123456789012"
    world.pupil.save()
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    assert incoming.upn == "A123456789012"
    namesake = PupilFactory(
        school=world.other_school,
        upn="A123456789012",
        date_of_birth=world.pupil.date_of_birth - datetime.timedelta(days=400),
    )
    match = services.incoming_match(incoming=incoming)
    assert match.pupil is None
    assert match.upn_conflict == namesake
    with pytest.raises(ValidationError) as refused:
        services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)
    assert "date of birth" in refused.value.messages[0]
    # The same date of birth: matched by UPN.
    namesake.date_of_birth = world.pupil.date_of_birth
    namesake.save()
    match = services.incoming_match(incoming=incoming)
    assert (match.pupil, match.by) == (namesake, "UPN and date of birth")


def test_then_by_legal_name_and_date_of_birth(world: World, ready: Transfer) -> None:
    joined = PupilFactory(
        school=world.other_school,
        legal_first_name=world.pupil.legal_first_name.upper(),
        legal_last_name=world.pupil.legal_last_name,
        date_of_birth=world.pupil.date_of_birth,
    )
    PupilFactory(  # same name, another birthday: not a match
        school=world.other_school,
        legal_first_name=world.pupil.legal_first_name,
        legal_last_name=world.pupil.legal_last_name,
        date_of_birth=world.pupil.date_of_birth + datetime.timedelta(days=1),
    )
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    match = services.incoming_match(incoming=incoming)
    assert (match.pupil, match.by) == (joined, "legal name and date of birth")


def test_names_match_whatever_the_case_of_their_accents(world: World, ready: Transfer) -> None:
    """ "ZOË BRONTË" on the roll is the file's "Zoë Brontë", on every database (SQLite's LIKE
    folds only A to Z)."""
    world.pupil.legal_first_name, world.pupil.legal_last_name = "Zoë", "Brontë"
    world.pupil.save()
    joined = PupilFactory(
        school=world.other_school,
        legal_first_name="ZOË",
        legal_last_name="BRONTË ",
        date_of_birth=world.pupil.date_of_birth,
    )
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    assert (incoming.legal_first_name, incoming.legal_last_name) == ("Zoë", "Brontë")
    match = services.incoming_match(incoming=incoming)
    assert (match.pupil, match.by) == (joined, "legal name and date of birth")


@pytest.mark.parametrize(
    ("born", "year_group"),
    [
        (datetime.date(2022, 7, 25), "R"),  # 4 on 31 August 2026
        (datetime.date(2022, 9, 1), "N"),  # 3 on 31 August 2026
        (datetime.date(2015, 3, 14), "7"),
        (datetime.date(2015, 9, 1), "6"),  # the youngest in the year, not the oldest
        (datetime.date(2005, 1, 1), "13"),
    ],
)
def test_a_pupil_added_from_a_bundle_without_a_year_group_gets_one(
    born: datetime.date, year_group: str
) -> None:
    assert services.year_group_for(born, datetime.date(2026, 11, 22)) == year_group


def test_returning_the_file_tells_the_sender_and_frees_the_pupil(
    world: World, ready: Transfer, django_capture_on_commit_callbacks: Any
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    with pytest.raises(ValidationError) as refused:
        services.incoming_reject(actor=world.users["other_dsl"], incoming=incoming, reason=" ")
    assert "reason" in refused.value.message_dict
    services.incoming_reject(
        actor=world.users["other_dsl"], incoming=incoming, reason="Not joining us"
    )
    ready.refresh_from_db()
    assert ready.state == TransferState.REJECTED
    assert ready.rejection_reason == "Not joining us"
    assert Notification.objects.filter(kind="transfer_returned", urgent=True).count() == 2
    assert any("returned" in e.details for e in _entries(world.pupil, "information_received"))
    _start(world, django_capture_on_commit_callbacks, destination_school=None,
           destination_name="Elm School", destination_address="1 Road")  # fmt: skip


def test_a_third_school_sees_neither_side(world: World, ready: Transfer) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    third = SchoolFactory(name="Gamma School")
    outsider = member(third, "dsl")
    with pytest.raises(Http404):
        transfer_get_for(actor=outsider, pk=ready.pk)
    with pytest.raises(Http404):
        incoming_get_for(actor=outsider, pk=incoming.pk)
    with pytest.raises(PermissionDenied):
        services.incoming_accept(actor=outsider, incoming=incoming)
    # Each side reads only its own row.
    with pytest.raises(Http404):
        transfer_get_for(actor=world.users["other_dsl"], pk=ready.pk)
    with pytest.raises(Http404):
        incoming_get_for(actor=world.users["dsl"], pk=incoming.pk)


# --- A school outside the service --------------------------------------------------------------


def test_recording_how_it_was_sent_and_the_receipt(world: World, ready_elsewhere: Transfer) -> None:
    dsl, now = world.users["dsl"], timezone.now()
    with pytest.raises(ValidationError):
        services.transfer_send(actor=dsl, transfer=ready_elsewhere)
    with pytest.raises(ValidationError) as refused:
        services.transfer_record_receipt(
            actor=dsl, transfer=ready_elsewhere, receipt_by="Jo", received_at=now,
            receipt_how=ReceiptHow.EMAIL,
        )  # fmt: skip
    assert "sent first" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        services.transfer_record_sent(
            actor=dsl, transfer=ready_elsewhere, sent_how=SentHow.SECURE_EMAIL,
            sent_at=now + datetime.timedelta(days=1),
        )  # fmt: skip
    assert "sent_at" in refused.value.message_dict
    sent_at = now - datetime.timedelta(minutes=1)
    services.transfer_record_sent(
        actor=dsl, transfer=ready_elsewhere, sent_how=SentHow.SECURE_EMAIL, sent_at=sent_at,
        sent_note="to dsl@elmtree.example",
    )  # fmt: skip
    (sent,) = _entries(world.pupil, EntryKind.TRANSFER_SENT)
    assert "secure email" in sent.details
    assert "dsl@elmtree.example" in sent.details
    with pytest.raises(ValidationError) as refused:
        services.transfer_record_receipt(
            actor=dsl, transfer=ready_elsewhere, receipt_by="Jo Reed, DSL",
            received_at=sent_at - datetime.timedelta(days=1), receipt_how=ReceiptHow.EMAIL,
        )  # fmt: skip
    assert "received_at" in refused.value.message_dict
    services.transfer_record_receipt(
        actor=dsl, transfer=ready_elsewhere, receipt_by="Jo Reed, DSL", received_at=now,
        receipt_how=ReceiptHow.SIGNED_SLIP,
    )  # fmt: skip
    ready_elsewhere.refresh_from_db()
    assert ready_elsewhere.state == TransferState.RECEIVED
    assert ready_elsewhere.receipt_recorded_by == dsl
    (receipt,) = _entries(world.pupil, EntryKind.TRANSFER_RECEIPT)
    assert "Jo Reed, DSL of Elm Tree Primary" in receipt.details


# --- Import ------------------------------------------------------------------------------------


def test_an_imported_bundle_is_checked_then_accepted(
    world: World, ready_elsewhere: Transfer
) -> None:
    data = ready_elsewhere.export.bundle.read()
    receiver = world.users["other_dsl"]
    incoming = services.incoming_import(actor=receiver, school=world.other_school, data=data)
    assert incoming.source == IncomingSource.IMPORT
    assert incoming.state == IncomingState.WAITING
    assert incoming.from_school_name == "Alpha School"
    assert "1 High Street" in incoming.from_school_address
    assert incoming.legal_last_name == world.pupil.legal_last_name
    assert incoming.pdf_sha256 == ready_elsewhere.export.pdf_sha256
    assert pdf_signature_check(incoming.pdf.read()).valid
    incoming = services.incoming_accept(actor=receiver, incoming=incoming)
    assert incoming.pupil.school == world.other_school
    assert _entries(incoming.pupil, EntryKind.TRANSFER_RECEIVED)


def test_a_tampered_bundle_is_refused_with_the_reason(
    world: World, ready_elsewhere: Transfer
) -> None:
    data = tampered_bundle(ready_elsewhere.export.bundle.read())
    with pytest.raises(ValidationError) as refused:
        services.incoming_import(
            actor=world.users["other_dsl"], school=world.other_school, data=data
        )
    (message,) = refused.value.message_dict["bundle"]
    lead = "This bundle is damaged or has been changed, so it cannot be trusted. "
    assert message.startswith(lead)
    assert "(Detail: " in message
    assert len(message) > len(lead) + 60
    assert not IncomingTransfer.objects.exists()


def test_something_that_is_not_a_bundle_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        services.incoming_import(
            actor=world.users["dsl"], school=world.school, data=b"not a zip file at all"
        )
    assert refused.value.message_dict["bundle"][0].startswith("This file is not a CP-file bundle")


def test_a_genuine_pdf_repackaged_about_another_pupil_is_refused(
    world: World, ready_elsewhere: Transfer
) -> None:
    genuine_pdf = bundle_files(ready_elsewhere.export.bundle.read())["cp-file.pdf"]
    world.other_pupil.upn = "A123456789012"
    world.other_pupil.save()
    about_q = bundle_build(actor=world.users["other_dsl"], pupil=world.other_pupil)
    repackaged = bundle_package(school=world.other_school, bundle=about_q, pdf=genuine_pdf)
    with pytest.raises(ValidationError) as refused:
        services.incoming_import(
            actor=world.users["other_dsl"], school=world.other_school, data=repackaged
        )
    (message,) = refused.value.message_dict["bundle"]
    assert "and its PDF with another" in message
    assert not IncomingTransfer.objects.exists()


def test_a_refusal_reason_reads_on_after_its_plain_lead() -> None:
    damaged = services.import_refusal("Bad CRC-32 for file 'cp-file.pdf'")
    assert damaged.startswith("This bundle is damaged or has been changed")
    assert damaged.endswith("(Detail: bad CRC-32 for file 'cp-file.pdf'.)")
    assert services.import_refusal("PDF is missing.").endswith("(Detail: PDF is missing.)")


# --- Reminders ---------------------------------------------------------------------------------


def _told(key_start: str) -> list[Any]:
    return sorted(
        Reminder.objects.filter(key__startswith=key_start).values_list(
            "recipient__email", flat=True
        )
    )


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_the_dsl_and_deputies_are_told_the_day_before_and_after_the_deadline_once(
    world: World,
) -> None:
    transfer_row(world, state=TransferState.READY)
    reviews_run(now=_at(datetime.date(2026, 11, 23)))
    assert _told("transfer-") == []
    reviews_run(now=_at(datetime.date(2026, 11, 24)))
    reviews_run(now=_at(datetime.date(2026, 11, 24), 15))
    assert _told("transfer-due:") == ["deputy@alpha.example", "dsl@alpha.example"]
    reviews_run(now=_at(datetime.date(2026, 11, 25)))  # due today: nothing new
    assert _told("transfer-overdue:") == []
    reviews_run(now=_at(datetime.date(2026, 11, 26)))
    reviews_run(now=_at(datetime.date(2026, 11, 27)))
    assert _told("transfer-overdue:") == ["deputy@alpha.example", "dsl@alpha.example"]
    overdue = Reminder.objects.filter(key__startswith="transfer-overdue:")[0].notification
    assert overdue.urgent
    assert world.pupil.legal_last_name not in overdue.title


def test_a_file_sent_in_time_is_not_chased(world: World) -> None:
    transfer_row(world, state=TransferState.SENT, sent_at=_at(datetime.date(2026, 11, 20)))
    reviews_run(now=_at(datetime.date(2026, 11, 26)))
    assert _told("transfer-due:") == []
    assert _told("transfer-overdue:") == []


def test_a_receipt_not_confirmed_in_five_school_days_is_chased(world: World) -> None:
    transfer_row(world, state=TransferState.SENT, sent_at=_at(datetime.date(2026, 11, 20)))
    reviews_run(now=_at(datetime.date(2026, 11, 26)))  # Fri 20 + 4 school days
    assert _told("transfer-receipt:") == []
    reviews_run(now=_at(datetime.date(2026, 11, 27)))
    reviews_run(now=_at(datetime.date(2026, 11, 30)))
    assert _told("transfer-receipt:") == ["deputy@alpha.example", "dsl@alpha.example"]


def test_a_received_file_is_not_chased(world: World) -> None:
    transfer_row(
        world, state=TransferState.RECEIVED, sent_at=_at(datetime.date(2026, 11, 20)),
        received_at=_at(datetime.date(2026, 11, 21)),
    )  # fmt: skip
    reviews_run(now=_at(datetime.date(2026, 12, 10)))
    assert _told("transfer-") == []


def test_a_monday_deadline_is_reminded_on_the_friday_before(world: World) -> None:
    monday = datetime.date(2026, 11, 30)
    transfer_row(world, state=TransferState.READY, deadline=monday)
    reviews_run(now=_at(datetime.date(2026, 11, 26)))  # Thursday: not yet
    assert _told("transfer-due:") == []
    reviews_run(now=_at(datetime.date(2026, 11, 27)))  # Friday, the school day before
    assert _told("transfer-due:") == ["deputy@alpha.example", "dsl@alpha.example"]
    reviews_run(now=_at(datetime.date(2026, 11, 29)))  # Sunday: nobody told again
    assert len(_told("transfer-due:")) == 2


def test_a_deadline_after_an_inset_day_is_reminded_before_it(world: World) -> None:
    SchoolClosure.objects.create(
        school=world.school,
        name="INSET day",
        first_day=datetime.date(2026, 11, 30),
        last_day=datetime.date(2026, 11, 30),
    )
    tuesday = datetime.date(2026, 12, 1)  # after the INSET Monday
    transfer_row(world, state=TransferState.READY, deadline=tuesday)
    reviews_run(now=_at(datetime.date(2026, 11, 27)))
    assert "dsl@alpha.example" in _told("transfer-due:")


def test_a_school_without_a_dsl_tells_its_deputies(world: World) -> None:
    SchoolMembership.objects.filter(school=world.school, role="dsl").delete()
    transfer_row(world, state=TransferState.READY, deadline=datetime.date(2026, 11, 25))
    reviews_run(now=_at(datetime.date(2026, 11, 24)))
    assert _told("transfer-due:") == ["deputy@alpha.example"]
    reviews_run(now=_at(datetime.date(2026, 11, 26)))
    assert _told("transfer-overdue:") == ["deputy@alpha.example"]
    Transfer.objects.update(state=TransferState.SENT, sent_at=_at(datetime.date(2026, 11, 20)))
    reviews_run(now=_at(datetime.date(2026, 11, 30)))
    assert _told("transfer-receipt:") == ["deputy@alpha.example"]
