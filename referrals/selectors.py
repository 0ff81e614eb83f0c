"""Reads of referrals, scoped to the schools where the actor reads CP records.

A referral made from a restricted concern is hidden from whoever cannot read that concern, like
the concern's chronology entries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from concerns.selectors import hidden_concern_exists
from safeguard.access import access_for, get_or_404
from safeguard.roles import Perm

from .models import REFERRAL_LIST_ORDER, Outcome, Referral, ReferralStatus

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


def referral_filter_q(
    *,
    state: str = "",
    agency: Any = None,
    outcome: str = "",
    now: datetime.datetime | None = None,
) -> Q:
    """The list's filters as one condition (for the list, and for its count beside the others)."""
    matching = Q()
    if state == "open":
        matching &= ~Q(status=ReferralStatus.CLOSED)
    elif state == "overdue":
        matching &= overdue_q(now)
    elif state == "follow_up":
        matching &= follow_up_outstanding_q()
    elif state in (ReferralStatus.ESCALATED, ReferralStatus.CLOSED):
        matching &= Q(status=state)
    if agency is not None:
        matching &= Q(agency=agency)
    if outcome:
        matching &= Q(outcome=outcome)
    return matching


def referral_list_for(
    *,
    actor: Any,
    school: Any,
    state: str = "",
    agency: Any = None,
    outcome: str = "",
    now: datetime.datetime | None = None,
) -> QuerySet[Referral]:
    """The school's referrals, filtered; escalated and open ones first, the response due soonest
    first (`REFERRAL_LIST_ORDER`, the order of its index, referral_list_order)."""
    return (
        referrals_visible_to(actor)
        .filter(referral_filter_q(state=state, agency=agency, outcome=outcome, now=now))
        .filter(school=school)
        .select_related("pupil")
        .order_by(*REFERRAL_LIST_ORDER)
    )


def _state_counts(now: datetime.datetime | None) -> dict[str, Count]:
    """How many referrals are in each state (of those counted)."""
    return {
        "open": Count("pk", filter=~Q(status=ReferralStatus.CLOSED)),
        "overdue": Count("pk", filter=overdue_q(now)),
        "follow_up": Count("pk", filter=follow_up_outstanding_q()),
        "escalated": Count("pk", filter=Q(status=ReferralStatus.ESCALATED)),
        "closed": Count("pk", filter=Q(status=ReferralStatus.CLOSED)),
    }


def referral_counts(
    *, actor: Any, school: Any, now: datetime.datetime | None = None
) -> dict[str, int]:
    """How many referrals are in each state (one query)."""
    return referrals_visible_to(actor).filter(school=school).aggregate(**_state_counts(now))


@dataclass(frozen=True)
class ReferralSummary:
    """The referral list's figures: how many in each state, how many the filters match, and how
    many per agency and outcome."""

    counts: dict[str, int]
    matching: int
    by_outcome: list[dict[str, Any]]


def referral_summary(
    *, actor: Any, school: Any, matching: Q, now: datetime.datetime | None = None
) -> ReferralSummary:
    """The figures of the referral list in one query: one pass over the school's referrals,
    grouped by agency and outcome, counting each state (and `matching`, the list's filters) in
    each group. (As three queries, each one answered which of the school's referrals come from a
    restricted concern the reader may not see, by reading every restricted concern of the trust:
    5 ms each at the benchmark trust's size.)"""
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in referrals_visible_to(actor)
        .filter(school=school)
        .values("agency_name", "outcome")
        .annotate(
            count=Count("pk"),
            matching=Count("pk", filter=matching) if matching else Count("pk"),
            **_state_counts(now),
        )
        .order_by("agency_name", "outcome")
    ]
    return ReferralSummary(
        counts={state: sum(row[state] for row in rows) for state in _state_counts(now)},
        matching=sum(row["matching"] for row in rows),
        by_outcome=[
            {
                "agency_name": row["agency_name"],
                "outcome": row["outcome"],
                "count": row["count"],
                "outcome_label": Outcome(row["outcome"]).label
                if row["outcome"]
                else "No outcome yet",
            }
            for row in rows
        ],
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


def latest_outcome_at(
    school_id: int, pupil_id: Any, since: datetime.datetime
) -> datetime.datetime | None:
    """When the latest outcome of a referral about the pupil was recorded, at or after `since`
    (re-assessment prompts: a new concern after it; registered in `ReferralsConfig.ready()`)."""
    return (
        Referral.objects.filter(school_id=school_id, pupil_id=pupil_id, outcome_at__gte=since)
        .order_by("-outcome_at")
        .values_list("outcome_at", flat=True)
        .first()
    )
