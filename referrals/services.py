"""Making a referral and recording each step after it; every step is signed and chronicled."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chronology.ledger.services import chronology_append
from chronology.models import EntryKind
from safeguard import workdays
from safeguard.access import access_for
from safeguard.roles import Perm
from safeguard.signing import content_hash

from .content import referral_content, referral_update_content
from .models import (
    EscalationReason,
    Method,
    Outcome,
    Referral,
    ReferralStatus,
    ReferralType,
    ReferralUpdate,
    UpdateKind,
)

SLACK = datetime.timedelta(minutes=5)  # a clock a little fast is not "in the future"
# How long before a referral without an outcome is overdue (ADR 9). Children's social care should
# decide within one working day (Working Together); the police are asked for the same; other
# agencies have no statutory timescale, so a DSL chases after a school week.
RESPONSE_WORKING_DAYS: dict[str, int] = {ReferralType.SOCIAL_CARE: 1, ReferralType.POLICE: 1}
OTHER_RESPONSE_WORKING_DAYS = 5


def _require_manager(actor: Any, school_id: int) -> None:
    if not access_for(actor).has(Perm.MANAGE_CP_RECORDS, school_id):
        raise PermissionDenied("Only the DSL and deputies make and update referrals.")


def _when(field: str, moment: datetime.datetime, *, after: datetime.datetime, what: str) -> None:
    if moment > timezone.now() + SLACK:
        raise ValidationError({field: "The date and time must be in the past"})
    if moment < after:
        local = timezone.localtime(after)
        raise ValidationError(
            {field: f"{what} cannot be before the referral was made ({local:%d/%m/%Y %H:%M})"}
        )


def agencies_for_school(school: Any) -> Any:
    """The agencies a school can refer to: its trust's, for its local authority or national."""
    from django.db.models import Q

    from contacts.models import Agency

    return Agency.objects.filter(trust_id=school.trust_id).filter(
        Q(local_authority="") | Q(local_authority__iexact=school.local_authority)
    )


