"""Re-assessment prompts (docs/adr/0044): raised when a concern is submitted, closed by the DSL's
signed review.

Every trigger is a new concern, so the check runs once per pupil of a concern as it is signed, in
the same transaction: a few indexed queries for that pupil, nothing scanned. Concerns counted are
those written since the pupil's last review (a review answers what came before it):

- after a decision of no further action: a signed DSL record of a concern about the pupil chose
  "No further action" within the last `after_nfa_days`, and `after_nfa_concerns` or more concerns
  have been written since it;
- many concerns: `many_concerns` or more in the last `many_days`, whatever their categories;
- after a referral's outcome: an outcome about the pupil was recorded within the last
  `after_referral_days` and a concern has been written since. Referrals sit above concerns, so
  the referrals app registers where outcomes are read (`register_referral_outcomes`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chronology.ledger.content import SignedEvent
from chronology.ledger.services import chronology_record_signed_event
from safeguard.access import access_for
from safeguard.roles import Perm, RoleKey
from safeguard.signing import content_hash
from schools.models import SchoolMembership, Trust, User

from ..content import reassessment_review_content
from ..models import (
    DEFAULT_THRESHOLDS,
    Concern,
    ConcernStatus,
    DslAction,
    DslRecord,
    DslRecordStatus,
    ReassessmentPrompt,
    ReassessmentPromptConcern,
    ReassessmentReview,
    ReassessmentThresholds,
    ReassessmentThresholdsChange,
    ReassessmentTrigger,
    ReviewOutcome,
)
from ._shared import _require_manager

# (school id, pupil id, since) -> when the latest referral outcome about the pupil was recorded
# at or after `since`, or None.
OutcomeSource = Callable[[int, Any, datetime.datetime], datetime.datetime | None]
_outcome_sources: list[OutcomeSource] = []

THRESHOLD_LIMITS = {
    "after_nfa_concerns": (1, 20),
    "after_nfa_days": (1, 365),
    "many_concerns": (2, 50),
    "many_days": (1, 365),
    "after_referral_days": (1, 365),
}

THRESHOLD_LABELS = {
    "after_nfa_concerns": "New concerns after no further action",
    "after_nfa_days": "Days after no further action",
    "many_concerns": "Concerns in a short time",
    "many_days": "Days counted for many concerns",
    "after_referral_days": "Days after a referral's outcome",
}


def register_referral_outcomes(source: OutcomeSource) -> None:
    """Called from the referrals app's `ready()` (system check concerns.E010 when none is)."""
    if source not in _outcome_sources:
        _outcome_sources.append(source)


def referral_outcome_sources() -> list[OutcomeSource]:
    return list(_outcome_sources)


def thresholds_for(trust_id: int) -> ReassessmentThresholds:
    """The trust's thresholds, or the defaults (unsaved) when the TSO has set none."""
    found = ReassessmentThresholds.objects.filter(trust_id=trust_id).first()
    return found or ReassessmentThresholds(trust_id=trust_id, **DEFAULT_THRESHOLDS)


def thresholds_problems(**values: Any) -> dict[str, str]:
    problems: dict[str, str] = {}
    for name, (low, high) in THRESHOLD_LIMITS.items():
        value = values.get(name)
        label = THRESHOLD_LABELS[name]
        if value is None:
            problems[name] = f"Enter {label.lower()}"
        elif not low <= value <= high:
            problems[name] = f"{label} must be between {low} and {high}"
    return problems


@transaction.atomic
def thresholds_save(*, actor: User, trust: Trust, **values: Any) -> ReassessmentThresholds:
    """The TSO sets the trust's thresholds; each change is written to their history."""
    if trust.pk not in access_for(actor).trust_ids_with(Perm.MANAGE_CATEGORIES):
        raise PermissionDenied("Only the trust safeguarding officer sets the thresholds.")
    problems = thresholds_problems(**values)
    if problems:
        raise ValidationError(problems)
    Trust.objects.select_for_update().filter(pk=trust.pk).first()
    current = thresholds_for(trust.pk)
    changes = [
        f"{THRESHOLD_LABELS[name]}: {getattr(current, name)} to {values[name]}"
        for name in THRESHOLD_LIMITS
        if getattr(current, name) != values[name]
    ]
    if not changes:
        return current
    for name in THRESHOLD_LIMITS:
        setattr(current, name, values[name])
    current.save()
    ReassessmentThresholdsChange.objects.create(
        trust=trust,
        changed_by=actor,
        changed_by_name=actor.full_name or actor.email,
        changed_at=timezone.now(),
        detail="; ".join(changes),
    )
    return current


