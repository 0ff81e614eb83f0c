"""Transfer pages: starting a transfer (errors beside their fields, never to the school itself),
the export's progress (one live region), downloads (404 to anyone but the owning school's DSL and
deputies, every one logged), sending (what the file says about other children checked first), the
file received (the signature check in plain words), accepting, returning (the files removed),
importing (once, its warnings kept, a refusal explained plainly first), the route for a school
outside the service, and the lists (their tables labelled, their query counts)."""

# ruff: noqa: F811 (fixtures imported from tests/support/transfer_fixtures.py are arguments of the tests)

from __future__ import annotations

import datetime
import json
import re
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from audit.models import AccessLog
from tests.support.factories import SchoolFactory, member
from tests.support.pages import error_beside, page_text
from tests.support.records.transfer_flow import transfer_records
from tests.support.transfer_fixtures import (  # the fixtures, by name
    _start,
    ready,  # noqa: F401
    ready_elsewhere,  # noqa: F401
)
from tests.support.transfers import bundle_files, tampered_bundle
from tests.support.world import World
from transfers import services
from transfers.export.bundle import bundle_package
from transfers.forms import OTHER_CHILDREN_LABEL
from transfers.models import (
    Export,
    ExportState,
    IncomingState,
    IncomingTransfer,
    Retention,
    RetentionBasis,
    RetentionState,
    Transfer,
    TransferState,
)

CONFIRM = "other_children_checked"


# --- Starting a transfer -----------------------------------------------------------------------


def test_the_pupil_page_offers_the_transfer_to_the_dsl_only(client: Any, world: World) -> None:
    url = reverse("pupil-detail", kwargs={"pk": world.pupil.pk})
    start = reverse("transfer-start", kwargs={"pk": world.pupil.pk})
    client.force_login(world.users["dsl"])
    assert start in client.get(url).content.decode()
    client.force_login(world.users["head"])
    assert start not in client.get(url).content.decode()


def test_missing_details_are_shown_beside_their_fields(client: Any, world: World) -> None:
    client.force_login(world.users["dsl"])
    url = reverse("transfer-start", kwargs={"pk": world.pupil.pk})
    body = page_text(client.post(url, {"leaving_date": "31/02/2026", "destination": "elsewhere"}))
    error_beside(body, "leaving_date", "Enter the date like 18/12/2026")
    error_beside(body, "destination_name", "Enter the name of the new school")
    error_beside(body, "destination_address", "Enter the new school&#x27;s address")
    body = page_text(client.post(url, {"leaving_date": "18/11/2026"}))
    error_beside(body, "destination", "Choose where the pupil is going")
    assert not Transfer.objects.exists()


def test_the_school_on_the_service_is_found_by_name_or_urn(client: Any, world: World) -> None:
    SchoolFactory(name="Beta Grammar School")
    client.force_login(world.users["dsl"])
    url = reverse("transfer-start", kwargs={"pk": world.pupil.pk})
    data = {"leaving_date": "18/11/2026", "destination": "platform"}
    body = page_text(client.post(url, {**data, "destination_search": "Nowhere Academy"}))
    error_beside(body, "destination_search", "No school on this service is called")
    body = page_text(client.post(url, {**data, "destination_search": "beta"}))
    error_beside(body, "destination_search", "More than one school matches")
    body = page_text(client.post(url, {**data, "destination_search": world.school.name}))
    error_beside(body, "destination_search", "That is this school: choose the school the pupil")
    response = client.post(url, {**data, "destination_search": world.other_school.urn})
    transfer = Transfer.objects.get()
    assert response.url == reverse("transfer-detail", kwargs={"pk": transfer.pk})
    assert transfer.destination_school == world.other_school


def test_the_sending_schools_own_name_is_not_offered_as_the_new_school(
    client: Any, world: World
) -> None:
    client.force_login(world.users["dsl"])
    url = reverse("transfer-start", kwargs={"pk": world.pupil.pk})
    data = {"leaving_date": "18/11/2026", "destination": "platform"}
    for text in ("Alpha", world.school.name, world.school.urn):
        body = page_text(client.post(url, {**data, "destination_search": text}))
        error_beside(
            body,
            "destination_search",
            "That is this school: choose the school the pupil is moving to",
        )
        assert "No school on this service is called" not in body
    assert not Transfer.objects.exists()


