"""Fixes from a new user's walk-through of the CP-file transfer: the DSL confirms what the file
says about other children before it leaves; an imported file's receipt and return are worded
for a sender not on the service; a bundle is imported once; a refused bundle is explained in
plain English first; the school's own name is not offered as the new school; the export's
progress has one live region; sideways-scrolling tables are labelled, focusable regions; and
the incoming page's buttons share one button group."""

# ruff: noqa: F811 (fixtures imported from flow_fixtures are arguments of the tests)

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.support.world import World
from tests.transfers.flow_fixtures import (  # the fixtures, by name
    _start,
    ready,  # noqa: F401
    ready_elsewhere,  # noqa: F401
)
from tests.transfers.helpers import tampered_bundle
from transfers import services
from transfers.forms import OTHER_CHILDREN_LABEL
from transfers.models import (
    Export,
    ExportState,
    IncomingState,
    IncomingTransfer,
    Transfer,
    TransferState,
)

CONFIRM = "other_children_checked"


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _error_beside(body: str, field: str, message: str) -> None:
    assert f'id="id_{field}-error" class="govuk-error-message"' in body
    assert message in body


# --- 1. Other children: the DSL confirms before the file leaves ---------------------------------


def test_sending_in_the_service_needs_the_other_children_check(
    client: Any, world: World, ready: Transfer
) -> None:
    client.force_login(world.users["dsl"])
    detail = reverse("transfer-detail", kwargs={"pk": ready.pk})
    body = _text(client.get(detail))
    assert 'type="checkbox"' in body
    assert f'name="{CONFIRM}"' in body
    assert OTHER_CHILDREN_LABEL in body
    assert "free text written by staff" in body
    assert "Keeping children safe in education allows sharing" in body
    send = reverse("transfer-send", kwargs={"pk": ready.pk})
    response = client.post(send, {})
    assert response.status_code == 200
    body = _text(response)
    _error_beside(body, CONFIRM, "Confirm you have read the file and checked what it says about")
    assert "There is a problem" in body  # the error summary, linking to the checkbox
    assert f'href="#id_{CONFIRM}"' in body
    assert "<title>Error: " in body
    ready.refresh_from_db()
    assert ready.state == TransferState.READY
    assert not IncomingTransfer.objects.exists()
    assert client.post(send, {CONFIRM: "on"}).status_code == 302
    ready.refresh_from_db()
    assert ready.state == TransferState.SENT


def test_recording_a_file_sent_elsewhere_needs_the_other_children_check(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    client.force_login(world.users["dsl"])
    url = reverse("transfer-sent", kwargs={"pk": ready_elsewhere.pk})
    body = _text(client.get(url))
    assert OTHER_CHILDREN_LABEL in body
    assert 'class="govuk-checkboxes__input"' in body
    when = services.timezone.localtime().strftime("%d/%m/%Y %H:%M")
    body = _text(client.post(url, {"sent_how": "by_hand", "sent_at": when}))
    _error_beside(body, CONFIRM, "Confirm you have read the file and checked what it says about")
    ready_elsewhere.refresh_from_db()
    assert ready_elsewhere.state == TransferState.READY
    response = client.post(url, {"sent_how": "by_hand", "sent_at": when, CONFIRM: "on"})
    assert response.status_code == 302
    ready_elsewhere.refresh_from_db()
    assert ready_elsewhere.state == TransferState.SENT


# --- 2, 3 and 4. Importing a bundle -----------------------------------------------------------


def _bundle(transfer: Transfer) -> bytes:
    assert transfer.export is not None
    with transfer.export.bundle.open("rb") as stored:
        return bytes(stored.read())


def _import(client: Any, data: bytes, follow: bool = False) -> Any:
    upload = SimpleUploadedFile("bundle.zip", data, content_type="application/zip")
    return client.post(reverse("transfer-import"), {"bundle": upload}, follow=follow)


def test_an_imported_file_accepted_tells_the_dsl_to_tell_the_sender(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    data = _bundle(ready_elsewhere)
    client.force_login(world.users["other_dsl"])
    assert _import(client, data).status_code == 302
    incoming = IncomingTransfer.objects.get()
    body = _text(client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk})))
    assert "Alpha School does not use this service, so it is not told" in body
    assert "Accept and confirm receipt" not in body
    response = client.post(reverse("incoming-accept", kwargs={"pk": incoming.pk}), follow=True)
    body = _text(response)
    assert "Alpha School does not use this service: tell them you have received it." in body
    assert "can see your receipt" not in body


