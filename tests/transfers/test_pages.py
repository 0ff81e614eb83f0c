"""Transfer pages: starting a transfer (errors beside their fields), the export's progress,
downloads (404 to anyone but the owning school's DSL and deputies, every one logged), the file
received (the signature check in plain words), accepting, returning, importing, and the lists'
query counts."""

# ruff: noqa: F811 (fixtures imported from flow_fixtures are arguments of the tests)

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AccessLog
from tests.support.factories import SchoolFactory, member
from tests.support.world import World
from tests.transfers.flow_fixtures import (  # the fixtures, by name
    _start,
    ready,  # noqa: F401
    ready_elsewhere,  # noqa: F401
)
from tests.transfers.flow_records import transfer_records
from tests.transfers.helpers import tampered_bundle
from transfers import services
from transfers.models import (
    Export,
    ExportState,
    IncomingState,
    IncomingTransfer,
    Transfer,
    TransferState,
)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _error_beside(body: str, field: str, message: str) -> None:
    """The message is shown as the field's GOV.UK error message, next to it."""
    assert f'id="id_{field}-error" class="govuk-error-message"' in body
    assert message in body


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
    body = _text(client.post(url, {"leaving_date": "31/02/2026", "destination": "elsewhere"}))
    _error_beside(body, "leaving_date", "Enter the date like 18/12/2026")
    _error_beside(body, "destination_name", "Enter the name of the new school")
    _error_beside(body, "destination_address", "Enter the new school&#x27;s address")
    body = _text(client.post(url, {"leaving_date": "18/11/2026"}))
    _error_beside(body, "destination", "Choose where the pupil is going")
    assert not Transfer.objects.exists()


def test_the_school_on_the_service_is_found_by_name_or_urn(client: Any, world: World) -> None:
    SchoolFactory(name="Beta Grammar School")
    client.force_login(world.users["dsl"])
    url = reverse("transfer-start", kwargs={"pk": world.pupil.pk})
    data = {"leaving_date": "18/11/2026", "destination": "platform"}
    body = _text(client.post(url, {**data, "destination_search": "Nowhere Academy"}))
    _error_beside(body, "destination_search", "No school on this service is called")
    body = _text(client.post(url, {**data, "destination_search": "beta"}))
    _error_beside(body, "destination_search", "More than one school matches")
    body = _text(client.post(url, {**data, "destination_search": world.school.name}))
    _error_beside(body, "destination_search", "That is this school: choose the school the pupil")
    response = client.post(url, {**data, "destination_search": world.other_school.urn})
    transfer = Transfer.objects.get()
    assert response.url == reverse("transfer-detail", kwargs={"pk": transfer.pk})
    assert transfer.destination_school == world.other_school


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
    body = _text(client.get(response.url))
    assert "Wednesday 25 November 2026" in body  # the deadline
    assert "Within 5 school days of leaving" in body
    progress = reverse("transfer-progress", kwargs={"pk": transfer.pk})
    assert f'hx-get="{progress}" hx-trigger="every 1s"' in body
    Export.objects.filter(pk=transfer.export_id).update(
        state=ExportState.RENDERING, progress=42, stage="Laying out the pages"
    )
    partial = client.get(progress, headers={"HX-Request": "true"})
    assert partial.status_code == 200  # polling goes on
    assert "Laying out the pages (42%)" in _text(partial)
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
    body = _text(client.get(reverse("transfer-detail", kwargs={"pk": transfer.pk})))
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
    body = _text(client.get(reverse("transfer-list")))
    assert "1 waiting for you" in body
    assert world.pupil.legal_name in body
    body = _text(client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk})))
    assert "Signature valid: the file is unchanged" in body
    assert "Signed by " in body
    assert "Alpha School" in body
    assert "issued or registered by this service" in body
    assert "Accepting adds" in body  # no pupil at school B matches yet
    response = client.post(reverse("incoming-accept", kwargs={"pk": incoming.pk}))
    incoming.refresh_from_db()
    assert incoming.state == IncomingState.ACCEPTED
    assert response.url == reverse("pupil-safeguarding", kwargs={"pk": incoming.pupil_id})
    body = _text(client.get(response.url))
    assert "Child-protection file from Alpha School" in body
    assert reverse("incoming-file", kwargs={"pk": incoming.pk, "kind": "pdf"}) in body
    assert "Child-protection file received" in body  # the chronology
    client.force_login(world.users["dsl"])
    body = _text(client.get(reverse("transfer-detail", kwargs={"pk": ready.pk})))
    assert "Receipt confirmed" in body
    assert escape(world.users["other_dsl"].full_name) in body


