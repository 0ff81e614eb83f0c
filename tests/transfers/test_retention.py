"""Retention: a file is kept read-only until its date, then the scheduled job removes its content,
keeps every hash and a tombstone, and the chain still verifies; a legal hold stops it; the database
refuses destruction any other way."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from chronology import services as chronology_services
from chronology.ledger.services import verify_chain
from chronology.models import ChronologyEntry
from concerns.models import Concern, ConcernPupil, DslRecord
from contacts.models import FamilyContact, FamilyContactChange
from oversight.models import QaResponse, QaReview
from oversight.qa import services as qa_services
from referrals.models import Referral
from safeguard.workdays import LONDON
from tests.support.transfers import DESTROY_ON, after, kept, run_at
from tests.support.world import World
from transfers.models import (
    Export,
    ExportState,
    IncomingSource,
    IncomingState,
    IncomingTransfer,
    Retention,
    RetentionBasis,
    RetentionPolicy,
    RetentionState,
    Transfer,
    TransferState,
)
from transfers.retention import services as svc

pytestmark = pytest.mark.django_db


def test_the_job_destroys_content_at_its_date_keeps_hashes_and_the_chain_verifies(
    world: World, records: dict[str, Any]
) -> None:
    own = records["own"]
    concern: Concern = own.concern
    stored = own.attachment.file  # on disk or in S3 (SAFEGUARD_TEST_S3=1): no path is assumed
    assert stored.storage.exists(stored.name)
    entries_before = dict(
        ChronologyEntry.objects.filter(pupil=world.pupil).values_list("pk", "entry_hash")
    )
    hash_before = concern.content_hash
    retention = kept(world)

    assert run_at(after(DESTROY_ON - datetime.timedelta(days=1))).destroyed == 0
    assert Concern.objects.get(pk=concern.pk).account  # the day before: still there
    assert run_at(after(DESTROY_ON)).destroyed == 1

    retention.refresh_from_db()
    assert retention.state == RetentionState.DESTROYED
    concern.refresh_from_db()
    assert concern.account == ""
    assert concern.reason_for_recording == ""
    assert concern.content_hash == hash_before
    assert not stored.storage.exists(stored.name)
    involvement = ConcernPupil.objects.get(concern=concern, pupil=world.pupil)
    assert involvement.pupil_legal_name == ""
    assert set(
        ChronologyEntry.objects.filter(pupil=world.pupil).values_list("details", flat=True)
    ) == {""}
    assert (
        dict(ChronologyEntry.objects.filter(pupil=world.pupil).values_list("pk", "entry_hash"))
        == entries_before
    )
    referral = Referral.objects.get(pk=own.referral.pk)
    assert referral.reason == ""
    assert referral.content_hash
    # The tombstone says what was there.
    tomb = retention.tombstone
    assert tomb["counts"]["chronology_entries"] == len(entries_before)
    assert [str(concern.pk), concern.reference, hash_before] in tomb["concerns"]
    assert [str(own.attachment.pk), own.attachment.sha256] in tomb["attachments"]
    assert [e.kind for e in retention.events.all()] == ["destroyed"]
    # The chain still verifies, for this school and the other.
    assert verify_chain(school_id=world.school.pk).ok
    assert verify_chain(school_id=world.other_school.pk).ok
    # The other school's pupil is untouched.
    other = records["other"].concern
    other.refresh_from_db()
    assert other.account
    # Running again changes nothing.
    assert run_at(after(DESTROY_ON + datetime.timedelta(days=1))).destroyed == 0


def test_destruction_blanks_the_words_the_other_apps_declare(
    world: World, records: dict[str, Any]
) -> None:
    """Transfers, received files, exports, family contacts and QA of a concern (issue 15): the
    words staff wrote about the child go with the file; the school it went to, the hashes and
    the signed QA's hashes stay, and the guards still refuse the QA rows' other columns."""
    school, pupil, dsl = world.school, world.pupil, world.users["dsl"]
    now = after(DESTROY_ON - datetime.timedelta(days=40))
    export = Export.objects.create(
        school=school,
        pupil=pupil,
        requested_by=dsl,
        receiving_school="Hillside Academy",
        state=ExportState.FAILED,
        error="Stopped at the concern about the bruise on Sam's arm",
    )
    common = {
        "school": school,
        "pupil": pupil,
        "leaving_date": DESTROY_ON,
        "deadline": DESTROY_ON,
        "destination_name": "Hillside Academy",
        "created_by": dsl,
    }
    cancelled = Transfer.objects.create(
        **common,
        state=TransferState.CANCELLED,
        sent_note="Handed to mum at the gate with the court papers",
        cancel_reason="Father took Sam out of the country",
        cancelled_at=now,
    )
    refused = Transfer.objects.create(
        **common,
        state=TransferState.REJECTED,
        rejection_reason="Not our pupil: Sam is in foster care in another county",
        rejected_by="A. Dsl",
        rejected_at=now,
    )
    withdrawn = IncomingTransfer.objects.create(
        school=school,
        pupil=pupil,
        source=IncomingSource.IMPORT,
        from_school_name="Riverside Primary",
        legal_first_name="Sam",
        legal_last_name="Pupil",
        date_of_birth=pupil.date_of_birth,
        pdf="transfers/received.pdf",
        pdf_sha256="a" * 64,
        state=IncomingState.WITHDRAWN,
        withdrawn_at=now,
        withdrawn_reason="Sam is staying with an aunt after the hearing",
    )
    contact = FamilyContact.objects.create(
        school=school,
        pupil=pupil,
        name="Pat Pupil",
        relationship="father",
        restrictions="Court order: must not collect Sam",
        notes="Shouted at staff about the social worker",
    )
    # The contacts' append-only history keeps a restriction's old and new words.
    change = FamilyContactChange.objects.create(
        school=school,
        pupil=pupil,
        contact_id=contact.pk,
        contact_name="Pat Pupil",
        kind="changed",
        changed_by=dsl,
        changed_by_name="A. Dsl",
        values=[{"field": "Restrictions", "old": "", "new": "Court order: must not collect Sam"}],
        also_changed=["Main telephone"],
    )
    # The concern's submitted, signed QA review (the records fixture's), and a signed response.
    review = records["own"].qa_review
    response = qa_services.qa_response_add(
        actor=dsl, review=review, text="Sam's words were recorded in the addendum"
    )
    review_hash, response_hash = review.content_hash, response.content_hash
    other_review = records["other"].qa_review
    retention = kept(world)

    assert run_at(after(DESTROY_ON)).destroyed == 1

    rows = (export, cancelled, refused, withdrawn, contact, change, review, response, other_review)
    for row in rows:
        row.refresh_from_db()
    assert (export.error, export.pdf.name, export.receiving_school) == ("", "", "Hillside Academy")
    assert (cancelled.sent_note, cancelled.cancel_reason) == ("", "")
    assert (refused.rejection_reason, refused.rejected_by) == ("", "A. Dsl")
    assert cancelled.destination_name == "Hillside Academy"
    assert (withdrawn.withdrawn_reason, withdrawn.pdf.name) == ("", "")
    assert withdrawn.pdf_sha256 == "a" * 64
    assert (contact.restrictions, contact.notes) == ("", "")
    assert contact.name == "Pat Pupil"
    assert change.values == []
    assert (change.contact_name, change.also_changed) == ("Pat Pupil", ["Main telephone"])
    assert (review.feedback, response.text) == ("", "")
    assert (review.content_hash, response.content_hash) == (review_hash, response_hash)
    assert other_review.feedback  # the other school's child's concern: untouched
    retention.refresh_from_db()
    assert retention.tombstone["qa_reviews"] == [[str(review.pk), review_hash]]
    assert retention.tombstone["qa_responses"] == [[str(response.pk), response_hash]]
    # The signed QA rows are guarded again once the destruction has committed.
    with pytest.raises(IntegrityError), transaction.atomic():
        QaReview.objects.filter(pk=review.pk).update(feedback="Put back")
    with pytest.raises(IntegrityError), transaction.atomic():
        QaResponse.objects.filter(pk=response.pk).update(text="Put back")
    with pytest.raises(IntegrityError), transaction.atomic():
        FamilyContactChange.objects.filter(pk=change.pk).update(values=[{"field": "Put back"}])


def test_a_legal_hold_stops_destruction_until_lifted(world: World, records: dict[str, Any]) -> None:
    retention = kept(world)
    dsl = world.users["dsl"]
    with pytest.raises(ValidationError):
        svc.legal_hold_set(actor=dsl, retention=retention, reason="  ")
    with pytest.raises(ValidationError):
        svc.legal_hold_set(actor=world.users["staff"], retention=retention, reason="Court case")
    svc.legal_hold_set(actor=dsl, retention=retention, reason="Family court proceedings")
    report = run_at(after(DESTROY_ON + datetime.timedelta(days=400)))
    assert (report.destroyed, report.held) == (0, 1)
    assert Concern.objects.get(pk=records["own"].concern.pk).account
    # The database refuses too, whatever the code does: even lifting the hold in the same stroke.
    with pytest.raises(IntegrityError), transaction.atomic():
        Retention.objects.filter(pk=retention.pk).update(state=RetentionState.DESTROYING)
    with pytest.raises(IntegrityError), transaction.atomic():
        Retention.objects.filter(pk=retention.pk).update(
            legal_hold=False, state=RetentionState.DESTROYING
        )
    svc.legal_hold_lift(actor=dsl, retention=retention, reason="Proceedings concluded")
    assert run_at(after(DESTROY_ON + datetime.timedelta(days=400))).destroyed == 1
    assert [e.kind for e in retention.events.all()] == ["hold_set", "hold_lifted", "destroyed"]


def test_content_cannot_be_blanked_outside_a_destruction(
    world: World, records: dict[str, Any]
) -> None:
    """A file merely kept (not being destroyed) is still guarded; so is one already destroyed."""
    kept(world)
    concern = records["own"].concern
    with pytest.raises(IntegrityError), transaction.atomic():
        Concern.objects.filter(pk=concern.pk).update(account="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ChronologyEntry.objects.filter(pupil=world.pupil).update(details="")
    run_at(after(DESTROY_ON))
    with pytest.raises(IntegrityError), transaction.atomic():
        Concern.objects.filter(pk=concern.pk).update(account="Rewritten")
    retention = Retention.objects.get(pupil=world.pupil)
    for change in ({"state": RetentionState.KEPT}, {"destroy_on": DESTROY_ON}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Retention.objects.filter(pk=retention.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        Retention.objects.filter(pk=retention.pk).delete()


def test_a_destroyed_entry_whose_hash_is_changed_breaks_the_chain(
    world: World, records: dict[str, Any]
) -> None:
    kept(world)
    run_at(after(DESTROY_ON))
    entry = ChronologyEntry.objects.filter(pupil=world.pupil).order_by("sequence").first()
    assert entry is not None
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(
                "UPDATE chronology_chronologyentry SET entry_hash = %s WHERE id = %s",
                ["0" * 64, entry.pk],
            )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    report = verify_chain(school_id=world.school.pk)
    assert not report.ok
    assert report.broken_at == entry.sequence


def test_a_concern_shared_with_a_child_still_kept_keeps_its_words(
    world: World, categories: dict[str, Any]
) -> None:
    from concerns import services as concern_services
    from tests.concerns.conftest import draft
    from tests.support.factories import PupilFactory

    sibling = PupilFactory(school=world.school, legal_first_name="Sibling")
    concern = concern_services.concern_submit(
        actor=world.users["staff"],
        concern=draft(world.users["staff"], [world.pupil, sibling], categories),
    )
    kept(world)
    run_at(after(DESTROY_ON))
    concern.refresh_from_db()
    assert concern.account  # the sibling's file still holds it
    mine = ConcernPupil.objects.get(concern=concern, pupil=world.pupil)
    theirs = ConcernPupil.objects.get(concern=concern, pupil=sibling)
    assert mine.pupil_legal_name == ""
    assert theirs.pupil_legal_name
    # When the sibling's file goes too, so do the concern's words.
    Retention.objects.create(
        school=world.school, pupil=sibling, basis=RetentionBasis.LAST_SCHOOL, destroy_on=DESTROY_ON
    )
    run_at(after(DESTROY_ON))
    concern.refresh_from_db()
    assert concern.account == ""
    assert verify_chain(school_id=world.school.pk).ok


def test_a_file_in_retention_is_read_only(world: World, records: dict[str, Any]) -> None:
    kept(world)
    with pytest.raises(ValidationError, match="read-only"):
        chronology_services.chronology_add_entry(
            actor=world.users["dsl"],
            pupil=world.pupil,
            kind="note",
            occurred_at=after(datetime.date(2026, 11, 2), 10),
            details="A later note",
        )


def test_the_last_school_keeps_the_file_until_date_of_birth_plus_the_trusts_years(
    world: World, records: dict[str, Any]
) -> None:
    """Scheduled 30 days ahead (the DSL and deputies told, no child named), destroyed on the day."""
    from safeguard.models import Notification

    pupil = world.pupil
    pupil.date_of_birth = datetime.date(2004, 2, 28)
    pupil.save()
    RetentionPolicy.objects.create(trust=world.school.trust, years_after_birth=26)
    assert run_at(after(datetime.date(2030, 1, 28))).scheduled == 0
    report = run_at(after(datetime.date(2030, 1, 29)))
    assert (report.scheduled, report.destroyed) == (1, 0)
    retention = Retention.objects.get(pupil=pupil)
    assert (retention.basis, retention.destroy_on) == (
        RetentionBasis.LAST_SCHOOL,
        datetime.date(2030, 2, 28),
    )
    told = Notification.objects.filter(kind="retention_scheduled")
    assert set(told.values_list("recipient__email", flat=True)) == {
        "dsl@alpha.example",
        "deputy@alpha.example",
    }
    assert all(pupil.legal_last_name not in n.title for n in told)
    assert "28 February 2030" in told.first().title
    assert run_at(after(datetime.date(2030, 2, 27))).destroyed == 0
    assert run_at(after(datetime.date(2030, 2, 28))).destroyed == 1
    assert (
        DslRecord.objects.filter(concern__involvements__pupil=pupil).exclude(outcome="").count()
        == 0
    )
    assert verify_chain(school_id=world.school.pk).ok


def test_a_file_long_past_its_date_still_gets_14_days_notice(
    world: World, records: dict[str, Any]
) -> None:
    world.pupil.date_of_birth = datetime.date(1990, 5, 1)
    world.pupil.save()
    report = run_at(after(datetime.date(2026, 12, 1)))
    assert (report.scheduled, report.destroyed) == (1, 0)
    retention = Retention.objects.get(pupil=world.pupil)
    assert retention.destroy_on == datetime.date(2026, 12, 15)
    assert run_at(after(datetime.date(2026, 12, 14))).destroyed == 0
    assert run_at(after(datetime.date(2026, 12, 15))).destroyed == 1


def test_the_database_allows_only_blanking_and_only_while_destroying(
    world: World, records: dict[str, Any]
) -> None:
    """Inside a destruction the guards stand aside for words set to '' and nothing else; a row
    left "destroying" cannot be committed; a kept row's date and basis never change."""
    retention = kept(world)
    concern = records["own"].concern
    for change in ({"destroy_on": datetime.date(2026, 12, 1)}, {"basis": RetentionBasis.SENT}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Retention.objects.filter(pk=retention.pk).update(**change)
    with transaction.atomic():
        Retention.objects.filter(pk=retention.pk).update(state=RetentionState.DESTROYING)
        for change in ({"account": "Rewritten"}, {"content_hash": "0" * 64}, {"author_id": None}):
            with pytest.raises(IntegrityError), transaction.atomic():
                Concern.objects.filter(pk=concern.pk).update(**change)
        with pytest.raises(IntegrityError), transaction.atomic():
            ChronologyEntry.objects.filter(pupil=world.pupil).update(entry_hash="0" * 64)
        assert Concern.objects.filter(pk=concern.pk).update(account="") == 1
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as at commit
        transaction.set_rollback(True)
    concern.refresh_from_db()
    assert concern.account


def test_a_concern_shared_with_a_child_in_retention_goes_on_for_the_other(
    world: World, categories: dict[str, Any]
) -> None:
    from concerns import services as concern_services
    from tests.concerns.conftest import draft
    from tests.support.factories import PupilFactory

    sibling = PupilFactory(school=world.school, legal_first_name="Sibling")
    concern = concern_services.concern_submit(
        actor=world.users["staff"],
        concern=draft(world.users["staff"], [world.pupil, sibling], categories),
    )
    kept(world)  # world.pupil has left: their file is read-only
    concern_services.addendum_add(actor=world.users["dsl"], concern=concern, text="Later fact")
    entries = ChronologyEntry.objects.filter(source_label__icontains="addend")
    assert set(entries.values_list("pupil_id", flat=True)) == {sibling.pk}
    from safeguard.models import Notification

    told = Notification.objects.filter(kind="record_names_leaver")
    assert set(told.values_list("recipient__email", flat=True)) == {
        "dsl@alpha.example",
        "deputy@alpha.example",
    }
    assert world.pupil.legal_last_name not in told.first().title
    alone = concern_services.concern_submit(
        actor=world.users["staff"], concern=draft(world.users["staff"], [sibling], categories)
    )
    assert alone.content_hash
    with pytest.raises(ValidationError, match=world.pupil.legal_first_name):
        concern_services.concern_submit(
            actor=world.users["staff"],
            concern=draft(world.users["staff"], [world.pupil], categories),
        )


def test_the_nightly_job_is_scheduled_and_runs_as_a_task(
    settings,
    world: World,
    records: dict[str, Any],
) -> None:
    from transfers.tasks import retention_run

    entry = settings.CELERY_BEAT_SCHEDULE["destroy-files-past-retention-nightly"]
    assert entry["task"] == retention_run.name == "transfers.retention_run"
    kept(world)
    with time_machine.travel(after(DESTROY_ON), tick=False):
        assert retention_run() == {"scheduled": 0, "destroyed": 1, "held": 0}
        assert retention_run() == {"scheduled": 0, "destroyed": 0, "held": 0}


def test_a_receipt_in_the_service_starts_retention_and_the_copy_is_destroyed_after_30_days(
    world: World, ready: Any
) -> None:
    """End to end: sent, accepted at the new school, the sender's copy kept read-only for the
    trust's 30 days, then destroyed; both schools' chains still verify; the receiver's file is
    untouched."""
    from transfers import services as transfer_services

    incoming = transfer_services.transfer_send(actor=world.users["dsl"], transfer=ready)
    incoming = transfer_services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)
    ready.refresh_from_db()
    retention = Retention.objects.get(school=world.school, pupil=world.pupil)
    received_on = ready.received_at.astimezone(LONDON).date()
    assert retention.basis == RetentionBasis.SENT
    assert retention.transfer == ready
    assert retention.destroy_on == received_on + datetime.timedelta(days=30)
    with pytest.raises(ValidationError, match="read-only"):
        chronology_services.chronology_add_entry(
            actor=world.users["dsl"],
            pupil=world.pupil,
            kind="note",
            occurred_at=ready.received_at,
            details="After the file left",
        )
    ready.export.refresh_from_db()
    pdf = ready.export.pdf
    assert pdf.storage.exists(pdf.name)
    run_at(after(retention.destroy_on))
    retention.refresh_from_db()
    assert retention.state == RetentionState.DESTROYED
    assert not pdf.storage.exists(pdf.name)
    assert [str(ready.export.pk), ready.export.pdf_sha256] in retention.tombstone["exports"]
    for school in (world.school, world.other_school):
        assert verify_chain(school_id=school.pk).ok
    received = ChronologyEntry.objects.filter(school=world.other_school, pupil=incoming.pupil)
    assert all(entry.details for entry in received)
    incoming.refresh_from_db()
    assert incoming.pdf


