"""Reads for the re-assessment thresholds page, scoped to the actor: the trust whose thresholds
they set (they are its trust safeguarding officer) and that trust's history of changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied

from concerns.models import ReassessmentThresholdsChange
from safeguard.access import access_for
from safeguard.roles import Perm

if TYPE_CHECKING:
    from schools.models import School, Trust

# The latest changes shown under the form.
HISTORY_SHOWN = 20


def _trust_ids_for(actor: Any) -> list[int]:
    """The trusts whose thresholds the actor sets: those whose category list they keep (the
    TSO), as `concerns.services.thresholds_save` checks."""
    return access_for(actor).trust_ids_with(Perm.MANAGE_CATEGORIES)


def thresholds_trust_for(*, actor: Any, school: School | None) -> Trust:
    """The trust of `school` (the acting school) when the actor sets its thresholds; else 403:
    the page exists, and the person may not use it here."""
    if school is None or school.trust_id not in _trust_ids_for(actor):
        raise PermissionDenied
    return school.trust


def thresholds_history_for(
    *, actor: Any, trust: Trust, limit: int = HISTORY_SHOWN
) -> list[ReassessmentThresholdsChange]:
    """The trust's latest changes to its thresholds, newest first (none of a trust the actor
    does not keep)."""
    rows = ReassessmentThresholdsChange.objects.filter(
        trust=trust, trust_id__in=_trust_ids_for(actor)
    )
    return list(rows[:limit])
