"""Writes to each pupil's chronology and CP file, and the check of every school's hash chain.

Appends are serialised per school by locking the school's `ChainHead` row, so concurrent writers
cannot fork the chain. Each entry's hash covers its content, the previous entry's hash, and the
hash of the record it came from.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from safeguard.access import access_for
from safeguard.roles import Perm
from safeguard.signing import content_hash

from .models import (
    GENESIS_HASH,
    MANUAL_KINDS,
    ChainHead,
    ChronologyEntry,
    CpFile,
    EntryKind,
    PupilStatus,
    RiskAssessment,
    RiskAssessmentPupil,
    RiskAssessmentReview,
    RiskReviewOutcome,
)

SIGNED_FIELDS = [
    "school_id",
    "sequence",
    "pupil_id",
    "kind",
    "occurred_at",
    "details",
    "people_involved",
    "significant",
    "source_label",
    "source_id",
    "source_hash",
    "concern_ref",
    "corrects_id",
    "author_id",
    "author_name",
    "author_role",
    "recorded_at",
    "previous_hash",
]


@dataclass(frozen=True)
class SignedEvent:
    """A signed record that belongs in the chronology of each pupil it concerns."""

    school_id: int
    pupil_ids: list[Any]
    kind: str  # concern_submitted, addendum_added, dsl_record_signed, action_done
    source_label: str  # e.g. "concerns.Concern"
    source_id: Any
    source_hash: str
    concern_id: Any
    occurred_at: datetime.datetime
    summary: str  # no more than a line; the source holds the detail
    author_id: Any


def entry_content(values: dict[str, Any]) -> dict[str, Any]:
    """The canonical content of an entry (what its hash covers), from a row's field values."""
    content = {field: values[field] for field in SIGNED_FIELDS}
    content["pupil_id"] = str(content["pupil_id"])
    content["corrects_id"] = str(content["corrects_id"]) if content["corrects_id"] else None
    content["concern_ref"] = str(content["concern_ref"]) if content["concern_ref"] else None
    return content


def _role_of(author: Any, school_id: int) -> str:
    from schools.models import SchoolMembership, TrustMembership

    roles = [
        m.get_role_display()
        for m in SchoolMembership.objects.filter(user=author, school_id=school_id).order_by("role")
    ] + [m.get_role_display() for m in TrustMembership.objects.filter(user=author)]
    preferred = [r for r in roles if "Safeguarding" in r] or roles
    return preferred[0] if preferred else author.job_title


class ChainBrokenError(Exception):
    """The school's chain cannot be appended to safely (its end is missing)."""


def _head_for_update(school_id: int) -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(school_id=school_id).first()
    if head is not None:
        return head
    if ChronologyEntry.objects.filter(school_id=school_id).exists():
        # Entries without an end: never start a second chain over the first.
        raise ChainBrokenError(
            "The school's chronology chain has lost its end: run verify_records."
        )
    try:
        with transaction.atomic():
            ChainHead.objects.create(school_id=school_id)
    except IntegrityError:  # another writer created it at the same moment
        pass
    return ChainHead.objects.select_for_update().get(school_id=school_id)


@transaction.atomic
def chronology_append(
    *,
    school_id: int,
    pupil_id: Any,
    kind: str,
    occurred_at: datetime.datetime,
    details: str,
    author: Any,
    people_involved: str = "",
    significant: bool = False,
    source_label: str = "",
    source_id: Any = "",
    source_hash: str = "",
    concern_ref: Any = None,
    corrects: ChronologyEntry | None = None,
) -> ChronologyEntry:
    """Append one entry to the school's chain (under the school's lock)."""
    from transfers.retention import read_only_error, retention_read_only

    head = _head_for_update(school_id)
    # Under the chain lock, which destruction takes too: no entry slips past it unblanked.
    if retention_read_only(school_id=school_id, pupil_id=pupil_id):
        raise read_only_error(pupil_id)
    entry = ChronologyEntry(
        school_id=school_id,
        pupil_id=pupil_id,
        sequence=head.last_sequence + 1,
        kind=kind,
        occurred_at=occurred_at,
        details=details.strip(),
        people_involved=people_involved.strip(),
        significant=significant,
        source_label=source_label,
        source_id=str(source_id) if source_id else "",
        source_hash=source_hash,
        concern_ref=concern_ref,
        corrects=corrects,
        author=author,
        author_name=author.full_name,
        author_role=_role_of(author, school_id),
        recorded_at=timezone.now(),
        previous_hash=head.last_hash,
    )
    entry.entry_hash = content_hash(entry_content({f: getattr(entry, f) for f in SIGNED_FIELDS}))
    entry.full_clean()
    entry.save()
    head.last_sequence, head.last_hash = entry.sequence, entry.entry_hash
    head.save(update_fields=["last_sequence", "last_hash", "updated_at"])
    return entry