def test_a_file_sent_ahead_of_the_move_stays_live_until_the_pupil_leaves(
    world: World, categories: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """Receipt confirmed before the leaving date: the school can still record concerns until the
    pupil goes; the nightly job after the leaving date starts the retention."""
    from concerns import services as concern_services
    from tests.concerns.conftest import draft
    from tests.support.transfer_fixtures import _start
    from transfers import services as transfer_services

    leaving = datetime.date(2026, 12, 18)
    with time_machine.travel(after(datetime.date(2026, 11, 23), 10), tick=False):
        transfer = _start(world, django_capture_on_commit_callbacks, leaving_date=leaving)
        transfer_services.export_run(export_id=transfer.export_id)
        transfer.refresh_from_db()
        incoming = transfer_services.transfer_send(actor=world.users["dsl"], transfer=transfer)
        transfer_services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)
        assert not Retention.objects.filter(school=world.school).exists()
    with time_machine.travel(after(datetime.date(2026, 11, 24), 10), tick=False):
        staff = world.users["staff"]
        concern = concern_services.concern_submit(
            actor=staff, concern=draft(staff, [world.pupil], categories)
        )
        assert concern.content_hash
    assert run_at(after(datetime.date(2026, 12, 17))).scheduled == 0
    assert run_at(after(leaving)).scheduled == 1
    retention = Retention.objects.get(school=world.school, pupil=world.pupil)
    assert retention.destroy_on == leaving + datetime.timedelta(days=30)
    # The concern written after the file was prepared: the DSL is told to send it on.
    from safeguard.models import Notification

    told = Notification.objects.get(kind="retention_scheduled", recipient=world.users["dsl"])
    assert told.urgent
    assert "added to a child-protection file after it was sent" in told.title


