"""A real Celery worker on the real broker renders, signs and packages an export queued by a
pupil leaving; the same task delivered twice does the work once."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from safeguard.celery import app
from tests.support.world import World
from transfers import services
from transfers.models import Export, ExportState, TransferState
from transfers.signing.verify import pdf_signature_check
from transfers.tasks import export_render


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_queue")
def test_a_worker_prepares_the_file_once(world: World) -> None:
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=30):
        transfer = services.transfer_start(  # commits: the task is queued
            actor=world.users["dsl"],
            pupil=world.pupil,
            leaving_date=world.pupil.joined_on,
            destination_school=world.other_school,
        )
        export_render.delay(str(transfer.export_id))  # delivered a second time
        deadline = time.monotonic() + 90
        seen: set[int] = set()
        while True:
            export = Export.objects.get(pk=transfer.export_id)
            seen.add(export.progress)
            if export.state in (ExportState.DONE, ExportState.FAILED):
                break
            assert time.monotonic() < deadline, "the worker did not prepare the file in 90 s"
            time.sleep(0.05)
        time.sleep(1)  # let the second delivery run
    export.refresh_from_db()
    assert export.state == ExportState.DONE, export.error
    assert export.attempts == 1
    assert pdf_signature_check(export.pdf.open("rb").read()).valid
    transfer.refresh_from_db()
    assert transfer.state == TransferState.READY
    assert 100 in seen
