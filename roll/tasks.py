"""Background work of the pupil roll: each task wraps one service."""

from __future__ import annotations

from celery import shared_task

from roll.imports.services import roll_imports_expire as expire


# Named as when the roll was part of the schools app: the schedule and any queued task use it.
@shared_task(name="schools.roll_imports_expire")
def roll_imports_expire() -> int:
    """Throw away roll-import previews nobody applied or discarded within a week."""
    return expire()