def test_starting_queues_the_file_and_the_page_polls_its_progress(
    client: Any, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(world.users["deputy"])
    url = reverse("transfer-start", kwargs={"pk": world.pupil.pk})
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            url,
            {
                "leaving_date": "18/11/2026",
                "destination": "elsewhere",
                "destination_name": "Elm Tree Primary",
                "destination_address": "2 Elm Road\r\nLeigh",
            },
        )
    assert len(queued) == 1  # the task, after commit: nothing rendered in the request
    transfer = Transfer.objects.get()
    assert transfer.export.state == ExportState.QUEUED
    body = page_text(client.get(response.url))
    assert "Wednesday 25 November 2026" in body  # the deadline
    assert "Within 5 school days of leaving" in body
    progress = reverse("transfer-progress", kwargs={"pk": transfer.pk})
    assert f'hx-get="{progress}" hx-trigger="every 2s"' in body
    # Polled by the page itself: marked so, so it does not keep an idle session alive.
    assert """hx-headers='{"X-Safeguard-Background": "1"}'""" in body
    Export.objects.filter(pk=transfer.export_id).update(
        state=ExportState.RENDERING, progress=42, stage="Laying out the pages"
    )
    partial = client.get(progress, headers={"HX-Request": "true"})
    assert partial.status_code == 200  # polling goes on
    assert "Laying out the pages (42%)" in page_text(partial)
    assert "HX-Refresh" not in partial
    Export.objects.filter(pk=transfer.export_id).update(state=ExportState.DONE, progress=100)
    partial = client.get(progress, headers={"HX-Request": "true"})
    assert partial.status_code == 286  # htmx stops polling; the page is not reloaded
    assert "HX-Refresh" not in partial
    assert "hx-trigger" not in partial.content.decode()


def test_a_failed_export_shows_why_and_offers_to_try_again(
    client: Any, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    transfer = _start(world, django_capture_on_commit_callbacks)
    Export.objects.filter(pk=transfer.export_id).update(
        state=ExportState.FAILED, error="This child-protection file includes restricted records"
    )
    client.force_login(world.users["dsl"])
    body = page_text(client.get(reverse("transfer-detail", kwargs={"pk": transfer.pk})))
    assert "The file could not be prepared" in body
    assert "includes restricted records" in body
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("transfer-retry", kwargs={"pk": transfer.pk}))
    assert len(queued) == 1
    assert Export.objects.get(pk=transfer.export_id).state == ExportState.QUEUED