def test_pages_refuse_additions_to_a_read_only_file_in_words_not_errors(
    client,
    world: World,
    categories: dict[str, Any],
) -> None:
    from django.urls import reverse

    from tests.concerns.conftest import draft

    kept(world)
    client.force_login(world.users["dsl"])
    url = reverse("chronology-add", kwargs={"pk": world.pupil.pk})
    response = client.post(
        url, {"kind": "note", "occurred_at": "02/11/2026 10:00", "details": "A later note"}
    )
    assert response.status_code == 200
    assert "kept read-only under the retention policy" in response.content.decode()
    # A draft about the child cannot be submitted, and the check page says why.
    staff = world.users["staff"]
    concern = draft(staff, [world.pupil], categories)
    client.force_login(staff)
    check = reverse("concern-check", kwargs={"pk": concern.pk})
    page = client.post(check).content.decode()
    assert "kept read-only under the retention policy" in page
    assert "Tell the Designated Safeguarding Lead" in page
    concern.refresh_from_db()
    assert concern.is_draft


def test_a_pupil_who_comes_back_has_their_file_live_again(
    world: World, ready: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Sent from A to B and accepted; later B sends the file back and A accepts it: A's kept
    copy is taken out of retention (ended, recorded), so A can add to it again."""
    from transfers import services as transfer_services

    incoming = transfer_services.transfer_send(actor=world.users["dsl"], transfer=ready)
    incoming = transfer_services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)
    kept_copy = Retention.objects.get(school=world.school, pupil=world.pupil)
    assert kept_copy.state == RetentionState.KEPT
    at_b = incoming.pupil
    with django_capture_on_commit_callbacks(execute=False):
        back = transfer_services.transfer_start(
            actor=world.users["other_dsl"],
            pupil=at_b,
            leaving_date=max(at_b.joined_on, datetime.date(2026, 11, 20)),
            destination_school=world.school,
        )
    transfer_services.export_run(export_id=back.export_id)
    back.refresh_from_db()
    returned = transfer_services.transfer_send(actor=world.users["other_dsl"], transfer=back)
    accepted = transfer_services.incoming_accept(actor=world.users["dsl"], incoming=returned)
    assert accepted.pupil == world.pupil  # matched to their old record
    kept_copy.refresh_from_db()
    assert kept_copy.state == RetentionState.ENDED
    assert [e.kind for e in kept_copy.events.all()] == ["scheduled", "ended"]
    assert not svc.retention_read_only(school_id=world.school.pk, pupil_id=world.pupil.pk)
    run_at(after(kept_copy.destroy_on))  # B's copy goes (B sent it back); A's stays
    kept_copy.refresh_from_db()
    assert kept_copy.state == RetentionState.ENDED
    assert (
        ChronologyEntry.objects.filter(school=world.school, pupil=world.pupil)
        .exclude(details="")
        .count()
        == ChronologyEntry.objects.filter(school=world.school, pupil=world.pupil).count()
    )
    assert Retention.objects.get(school=world.other_school).state == RetentionState.DESTROYED
    for school in (world.school, world.other_school):
        assert verify_chain(school_id=school.pk).ok


def test_the_dsl_takes_a_file_out_of_retention_when_the_move_falls_through(
    client,
    world: World,
    records: dict[str, Any],
) -> None:
    from django.urls import reverse

    retention = kept(world)
    client.force_login(world.users["dsl"])
    url = reverse("retention-detail", kwargs={"pk": retention.pk})
    blank = client.post(url, {"end-reason": " "})
    assert "Enter why the file is needed again" in blank.content.decode()
    assert client.post(url, {"end-reason": "The family did not move"}).status_code == 302
    retention.refresh_from_db()
    assert retention.state == RetentionState.ENDED
    chronology_services.chronology_add_entry(
        actor=world.users["dsl"],
        pupil=world.pupil,
        kind="note",
        occurred_at=after(datetime.date(2026, 11, 2), 10),
        details="The move did not happen",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Retention.objects.filter(pk=retention.pk).update(state=RetentionState.KEPT)
    # A later move starts a new retention beside the ended one.
    kept(world)
    assert Retention.objects.filter(school=world.school, pupil=world.pupil).count() == 2


def test_a_completed_action_never_changes(world: World, records: dict[str, Any]) -> None:
    from concerns import services as concern_services
    from concerns.models import Action

    action = concern_services.action_complete(
        actor=world.users["staff"], action=records["own"].action, note="Spoke with the pupil"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(done_note="Rewritten")


def test_words_planted_in_a_destroyed_entry_break_the_chain(
    world: World, records: dict[str, Any]
) -> None:
    kept(world)
    run_at(after(DESTROY_ON))
    entry = ChronologyEntry.objects.filter(pupil=world.pupil).order_by("sequence").first()
    assert entry is not None
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(
                "UPDATE chronology_chronologyentry SET details = %s WHERE id = %s",
                ["Fabricated allegation", entry.pk],
            )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    report = verify_chain(school_id=world.school.pk)
    assert report.broken_at == entry.sequence
    assert "holds words again" in report.problem
