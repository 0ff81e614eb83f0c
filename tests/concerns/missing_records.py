"""One school's missing-children records for the shared `records` fixture (tests/conftest.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from concerns.missing import absences, episodes
from concerns.models import ContinuousAbsence, MissingEpisode
from safeguard.workdays import is_working_day
from schools.models import Pupil, User


def school_day(days_back: int = 0) -> datetime.date:
    """The school day `days_back` school days before the last one on or before today (an
    absence starts on a school day, whatever day the tests run)."""
    day = timezone.localdate()
    while not is_working_day(day):
        day -= datetime.timedelta(days=1)
    while days_back:
        day -= datetime.timedelta(days=1)
        days_back -= is_working_day(day)
    return day


def missing_records(author: User, manager: User, pupil: Pupil) -> tuple[Any, Any]:
    """An open missing episode (reported by `author`, one step recorded by `manager`) and a
    continuous absence recorded by `manager`."""
    now = timezone.now()
    episode: MissingEpisode = episodes.missing_episode_start(
        actor=author,
        pupil=pupil,
        missing_since=now - datetime.timedelta(minutes=30),
        last_seen_at=now - datetime.timedelta(minutes=50),
        last_seen_details="Leaving the science lesson, seen by the class teacher",
    )
    episodes.missing_step_record(
        actor=manager,
        episode=episode,
        step="searched",
        done_at=now - datetime.timedelta(minutes=20),
        notes="Building, field and the park over the road",
    )
    absence: ContinuousAbsence = absences.absence_start(
        actor=manager,
        pupil=pupil,
        first_day=school_day(3),
        contact_attempts="Both emergency contacts called twice; no answer",
    )
    return episode, absence
