"""The nightly integrity check of every school's chronology chain."""

from __future__ import annotations

from celery import shared_task

from .ledger.services import chains_verify_and_report


@shared_task(name="chronology.verify_all_chains")
def verify_all_chains() -> list[str]:
    """Check every chain; the service emails the platform administrators about a broken one."""
    return chains_verify_and_report()
