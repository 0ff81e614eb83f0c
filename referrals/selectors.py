"""Reads of referrals, scoped to the schools where the actor reads CP records.

A referral made from a restricted concern is hidden from whoever cannot read that concern, like
the concern's chronology entries.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from concerns.selectors import hidden_concern_exists
from safeguard.access import access_for, get_or_404
from safeguard.roles import Perm

from .models import Outcome, Referral, ReferralStatus

STATES = {
    "open": "Open",
    "overdue": "Overdue",
    "follow_up": "Written follow-up outstanding",
    "escalated": "Escalated",
    "closed": "Closed",
}


def referrals_visible_to(actor: Any) -> QuerySet[Referral]:
    """Every referral the actor may read."""
    schools = access_for(actor).schools_with(Perm.READ_CP_RECORDS)
    return Referral.objects.filter(~hidden_concern_exists(actor=actor), school_id__in=schools)


def overdue_q(now: datetime.datetime | None = None) -> Q:
    """Open, with no outcome by the time a response was expected. An escalated referral is
    counted as escalated: the DSL is already challenging it."""
    now = now or timezone.now()
    return Q(status=ReferralStatus.OPEN, response_due_at__lt=now)


def follow_up_outstanding_q() -> Q:
    """A phone referral whose written follow-up is not yet recorded."""
    return Q(follow_up_due_at__isnull=False, follow_up_at__isnull=True)


def referral_get_for(*, actor: Any, pk: Any) -> Referral:
    return get_or_404(
        referrals_visible_to(actor).select_related("pupil", "school", "concern", "agency"), pk=pk
    )


def referral_list_for(
    *,
    actor: Any,
    school: Any,
    state: str = "",
    agency: Any = None,
    outcome: str = "",
    now: datetime.datetime | None = None,
) -> QuerySet[Referral]:
    """The school's referrals, filtered; overdue and open ones first."""
    referrals = referrals_visible_to(actor).filter(school=school).select_related("pupil")
    if state == "open":
        referrals = referrals.exclude(status=ReferralStatus.CLOSED)
    elif state == "overdue":
        referrals = referrals.filter(overdue_q(now))
    elif state == "follow_up":
        referrals = referrals.filter(follow_up_outstanding_q())
    elif state in (ReferralStatus.ESCALATED, ReferralStatus.CLOSED):
        referrals = referrals.filter(status=state)
    if agency is not None:
        referrals = referrals.filter(agency=agency)
    if outcome:
        referrals = referrals.filter(outcome=outcome)
    waiting_first = Case(
        When(status=ReferralStatus.ESCALATED, then=Value(0)),
        When(status=ReferralStatus.OPEN, then=Value(1)),
        default=Value(2),
    )
    return referrals.order_by(waiting_first, "response_due_at", "-made_at")


def referral_counts(
    *, actor: Any, school: Any, now: datetime.datetime | None = None
) -> dict[str, int]:
    """How many referrals are in each state (one query)."""
    return (
        referrals_visible_to(actor)
        .filter(school=school)
        .aggregate(
            open=Count("pk", filter=~Q(status=ReferralStatus.CLOSED)),
            overdue=Count("pk", filter=overdue_q(now)),
            follow_up=Count("pk", filter=follow_up_outstanding_q()),
            escalated=Count("pk", filter=Q(status=ReferralStatus.ESCALATED)),
            closed=Count("pk", filter=Q(status=ReferralStatus.CLOSED)),
        )
    )


def referrals_for_pupil(*, actor: Any, pupil: Any) -> list[Referral]:
    return list(referrals_visible_to(actor).filter(pupil=pupil).order_by("-made_at"))


def referrals_for_concern(*, actor: Any, concern: Any) -> list[Referral]:
    """The referrals made from a concern the actor is reading (so no restriction check is due)."""
    schools = access_for(actor).schools_with(Perm.READ_CP_RECORDS)
    return list(
        Referral.objects.filter(school_id__in=schools)
        .filter(concern=concern)
        .select_related("pupil")
        .order_by("-made_at")
    )


def agencies_by_outcome(*, actor: Any, school: Any) -> list[Any]:
    """Referrals per agency and outcome, for the list page's summary."""
    rows = (
        referrals_visible_to(actor)
        .filter(school=school)
        .values("agency_name", "outcome")
        .annotate(count=Count("pk"))
        .order_by("agency_name", "outcome")
    )
    return [
        {
            **row,
            "outcome_label": Outcome(row["outcome"]).label if row["outcome"] else "No outcome yet",
        }
        for row in rows
    ]