def test_a_changed_file_is_shown_as_not_valid(world: World, client: Any, ready: Transfer) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    data = bytearray(incoming.pdf.open("rb").read())
    data[len(data) // 3] ^= 0x01
    incoming.pdf.save("changed.pdf", ContentFile(bytes(data)))
    client.force_login(world.users["other_dsl"])
    body = _text(client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk})))
    assert "Signature not valid: do not rely on this file" in body
    assert "no longer matches the file as it was received" in body


def test_returning_needs_a_reason_and_the_sender_sees_it(
    client: Any, world: World, ready: Transfer
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    client.force_login(world.users["other_dsl"])
    url = reverse("incoming-reject", kwargs={"pk": incoming.pk})
    _error_beside(_text(client.post(url, {"reason": ""})), "reason", "Enter why you are returning")
    assert client.post(url, {"reason": "Not joining this school"}).status_code == 302
    client.force_login(world.users["dsl"])
    body = _text(client.get(reverse("transfer-detail", kwargs={"pk": ready.pk})))
    assert "Returned by the receiving school" in body
    assert "Not joining this school" in body


def test_import_refuses_a_tampered_bundle_beside_the_field(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    data = ready_elsewhere.export.bundle.open("rb").read()
    client.force_login(world.users["other_dsl"])
    url = reverse("transfer-import")
    body = _text(client.post(url, {"bundle": SimpleUploadedFile("b.zip", tampered_bundle(data))}))
    _error_beside(body, "bundle", "This bundle is damaged or has been changed")
    assert not IncomingTransfer.objects.exists()
    response = client.post(url, {"bundle": SimpleUploadedFile("b.zip", data)})
    incoming = IncomingTransfer.objects.get()
    assert response.url == reverse("incoming-detail", kwargs={"pk": incoming.pk})
    assert incoming.school == world.other_school
    assert incoming.uploaded_by == world.users["other_dsl"]


def test_recording_sent_and_receipt_for_a_school_outside_the_service(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    client.force_login(world.users["dsl"])
    detail = reverse("transfer-detail", kwargs={"pk": ready_elsewhere.pk})
    assert "Record how the file was sent" in _text(client.get(detail))
    url = reverse("transfer-sent", kwargs={"pk": ready_elsewhere.pk})
    body = _text(client.post(url, {"sent_at": "yesterday"}))
    _error_beside(body, "sent_how", "Choose how the file was sent")
    _error_beside(body, "sent_at", "Enter the date and time like 21/11/2026 14:30")
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
    body = _text(client.get(reverse("transfer-list")))
    assert "Jo Reed, DSL" in body


def _now_text() -> str:
    return timezone.localtime().strftime("%d/%m/%Y %H:%M")


# --- Lists: query counts -----------------------------------------------------------------------


def _more_rows(world: World, n: int) -> None:
    from tests.support.factories import PupilFactory

    for _ in range(n):
        pupil = PupilFactory(school=world.school)
        transfer_records(world.school, world.users["dsl"], pupil)


# Session and user, the acting school and permissions, the header's counts, then the lists.
QUERIES = {"transfer-list": 14, "incoming-list": 13}


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
