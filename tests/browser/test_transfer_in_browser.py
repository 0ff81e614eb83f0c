"""Issue 7 end to end in real Chromium, with a real Celery worker preparing the file:
Alderbrook's DSL sends a pupil's CP file to Southend Bay, Southend Bay's DSL checks the signature
and accepts it, Alderbrook sees the receipt at once, and both chronologies record it. (The demo
already has one file from Alderbrook waiting at Southend Bay, for another pupil.)"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from playwright.sync_api import Page, expect

from chronology.models import ChronologyEntry, EntryKind
from concerns.models import Concern
from safeguard.celery import app
from schools.models import User
from tests.browser.conftest import sign_in
from transfers.models import IncomingTransfer, Transfer, TransferState

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


@pytest.mark.usefixtures("empty_queue")
def test_a_cp_file_goes_from_alderbrook_to_southend_bay(
    new_page: Callable[..., Page],
    live_server,
    demo,
) -> None:
    base = live_server.url
    concern = Concern.objects.get(
        school__slug="alderbrook", reason_for_recording="Injury and fear of going home."
    )
    pupil = concern.involvements.get().pupil
    sender, receiver = new_page(viewport=DESK), new_page(viewport=DESK)
    sign_in(sender, base, "dsl@alderbrook.example")
    sign_in(receiver, base, "dsl@southend-bay.example")
    started = time.monotonic()
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30):
        # Alderbrook: the pupil is leaving for Southend Bay.
        sender.goto(f"{base}/pupils/{pupil.pk}/")
        sender.get_by_test_id("transfer-link").click()
        sender.get_by_label("Date the pupil leaves (or left)").fill(
            timezone.localdate().strftime("%d/%m/%Y")
        )
        sender.get_by_label("A school that uses this service").check()
        sender.get_by_label("New school's name or DfE URN").fill("Southend Bay Academy")
        sender.get_by_role("button", name="Prepare the file").click()
        expect(sender.get_by_test_id("transfer-deadline")).to_be_visible()
        # The page polls the export; when the signed file is ready its one live region says so
        # (announced, the region is not replaced) and the Send button is swapped in.
        send = sender.get_by_role("button", name="Send to Southend Bay Academy")
        expect(send).to_be_visible(timeout=90_000)
        live = sender.locator('#export-progress[aria-live="polite"]')
        expect(live.get_by_test_id("export-ready")).to_contain_text("Signed PDF of")
        # The DSL must confirm they have checked what the file says about other children.
        send.click()
        expect(sender.locator("#id_other_children_checked-error")).to_contain_text(
            "Confirm you have read the file and checked what it says about other children"
        )
        expect(sender.get_by_test_id("transfer-state")).to_have_text("Ready to send")
        sender.get_by_label(
            "I have read the file and checked what it says about other children"
        ).check()
        sender.get_by_role("button", name="Send to Southend Bay Academy").click()
        expect(sender.get_by_test_id("transfer-state")).to_have_text("Sent: awaiting receipt")

    # Southend Bay: the incoming file, its signature, accept.
    receiver.goto(f"{base}/")
    receiver.get_by_role("link", name="Transfers").click()
    expect(receiver.get_by_test_id("incoming-waiting")).to_have_text("2 waiting for you")
    receiver.get_by_role("link", name=pupil.legal_name).click()
    expect(receiver.get_by_test_id("signature-verdict")).to_have_text(
        "Signature valid: the file is unchanged"
    )
    expect(receiver.get_by_test_id("signature-check")).to_contain_text("Alderbrook Primary")
    expect(receiver.get_by_test_id("signature-trusted")).to_be_visible()
    receiver.set_viewport_size(PHONE)  # the signature check and its hash fit a phone
    assert receiver.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Accept and Return sit in one button group: the same full width on a phone.
    accept = receiver.get_by_role("button", name="Accept and confirm receipt").bounding_box()
    give_back = receiver.get_by_role("link", name="Return it: wrong pupil or school")
    back = give_back.bounding_box()
    assert accept is not None
    assert back is not None
    assert accept["width"] == back["width"]
    receiver.set_viewport_size(DESK)
    receiver.get_by_role("button", name="Accept and confirm receipt").click()
    expect(receiver.get_by_test_id("received-files")).to_contain_text(
        "Child-protection file from Alderbrook Primary"
    )

    # Alderbrook sees the receipt at once.
    incoming = IncomingTransfer.objects.get(transfer__pupil=pupil)
    southend_dsl = User.objects.get(email="dsl@southend-bay.example")
    sender.set_viewport_size(PHONE)
    sender.reload()
    expect(sender.get_by_test_id("transfer-state")).to_have_text("Receipt confirmed")
    assert sender.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(sender.get_by_test_id("receipt")).to_contain_text(southend_dsl.full_name)
    elapsed = time.monotonic() - started
    assert elapsed < 120, f"the transfer took {elapsed:.0f} s"

    # Both chronologies record it, and show it.
    transfer = Transfer.objects.get(pupil=pupil)
    assert transfer.state == TransferState.RECEIVED
    sent = ChronologyEntry.objects.get(pupil=pupil, kind=EntryKind.TRANSFER_SENT)
    assert "Southend Bay Academy" in sent.details
    assert ChronologyEntry.objects.filter(pupil=pupil, kind=EntryKind.TRANSFER_RECEIPT).exists()
    received = ChronologyEntry.objects.get(pupil=incoming.pupil, kind=EntryKind.TRANSFER_RECEIVED)
    assert received.school.slug == "southend-bay"
    sender.goto(f"{base}/pupils/{pupil.pk}/chronology/")
    expect(sender.get_by_text("Receipt of the child-protection file confirmed by")).to_be_visible()
    receiver.goto(f"{base}/pupils/{incoming.pupil_id}/chronology/")
    expect(
        receiver.get_by_text(re.compile(r"^Child-protection file received from Alderbrook"))
    ).to_be_visible()

    # Issue 20 (ADR 0045): Southend Bay's DSL sees the history received, in one chronology.
    receiver.set_viewport_size(DESK)
    receiver.goto(f"{base}/pupils/{incoming.pupil_id}/safeguarding/")
    expect(receiver.get_by_test_id("received-history")).to_contain_text("From Alderbrook Primary")
    expect(receiver.get_by_text("No concerns have been logged about")).to_have_count(0)
    receiver.goto(f"{base}/pupils/{incoming.pupil_id}/chronology/")
    tags = receiver.get_by_test_id("received-tag")
    expect(tags.first).to_have_text("Received from a previous school")
    concern_entry = receiver.get_by_test_id("chronology-entry").filter(
        has_text="Reason for recording: Injury and fear of going home."
    )
    expect(concern_entry).to_contain_text("Received from Alderbrook Primary: Concern logged")
    concern_entry.get_by_test_id("received-verify").click()
    expect(receiver.get_by_test_id("received-check")).to_contain_text(
        "This entry is what Alderbrook Primary signed."
    )
