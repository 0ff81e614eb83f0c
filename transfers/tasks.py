"""The export of a CP file runs here, never in a request: the task takes the export's id."""

from __future__ import annotations

import logging
import time

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from .metrics import EXPORT_SECONDS
from .models import ExportState
from .retention.services import retention_run as run

log = logging.getLogger(__name__)


@shared_task(name="transfers.export_render", bind=True)
def export_render(self: Task, export_id: str) -> str:
    """Render, sign and package one export (idempotent; `task_acks_late` may deliver it twice)."""
    # late: services imports this module to queue the task
    from .services import EXPORT_TOO_LONG, export_run, export_stopped

    # The soft time limit this delivery runs under (sent with it), as a deadline for each step.
    soft = (self.request.timelimit or (None, None))[1] or self.soft_time_limit
    deadline = time.monotonic() + float(soft) if soft else None
    began, clock = timezone.now(), time.monotonic()
    try:
        export = export_run(export_id=export_id, deadline=deadline)
    except SoftTimeLimitExceeded:
        # Over EXPORT_TIME_LIMIT_SECONDS while starting or storing (export_run records it itself
        # while rendering): the DSL's page says so and offers to try again.
        log.warning("Export %s stopped: over its time limit", export_id)
        EXPORT_SECONDS.labels("failed").observe(time.monotonic() - clock)
        return str(export_stopped(export_id=export_id, problem=EXPORT_TOO_LONG).state)
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