@transaction.atomic
def referral_make(
    *,
    actor: Any,
    pupil: Any,
    agency: Any,
    referral_type: str,
    urgency: str,
    method: str,
    made_at: datetime.datetime,
    reason: str,
    parents_informed: str,
    parents_reason: str,
    spoken_to: str = "",
    agency_reference: str = "",
    concern: Any = None,
) -> Referral:
    """Record a referral the DSL has made; a phone referral gets its same-day written follow-up."""
    _require_manager(actor, pupil.school_id)
    if concern is not None and (
        concern.school_id != pupil.school_id
        or not concern.involvements.filter(pupil_id=pupil.pk).exists()
    ):
        raise ValidationError({"pupil": "Choose a pupil named in the concern"})
    if agency is None or not agencies_for_school(pupil.school).filter(pk=agency.pk).exists():
        raise ValidationError({"agency": "Choose an agency from the list"})
    if made_at > timezone.now() + SLACK:
        raise ValidationError({"made_at": "The date and time must be in the past"})
    if concern is not None and concern.incident_at and made_at < concern.incident_at:
        incident = timezone.localtime(concern.incident_at)
        raise ValidationError(
            {
                "made_at": "The referral cannot be before what the concern describes happened "
                f"({incident:%d/%m/%Y %H:%M})"
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": "Enter what you referred and why"})
    if not parents_reason.strip():
        raise ValidationError(
            {"parents_reason": "Enter why parents or carers were, or were not, told"}
        )
    referral = Referral(
        school_id=pupil.school_id,
        pupil=pupil,
        concern=concern,
        agency=agency,
        agency_name=agency.name,
        referral_type=referral_type,
        urgency=urgency,
        method=method,
        made_at=made_at,
        spoken_to=spoken_to.strip(),
        reason=reason.strip(),
        parents_informed=parents_informed,
        parents_reason=parents_reason.strip(),
        agency_reference=agency_reference.strip(),
        made_by=actor,
        made_by_name=actor.full_name,
        follow_up_due_at=workdays.same_day_deadline(made_at) if method == Method.PHONE else None,
        response_due_at=workdays.within_working_days(
            made_at, RESPONSE_WORKING_DAYS.get(referral_type, OTHER_RESPONSE_WORKING_DAYS)
        ),
    )
    referral.content_hash = content_hash(referral_content(referral))
    referral.full_clean()
    referral.save()
    spoken = f" Spoken to: {referral.spoken_to}." if referral.spoken_to else ""
    follow = " Written follow-up due the same day." if referral.follow_up_due_at else ""
    chronology_append(
        school_id=referral.school_id,
        pupil_id=pupil.pk,
        kind=EntryKind.REFERRAL_MADE,
        occurred_at=made_at,
        details=(
            f"{referral.get_referral_type_display()}: referral to {referral.agency_name} by "
            f"{referral.get_method_display().lower()} ({referral.get_urgency_display()}).{spoken}"
            f" Parents or carers: {referral.get_parents_informed_display()}.{follow}"
        ),
        significant=True,
        author=actor,
        source_label="referrals.Referral",
        source_id=referral.pk,
        source_hash=referral.content_hash,
        concern_ref=referral.concern_id,
    )
    return referral


def _add_update(
    *, actor: Any, referral: Referral, kind: str, occurred_at: datetime.datetime, **values: Any
) -> ReferralUpdate:
    update = ReferralUpdate(
        school_id=referral.school_id,
        referral=referral,
        kind=kind,
        occurred_at=occurred_at,
        recorded_by=actor,
        recorded_by_name=actor.full_name,
        **{k: v.strip() if isinstance(v, str) else v for k, v in values.items()},
    )
    update.content_hash = content_hash(referral_update_content(update))
    update.full_clean()
    update.save()
    return update


def _chronicle(referral: Referral, update: ReferralUpdate, kind: str, details: str) -> None:
    chronology_append(
        school_id=referral.school_id,
        pupil_id=referral.pupil_id,
        kind=kind,
        occurred_at=update.occurred_at,
        details=details,
        significant=update.kind in (UpdateKind.OUTCOME, UpdateKind.ESCALATED),
        author=update.recorded_by,
        source_label="referrals.ReferralUpdate",
        source_id=update.pk,
        source_hash=update.content_hash,
        concern_ref=referral.concern_id,
    )


def _locked(referral: Referral) -> Referral:
    return Referral.objects.select_for_update().get(pk=referral.pk)


@transaction.atomic
def referral_record_follow_up(
    *, actor: Any, referral: Referral, occurred_at: datetime.datetime, sent_to: str, notes: str = ""
) -> ReferralUpdate:
    """Record the written follow-up (e.g. the Request for Service form emailed the same day)."""
    _require_manager(actor, referral.school_id)
    referral = _locked(referral)
    if referral.follow_up_at is not None:
        raise ValidationError({"occurred_at": "The written follow-up is already recorded"})
    _when("occurred_at", occurred_at, after=referral.made_at, what="The follow-up")
    if not sent_to.strip():
        raise ValidationError({"sent_to": "Enter who it was sent to"})
    update = _add_update(
        actor=actor,
        referral=referral,
        kind=UpdateKind.FOLLOW_UP,
        occurred_at=occurred_at,
        source=sent_to,
        notes=notes,
    )
    referral.follow_up_at = occurred_at
    referral.save(update_fields=["follow_up_at", "updated_at"])
    late = (
        " (after the same-day deadline)"
        if referral.follow_up_due_at and occurred_at > referral.follow_up_due_at
        else ""
    )
    _chronicle(
        referral,
        update,
        EntryKind.REFERRAL_FOLLOW_UP,
        f"Written follow-up to the referral to {referral.agency_name} sent to "
        f"{update.source}{late}.",
    )
    return update


def _require_outcome_allowed(
    referral: Referral, *, occurred_at: datetime.datetime, outcome: str, notes: str
) -> None:
    """Refuse an outcome the referral cannot take: one already recorded and not escalated, no
    outcome chosen, one dated before the escalation it answers, or "other" not described."""
    if referral.status == ReferralStatus.CLOSED:
        raise ValidationError(
            {
                "kind": "This referral already has its outcome. If you disagree with the "
                "decision, escalate it first; then record the new outcome."
            }
        )
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose the outcome"})
    escalated = referral.updates.filter(kind=UpdateKind.ESCALATED).order_by("-occurred_at")
    latest = escalated.values_list("occurred_at", flat=True).first()
    if referral.outcome_at and latest and occurred_at < latest:
        when = timezone.localtime(latest)
        raise ValidationError(
            {
                "occurred_at": "The new outcome cannot be before the escalation "
                f"({when:%d/%m/%Y %H:%M})"
            }
        )
    if outcome == Outcome.OTHER and not notes.strip():
        raise ValidationError({"notes": "Describe the outcome"})


def _referral_answered(referral: Referral, update: ReferralUpdate) -> None:
    """The referral as the response leaves it: acknowledged (the first time), or closed with
    its outcome."""
    changed = ["updated_at"]
    if update.kind == UpdateKind.ACKNOWLEDGED and referral.acknowledged_at is None:
        referral.acknowledged_at = update.occurred_at
        changed.append("acknowledged_at")
    if update.kind == UpdateKind.OUTCOME:
        referral.outcome, referral.outcome_at = update.outcome, update.occurred_at
        referral.status = ReferralStatus.CLOSED
        changed += ["outcome", "outcome_at", "status"]
    referral.save(update_fields=changed)


def _response_in_words(referral: Referral, update: ReferralUpdate) -> str:
    """The chronology entry's details for a response (its words are signed: keep them)."""
    ref = f" Reference {update.agency_reference}." if update.agency_reference else ""
    note = f" {update.notes}" if update.notes else ""
    if update.kind == UpdateKind.OUTCOME:
        return (
            f"Outcome of the referral to {referral.agency_name}: "
            f"{update.get_outcome_display()} (from {update.source}).{ref}{note}"
        )
    if update.kind == UpdateKind.ACKNOWLEDGED:
        return f"{referral.agency_name} acknowledged the referral ({update.source}).{ref}{note}"
    details = f"Information from {update.source} about the referral to {referral.agency_name}."
    return details + f"{ref}{note}"


@transaction.atomic
def referral_record_response(
    *,
    actor: Any,
    referral: Referral,
    kind: str,
    occurred_at: datetime.datetime,
    source: str,
    outcome: str = "",
    agency_reference: str = "",
    notes: str = "",
) -> ReferralUpdate:
    """Record what came back: an acknowledgement, other information, or the outcome."""
    _require_manager(actor, referral.school_id)
    referral = _locked(referral)
    if kind not in (UpdateKind.ACKNOWLEDGED, UpdateKind.OUTCOME, UpdateKind.NOTE):
        raise ValidationError({"kind": "Choose what came back"})
    what = "The outcome" if kind == UpdateKind.OUTCOME else "The response"
    _when("occurred_at", occurred_at, after=referral.made_at, what=what)
    if not source.strip():
        raise ValidationError({"source": "Enter who it came from"})
    if kind == UpdateKind.OUTCOME:
        _require_outcome_allowed(referral, occurred_at=occurred_at, outcome=outcome, notes=notes)
    else:
        outcome = ""
    if kind == UpdateKind.NOTE and not notes.strip():
        raise ValidationError({"notes": "Enter the information received"})
    update = _add_update(
        actor=actor,
        referral=referral,
        kind=kind,
        occurred_at=occurred_at,
        source=source,
        outcome=outcome,
        agency_reference=agency_reference,
        notes=notes,
    )
    _referral_answered(referral, update)
    _chronicle(referral, update, EntryKind.REFERRAL_RESPONSE, _response_in_words(referral, update))
    return update


@transaction.atomic
def referral_escalate(
    *,
    actor: Any,
    referral: Referral,
    occurred_at: datetime.datetime,
    escalation_reason: str,
    escalated_to: str,
    notes: str,
) -> ReferralUpdate:
    """Professional challenge: the DSL disagrees with the decision, or nothing has come back."""
    _require_manager(actor, referral.school_id)
    referral = _locked(referral)
    _when("occurred_at", occurred_at, after=referral.made_at, what="The escalation")
    if escalation_reason not in EscalationReason.values:
        raise ValidationError({"escalation_reason": "Choose why you are escalating"})
    if escalation_reason == EscalationReason.DISAGREE and not referral.outcome:
        raise ValidationError(
            {
                "escalation_reason": "There is no decision to disagree with yet: record the "
                "outcome first, or escalate because nothing has come back"
            }
        )
    if referral.outcome_at and occurred_at < referral.outcome_at:
        when = timezone.localtime(referral.outcome_at)
        raise ValidationError(
            {"occurred_at": f"The escalation cannot be before the outcome ({when:%d/%m/%Y %H:%M})"}
        )
    if referral.status == ReferralStatus.ESCALATED:
        raise ValidationError(
            {"escalation_reason": "This referral is already escalated: record what came back"}
        )
    if not escalated_to.strip():
        raise ValidationError({"escalated_to": "Enter who you escalated to"})
    if not notes.strip():
        raise ValidationError({"notes": "Enter what you said and what you asked for"})
    update = _add_update(
        actor=actor,
        referral=referral,
        kind=UpdateKind.ESCALATED,
        occurred_at=occurred_at,
        source=escalated_to,
        escalation_reason=escalation_reason,
        notes=notes,
    )
    referral.status = ReferralStatus.ESCALATED
    referral.save(update_fields=["status", "updated_at"])
    _chronicle(
        referral,
        update,
        EntryKind.REFERRAL_ESCALATED,
        f"Referral to {referral.agency_name} escalated to {update.source}: "
        f"{update.get_escalation_reason_display()}. {update.notes}",
    )
    return update