def test_an_export_with_no_progress_for_long_offers_to_try_again(
    client: Any, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    transfer = _start(world, django_capture_on_commit_callbacks)
    client.force_login(world.users["dsl"])
    url = reverse("transfer-detail", kwargs={"pk": transfer.pk})
    assert 'data-testid="export-stale"' not in client.get(url).content.decode()
    Export.objects.filter(pk=transfer.export_id).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    body = client.get(url).content.decode()
    assert 'data-testid="export-stale"' in body
    assert reverse("transfer-retry", kwargs={"pk": transfer.pk}) in body


def test_the_progress_updates_the_words_of_one_live_region_and_announces_the_finish(
    client: Any, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    transfer = _start(world, django_capture_on_commit_callbacks)
    assert transfer.export is not None
    export = Export.objects.filter(pk=transfer.export.pk)
    client.force_login(world.users["dsl"])
    body = page_text(client.get(reverse("transfer-detail", kwargs={"pk": transfer.pk})))
    progress = reverse("transfer-progress", kwargs={"pk": transfer.pk})
    region = re.search(r'<div id="export-progress"[^>]*>', body)
    assert region is not None
    assert 'aria-live="polite"' in region.group(0)
    assert f'hx-get="{progress}"' in region.group(0)
    assert 'hx-swap="innerHTML"' in region.group(0)  # its words are replaced, not the region
    assert body.count(' id="export-progress"') == 1
    export.update(state=ExportState.RENDERING, progress=42, stage="Laying out the pages")
    partial = page_text(client.get(progress, headers={"HX-Request": "true"}))
    assert "Laying out the pages (42%)" in partial
    assert "export-progress" not in partial  # the region stays on the page
    assert "aria-live" not in partial
    assert 'role="status"' not in partial
    assert 'id="export-bar" hx-swap-oob="true"' in partial
    assert 'value="42"' in partial
    assert "export-next" not in partial  # what can be done next is left alone meanwhile
    export.update(
        state=ExportState.DONE, progress=100, pages=3, pdf_sha256="a" * 64, bundle_sha256="b" * 64
    )
    Transfer.objects.filter(pk=transfer.pk).update(state=TransferState.READY)
    response = client.get(progress, headers={"HX-Request": "true"})
    assert response.status_code == 286  # htmx stops polling, and swaps the words in
    assert "HX-Refresh" not in response  # a reload would announce nothing
    partial = page_text(response)
    assert "export-progress" not in partial
    assert "Ready</strong> Signed PDF of 3 pages" in partial
    assert '<div id="export-next" hx-swap-oob="true">' in partial
    assert "Send to Beta School" in partial
    assert f'name="{CONFIRM}"' in partial
    assert 'id="transfer-state-line" hx-swap-oob="true"' in partial
    assert "<progress" not in partial


# --- Downloads ---------------------------------------------------------------------------------


def _download(client: Any, user: Any, url: str) -> Any:
    client.force_login(user)
    return client.get(url)


def test_downloads_are_for_the_owning_schools_dsls_and_are_logged(
    client: Any, world: World, ready: Transfer
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    outsider = member(SchoolFactory(name="Gamma School"), "dsl")
    sent_pdf = reverse("transfer-file", kwargs={"pk": ready.pk, "kind": "pdf"})
    sent_bundle = reverse("transfer-file", kwargs={"pk": ready.pk, "kind": "bundle"})
    received_pdf = reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": "pdf"})
    for user in [
        world.users[role] for role in ["staff", "head", "admin", "governor", "tso", "other_dsl"]
    ] + [outsider]:
        assert _download(client, user, sent_pdf).status_code == 404
    for user in [world.users[r] for r in ["dsl", "deputy", "head", "tso"]] + [outsider]:
        assert _download(client, user, received_pdf).status_code == 404
    assert not AccessLog.objects.filter(what__startswith="transfer_").exists()

    response = _download(client, world.users["deputy"], sent_pdf)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == ready.export.pdf.open("rb").read()
    assert _download(client, world.users["dsl"], sent_bundle).status_code == 200
    response = _download(client, world.users["other_dsl"], received_pdf)
    assert response.status_code == 200
    logged = list(
        AccessLog.objects.filter(what__in=["transfer_pdf", "transfer_bundle", "incoming_pdf"])
        .order_by("created_at")
        .values_list("what", "user__email", "school_id", "pupil_id")
    )
    assert logged == [
        ("transfer_pdf", "deputy@alpha.example", world.school.pk, world.pupil.pk),
        ("transfer_bundle", "dsl@alpha.example", world.school.pk, world.pupil.pk),
        ("incoming_pdf", "dsl@beta.example", world.other_school.pk, None),
    ]
    assert _download(client, world.users["dsl"], "/transfers/x/files/pdf/").status_code == 404
    wrong_kind = reverse("transfer-file", kwargs={"pk": ready.pk, "kind": "html"})
    assert _download(client, world.users["dsl"], wrong_kind).status_code == 404


# --- Sending: what the file says about other children ------------------------------------------


def test_sending_in_the_service_needs_the_other_children_check(
    client: Any, world: World, ready: Transfer
) -> None:
    client.force_login(world.users["dsl"])
    detail = reverse("transfer-detail", kwargs={"pk": ready.pk})
    body = page_text(client.get(detail))
    assert 'type="checkbox"' in body
    assert f'name="{CONFIRM}"' in body
    assert OTHER_CHILDREN_LABEL in body
    assert "free text written by staff" in body
    assert "Keeping children safe in education allows sharing" in body
    send = reverse("transfer-send", kwargs={"pk": ready.pk})
    response = client.post(send, {})
    assert response.status_code == 200
    body = page_text(response)
    error_beside(body, CONFIRM, "Confirm you have read the file and checked what it says about")
    assert "There is a problem" in body  # the error summary, linking to the checkbox
    assert f'href="#id_{CONFIRM}"' in body
    assert "<title>Error: " in body
    ready.refresh_from_db()
    assert ready.state == TransferState.READY
    assert not IncomingTransfer.objects.exists()
    assert client.post(send, {CONFIRM: "on"}).status_code == 302
    ready.refresh_from_db()
    assert ready.state == TransferState.SENT


# --- At the new school -------------------------------------------------------------------------


def test_the_receiving_dsl_sees_the_signature_and_accepts(
    client: Any, world: World, ready: Transfer
) -> None:
    client.force_login(world.users["dsl"])
    response = client.post(
        reverse("transfer-send", kwargs={"pk": ready.pk}), {"other_children_checked": "on"}
    )
    assert response.status_code == 302
    incoming = IncomingTransfer.objects.get()
    client.force_login(world.users["other_dsl"])
    body = page_text(client.get(reverse("transfer-list")))
    assert "1 waiting for you" in body
    assert world.pupil.legal_name in body
    body = page_text(client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk})))
    assert "Signature valid: the file is unchanged" in body
    assert "Signed by " in body
    assert "Alpha School" in body
    assert "issued or registered by this service" in body
    assert "Accepting adds" in body  # no pupil at school B matches yet
    response = client.post(reverse("incoming-accept", kwargs={"pk": incoming.pk}))
    incoming.refresh_from_db()
    assert incoming.state == IncomingState.ACCEPTED
    assert response.url == reverse("pupil-safeguarding", kwargs={"pk": incoming.pupil_id})
    body = page_text(client.get(response.url))
    assert "Child-protection file from Alpha School" in body
    assert reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": "pdf"}) in body
    assert "Child-protection file received" in body  # the chronology
    client.force_login(world.users["dsl"])
    body = page_text(client.get(reverse("transfer-detail", kwargs={"pk": ready.pk})))
    assert "Receipt confirmed" in body
    assert escape(world.users["other_dsl"].full_name) in body


