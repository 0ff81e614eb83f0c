"""The export of a CP file runs here, never in a request: the task takes the export's id."""

from __future__ import annotations

from celery import shared_task

from .retention.services import retention_run as run


@shared_task(name="transfers.export_render")
def export_render(export_id: str) -> str:
    """Render, sign and package one export (idempotent; `task_acks_late` may deliver it twice)."""
    from .services import export_run  # late: services imports this module to queue the task

    return str(export_run(export_id=export_id).state)


@shared_task(name="transfers.retention_run")
def retention_run() -> dict[str, int]:
    """Nightly: schedule what the retention policy now covers and destroy what is due, once."""
    report = run()
    return {"scheduled": report.scheduled, "destroyed": report.destroyed, "held": report.held}
