"""The rules of the missing-children protocol that its services, selectors and pages share: the
local authority's deadline, whether the police were called, how times read in messages, who may
record, and why a pupil off the roll cannot be recorded. No writes here.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from safeguard.access import access_for
from safeguard.roles import Perm
from safeguard.workdays import school_day_number
from schools.models import Pupil, User

from ..models import MissingEpisodeStep, MissingStep

# Clocks on phones and servers differ a little: "in the future" means more than this ahead.
CLOCK_SLACK = datetime.timedelta(minutes=5)
LA_DEADLINE_SCHOOL_DAY = 10


def when(moment: datetime.datetime) -> str:
    """A time as the messages write it: 14:05 on 21/11/2026."""
    return f"{timezone.localtime(moment):%H:%M on %d/%m/%Y}"


def require(actor: User, school_id: int, *perms: Perm) -> None:
    """Refuse unless the actor has one of these permissions in the school."""
    access = access_for(actor)
    if not any(access.has(p, school_id) for p in perms):
        raise PermissionDenied("You cannot record this in this school.")


def not_on_roll(pupil: Pupil, on: datetime.date) -> str:
    """Why a pupil who is not on the roll cannot be recorded here ("" if they are on it): a
    pupil who has left is for their new school, the local authority or the police to look for."""
    if pupil.is_on_roll(on):
        return ""
    left = f" (left {pupil.left_on:%d/%m/%Y})" if pupil.left_on else ""
    return (
        f"{pupil.display_name} is not on the school's roll{left}. If you are worried the child "
        "is missing, tell the Designated Safeguarding Lead, and the police on 999 if the child "
        "is in danger now."
    )


def police_were_called(steps: dict[str, MissingEpisodeStep]) -> bool:
    """Whether the pupil was reported missing to the police (not recorded as "not called")."""
    police = steps.get(MissingStep.POLICE_REPORTED)
    return police is not None and not police.not_applicable


def la_deadline(first_day: datetime.date, school: Any = None) -> datetime.date:
    """The 10th school day of the absence: the local authority must be told by then. Pass the
    school (or its id, or its calendar) so its closures count; without one, every working day."""
    return school_day_number(first_day, LA_DEADLINE_SCHOOL_DAY, school=school)