def test_a_changed_file_is_shown_as_not_valid(world: World, client: Any, ready: Transfer) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    data = bytearray(incoming.pdf.open("rb").read())
    data[len(data) // 3] ^= 0x01
    incoming.pdf.save("changed.pdf", ContentFile(bytes(data)))
    client.force_login(world.users["other_dsl"])
    body = page_text(client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk})))
    assert "Signature not valid: do not rely on this file" in body
    assert "no longer matches the file as it was received" in body


def test_accept_and_return_sit_directly_in_one_button_group(
    client: Any, world: World, ready: Transfer
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    client.force_login(world.users["other_dsl"])
    body = page_text(client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk})))
    group = re.search(r'<div class="govuk-button-group"[^>]*>(.*?)</div>', body)
    assert group is not None
    children = re.findall(r"<(\w+)[^>]*>.*?</\1>", group.group(1))
    assert children == ["button", "a"]  # no form between the group and the Accept button
    assert 'action="{}"'.format(reverse("incoming-accept", kwargs={"pk": incoming.pk})) in body


def test_returning_needs_a_reason_and_the_sender_sees_it(
    client: Any, world: World, ready: Transfer
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    client.force_login(world.users["other_dsl"])
    url = reverse("incoming-reject", kwargs={"pk": incoming.pk})
    error_beside(
        page_text(client.post(url, {"reason": ""})), "reason", "Enter why you are returning"
    )
    assert client.post(url, {"reason": "Not joining this school"}).status_code == 302
    client.force_login(world.users["dsl"])
    body = page_text(client.get(reverse("transfer-detail", kwargs={"pk": ready.pk})))
    assert "Returned by the receiving school" in body
    assert "Not joining this school" in body


def test_a_returned_file_is_removed_from_the_receiving_school(
    client: Any, world: World, ready: Transfer, django_capture_on_commit_callbacks: Any
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    storage, pdf_name = incoming.pdf.storage, incoming.pdf.name
    assert storage.exists(pdf_name)
    with django_capture_on_commit_callbacks(execute=True):  # deleted once the return commits
        services.incoming_reject(
            actor=world.users["other_dsl"], incoming=incoming, reason="Not joining us"
        )
    incoming.refresh_from_db()
    assert not storage.exists(pdf_name)
    assert not incoming.pdf
    assert not incoming.bundle
    assert incoming.pdf_sha256 == ready.export.pdf_sha256  # the hashes are kept
    client.force_login(world.users["other_dsl"])
    for kind in ("pdf", "bundle"):
        url = reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": kind})
        assert client.get(url).status_code == 404
    response = client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk}))
    assert response.status_code == 200
    body = page_text(response)
    assert "files removed" in body
    assert reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": "pdf"}) not in body


