"""A file in retention for the shared records (the tenancy matrix): a pupil who has left, kept
until a date, with no records of their own so no other route's record is made read-only."""

from __future__ import annotations

import datetime

from schools.models import School
from tests.support.factories import PupilFactory
from transfers.models import Retention, RetentionBasis


def retention_record(school: School) -> Retention:
    pupil = PupilFactory(school=school, legal_first_name="Kept", legal_last_name="Leaver")
    return Retention.objects.create(
        school=school,
        pupil=pupil,
        basis=RetentionBasis.LAST_SCHOOL,
        destroy_on=datetime.date(2050, 1, 1),
    )
