"""What the modules of this package share and nothing outside it uses: who may change a draft,
who may act as the DSL, and handing a signed event to the chronology."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied

from chronology.ledger.content import SignedEvent
from chronology.ledger.services import chronology_record_signed_event
from safeguard.access import access_for
from safeguard.roles import Perm
from schools.models import User

from ..models import Concern
from .errors import SignedRecordError


def _require_author_draft(actor: User, concern: Concern) -> None:
    if concern.author_id != actor.pk:
        raise PermissionDenied("Only the author can change a draft.")
    if not concern.is_draft:
        raise SignedRecordError("This concern has been submitted and signed; add an addendum.")


def _require_manager(actor: User, school_id: int) -> None:
    if not access_for(actor).has(Perm.MANAGE_CP_RECORDS, school_id):
        raise PermissionDenied("Only the DSL and deputies can do this.")


def _chronicle(
    concern: Concern,
    *,
    kind: str,
    source: Any,
    source_hash: str,
    occurred_at: datetime.datetime,
    summary: str,
    actor: User,
    pupil_summaries: dict[str, str] | None = None,
) -> None:
    """Hand a signed event to the chronology of every pupil in the concern."""
    chronology_record_signed_event(
        event=SignedEvent(
            school_id=concern.school_id,
            pupil_ids=list(concern.involvements.values_list("pupil_id", flat=True)),
            kind=kind,
            source_label=source._meta.label,
            source_id=source.pk,
            source_hash=source_hash,
            concern_id=concern.pk,
            occurred_at=occurred_at,
            summary=summary,
            author_id=actor.pk,
            pupil_summaries=pupil_summaries or {},
        )
    )
