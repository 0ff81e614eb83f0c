"""Reads of a pupil's chronology and CP files, scoped to people who read CP records."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from concerns.selectors import hidden_concern_exists
from safeguard.access import get_for_actor_or_404, scope
from safeguard.roles import Perm
from schools.models import Pupil

from .models import ChronologyEntry, CpFile, PupilStatus, RiskAssessment


def chronology_for(
    *,
    actor: Any,
    pupil: Pupil,
    newest_first: bool = True,
    kind: str = "",
    significant_only: bool = False,
    query: str = "",
) -> QuerySet[ChronologyEntry]:
    """The pupil's entries the actor may read: a restricted concern's entries only for those who
    may see that concern."""
    entries = (
        scope(ChronologyEntry.objects.all(), actor=actor, perm=Perm.READ_CP_RECORDS)
        .filter(~hidden_concern_exists(actor=actor, ref="concern_ref"), pupil=pupil)
        .select_related("corrects")
        .annotate(corrected=Exists(ChronologyEntry.objects.filter(corrects=OuterRef("pk"))))
    )
    if kind:
        entries = entries.filter(kind=kind)
    if significant_only:
        entries = entries.filter(significant=True)
    if query:
        for word in query.split()[:5]:
            entries = entries.filter(
                Q(details__icontains=word)
                | Q(people_involved__icontains=word)
                | Q(author_name__icontains=word)
            )
    order = ["-occurred_at", "-sequence"] if newest_first else ["occurred_at", "sequence"]
    return entries.order_by(*order)


def entry_get_for(*, actor: Any, pk: Any) -> ChronologyEntry:
    return get_for_actor_or_404(
        ChronologyEntry.objects.select_related("pupil", "school").filter(
            ~hidden_concern_exists(actor=actor, ref="concern_ref")
        ),
        actor=actor,
        perm=Perm.MANAGE_CP_RECORDS,
        pk=pk,
    )


def cp_file_get_for(*, actor: Any, pk: Any) -> CpFile:
    return get_for_actor_or_404(
        CpFile.objects.select_related("pupil"), actor=actor, perm=Perm.MANAGE_CP_RECORDS, pk=pk
    )


def status_get_for(*, actor: Any, pk: Any) -> PupilStatus:
    return get_for_actor_or_404(
        PupilStatus.objects.select_related("pupil"), actor=actor, perm=Perm.MANAGE_CP_RECORDS, pk=pk
    )


def statuses_for(*, pupil: Pupil) -> list[PupilStatus]:
    """The pupil's statuses and plans, current ones first (the caller has checked access)."""
    return list(
        PupilStatus.objects.filter(pupil=pupil).order_by(
            F("end_date").desc(nulls_first=True), "-start_date"
        )
    )


def open_cp_file(*, pupil: Pupil) -> CpFile | None:
    return CpFile.objects.filter(pupil=pupil, closed_at__isnull=True).first()


def risk_assessment_get_for(*, actor: Any, pk: Any) -> RiskAssessment:
    """A risk assessment the actor may read (CP readers of its school)."""
    return get_for_actor_or_404(
        RiskAssessment.objects.select_related("concern", "created_by")
        .prefetch_related("covered__pupil", "reviews__reviewed_by")
        .filter(~hidden_concern_exists(actor=actor)),
        actor=actor,
        perm=Perm.READ_CP_RECORDS,
        pk=pk,
    )


def risk_assessments_for(*, actor: Any, pupil: Pupil) -> list[RiskAssessment]:
    return list(
        RiskAssessment.objects.filter(
            ~hidden_concern_exists(actor=actor), covered__pupil=pupil
        ).order_by(F("closed_at").desc(nulls_first=True), "review_date")
    )
