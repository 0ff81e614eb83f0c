"""Issue 20, transfers (ADR 0045): the history received with a CP file joins the pupil's
chronology at the new school as received, verifiable entries; a transfer can be cancelled
(withdrawn from the new school before it accepts) and its leaving date corrected; and the import
and return pages say truthfully whether the sending school uses this service."""

# ruff: noqa: F811 (fixtures imported from tests/support/transfer_fixtures.py are arguments of the tests)

from __future__ import annotations

import datetime
import io
import json
import zipfile
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import Client
from django.urls import reverse

from chronology.ledger.services import chronology_append, verify_chain
from chronology.models import ChronologyEntry, EntryKind
from concerns.services.restriction import concern_restrict
from safeguard.models import Notification
from schools.models import Pupil
from tests.support.factories import SchoolFactory, member
from tests.support.transfer_fixtures import (  # the fixtures, by name
    LEAVING,
    _start,
    ready,  # noqa: F401
    ready_elsewhere,  # noqa: F401
)
from tests.support.transfers import bundle_files
from tests.support.world import World
from transfers import services
from transfers.export.bundle import bundle_open
from transfers.models import (
    IncomingState,
    IncomingTransfer,
    ReceivedEntry,
    Transfer,
    TransferState,
)
from transfers.received import received_entry_verify, received_history_bring_in
from transfers.selectors import received_entry_get_for

RECEIVED = EntryKind.RECEIVED_ENTRY


def _read(stored: Any) -> bytes:
    with stored.storage.open(stored.name, "rb") as opened:
        data: bytes = opened.read()
    return data


def _sender_entries(transfer: Transfer) -> list[dict[str, Any]]:
    """The chronology entries the sending school's bundle carries."""
    return bundle_open(_read(transfer.export.bundle)).bundle["chronology"]


def _received(world: World, ready: Transfer) -> IncomingTransfer:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    return services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The history received joins the chronology ----------------------------------------------------


def test_accepting_brings_the_senders_chronology_in_as_received_entries(
    world: World, ready: Transfer
) -> None:
    sent = _sender_entries(ready)
    incoming = _received(world, ready)
    pupil = incoming.pupil
    entries = list(ChronologyEntry.objects.filter(pupil=pupil, kind=RECEIVED).order_by("sequence"))
    assert len(entries) == len(sent) > 3
    rows = {str(r.pk): r for r in ReceivedEntry.objects.filter(pupil=pupil)}
    for entry, item in zip(entries, sent, strict=True):
        signed = item["signed"]
        assert entry.school == world.other_school
        assert entry.details.startswith(f"Received from Alpha School: {item['kind_label']}")
        assert signed["details"] in entry.details
        assert entry.occurred_at.isoformat() == signed["occurred_at"]  # the sender's date
        assert entry.author_name == signed["author_name"]  # the sender's printed name and role
        assert entry.author_role.endswith("Alpha School")
        assert entry.author == world.users["other_dsl"]  # who brought it in
        assert entry.source_hash == item["entry_hash"]
        assert rows[entry.source_id].original_hash == item["entry_hash"]
    concern = next(e for e in entries if "Concern logged" in e.details)
    assert "Reason for recording:" in concern.details
    assert "Categories:" in concern.details
    (accepted,) = ChronologyEntry.objects.filter(pupil=pupil, kind=EntryKind.TRANSFER_RECEIVED)
    assert f"{len(sent)} entries of its chronology added here" in accepted.details
    # New entries of the receiving school's own chain, which still verifies, records and all.
    report = verify_chain(school_id=world.other_school.pk)
    assert report.ok, (report.problem, report.broken_records)
    # Each checks out against the signed bundle kept with the file received.
    check = received_entry_verify(received=next(iter(rows.values())))
    assert check.ok, check.problem
    assert check.trusted


def test_received_entries_sit_among_the_new_schools_own_in_date_order(
    world: World, ready: Transfer
) -> None:
    incoming = _received(world, ready)
    pupil = incoming.pupil
    own = chronology_append(
        school_id=world.other_school.pk,
        pupil_id=pupil.pk,
        kind=EntryKind.NOTE,
        occurred_at=datetime.datetime(2026, 9, 1, 10, tzinfo=datetime.UTC),
        details="A note written at Beta School",
        author=world.users["other_dsl"],
    )
    ordered = list(ChronologyEntry.objects.filter(pupil=pupil).order_by("occurred_at", "sequence"))
    times = [e.occurred_at for e in ordered]
    assert times == sorted(times)
    assert own in ordered
    assert {e.kind for e in ordered} >= {RECEIVED, EntryKind.NOTE, EntryKind.TRANSFER_RECEIVED}


