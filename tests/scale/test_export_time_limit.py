"""An export over its time limit, in a real worker (prefork, as in production: the soft limit is
a signal to the pool process), ends as a failed export whose page tells the DSL so and offers to
try again; it is not left "preparing" (docs/adr/0038)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from safeguard.celery import app
from tests.support.processes import Worker, free_port, wait_for
from tests.support.world import World
from transfers import services
from transfers.models import Export, ExportState
from transfers.tasks import export_render


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_queue")
def test_an_export_over_its_time_limit_fails_and_the_dsl_is_told(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limits travel with the task, from the process that queues it (EXPORT_TIME_LIMIT_SECONDS
    # there): here, this test. Rendering a CP file takes longer than this.
    monkeypatch.setattr(export_render, "soft_time_limit", 0.3)
    monkeypatch.setattr(export_render, "time_limit", 60.3)
    monkeypatch.setattr(export_render, "_exec_options", None)  # where the sender keeps them
    worker = Worker(broker_url=app.conf.broker_url, smtp_port=free_port())
    worker.env["EXPORT_TIME_LIMIT_SECONDS"] = "0.3"
    worker.start()
    try:
        transfer = services.transfer_start(  # commits: the export is queued
            actor=world.users["dsl"],
            pupil=world.pupil,
            leaving_date=world.pupil.joined_on,
            destination_school=world.other_school,
        )
        wait_for(
            "the export to stop",
            lambda: Export.objects.get(pk=transfer.export_id).state == ExportState.FAILED,
            60,
        )
        output = worker.output()
    finally:
        print(worker.output())  # shown when the test fails
        worker.stop()
    assert "Soft time limit (0.3s) exceeded for transfers.export_render" in output
    export = Export.objects.get(pk=transfer.export_id)
    assert export.error == services.EXPORT_TOO_LONG
    assert export.stage == "Stopped"
    assert export.finished_at is not None
    assert not export.pdf
    assert not export.bundle

    client = Client()
    client.force_login(world.users["dsl"])
    page = client.get(reverse("transfer-detail", kwargs={"pk": transfer.pk}))
    text = page.content.decode()
    assert "Preparing the file took longer than allowed, so it was stopped." in text
    assert "Try again" in text
    services.export_retry(actor=world.users["dsl"], transfer=transfer)  # and it can be
    assert Export.objects.get(pk=transfer.export_id).state == ExportState.QUEUED


@pytest.mark.django_db
def test_an_export_whose_worker_dies_each_time_stops_after_three_tries(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    """A pool process killed mid-export (the exports worker's memory cap, the hard time limit)
    puts the task back on the queue; the third time it is stopped, in words, not tried for ever."""
    with django_capture_on_commit_callbacks(execute=False):
        transfer = services.transfer_start(
            actor=world.users["dsl"],
            pupil=world.pupil,
            leaving_date=world.pupil.joined_on,
            destination_school=world.other_school,
        )
    # As a worker killed mid-way leaves it, twice and then three times.
    Export.objects.filter(pk=transfer.export_id).update(state=ExportState.RENDERING, attempts=2)
    assert services.export_run(export_id=transfer.export_id).state == ExportState.DONE  # 3rd try
    Export.objects.filter(pk=transfer.export_id).update(
        state=ExportState.RENDERING, attempts=3, pdf="", bundle=""
    )
    stopped = services.export_run(export_id=transfer.export_id)
    assert stopped.state == ExportState.FAILED
    assert stopped.error == services.EXPORT_LOST
    assert stopped.attempts == 3
