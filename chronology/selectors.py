"""Reads of a pupil's chronology and CP files, scoped to people who read CP records."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDate

from concerns.selectors import hidden_concern_exists
from safeguard.access import get_for_actor_or_404, scope
from safeguard.roles import Perm
from schools.models import Pupil

from .models import DATE_ONLY_KINDS, ChronologyEntry, CpFile, PupilStatus, RiskAssessment


def timeline_order(*, newest_first: bool) -> list[OrderBy]:
    """How every timeline of a pupil sorts (the page, the print, the pupil's page, the CP-file
    PDF): by the London day, then the timed records of the day by their time, then the date-only
    ones (`DATE_ONLY_KINDS`, or a correction of one) at the end of the day in the order they were
    recorded (docs/adr/0046). The bundle keeps the chain's order (by sequence)."""
    date_only = Q(kind__in=DATE_ONLY_KINDS) | Q(corrects__kind__in=DATE_ONLY_KINDS)
    keys: list[Any] = [
        TruncDate("occurred_at", tzinfo=ZoneInfo(settings.TIME_ZONE)),
        Case(When(date_only, then=Value(1)), default=Value(0), output_field=IntegerField()),
        F("occurred_at"),
        F("sequence"),
    ]
    return [k.desc() if newest_first else k.asc() for k in keys]


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
    return entries.order_by(*timeline_order(newest_first=newest_first))


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
