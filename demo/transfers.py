"""A transfer for the demo trust, written through the services so the PDF, its signature, the
chronology entries and the access rules are real.

The Alderbrook Primary pupil who was pushed over and kicked at lunchtime (a concern with a signed
DSL decision and a completed action, and an Early Help request escalated for want of a reply) left
a few school days ago for Southend Bay Academy. Alderbrook's DSL prepared the file (rendered, signed and packaged here, at once, so no
worker is needed) and sent it: it waits in Southend Bay's "Incoming CP files" for its DSL to
accept.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from concerns.models import Concern
from safeguard.workdays import SchoolCalendar
from schools.models import School, User
from transfers import services
from transfers.models import ExportState, Transfer

from .clock import school_days_back

FROM_SCHOOL = "alderbrook"
TO_SCHOOL = "southend-bay"
# The concern of demo/concerns.py behind the pupil who leaves (the one who experienced it).
PUPIL_CONCERN = "A pupil was pushed over and kicked by another pupil at lunchtime."
LEFT_SCHOOL_DAYS_AGO = 3


@transaction.atomic
def seed_demo_transfer(*, today: datetime.date) -> int:
    """Write the demo transfer once (a sending school with any transfer is left alone)."""
    sender = School.objects.filter(slug=FROM_SCHOOL).first()
    receiver = School.objects.filter(slug=TO_SCHOOL).first()
    if sender is None or receiver is None or Transfer.objects.filter(school=sender).exists():
        return 0
    concern = Concern.objects.filter(school=sender, reason_for_recording=PUPIL_CONCERN).first()
    if concern is None:
        return 0  # the demo's concerns are not there: no history to send
    pupil = concern.involvements.get(involvement="experienced").pupil
    dsl = User.objects.get(email=f"dsl@{FROM_SCHOOL}.example")
    leaving = school_days_back(today, LEFT_SCHOOL_DAYS_AGO, SchoolCalendar.load(sender))
    transfer = services.transfer_start(
        actor=dsl,
        pupil=pupil,
        leaving_date=max(leaving, pupil.joined_on),
        destination_school=receiver,
        queue_export=False,
    )
    export = services.export_run(export_id=transfer.export_id)
    if export.state != ExportState.DONE:
        raise RuntimeError(f"The demo transfer's file could not be prepared: {export.error}")
    transfer.refresh_from_db()
    services.transfer_send(actor=dsl, transfer=transfer)
    return 1
