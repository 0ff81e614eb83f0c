"""Allegation fixtures: a helper that records an allegation through the service."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from allegations import services
from allegations.models import Allegation, LowLevelConcern
from schools.models import School, User


def allegation(
    actor: User,
    school: School,
    *,
    subject_type: str = "staff",
    subject_name: str = "Morgan Example",
    reported_at: datetime.datetime | None = None,
    **extra: Any,
) -> Allegation:
    return services.allegation_record(
        actor=actor,
        school=school,
        subject_name=subject_name,
        subject_role="Class teacher",
        subject_type=subject_type,
        reported_by_name="Jo Parent",
        reported_by_role="Parent",
        reported_at=reported_at or timezone.now() - datetime.timedelta(hours=1),
        account="A pupil said the teacher pushed them against the wall in the corridor.",
        **extra,
    )


def low_level(
    actor: User, school: School, *, subject_name: str = "Morgan Example", **extra: Any
) -> LowLevelConcern:
    return services.low_level_record(
        actor=actor,
        school=school,
        subject_name=subject_name,
        subject_type=extra.pop("subject_type", "staff"),
        observed="Gave a pupil a lift home in their own car without telling anyone.",
        observed_at=timezone.now() - datetime.timedelta(days=1),
        reported_by_name="Sam Colleague",
        **extra,
    )