def test_an_imported_file_returned_is_not_said_to_go_back_and_can_be_imported_again(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    data = _bundle(ready_elsewhere)
    client.force_login(world.users["other_dsl"])
    _import(client, data)
    incoming = IncomingTransfer.objects.get()
    url = reverse("incoming-reject", kwargs={"pk": incoming.pk})
    body = _text(client.get(url))
    assert "The sending school sees this" not in body
    assert "Alpha School does not use this service and is not told" in body
    body = _text(client.post(url, {"reason": "Not joining this school"}, follow=True))
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
    when = services.date_format(services.timezone.localtime(first.created_at), "j F Y")
    response = _import(client, data)
    assert response.status_code == 200
    _error_beside(_text(response), "bundle", f"This file was already imported on {when}")
    assert IncomingTransfer.objects.count() == 1
    services.incoming_accept(actor=world.users["other_dsl"], incoming=first)
    body = _text(_import(client, data))
    _error_beside(body, "bundle", f"This file was already imported on {when}: it was accepted")
    assert IncomingTransfer.objects.count() == 1


def test_a_file_received_in_the_service_is_not_imported_again(
    client: Any, world: World, ready: Transfer
) -> None:
    services.transfer_send(actor=world.users["dsl"], transfer=ready)
    client.force_login(world.users["other_dsl"])
    body = _text(_import(client, _bundle(ready)))
    _error_beside(body, "bundle", "This file was already received in the service on ")
    assert IncomingTransfer.objects.count() == 1


def test_a_refused_bundle_is_explained_plainly_first_with_the_detail_after(
    client: Any, world: World, ready_elsewhere: Transfer
) -> None:
    client.force_login(world.users["other_dsl"])
    body = _text(_import(client, tampered_bundle(_bundle(ready_elsewhere))))
    _error_beside(
        body,
        "bundle",
        "This bundle is damaged or has been changed, so it cannot be trusted. Ask the school "
        "that sent it to send it again. (Detail: ",
    )
    body = _text(_import(client, b"%PDF-1.7 not a bundle"))
    _error_beside(
        body,
        "bundle",
        "This file is not a CP-file bundle, so it cannot be imported. Upload the .zip file the "
        "sending school sent you. (Detail: this is not a zip file",
    )
    assert "refused: This" not in body
    assert not IncomingTransfer.objects.exists()


def test_a_refusal_reason_reads_on_after_its_plain_lead() -> None:
    damaged = services.import_refusal("Bad CRC-32 for file 'cp-file.pdf'")
    assert damaged.startswith("This bundle is damaged or has been changed")
    assert damaged.endswith("(Detail: bad CRC-32 for file 'cp-file.pdf'.)")
    assert services.import_refusal("PDF is missing.").endswith("(Detail: PDF is missing.)")


# --- 5. The school's own name ------------------------------------------------------------------


def test_the_sending_schools_own_name_is_not_offered_as_the_new_school(
    client: Any, world: World
) -> None:
    client.force_login(world.users["dsl"])
    url = reverse("transfer-start", kwargs={"pk": world.pupil.pk})
    data = {"leaving_date": "18/11/2026", "destination": "platform"}
    for text in ("Alpha", world.school.name, world.school.urn):
        body = _text(client.post(url, {**data, "destination_search": text}))
        _error_beside(
            body,
            "destination_search",
            "That is this school: choose the school the pupil is moving to",
        )
        assert "No school on this service is called" not in body
    assert not Transfer.objects.exists()


# --- 6. The export's progress: one live region --------------------------------------------------


def test_the_progress_updates_the_words_of_one_live_region_and_announces_the_finish(
    client: Any, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    transfer = _start(world, django_capture_on_commit_callbacks)
    assert transfer.export is not None
    export = Export.objects.filter(pk=transfer.export.pk)
    client.force_login(world.users["dsl"])
    body = _text(client.get(reverse("transfer-detail", kwargs={"pk": transfer.pk})))
    progress = reverse("transfer-progress", kwargs={"pk": transfer.pk})
    region = re.search(r'<div id="export-progress"[^>]*>', body)
    assert region is not None
    assert 'aria-live="polite"' in region.group(0)
    assert f'hx-get="{progress}"' in region.group(0)
    assert 'hx-swap="innerHTML"' in region.group(0)  # its words are replaced, not the region
    assert body.count(' id="export-progress"') == 1
    export.update(state=ExportState.RENDERING, progress=42, stage="Laying out the pages")
    partial = _text(client.get(progress, headers={"HX-Request": "true"}))
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
    partial = _text(response)
    assert "export-progress" not in partial
    assert "Ready</strong> Signed PDF of 3 pages" in partial
    assert '<div id="export-next" hx-swap-oob="true">' in partial
    assert "Send to Beta School" in partial
    assert f'name="{CONFIRM}"' in partial
    assert 'id="transfer-state-line" hx-swap-oob="true"' in partial
    assert "<progress" not in partial


# --- 7. Tables that scroll sideways -------------------------------------------------------------


WRAP = re.compile(r'<div class="app-table-wrap"[^>]*>')


def test_every_table_wrapper_is_a_labelled_focusable_region() -> None:
    templates = Path(settings.BASE_DIR) / "templates"
    found = 0
    for path in templates.rglob("*.html"):
        for wrapper in WRAP.findall(path.read_text()):
            found += 1
            assert 'role="region"' in wrapper, path
            assert 'tabindex="0"' in wrapper, path
            assert re.search(r'aria-label="[^"]+"', wrapper), path
    assert found >= 15
    scss = (Path(settings.BASE_DIR) / "assets/scss/app.scss").read_text()
    block = scss[scss.index(".app-table-wrap {") :]
    block = block[: block.index("\n}\n")]
    assert "&:focus" in block
    assert "outline:" in block


def test_the_transfer_tables_are_labelled_by_their_captions(
    client: Any, world: World, ready: Transfer
) -> None:
    services.transfer_send(actor=world.users["dsl"], transfer=ready)
    client.force_login(world.users["dsl"])
    body = _text(client.get(reverse("transfer-list")))
    assert (
        '<div class="app-table-wrap" role="region" tabindex="0" '
        'aria-label="Child-protection files sent or to send">'
    ) in body
    client.force_login(world.users["other_dsl"])
    body = _text(client.get(reverse("incoming-list")))
    assert 'aria-label="Child-protection files received"' in body


# --- 8. The incoming page's buttons -------------------------------------------------------------


def test_accept_and_return_sit_directly_in_one_button_group(
    client: Any, world: World, ready: Transfer
) -> None:
    incoming = services.transfer_send(actor=world.users["dsl"], transfer=ready)
    client.force_login(world.users["other_dsl"])
    body = _text(client.get(reverse("incoming-detail", kwargs={"pk": incoming.pk})))
    group = re.search(r'<div class="govuk-button-group"[^>]*>(.*?)</div>', body)
    assert group is not None
    children = re.findall(r"<(\w+)[^>]*>.*?</\1>", group.group(1))
    assert children == ["button", "a"]  # no form between the group and the Accept button
    assert 'action="{}"'.format(reverse("incoming-accept", kwargs={"pk": incoming.pk})) in body
