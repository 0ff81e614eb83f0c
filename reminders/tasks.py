"""The scheduled review (every five minutes; idempotent)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="reminders.reviews_run")
def reviews_run() -> dict[str, object]:
    """Find what is due and raise each reminder once."""
    from .services import reviews_run as run

    report = run()
    return {"checked": report.checked, "raised": report.raised}
