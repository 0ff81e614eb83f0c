"""Oversight's scheduled work."""

from __future__ import annotations

from celery import shared_task

from oversight.dashboards.tally import tally_refresh


@shared_task(name="oversight.tally_refresh")
def tally_refresh_task() -> int:
    """Tally the weeks that are over for every school (nightly; idempotent)."""
    return tally_refresh()