def test_a_returned_files_page_never_fails(client: Any, world: World, ready: Transfer) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    services.incoming_reject(actor=world.users["other_dsl"], incoming=incoming, reason="Wrong")
    client.force_login(world.users["other_dsl"])
    response = client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk}))
    assert response.status_code == 200
    assert "Returned" in page_text(response)
    assert IncomingTransfer.objects.get(pk=incoming.pk).state == IncomingState.REJECTED


def test_a_received_file_destroyed_by_retention_says_so(
    client: Any, world: World, ready: Transfer
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    incoming = services.incoming_accept(actor=world.users["other_dsl"], incoming=incoming)
    retention = Retention.objects.create(
        school=world.other_school, pupil=incoming.pupil, basis=RetentionBasis.LAST_SCHOOL,  # type: ignore[misc]
        destroy_on=datetime.date(2026, 11, 1),
    )  # fmt: skip
    destroyed_at = datetime.datetime(2026, 11, 20, 3, 0, tzinfo=datetime.UTC)
    Retention.objects.filter(pk=retention.pk).update(state=RetentionState.DESTROYING)
    incoming.pdf.delete(save=False)
    incoming.bundle.delete(save=False)
    IncomingTransfer.objects.filter(pk=incoming.pk).update(pdf="", bundle="")
    Retention.objects.filter(pk=retention.pk).update(
        state=RetentionState.DESTROYED, destroyed_at=destroyed_at
    )
    client.force_login(world.users["other_dsl"])
    response = client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk}))
    assert response.status_code == 200
    body = page_text(response)
    assert "destroyed on 20 November 2026" in body
    assert reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": "pdf"}) not in body
    url = reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": "pdf"})
    assert client.get(url).status_code == 404


# --- Importing a bundle ------------------------------------------------------------------------


def _bundle(transfer: Transfer) -> bytes:
    assert transfer.export is not None
    with transfer.export.bundle.open("rb") as stored:
        return bytes(stored.read())


def _import(client: Any, data: bytes, follow: bool = False) -> Any:
    upload = SimpleUploadedFile("bundle.zip", data, content_type="application/zip")
    return client.post(reverse("transfer-import"), {"bundle": upload}, follow=follow)


def test_import_refuses_a_tampered_bundle_beside_the_field(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    data = ready_elsewhere.export.bundle.open("rb").read()
    client.force_login(world.users["other_dsl"])
    url = reverse("transfer-import")
    body = page_text(
        client.post(url, {"bundle": SimpleUploadedFile("b.zip", tampered_bundle(data))})
    )
    error_beside(body, "bundle", "This bundle is damaged or has been changed")
    assert not IncomingTransfer.objects.exists()
    response = client.post(url, {"bundle": SimpleUploadedFile("b.zip", data)})
    incoming = IncomingTransfer.objects.get()
    assert response.url == reverse("incoming-detail", kwargs={"pk": incoming.pk})
    assert incoming.school == world.other_school
    assert incoming.uploaded_by == world.users["other_dsl"]


def test_the_import_page_says_what_was_checked_not_every_check(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    client.force_login(world.users["other_dsl"])
    upload = SimpleUploadedFile("bundle.zip", ready_elsewhere.export.bundle.read())
    response = client.post(reverse("transfer-import"), {"bundle": upload}, follow=True)
    body = page_text(response)
    assert "passed every check" not in body
    assert "signatures and hashes" in body


def test_an_imports_warnings_and_trust_are_kept_and_shown(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    files = bundle_files(ready_elsewhere.export.bundle.read())
    document = json.loads(files["bundle.json"])
    document["sending_school"]["name"] = "Elsewhere Academy"
    repackaged = bundle_package(school=world.school, bundle=document, pdf=files["cp-file.pdf"])
    incoming = services.incoming_import(
        actor=world.users["other_dsl"], school=world.other_school, data=repackaged
    )
    incoming.refresh_from_db()
    assert incoming.signatures_trusted is True
    assert any("Elsewhere Academy" in w for w in incoming.check_warnings), incoming.check_warnings
    client.force_login(world.users["other_dsl"])
    body = page_text(client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk})))
    assert 'data-testid="import-warnings"' in body
    assert "but its signature names Alpha School" in body