def _latest_no_further_action(
    school_id: int, pupil_id: Any, since: datetime.datetime
) -> datetime.datetime | None:
    rows = DslRecord.objects.filter(
        school_id=school_id,
        status=DslRecordStatus.SIGNED,
        signed_at__gte=since,
        concern__involvements__pupil_id=pupil_id,
    ).values_list("signed_at", "actions")
    # Read in Python, not with a JSON lookup (SQLite has none): a pupil has few decisions.
    times = [at for at, actions in rows if at and DslAction.NO_FURTHER_ACTION in (actions or [])]
    return max(times) if times else None


def _latest_referral_outcome(
    school_id: int, pupil_id: Any, since: datetime.datetime
) -> datetime.datetime | None:
    times = [t for source in _outcome_sources if (t := source(school_id, pupil_id, since))]
    return max(times) if times else None


def _fired(
    thresholds: ReassessmentThresholds,
    *,
    school_id: int,
    pupil_id: Any,
    written: list[tuple[Any, datetime.datetime]],
    now: datetime.datetime,
) -> list[tuple[dict[str, Any], list[Any]]]:
    """Each trigger that fires for the pupil now, with the concerns it counted. `written`: the
    pupil's concerns since their last review (id, when written)."""
    fired: list[tuple[dict[str, Any], list[Any]]] = []

    def since(moment: datetime.datetime) -> list[Any]:
        return [pk for pk, at in written if at > moment]

    recent = [pk for pk, at in written if at >= now - datetime.timedelta(days=thresholds.many_days)]
    if len(recent) >= thresholds.many_concerns:
        fired.append(
            (
                {
                    "kind": ReassessmentTrigger.MANY_CONCERNS.value,
                    "count": len(recent),
                    "days": thresholds.many_days,
                },
                recent,
            )
        )
    nfa = _latest_no_further_action(
        school_id, pupil_id, now - datetime.timedelta(days=thresholds.after_nfa_days)
    )
    if nfa is not None and len(after := since(nfa)) >= thresholds.after_nfa_concerns:
        fired.append(
            (
                {
                    "kind": ReassessmentTrigger.AFTER_NO_FURTHER_ACTION.value,
                    "count": len(after),
                    "since": timezone.localdate(nfa).isoformat(),
                },
                after,
            )
        )
    outcome = _latest_referral_outcome(
        school_id, pupil_id, now - datetime.timedelta(days=thresholds.after_referral_days)
    )
    if outcome is not None and (after := since(outcome)):
        fired.append(
            (
                {
                    "kind": ReassessmentTrigger.AFTER_REFERRAL_OUTCOME.value,
                    "count": len(after),
                    "since": timezone.localdate(outcome).isoformat(),
                },
                after,
            )
        )
    return fired


def reassessment_check(*, concern: Concern, now: datetime.datetime | None = None) -> list[Any]:
    """After a concern is signed: raise (or add to) a prompt for each of its pupils whose
    situation a trigger says to review. Returns the prompts raised or added to."""
    now = now or concern.written_at or timezone.now()
    school_id = concern.school_id
    thresholds = thresholds_for(concern.school.trust_id)
    longest = max(thresholds.many_days, thresholds.after_nfa_days, thresholds.after_referral_days)
    prompts = []
    for pupil_id in concern.involvements.values_list("pupil_id", flat=True):
        reviewed = ReassessmentReview.objects.filter(
            school_id=school_id, pupil_id=pupil_id
        ).aggregate(last=Max("signed_at"))["last"]
        start = now - datetime.timedelta(days=longest)
        if reviewed is not None and reviewed > start:
            start = reviewed
        rows = (
            Concern.objects.filter(
                school_id=school_id,
                written_at__gt=start,
                written_at__lte=now,
                involvements__pupil_id=pupil_id,
            )
            .exclude(status=ConcernStatus.DRAFT)
            .values_list("pk", "written_at")
        )
        written = [(pk, at) for pk, at in rows if at is not None]
        fired = _fired(thresholds, school_id=school_id, pupil_id=pupil_id, written=written, now=now)
        # Only what this concern fires: an older concern counted again raises nothing new.
        fired = [(r, ids) for r, ids in fired if concern.pk in ids]
        if fired:
            prompts.append(_raise(school_id, pupil_id, fired, now))
    return prompts


