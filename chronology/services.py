"""The CP file: entries a DSL adds by hand and their corrections, CP files, statuses and plans,
and risk assessments. Each is noted in the chronology through the chain ledger
(`chronology.ledger.services.chronology_append`)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.access import access_for
from safeguard.roles import Perm

from .ledger.content import on_day
from .ledger.services import chronology_append
from .models import (
    MANUAL_KINDS,
    ChronologyEntry,
    CpFile,
    EntryKind,
    PupilStatus,
    RiskAssessment,
    RiskAssessmentPupil,
    RiskAssessmentReview,
    RiskReviewOutcome,
)


def _require_manager(actor: Any, school_id: int) -> None:
    if not access_for(actor).has(Perm.MANAGE_CP_RECORDS, school_id):
        raise PermissionDenied("Only the DSL and deputies can add to the chronology.")


def chronology_add_entry(
    *,
    actor: Any,
    pupil: Any,
    kind: str,
    occurred_at: datetime.datetime,
    details: str,
    people_involved: str = "",
    significant: bool = False,
) -> ChronologyEntry:
    """A DSL records a call, meeting, conference, visit, information received or a note."""
    _require_manager(actor, pupil.school_id)
    if kind not in MANUAL_KINDS:
        raise ValidationError({"kind": "Choose the type of entry"})
    if not details.strip():
        raise ValidationError({"details": "Enter the information or details"})
    if occurred_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"occurred_at": "The date and time must be in the past"})
    return chronology_append(
        school_id=pupil.school_id,
        pupil_id=pupil.pk,
        kind=kind,
        occurred_at=occurred_at,
        details=details,
        people_involved=people_involved,
        significant=significant,
        author=actor,
    )


def chronology_correct(*, actor: Any, entry: ChronologyEntry, details: str) -> ChronologyEntry:
    """A correction: a new entry that points at the one it corrects (which is never changed)."""
    _require_manager(actor, entry.school_id)
    if not details.strip():
        raise ValidationError({"details": "Enter the correction"})
    return chronology_append(
        school_id=entry.school_id,
        pupil_id=entry.pupil_id,
        kind=EntryKind.CORRECTION,
        occurred_at=entry.occurred_at,
        details=details,
        significant=entry.significant,
        author=actor,
        corrects=entry,
        source_hash=entry.entry_hash,
        concern_ref=entry.concern_ref,
    )


@transaction.atomic
def cp_file_open(*, actor: Any, pupil: Any, reason: str) -> CpFile:
    """Open a child-protection file for the pupil, with the reason (Part 2's last question)."""
    _require_manager(actor, pupil.school_id)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the file is being opened"})
    if CpFile.objects.filter(pupil=pupil, closed_at__isnull=True).exists():
        raise ValidationError({"reason": "A child-protection file is already open"})
    now = timezone.now()
    cp_file = CpFile(
        school_id=pupil.school_id,
        pupil=pupil,
        opened_at=now,
        opened_by=actor,
        open_reason=reason.strip(),
    )
    cp_file.full_clean()
    cp_file.save()
    chronology_append(
        school_id=pupil.school_id,
        pupil_id=pupil.pk,
        kind=EntryKind.CP_FILE_OPENED,
        occurred_at=now,
        details=f"Child-protection file opened. Reason: {cp_file.open_reason}",
        significant=True,
        author=actor,
        source_label="chronology.CpFile",
        source_id=cp_file.pk,
    )
    return cp_file


@transaction.atomic
def cp_file_close(*, actor: Any, cp_file: CpFile, reason: str) -> CpFile:
    _require_manager(actor, cp_file.school_id)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the file is being closed"})
    cp_file = CpFile.objects.select_for_update().get(pk=cp_file.pk)
    if cp_file.closed_at is not None:
        raise ValidationError({"reason": "This file is already closed"})
    cp_file.closed_at, cp_file.closed_by, cp_file.close_reason = (
        timezone.now(),
        actor,
        reason.strip(),
    )
    cp_file.save()
    chronology_append(
        school_id=cp_file.school_id,
        pupil_id=cp_file.pupil_id,
        kind=EntryKind.CP_FILE_CLOSED,
        occurred_at=cp_file.closed_at,
        details=f"Child-protection file closed. Reason: {cp_file.close_reason}",
        significant=True,
        author=actor,
        source_label="chronology.CpFile",
        source_id=cp_file.pk,
    )
    return cp_file


# --- Statuses and plans ---------------------------------------------------------------------------


@transaction.atomic
def status_add(
    *,
    actor: Any,
    pupil: Any,
    kind: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    review_date: datetime.date | None = None,
    lead_professional: str = "",
    lead_professional_contact: str = "",
    notes: str = "",
) -> PupilStatus:
    """Record a status or plan (Child in Need, CP plan...), noted in the chronology."""
    _require_manager(actor, pupil.school_id)
    if start_date > timezone.localdate():
        raise ValidationError({"start_date": "The start date must be today or in the past"})
    status = PupilStatus(
        school_id=pupil.school_id,
        pupil=pupil,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        review_date=review_date,
        lead_professional=lead_professional.strip(),
        lead_professional_contact=lead_professional_contact.strip(),
        notes=notes.strip(),
        created_by=actor,
    )
    status.full_clean()
    status.save()
    lead = f" Lead professional: {status.lead_professional}." if status.lead_professional else ""
    chronology_append(
        school_id=pupil.school_id,
        pupil_id=pupil.pk,
        kind=EntryKind.STATUS_STARTED,
        occurred_at=on_day(start_date),
        details=f"{status.get_kind_display()} from {start_date:%d/%m/%Y}.{lead}",
        significant=True,
        author=actor,
        source_label="chronology.PupilStatus",
        source_id=status.pk,
    )
    return status


@transaction.atomic
def status_end(
    *, actor: Any, status: PupilStatus, end_date: datetime.date, reason: str
) -> PupilStatus:
    _require_manager(actor, status.school_id)
    if status.end_date is not None:
        raise ValidationError({"end_date": "This has already ended"})
    if end_date < status.start_date:
        raise ValidationError({"end_date": "The end date must be on or after the start date"})
    if not reason.strip():
        raise ValidationError({"reason": "Enter why it ended"})
    status.end_date = end_date
    status.save(update_fields=["end_date", "updated_at"])
    chronology_append(
        school_id=status.school_id,
        pupil_id=status.pupil_id,
        kind=EntryKind.STATUS_ENDED,
        occurred_at=on_day(end_date),
        details=f"{status.get_kind_display()} ended {end_date:%d/%m/%Y}. Reason: {reason.strip()}",
        significant=True,
        author=actor,
        source_label="chronology.PupilStatus",
        source_id=status.pk,
    )
    return status


# --- Risk assessments --------------------------------------------------------------------------


@transaction.atomic
def risk_assessment_create(
    *,
    actor: Any,
    school: Any,
    pupils: list[Any],
    title: str,
    risks: str,
    measures: str,
    review_date: datetime.date,
    concern: Any = None,
    other_pupils_considered: str = "",
    pupil_contributed: bool = False,
    parents_contributed: bool = False,
    other_contributors: str = "",
) -> RiskAssessment:
    """A risk assessment covering one or more pupils of the school, noted in each chronology."""
    _require_manager(actor, school.pk)
    if not pupils:
        raise ValidationError({"pupils": "Choose the pupils the risk assessment covers"})
    if any(p.school_id != school.pk for p in pupils) or (
        concern and concern.school_id != school.pk
    ):
        raise PermissionDenied("Every pupil and the concern must be in this school.")
    if review_date < timezone.localdate():
        raise ValidationError({"review_date": "The review date must be today or in the future"})
    assessment = RiskAssessment(
        school=school,
        concern=concern,
        title=title.strip(),
        risks=risks.strip(),
        measures=measures.strip(),
        other_pupils_considered=other_pupils_considered.strip(),
        pupil_contributed=pupil_contributed,
        parents_contributed=parents_contributed,
        other_contributors=other_contributors.strip(),
        review_date=review_date,
        created_by=actor,
    )
    assessment.full_clean()
    assessment.save()
    RiskAssessmentPupil.objects.bulk_create(
        [RiskAssessmentPupil(school=school, assessment=assessment, pupil=p) for p in pupils]
    )
    for pupil in pupils:
        chronology_append(
            school_id=school.pk,
            pupil_id=pupil.pk,
            kind=EntryKind.RISK_ASSESSMENT,
            occurred_at=timezone.now(),
            details=f"Risk assessment: {assessment.title}. Review by {review_date:%d/%m/%Y}.",
            significant=True,
            author=actor,
            source_label="chronology.RiskAssessment",
            source_id=assessment.pk,
            concern_ref=concern.pk if concern else None,
        )
    return assessment


@transaction.atomic
def risk_assessment_review(
    *,
    actor: Any,
    assessment: RiskAssessment,
    reviewed_on: datetime.date,
    notes: str,
    outcome: str,
    next_review_date: datetime.date | None = None,
) -> RiskAssessmentReview:
    """Record a review; the assessment closes, or its next review date moves on."""
    _require_manager(actor, assessment.school_id)
    assessment = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.closed_at is not None:
        raise ValidationError({"outcome": "This risk assessment is closed"})
    if outcome != RiskReviewOutcome.CLOSE and next_review_date is None:
        raise ValidationError({"next_review_date": "Enter the next review date"})
    if next_review_date is not None and next_review_date < reviewed_on:
        raise ValidationError({"next_review_date": "The next review must be after this one"})
    review = RiskAssessmentReview(
        school_id=assessment.school_id,
        assessment=assessment,
        reviewed_on=reviewed_on,
        reviewed_by=actor,
        notes=notes.strip(),
        outcome=outcome,
        next_review_date=next_review_date,
    )
    review.full_clean()
    review.save()
    if outcome == RiskReviewOutcome.CLOSE:
        assessment.closed_at = timezone.now()
    else:
        assessment.review_date = next_review_date  # type: ignore[assignment]
    assessment.save(update_fields=["closed_at", "review_date", "updated_at"])
    for pupil_id in assessment.covered.values_list("pupil_id", flat=True):
        chronology_append(
            school_id=assessment.school_id,
            pupil_id=pupil_id,
            kind=EntryKind.RISK_REVIEW,
            occurred_at=timezone.make_aware(
                datetime.datetime.combine(reviewed_on, datetime.time(9))
            ),
            details=(
                f"Risk assessment reviewed ({review.get_outcome_display().lower()}): {review.notes}"
            ),
            author=actor,
            source_label="chronology.RiskAssessmentReview",
            source_id=review.pk,
            concern_ref=assessment.concern_id,
        )
    return review