def test_an_imported_file_accepted_tells_the_dsl_to_tell_the_sender(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    data = _bundle(ready_elsewhere)
    client.force_login(world.users["other_dsl"])
    assert _import(client, data).status_code == 302
    incoming = IncomingTransfer.objects.get()
    body = page_text(client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk})))
    # Alpha School uses this service (its key is registered here): the page says so, truly.
    assert "does not use this service" not in body
    assert "Alpha School uses this service, but this file came as a bundle imported here" in body
    assert "Accept and confirm receipt" not in body
    response = client.post(reverse("incoming-accept", kwargs={"pk": incoming.pk}), follow=True)
    body = page_text(response)
    assert (
        "Alpha School uses this service, but the file was imported, so they are not told here: "
        "tell them you have received it." in body
    )
    assert "can see your receipt" not in body


def test_an_imported_file_returned_is_not_said_to_go_back_and_can_be_imported_again(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    data = _bundle(ready_elsewhere)
    client.force_login(world.users["other_dsl"])
    _import(client, data)
    incoming = IncomingTransfer.objects.get()
    url = reverse("incoming-reject", kwargs={"pk": incoming.pk})
    body = page_text(client.get(url))
    assert "The sending school sees this" not in body
    assert "Alpha School uses this service, but the file was imported, so they are not told" in body
    body = page_text(client.post(url, {"reason": "Not joining this school"}, follow=True))
    assert "File returned to" not in body
    assert "The files have been removed from this service." in body
    assert "Tell Alpha School the file is not for this school." in body
    # Returned, it is no longer held: the same bundle may be imported again.
    assert _import(client, data).status_code == 302
    assert IncomingTransfer.objects.filter(state=IncomingState.WAITING).count() == 1


def test_the_same_bundle_is_imported_once(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    data = _bundle(ready_elsewhere)
    client.force_login(world.users["other_dsl"])
    assert _import(client, data).status_code == 302
    first = IncomingTransfer.objects.get()
    when = date_format(timezone.localtime(first.created_at), "j F Y")
    response = _import(client, data)
    assert response.status_code == 200
    error_beside(page_text(response), "bundle", f"This file was already imported on {when}")
    assert IncomingTransfer.objects.count() == 1
    services.incoming_accept(actor=world.users["other_dsl"], incoming=first)
    body = page_text(_import(client, data))
    error_beside(body, "bundle", f"This file was already imported on {when}: it was accepted")
    assert IncomingTransfer.objects.count() == 1


def test_a_file_received_in_the_service_is_not_imported_again(
    client: Any, world: World, ready: Transfer
) -> None:
    services.transfer_send(actor=world.users["dsl"], transfer=ready)
    client.force_login(world.users["other_dsl"])
    body = page_text(_import(client, _bundle(ready)))
    error_beside(body, "bundle", "This file was already received in the service on ")
    assert IncomingTransfer.objects.count() == 1


def test_a_refused_bundle_is_explained_plainly_first_with_the_detail_after(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    client.force_login(world.users["other_dsl"])
    body = page_text(_import(client, tampered_bundle(_bundle(ready_elsewhere))))
    error_beside(
        body,
        "bundle",
        "This bundle is damaged or has been changed, so it cannot be trusted. Ask the school "
        "that sent it to send it again. (Detail: ",
    )
    body = page_text(_import(client, b"%PDF-1.7 not a bundle"))
    error_beside(
        body,
        "bundle",
        "This file is not a CP-file bundle, so it cannot be imported. Upload the .zip file the "
        "sending school sent you. (Detail: this is not a zip file",
    )
    assert "refused: This" not in body
    assert not IncomingTransfer.objects.exists()


# --- A school outside the service --------------------------------------------------------------


def test_recording_sent_and_receipt_for_a_school_outside_the_service(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    client.force_login(world.users["dsl"])
    detail = reverse("transfer-detail", kwargs={"pk": ready_elsewhere.pk})
    assert "Record how the file was sent" in page_text(client.get(detail))
    url = reverse("transfer-sent", kwargs={"pk": ready_elsewhere.pk})
    body = page_text(client.post(url, {"sent_at": "yesterday"}))
    error_beside(body, "sent_how", "Choose how the file was sent")
    error_beside(body, "sent_at", "Enter the date and time like 21/11/2026 14:30")
    response = client.post(
        url, {"sent_how": "by_hand", "sent_at": _now_text(), "other_children_checked": "on"}
    )
    assert response.status_code == 302
    url = reverse("transfer-receipt", kwargs={"pk": ready_elsewhere.pk})
    response = client.post(
        url, {"receipt_by": "Jo Reed, DSL", "received_at": _now_text(), "receipt_how": "phone"}
    )
    assert response.status_code == 302
    ready_elsewhere.refresh_from_db()
    assert ready_elsewhere.state == TransferState.RECEIVED
    body = page_text(client.get(reverse("transfer-list")))
    assert "Jo Reed, DSL" in body


def test_recording_a_file_sent_elsewhere_needs_the_other_children_check(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    client.force_login(world.users["dsl"])
    url = reverse("transfer-sent", kwargs={"pk": ready_elsewhere.pk})
    body = page_text(client.get(url))
    assert OTHER_CHILDREN_LABEL in body
    assert 'class="govuk-checkboxes__input"' in body
    when = _now_text()
    body = page_text(client.post(url, {"sent_how": "by_hand", "sent_at": when}))
    error_beside(body, CONFIRM, "Confirm you have read the file and checked what it says about")
    ready_elsewhere.refresh_from_db()
    assert ready_elsewhere.state == TransferState.READY
    response = client.post(url, {"sent_how": "by_hand", "sent_at": when, CONFIRM: "on"})
    assert response.status_code == 302
    ready_elsewhere.refresh_from_db()
    assert ready_elsewhere.state == TransferState.SENT


def _now_text() -> str:
    return timezone.localtime().strftime("%d/%m/%Y %H:%M")


# --- Lists: their tables labelled, their query counts ------------------------------------------


def test_the_transfer_tables_are_labelled_by_their_captions(
    client: Any, world: World, ready: Transfer
) -> None:
    services.transfer_send(actor=world.users["dsl"], transfer=ready)
    client.force_login(world.users["dsl"])
    body = page_text(client.get(reverse("transfer-list")))
    assert (
        '<div class="app-table-wrap" role="region" tabindex="0" '
        'aria-label="Child-protection files sent or to send">'
    ) in body
    client.force_login(world.users["other_dsl"])
    body = page_text(client.get(reverse("incoming-list")))
    assert 'aria-label="Child-protection files received"' in body


def _more_rows(world: World, n: int) -> None:
    from tests.support.factories import PupilFactory

    for _ in range(n):
        pupil = PupilFactory(school=world.school)
        transfer_records(world.school, world.users["dsl"], pupil)


# Session and user, the acting school and permissions, the header's counts, then the lists and
# the access-log rows for the pupils they show (one insert, issue 16).
QUERIES = {"transfer-list": 15, "incoming-list": 14}


@pytest.mark.parametrize("name", ["transfer-list", "incoming-list"])
def test_list_query_counts_do_not_grow_with_rows(
    client: Any, world: World, name: str, django_assert_num_queries: Any
) -> None:
    client.force_login(world.users["dsl"])
    url = reverse(name)
    _more_rows(world, 1)
    client.get(url)  # warm: sessions, content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _more_rows(world, 4)
    assert len(one.captured_queries) == QUERIES[name], [q["sql"] for q in one.captured_queries]
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("Casey Newcomb") == 5
