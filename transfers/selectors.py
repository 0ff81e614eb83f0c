"""Reads of transfers, scoped to the DSL and deputies of the school that owns each row.

A transfer out belongs to the sending school; a file received belongs to the receiving school,
which holds its own copy. Nobody else (a third school, a headteacher, the trust) reads either.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case, Count, IntegerField, Min, Q, QuerySet, Value, When

from safeguard.access import access_for, get_for_actor_or_404, scope
from safeguard.roles import Perm
from schools.models import Pupil, School

from .models import (
    OPEN_TRANSFER_STATES,
    IncomingState,
    IncomingTransfer,
    ReceivedEntry,
    Retention,
    RetentionState,
    Transfer,
)


def transfer_get_for(*, actor: Any, pk: Any) -> Transfer:
    """A transfer out of a school where the actor transfers files (else the same 404)."""
    return get_for_actor_or_404(
        Transfer.objects.select_related("pupil", "school", "export", "destination_school"),
        actor=actor,
        perm=Perm.TRANSFER_CP_FILES,
        pk=pk,
    )


def transfers_out_for(*, actor: Any, school: School) -> QuerySet[Transfer]:
    """The school's transfers out: open ones first, soonest deadline first."""
    open_first = Case(
        When(state__in=OPEN_TRANSFER_STATES, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        scope(Transfer.objects.all(), actor=actor, perm=Perm.TRANSFER_CP_FILES)
        .filter(school=school)
        .select_related("pupil", "export")
        .order_by(open_first, "deadline", "-created_at")
    )


def open_transfer_of(*, actor: Any, pupil: Pupil) -> Transfer | None:
    """The pupil's transfer under way, or their latest one, for the pupil's pages."""
    if not access_for(actor).has(Perm.TRANSFER_CP_FILES, pupil.school_id):
        return None
    return (
        Transfer.objects.filter(pupil=pupil)
        .select_related("export")
        .order_by(
            Case(
                When(state__in=OPEN_TRANSFER_STATES, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "-created_at",
        )
        .first()
    )


def incoming_get_for(*, actor: Any, pk: Any) -> IncomingTransfer:
    """A file received by a school where the actor transfers files (else the same 404)."""
    return get_for_actor_or_404(
        IncomingTransfer.objects.select_related("school", "pupil", "decided_by", "uploaded_by"),
        actor=actor,
        perm=Perm.TRANSFER_CP_FILES,
        pk=pk,
    )


def received_file_destroyed_at(*, incoming: IncomingTransfer) -> datetime.datetime | None:
    """When retention destroyed the pupil's file at the receiving school (with this copy)."""
    if incoming.pupil_id is None:
        return None
    return (
        Retention.objects.filter(
            school_id=incoming.school_id,
            pupil_id=incoming.pupil_id,
            state=RetentionState.DESTROYED,
        )
        .values_list("destroyed_at", flat=True)
        .first()
    )


def incoming_for(*, actor: Any, school: School) -> QuerySet[IncomingTransfer]:
    """Files received by the school: those waiting first, newest first."""
    waiting_first = Case(
        When(state=IncomingState.WAITING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        scope(IncomingTransfer.objects.all(), actor=actor, perm=Perm.TRANSFER_CP_FILES)
        .filter(school=school)
        .select_related("pupil")
        .order_by(waiting_first, "-created_at")
    )


def incoming_waiting_count(*, actor: Any, school: School) -> int:
    return incoming_for(actor=actor, school=school).filter(state=IncomingState.WAITING).count()


def received_files_of(*, actor: Any, pupil: Pupil) -> list[IncomingTransfer]:
    """The files received for this pupil and accepted: part of their CP file. CP readers see
    that they exist; only the DSL and deputies open them."""
    if not access_for(actor).has(Perm.READ_CP_RECORDS, pupil.school_id):
        return []
    return list(
        IncomingTransfer.objects.filter(
            school_id=pupil.school_id, pupil=pupil, state=IncomingState.ACCEPTED
        )
        .select_related("decided_by")
        .order_by("-decided_at")
    )


def received_entry_get_for(*, actor: Any, pk: Any) -> ReceivedEntry:
    """An entry received with a CP file, for the receiving school's DSL and deputies (else the
    same 404): checking it reads the file received."""
    return get_for_actor_or_404(
        ReceivedEntry.objects.select_related("incoming", "pupil", "school"),
        actor=actor,
        perm=Perm.TRANSFER_CP_FILES,
        pk=pk,
    )


def received_history_of(*, pupil: Pupil) -> list[dict[str, Any]]:
    """What was received into the pupil's chronology from each previous school: how many
    entries, how many of them concerns logged there, and when the file was accepted (the caller has
    checked the reader may read the pupil's chronology)."""
    rows = (
        ReceivedEntry.objects.filter(school_id=pupil.school_id, pupil=pupil)
        .values("incoming_id", "from_school_name")
        .annotate(
            entries=Count("pk"),
            concerns=Count("pk", filter=Q(original_kind="concern_submitted")),
            accepted_at=Min("incoming__decided_at"),
        )
        .order_by("accepted_at")
    )
    return [dict(row) for row in rows]