def _raise(
    school_id: int, pupil_id: Any, fired: list[tuple[dict[str, Any], list[Any]]], now: Any
) -> ReassessmentPrompt:
    prompt = (
        ReassessmentPrompt.objects.select_for_update()
        .filter(school_id=school_id, pupil_id=pupil_id, review__isnull=True)
        .first()
    )
    reasons = [{**r, "at": now.isoformat()} for r, _ in fired]
    if prompt is None:
        prompt = ReassessmentPrompt.objects.create(
            school_id=school_id, pupil_id=pupil_id, raised_at=now, reasons=reasons
        )
    else:
        # The latest reason of each kind replaces the one before (its count has grown).
        kinds = {r["kind"] for r in reasons}
        prompt.reasons = [r for r in prompt.reasons if r["kind"] not in kinds] + reasons
        prompt.save(update_fields=["reasons", "updated_at"])
    counted = {pk for _, ids in fired for pk in ids}
    known = set(
        ReassessmentPromptConcern.objects.filter(prompt=prompt).values_list("concern_id", flat=True)
    )
    ReassessmentPromptConcern.objects.bulk_create(
        [
            ReassessmentPromptConcern(school_id=school_id, prompt=prompt, concern_id=pk)
            for pk in counted - known
        ]
    )
    return prompt


def review_problems(*, outcome: str = "", reasons: str = "", **_: Any) -> dict[str, str]:
    problems = {}
    if outcome not in ReviewOutcome.values:
        problems["outcome"] = "Choose the decision of your review"
    if not (reasons or "").strip():
        problems["reasons"] = "Enter the reasons for your decision"
    return problems


@transaction.atomic
def reassessment_review_record(
    *, actor: User, prompt: ReassessmentPrompt, outcome: str, reasons: str
) -> ReassessmentReview:
    """The DSL or a deputy records the review: signed, into the pupil's chronology, and the
    prompt is closed. A trigger after it raises a new prompt."""
    _require_manager(actor, prompt.school_id)
    prompt = ReassessmentPrompt.objects.select_for_update().get(pk=prompt.pk)
    if prompt.review_id is not None:
        raise ValidationError("This prompt has already been reviewed.")
    problems = review_problems(outcome=outcome, reasons=reasons)
    if problems:
        raise ValidationError(problems)
    membership = (
        SchoolMembership.objects.filter(
            user=actor, school_id=prompt.school_id, role__in=[RoleKey.DSL, RoleKey.DEPUTY]
        )
        .order_by("role")
        .first()
    )
    now = timezone.now()
    review = ReassessmentReview(
        school_id=prompt.school_id,
        pupil_id=prompt.pupil_id,
        outcome=outcome,
        reasons=reasons.strip(),
        signed_by=actor,
        signer_name=actor.full_name,
        signer_role=membership.get_role_display() if membership else actor.job_title,
        signed_at=now,
    )
    review.content_hash = content_hash(reassessment_review_content(review))
    review.save()
    prompt.review = review
    prompt.save(update_fields=["review", "updated_at"])
    chronology_record_signed_event(
        event=SignedEvent(
            school_id=prompt.school_id,
            pupil_ids=[prompt.pupil_id],
            kind="reassessment_review",
            source_label="concerns.ReassessmentReview",
            source_id=review.pk,
            source_hash=review.content_hash,
            concern_id=None,
            occurred_at=now,
            summary="Re-assessment review of the whole picture: "
            + str(ReviewOutcome(outcome).label),
            author_id=actor.pk,
        )
    )
    return review