def test_a_received_entry_fails_verification_when_the_stored_bundle_is_tampered_with(
    world: World, ready: Transfer
) -> None:
    incoming = _received(world, ready)
    received = ReceivedEntry.objects.filter(incoming=incoming).order_by("original_sequence")[0]
    assert received_entry_verify(received=received).ok
    original = _read(incoming.bundle)
    # One entry's words changed inside the stored zip.
    files = bundle_files(original)
    document = json.loads(files["bundle.json"])
    document["chronology"][0]["signed"]["details"] = "Nothing happened."
    files["bundle.json"] = json.dumps(document).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    storage, name = incoming.bundle.storage, incoming.bundle.name
    storage.delete(name)
    storage.save(name, ContentFile(out.getvalue()))
    check = received_entry_verify(received=received)
    assert not check.ok
    assert "changed since it was received" in check.problem
    # Even with the recorded SHA-256 rewritten to match, the bundle's own seals refuse it.
    IncomingTransfer.objects.filter(pk=incoming.pk).update(
        bundle_sha256=services.sha256(out.getvalue())
    )
    received.refresh_from_db()
    check = received_entry_verify(received=received)
    assert not check.ok
    assert "no longer passes its checks" in check.problem
    # The page says so, in words, to the receiving DSL.
    page = _client(world.users["other_dsl"]).get(reverse("received-entry", args=[received.pk]))
    assert page.status_code == 200
    assert b'data-ok="false"' in page.content
    assert b"could not be verified" in page.content


def test_a_received_entry_whose_words_here_differ_from_the_signed_bundle_fails(
    world: World, ready: Transfer
) -> None:
    incoming = _received(world, ready)
    received = ReceivedEntry.objects.filter(incoming=incoming).order_by("original_sequence")[0]
    # Rows are guarded (never changed): a stand-in says the entry had another hash there.
    stand_in = ReceivedEntry(
        school=received.school,
        incoming=incoming,
        pupil=received.pupil,
        from_school_name="Alpha School",
        original_id=received.original_id,
        original_sequence=received.original_sequence,
        original_kind=received.original_kind,
        original_hash="b" * 64,
    )
    check = received_entry_verify(received=stand_in)
    assert not check.ok
    assert "does not hold this entry" in check.problem


def test_receiving_twice_adds_nothing(world: World, ready: Transfer) -> None:
    incoming = _received(world, ready)
    count = ChronologyEntry.objects.filter(pupil=incoming.pupil, kind=RECEIVED).count()
    assert count
    assert received_history_bring_in(actor=world.users["other_dsl"], incoming=incoming) == 0
    assert ChronologyEntry.objects.filter(pupil=incoming.pupil, kind=RECEIVED).count() == count
    with pytest.raises(ValidationError):  # and the file itself is accepted once
        services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)


def test_a_pupil_coming_back_does_not_get_their_own_history_again(
    world: World, ready: Transfer, django_capture_on_commit_callbacks: Any
) -> None:
    """A to B, then back to A: B's file carries A's entries as B received them; A already holds
    them in its own chain, so only what B itself recorded comes back to A."""
    incoming = _received(world, ready)
    at_b = incoming.pupil
    with django_capture_on_commit_callbacks(execute=False):
        back = services.transfer_start(
            actor=world.users["other_dsl"],
            pupil=at_b,
            leaving_date=LEAVING + datetime.timedelta(days=20),
            destination_school=world.school,
        )
    services.export_run(export_id=back.export_id)
    back.refresh_from_db()
    returned = services.transfer_send(actor=world.users["other_dsl"], transfer=back)
    returned = services.incoming_accept(actor=world.users["dsl"], incoming=returned)
    assert returned.pupil == world.pupil
    came_back = ChronologyEntry.objects.filter(pupil=world.pupil, kind=RECEIVED)
    own_hashes = set(
        ChronologyEntry.objects.filter(school=world.school)
        .exclude(kind=RECEIVED)
        .values_list("entry_hash", flat=True)
    )
    assert came_back.exists()  # B's own entries (the file received, opened, sent)
    assert all("Received from Alpha School" not in e.details for e in came_back)
    assert not set(came_back.values_list("source_hash", flat=True)) & own_hashes
    assert verify_chain(school_id=world.school.pk).ok


