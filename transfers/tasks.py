"""The export of a CP file runs here, never in a request: the task takes the export's id."""

from __future__ import annotations

import time

from celery import shared_task
from django.utils import timezone

from .metrics import EXPORT_SECONDS
from .models import ExportState
from .retention.services import retention_run as run


@shared_task(name="transfers.export_render")
def export_render(export_id: str) -> str:
    """Render, sign and package one export (idempotent; `task_acks_late` may deliver it twice)."""
    from .services import export_run  # late: services imports this module to queue the task

    began, clock = timezone.now(), time.monotonic()
    try:
        export = export_run(export_id=export_id)
    except Exception:
        EXPORT_SECONDS.labels("failed").observe(time.monotonic() - clock)
        raise
    # Timed only when this run did the work (not a second delivery of a finished export).
    if export.finished_at is not None and export.finished_at >= began:
        outcome = "done" if export.state == ExportState.DONE else "failed"
        EXPORT_SECONDS.labels(outcome).observe(time.monotonic() - clock)
    return str(export.state)


@shared_task(name="transfers.retention_run")
def retention_run() -> dict[str, int]:
    """Nightly: schedule what the retention policy now covers and destroy what is due, once."""
    report = run()
    return {"scheduled": report.scheduled, "destroyed": report.destroyed, "held": report.held}
