"""One school's missing-children records for the shared `records` fixture (tests/conftest.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from concerns import missing_services
from concerns.models import ContinuousAbsence, MissingEpisode
from schools.models import Pupil, User


def missing_records(author: User, manager: User, pupil: Pupil) -> tuple[Any, Any]:
    """An open missing episode (reported by `author`, one step recorded by `manager`) and a
    continuous absence recorded by `manager`."""
    now = timezone.now()
    episode: MissingEpisode = missing_services.missing_episode_start(
        actor=author,
        pupil=pupil,
        missing_since=now - datetime.timedelta(minutes=30),
        last_seen_at=now - datetime.timedelta(minutes=50),
        last_seen_details="Leaving the science lesson, seen by the class teacher",
    )
    missing_services.missing_step_record(
        actor=manager,
        episode=episode,
        step="searched",
        done_at=now - datetime.timedelta(minutes=20),
        notes="Building, field and the park over the road",
    )
    absence: ContinuousAbsence = missing_services.absence_start(
        actor=manager,
        pupil=pupil,
        first_day=timezone.localdate() - datetime.timedelta(days=3),
        contact_attempts="Both emergency contacts called twice; no answer",
    )
    return episode, absence