def chronology_record_signed_event(*, event: SignedEvent) -> None:
    """Append the event to each pupil's chronology, linked to its source and its hash."""
    from schools.models import User
    from transfers.retention import pupils_in_retention, read_only_error

    author = User.objects.get(pk=event.author_id)
    pupil_ids = list(event.pupil_ids)
    # A record shared with a child whose file is in retention goes on for the others: only that
    # child's chronology is left alone. A record about such children alone is refused.
    kept = {str(p) for p in pupils_in_retention(school_id=event.school_id, pupil_ids=pupil_ids)}
    if kept and kept >= {str(p) for p in pupil_ids}:
        raise read_only_error(pupil_ids[0])
    if kept:  # the record names a child who has left: the DSL passes it on
        from concerns.services import safeguarding_leads
        from safeguard.notifications import notify
        from schools.models import School

        notify(
            school=School.objects.get(pk=event.school_id),
            recipients=safeguarding_leads(event.school_id),
            kind="record_names_leaver",
            title=(
                "A new record also names a child whose file has left this school: pass what "
                "concerns them to their new school"
            ),
            link=(
                reverse("concern-detail", kwargs={"pk": event.concern_id})
                if event.concern_id
                else reverse("retention-list")
            ),
        )
    for pupil_id in (p for p in pupil_ids if str(p) not in kept):
        chronology_append(
            school_id=event.school_id,
            pupil_id=pupil_id,
            kind=event.kind,
            occurred_at=event.occurred_at,
            details=event.summary,
            author=author,
            significant=event.kind == EntryKind.DSL_DECISION,
            source_label=event.source_label,
            source_id=event.source_id,
            source_hash=event.source_hash,
            concern_ref=event.concern_id,
        )


def _on_day(day: datetime.date) -> datetime.datetime:
    """Where a date-only event (a plan starting, a review) sits in the chronology: 09:00."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


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


# --- Verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    school_id: int
    checked: int
    broken_at: int | None = None  # the sequence number of the first broken link
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _rows(school_id: int) -> Iterator[dict[str, Any]]:
    fields = [*SIGNED_FIELDS, "entry_hash", "id"]
    return (
        ChronologyEntry.objects.filter(school_id=school_id)
        .order_by("sequence")
        .values(*fields)
        .iterator(chunk_size=5000)
    )


def verify_chain(*, school_id: int) -> ChainReport:
    """Recompute every entry's hash and link; report the first entry where the chain breaks.

    An entry whose content retention destroyed cannot be recomputed: its hash must be the one its
    file's tombstone recorded at destruction, and it must still link the chain."""
    from transfers.retention import destroyed_entries

    destroyed = destroyed_entries(school_id)
    previous = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for row in _rows(school_id):
        sequence = row["sequence"]
        if sequence != expected_sequence:
            return ChainReport(
                school_id, checked, expected_sequence, f"entry {expected_sequence} is missing"
            )
        if row["previous_hash"] != previous:
            return ChainReport(
                school_id, checked, sequence, "its link to the previous entry does not match"
            )
        tombstone = destroyed.get(str(row["id"]))
        if tombstone is not None:
            tombstone_hash, tombstone_pupil = tombstone
            if tombstone_hash != row["entry_hash"]:
                return ChainReport(
                    school_id, checked, sequence, "its hash differs from its tombstone"
                )
            if str(row["pupil_id"]) != tombstone_pupil or row["details"] or row["people_involved"]:
                return ChainReport(
                    school_id, checked, sequence, "it was destroyed, yet it holds words again"
                )
        elif content_hash(entry_content(row)) != row["entry_hash"]:
            return ChainReport(school_id, checked, sequence, "its content does not match its hash")
        previous = row["entry_hash"]
        expected_sequence += 1
        checked += 1
    head = ChainHead.objects.filter(school_id=school_id).first()
    if head is None and checked:
        return ChainReport(
            school_id, checked, checked + 1, "the record of the chain's end is missing"
        )
    if head is not None and (head.last_sequence != checked or head.last_hash != previous):
        return ChainReport(
            school_id, checked, checked + 1, f"the chain should end at entry {head.last_sequence}"
        )
    return ChainReport(school_id, checked)


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
        occurred_at=_on_day(start_date),
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
        occurred_at=_on_day(end_date),
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
