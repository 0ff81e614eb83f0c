"""School records for the shared `records` fixture: an allegation and a low-level concern,
recorded by a headteacher of the school (school B's fixture has only its DSL)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from allegations import services
from schools.models import School
from tests.support.factories import member


def allegation_records(school: School) -> tuple[Any, Any]:
    head = member(school, "head", email=f"allegations-head@{school.slug}.example")
    reported_at = timezone.now() - datetime.timedelta(hours=2)
    allegation = services.allegation_record(
        actor=head,
        school=school,
        subject_name="Dana Fixture",
        subject_role="Teaching assistant",
        subject_type="staff",
        reported_by_name="A parent",
        reported_at=reported_at,
        account="A parent said the teaching assistant grabbed their child's arm.",
    )
    low_level = services.low_level_record(
        actor=head,
        school=school,
        subject_name="Dana Fixture",
        subject_type="staff",
        observed="Used a personal phone to message a pupil's parent.",
        observed_at=reported_at,
        reported_by_name="A colleague",
    )
    return allegation, low_level
