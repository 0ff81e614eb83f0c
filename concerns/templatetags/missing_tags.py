"""The missing-children section of a pupil's safeguarding page (the page has checked access)."""

from __future__ import annotations

from typing import Any

from django import template

from safeguard.access import access_for
from safeguard.roles import Perm
from safeguard.workdays import SchoolCalendar

from ..missing.selectors import (
    FREQUENT_EPISODES,
    absence_state,
    absences_of,
    missing_episodes_of,
    recent_in,
)

register = template.Library()


def _absences_with_state(pupil: Any) -> list[tuple[Any, Any]]:
    """The pupil's absences, each with its state by the school's calendar (loaded once)."""
    absences = absences_of(pupil=pupil)
    calendar = SchoolCalendar.load(pupil.school_id) if absences else None
    return [(a, absence_state(a, calendar=calendar)) for a in absences]


@register.inclusion_tag("concerns/missing/_pupil_section.html", takes_context=True)
def missing_children_section(context: template.Context, pupil: Any) -> dict[str, Any]:
    """Missing episodes (with the 12-month count) and continuous absences of one pupil."""
    user = context["request"].user
    access = access_for(user)
    if not access.has(Perm.READ_CP_RECORDS, pupil.school_id):
        return {"show": False}
    episodes = missing_episodes_of(pupil=pupil)
    return {
        "show": True,
        "pupil": pupil,
        "episodes": episodes,
        "recent_count": recent_in(episodes),
        "frequent": FREQUENT_EPISODES,
        "absences": _absences_with_state(pupil),
        "can_report": access.has(Perm.LOG_CONCERN, pupil.school_id),
        "can_record_absence": access.has(Perm.MANAGE_CP_RECORDS, pupil.school_id)
        or access.has(Perm.MANAGE_PUPIL_ROLL, pupil.school_id),
        "acting_school": context.get("acting_school"),
    }