def test_the_senders_later_records_never_appear_and_no_other_school_sees_them(
    world: World, ready: Transfer
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    later = chronology_append(  # after the file was made and sent, before it is accepted
        school_id=world.school.pk,
        pupil_id=world.pupil.pk,
        kind=EntryKind.NOTE,
        occurred_at=datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.UTC),
        details="Written at Alpha School after the file left",
        author=world.users["dsl"],
    )
    incoming = services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)
    at_b = ChronologyEntry.objects.filter(pupil=incoming.pupil)
    assert not at_b.filter(details__contains=later.details).exists()
    assert not at_b.filter(source_hash=later.entry_hash).exists()
    received = ReceivedEntry.objects.filter(incoming=incoming).first()
    assert received is not None
    assert received.school == world.other_school
    third = SchoolFactory(name="Gamma School")
    for outsider in (member(third, "dsl"), world.users["dsl"], member(world.other_school, "head")):
        with pytest.raises(Http404):
            received_entry_get_for(actor=outsider, pk=received.pk)
    assert not ChronologyEntry.objects.filter(school=world.school, kind=RECEIVED).exists()


def test_an_entry_about_a_concern_restricted_at_the_sender_keeps_its_words_in_the_file(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.support.records.cp_file import full_file, seed_categories

    files = full_file(world, seed_categories(world), concerns=2)
    concern_restrict(actor=world.users["dsl"], concern=files.concerns[0], named=[])
    transfer = _start(world, django_capture_on_commit_callbacks)
    services.export_run(export_id=transfer.export_id)
    transfer.refresh_from_db()
    incoming = _received(world, transfer)
    withheld = ReceivedEntry.objects.filter(incoming=incoming, withheld=True)
    assert withheld.exists()
    for received in withheld:
        entry = ChronologyEntry.objects.get(source_id=str(received.pk))
        assert "restricted at Alpha School" in entry.details
        assert files.concerns[0].account not in entry.details
        assert received_entry_verify(received=received).ok


def test_an_imported_bundle_brings_its_history_in_too(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.support.records.cp_file import full_file, seed_categories

    full_file(world, seed_categories(world), concerns=1)
    elsewhere = _start(
        world, django_capture_on_commit_callbacks, destination_school=None,
        destination_name="Elm Tree Primary", destination_address="2 Elm Road",
    )  # fmt: skip
    services.export_run(export_id=elsewhere.export_id)
    elsewhere.refresh_from_db()
    receiver = world.users["other_dsl"]
    incoming = services.incoming_import(
        actor=receiver, school=world.other_school, data=_read(elsewhere.export.bundle)
    )
    assert incoming.sender_on_service  # Alpha School signs with a key registered here
    incoming = services.incoming_accept(actor=receiver, incoming=incoming)
    received = ChronologyEntry.objects.filter(pupil=incoming.pupil, kind=RECEIVED)
    assert received.count() == len(_sender_entries(elsewhere)) > 3
    assert received_entry_verify(received=ReceivedEntry.objects.first()).ok


def test_the_pupil_page_shows_the_received_history_not_no_concerns(
    world: World, ready: Transfer
) -> None:
    incoming = _received(world, ready)
    page = _client(world.users["other_dsl"]).get(
        reverse("pupil-safeguarding", args=[incoming.pupil_id])
    )
    body = page.content.decode()
    assert "No concerns have been logged about" not in body
    assert f"No concerns have been logged at Beta School about {incoming.pupil.display_name}" in (
        body
    )
    assert 'data-testid="received-history"' in body
    assert "From Alpha School" in body
    assert "1 concern logged there" in body
    chronology = _client(world.users["other_dsl"]).get(
        reverse("pupil-chronology", args=[incoming.pupil_id])
    )
    assert b'data-testid="received-tag"' in chronology.content
    assert b"Received from Alpha School" in chronology.content


# --- Cancelling a transfer ------------------------------------------------------------------------


def test_cancelling_before_sending_restores_the_pupil_and_frees_them(
    world: World, ready: Transfer, django_capture_on_commit_callbacks: Any
) -> None:
    assert Pupil.objects.get(pk=world.pupil.pk).left_on == LEAVING
    with pytest.raises(ValidationError) as refused:
        services.transfer_cancel(actor=world.users["dsl"], transfer=ready, reason="  ")
    assert refused.value.message_dict["reason"] == ["Enter why the transfer is being cancelled"]
    services.transfer_cancel(actor=world.users["dsl"], transfer=ready, reason="Staying with us.")
    ready.refresh_from_db()
    assert ready.state == TransferState.CANCELLED
    assert ready.cancel_reason == "Staying with us."
    assert ready.cancelled_by == world.users["dsl"]
    assert Pupil.objects.get(pk=world.pupil.pk).left_on is None
    (entry,) = ChronologyEntry.objects.filter(pupil=world.pupil, kind=EntryKind.TRANSFER_CANCELLED)
    assert "cancelled: Staying with us." in entry.details
    assert "no longer marked as leaving" in entry.details
    assert verify_chain(school_id=world.school.pk).ok
    _start(world, django_capture_on_commit_callbacks)  # a new transfer can start
    with pytest.raises(ValidationError):  # a cancelled transfer is not cancelled twice
        services.transfer_cancel(actor=world.users["dsl"], transfer=ready, reason="Again")


def test_cancelling_after_sending_withdraws_the_file_from_the_new_school(
    world: World, ready: Transfer
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    services.transfer_cancel(actor=world.users["dsl"], transfer=ready, reason="Not moving")
    incoming.refresh_from_db()
    assert incoming.state == IncomingState.WITHDRAWN
    assert incoming.withdrawn_reason == "Not moving"
    assert not incoming.pdf
    assert not incoming.bundle
    told = Notification.objects.filter(kind="transfer_withdrawn")
    assert [n.recipient for n in told] == [world.users["other_dsl"]]
    with pytest.raises(ValidationError):
        services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)
    page = _client(world.users["other_dsl"]).get(reverse("incoming-detail", args=[incoming.pk]))
    assert b'data-testid="withdrawn"' in page.content
    assert b"Alpha School withdrew this file" in page.content
    assert b"Not moving" in page.content
    assert b'data-testid="accept"' not in page.content


def test_a_transfer_cannot_be_cancelled_once_receipt_is_confirmed(
    world: World, ready: Transfer
) -> None:
    _received(world, ready)
    with pytest.raises(ValidationError) as refused:
        services.transfer_cancel(actor=world.users["dsl"], transfer=ready, reason="Too late")
    assert "has confirmed receipt" in refused.value.messages[0]
    ready.refresh_from_db()
    assert ready.state == TransferState.RECEIVED


@pytest.mark.parametrize("role", ["staff", "head", "tso", "other_dsl"])
def test_only_the_sending_schools_dsl_and_deputies_cancel_or_correct(
    world: World, ready: Transfer, role: str
) -> None:
    actor = world.users[role]
    with pytest.raises(PermissionDenied):
        services.transfer_cancel(actor=actor, transfer=ready, reason="No")
    with pytest.raises(PermissionDenied):
        services.transfer_correct_leaving_date(
            actor=actor, transfer=ready, leaving_date=LEAVING, reason="No"
        )


def test_the_cancel_page_asks_for_a_reason_and_then_cancels(world: World, ready: Transfer) -> None:
    client = _client(world.users["dsl"])
    url = reverse("transfer-cancel", args=[ready.pk])
    page = client.post(url, {"reason": ""})
    body = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in body
    assert 'href="#id_reason"' in body
    assert "Enter why the transfer is being cancelled" in body
    done = client.post(url, {"reason": "<b>Staying</b>"})
    assert done.status_code == 302
    ready.refresh_from_db()
    assert ready.state == TransferState.CANCELLED
    detail = client.get(reverse("transfer-detail", args=[ready.pk])).content.decode()
    assert "&lt;b&gt;Staying&lt;/b&gt;" in detail
    assert "<b>Staying" not in detail


# --- Correcting the leaving date ----------------------------------------------------------------


def test_correcting_the_leaving_date_moves_the_deadline_and_the_roll(
    world: World, ready: Transfer
) -> None:
    new = LEAVING + datetime.timedelta(days=7)  # the Wednesday after
    services.transfer_correct_leaving_date(
        actor=world.users["dsl"], transfer=ready, leaving_date=new, reason="Moving a week later"
    )
    ready.refresh_from_db()
    assert ready.leaving_date == new
    assert ready.deadline == services.transfer_deadline(school=world.school, leaving_date=new).due
    assert Pupil.objects.get(pk=world.pupil.pk).left_on == new
    (entry,) = ChronologyEntry.objects.filter(
        pupil=world.pupil, kind=EntryKind.LEAVING_DATE_CORRECTED
    )
    assert "from 18 November 2026 to 25 November 2026: Moving a week later." in entry.details
    assert verify_chain(school_id=world.school.pk).ok


@pytest.mark.parametrize(
    ("day", "month", "year", "reason", "field", "message"),
    [
        ("", "", "", "Why", "leaving_date_day", "Enter the leaving date"),
        ("3", "", "2026", "Why", "leaving_date_month", "The leaving date must include a month"),
        ("31", "2", "2026", "Why", "leaving_date_day", "The leaving date must be a real date"),
        ("3", "2", "26", "Why", "leaving_date_year", "Year must include 4 numbers"),
        (
            "1",
            "1",
            "2000",
            "Why",
            "leaving_date_day",
            "The leaving date must be on or after the day they joined",
        ),
        ("1", "1", "2099", "Why", "leaving_date_day", "The leaving date must be within the next"),
        ("18", "11", "2026", "Why", "leaving_date_day", "The leaving date is already 18 November"),
        ("25", "11", "2026", "", "reason", "Enter why the leaving date is being corrected"),
    ],
)
def test_the_leaving_date_page_explains_each_problem_next_to_the_field(
    world: World,
    ready: Transfer,
    day: str,
    month: str,
    year: str,
    reason: str,
    field: str,
    message: str,
) -> None:
    page = _client(world.users["dsl"]).post(
        reverse("transfer-leaving-date", args=[ready.pk]),
        {
            "leaving_date_day": day,
            "leaving_date_month": month,
            "leaving_date_year": year,
            "reason": reason,
        },
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in body
    assert f'href="#id_{field}"' in body
    assert message in body
    assert body.count(message) >= 2  # in the summary and next to the field
    assert f'value="{day}"' in body if day else True  # what was typed is kept
    ready.refresh_from_db()
    assert ready.leaving_date == LEAVING


def test_the_leaving_date_page_corrects_it(world: World, ready: Transfer) -> None:
    client = _client(world.users["dsl"])
    url = reverse("transfer-leaving-date", args=[ready.pk])
    form = client.get(url).content.decode()
    assert 'name="leaving_date_day"' in form
    assert 'value="18"' in form
    done = client.post(
        url,
        {
            "leaving_date_day": "20",
            "leaving_date_month": "11",
            "leaving_date_year": "2026",
            "reason": "Mistyped",
        },
    )
    assert done.status_code == 302
    ready.refresh_from_db()
    assert ready.leaving_date == datetime.date(2026, 11, 20)


def test_the_leaving_date_cannot_be_corrected_after_receipt(world: World, ready: Transfer) -> None:
    _received(world, ready)
    with pytest.raises(ValidationError) as refused:
        services.transfer_correct_leaving_date(
            actor=world.users["dsl"],
            transfer=ready,
            leaving_date=LEAVING + datetime.timedelta(days=1),
            reason="Late",
        )
    assert "before the new school confirms receipt" in refused.value.messages[0]


# --- Saying truthfully whether the sender uses this service ---------------------------------------


def test_an_imported_file_from_a_school_on_the_service_is_not_said_to_be_off_it(
    world: World, ready_elsewhere: Transfer
) -> None:
    receiver = world.users["other_dsl"]
    incoming = services.incoming_import(
        actor=receiver, school=world.other_school, data=_read(ready_elsewhere.export.bundle)
    )
    client = _client(receiver)
    for url in (
        reverse("incoming-detail", args=[incoming.pk]),
        reverse("incoming-reject", args=[incoming.pk]),
    ):
        body = client.get(url).content.decode()
        assert "does not use this service" not in body, url
        assert "Alpha School uses this service" in body, url
    done = client.post(reverse("incoming-accept", args=[incoming.pk]), follow=True)
    body = done.content.decode()
    assert "does not use this service" not in body
    assert "Alpha School uses this service, but the file was imported" in body
    for url in (reverse("transfer-list"), reverse("incoming-list"), reverse("transfer-import")):
        assert "does not use this service" not in client.get(url).content.decode(), url


def test_an_imported_file_from_a_school_off_the_service_still_says_so(
    world: World, ready_elsewhere: Transfer
) -> None:
    receiver = world.users["other_dsl"]
    incoming = services.incoming_import(
        actor=receiver, school=world.other_school, data=_read(ready_elsewhere.export.bundle)
    )
    # As for a bundle signed with a certificate not registered here, of a URN not on the service.
    IncomingTransfer.objects.filter(pk=incoming.pk).update(
        sender_on_service=False, signatures_trusted=False
    )
    body = _client(receiver).get(reverse("incoming-detail", args=[incoming.pk])).content.decode()
    assert "Alpha School does not use this service, so they are not told" in body


def test_a_received_entry_row_is_never_changed_or_removed(world: World) -> None:
    from django.db import DatabaseError, transaction

    from tests.support.records.transfer_flow import received_entry_record, transfer_records

    _, incoming = transfer_records(world.other_school, world.users["other_dsl"], world.other_pupil)
    row = received_entry_record(incoming, world.other_pupil)
    with pytest.raises(DatabaseError), transaction.atomic():
        ReceivedEntry.objects.filter(pk=row.pk).update(original_hash="c" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        ReceivedEntry.objects.filter(pk=row.pk).delete()
