"""Retention (docs/adr/0016): how long a school keeps a child-protection file, legal holds, and the
scheduled destruction that removes content while keeping each record's hash and a tombstone.

- A school that sent the file on and has the new school's receipt keeps its copy read-only for the
  trust's `days_after_receipt` (default 30), then it is destroyed.
- The last school keeps the file until the pupil's date of birth plus the trust's
  `years_after_birth` (default 25), then it is destroyed.
- A legal hold (with a reason) stops destruction until it is lifted (with a reason).

Destruction blanks the narrative of every record of the pupil's file at that school (the pupil
record itself, the school roll entry, is not part of the CP file), deletes stored files (photos,
exports, received files), and keeps every row with its hash: the chronology chain still links, and
`verify_records` checks each destroyed entry's hash against the tombstone. A record shared with
other children (a concern, a risk assessment) is blanked when the last of them is destroyed; until
then only this child's part of it (their name, categories, body-map marks) goes.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from audit.models import PlatformAdminAction
from audit.services import platform_admin_event_record
from chronology.ledger.services import chain_lock
from chronology.models import (
    ChronologyEntry,
    CpFile,
    EntryKind,
    PupilStatus,
    RiskAssessment,
    RiskAssessmentPupil,
    RiskAssessmentReview,
)
from concerns.models import (
    Action,
    Addendum,
    AdviceSought,
    Attachment,
    BodyMapMark,
    Concern,
    ConcernPupil,
    ContinuousAbsence,
    DslRecord,
    InvolvementCategory,
    MissingEpisode,
    MissingEpisodeStep,
    ReassessmentReview,
)
from referrals.models import Referral, ReferralUpdate
from safeguard import workdays
from safeguard.access import access_for
from safeguard.notifications import NotificationKind, notify
from safeguard.roles import Perm
from schools.models import Pupil
from schools.selectors import safeguarding_leads

from ..models import (
    DAYS_AFTER_RECEIPT_MIN,
    YEARS_AFTER_BIRTH_MAX,
    YEARS_AFTER_BIRTH_MIN,
    Export,
    IncomingTransfer,
    Retention,
    RetentionBasis,
    RetentionEvent,
    RetentionEventKind,
    RetentionPolicy,
    RetentionState,
    Transfer,
)
from .destruction_log import destruction_record, log_after_commit, log_catch_up
from .narrative import CONCERN_RECORDS, NARRATIVE, PUPIL_RECORDS, blank

logger = logging.getLogger(__name__)

SCHEDULED_JOB = "the scheduled retention job"
READ_ONLY = (
    "{name}'s child-protection file is kept read-only under the retention policy (it was sent "
    "to their new school, or it is due to be destroyed), so nothing can be added to it."
)
# A file entering retention is never destroyed sooner than this: the DSL and deputies are told,
# and can set a legal hold first.
NOTICE_DAYS = 14
# The last school's files enter retention this long before their date.
LOOKAHEAD_DAYS = 30
# A file in these states is read-only (afterwards it is destroyed, or the pupil came back).
LIVE_STATES = ("kept", "destroying")


def policy_for(trust_id: int) -> RetentionPolicy:
    """The trust's retention policy (its defaults when it has not set one)."""
    return RetentionPolicy.objects.filter(trust_id=trust_id).first() or RetentionPolicy(
        trust_id=trust_id
    )


def years_after_birth(policy: RetentionPolicy) -> int:
    """The policy's years, never under the statutory 25 (a value set below it before the admin
    refused one, or from a shell, must not destroy a file early) nor over the form's maximum."""
    return min(max(policy.years_after_birth, YEARS_AFTER_BIRTH_MIN), YEARS_AFTER_BIRTH_MAX)


def days_after_receipt(policy: RetentionPolicy) -> int:
    """The policy's days after receipt, never under the minimum (see `years_after_birth`)."""
    return max(policy.days_after_receipt, DAYS_AFTER_RECEIPT_MIN)


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _event(retention: Retention, kind: str, reason: str = "", by: Any = None) -> None:
    RetentionEvent.objects.create(
        school_id=retention.school_id,
        retention=retention,
        kind=kind,
        reason=reason,
        by=by,
        by_name=by.full_name if by is not None else SCHEDULED_JOB,
    )


def _added_since_sent(transfer: Transfer) -> int:
    """Chronology entries written for the pupil after their file was prepared for sending (a file
    sent ahead of the move): the new school has not got them."""
    prepared = transfer.export.finished_at if transfer.export else None
    if prepared is None:
        return 0
    transfer_kinds = [
        EntryKind.TRANSFER_SENT,
        EntryKind.TRANSFER_RECEIVED,
        EntryKind.TRANSFER_RECEIPT,
    ]
    return (
        ChronologyEntry.objects.filter(
            school_id=transfer.school_id, pupil_id=transfer.pupil_id, recorded_at__gt=prepared
        )
        .exclude(kind__in=transfer_kinds)
        .count()
    )


def retention_after_receipt(*, transfer: Transfer, by: Any = None) -> Retention | None:
    """The sending school's copy, once the new school has confirmed receipt and the pupil has
    left: kept read-only for the trust's days, then destroyed. Called in the transaction that
    records the receipt; when the pupil has not left yet (a file sent ahead of the move) nothing
    happens until the nightly job finds the leaving date has come, so the school can still record
    what happens before the pupil goes (and send it on)."""
    assert transfer.received_at is not None  # noqa: S101  (receipt recorded)
    today = timezone.localdate()
    if transfer.leaving_date > today:
        return None
    existing = Retention.objects.filter(
        school_id=transfer.school_id, pupil_id=transfer.pupil_id, state__in=LIVE_STATES
    ).first()
    if existing is not None:
        return existing
    days = days_after_receipt(policy_for(transfer.school.trust_id))
    start = _sent_start(transfer)
    return _schedule(
        school=transfer.school,
        pupil_id=transfer.pupil_id,
        basis=RetentionBasis.SENT,
        destroy_on=start + datetime.timedelta(days=days),
        today=today,
        reason=f"Receipt confirmed by the new school; this copy is kept {days} days",
        by=by,
        transfer=transfer,
    )


def _sent_start(transfer: Transfer) -> datetime.date:
    """A sent file's copy is kept from the later of receipt and the pupil's leaving date."""
    assert transfer.received_at is not None  # noqa: S101  (receipt recorded)
    return max(workdays.local_date(transfer.received_at), transfer.leaving_date)


def retention_read_only(*, school_id: int, pupil_id: Any) -> bool:
    """Whether the pupil's CP file at this school is in retention (nothing may be added)."""
    return Retention.objects.filter(
        school_id=school_id, pupil_id=pupil_id, state__in=LIVE_STATES
    ).exists()


def pupils_in_retention(*, school_id: int, pupil_ids: list[Any]) -> set[Any]:
    """Which of these pupils' files at the school are in retention."""
    return set(
        Retention.objects.filter(
            school_id=school_id, pupil_id__in=pupil_ids, state__in=LIVE_STATES
        ).values_list("pupil_id", flat=True)
    )


def read_only_error(pupil_id: Any) -> ValidationError:
    """The refusal to add to a file in retention, naming the child (the DSL is the reader)."""
    pupil = Pupil.objects.filter(pk=pupil_id).first()
    return ValidationError(READ_ONLY.format(name=pupil.display_name if pupil else "This child"))


def _schedule(
    *,
    school: Any,
    pupil_id: Any,
    basis: str,
    destroy_on: datetime.date,
    today: datetime.date,
    reason: str,
    by: Any = None,
    transfer: Transfer | None = None,
) -> Retention:
    """A new retention row, never due sooner than NOTICE_DAYS from today; the school's DSL and
    deputies are told (no child's name in the notification)."""
    destroy_on = max(destroy_on, today + datetime.timedelta(days=NOTICE_DAYS))
    added = _added_since_sent(transfer) if transfer is not None else 0
    retention = Retention.objects.create(
        school_id=school.pk,
        pupil_id=pupil_id,
        basis=basis,
        transfer=transfer,
        destroy_on=destroy_on,
    )
    _event(retention, RetentionEventKind.SCHEDULED, reason, by)
    notify(
        school=school,
        recipients=safeguarding_leads(school.pk),
        kind=NotificationKind.RETENTION_SCHEDULED,
        title=(
            f"{added} record{'s were' if added != 1 else ' was'} added to a child-protection file "
            f"after it was sent: send {'them' if added != 1 else 'it'} to the new school before "
            f"{destroy_on:%-d %B %Y}, when this copy is destroyed"
            if added
            else f"A child-protection file will be destroyed on {destroy_on:%-d %B %Y} under the "
            "retention policy unless a legal hold is set"
        ),
        urgent=bool(added),
        link=reverse("retention-detail", kwargs={"pk": retention.pk}),
    )
    return retention


# --- Legal holds ---------------------------------------------------------------------------------


def _require(actor: Any, school_id: int) -> None:
    if not access_for(actor).has(Perm.TRANSFER_CP_FILES, school_id):
        raise ValidationError("Only the school's DSL and deputies manage retention.")


@transaction.atomic
def legal_hold_set(*, actor: Any, retention: Retention, reason: str) -> Retention:
    """Stop the file being destroyed (a court case, an inquiry, a subject access request)."""
    _require(actor, retention.school_id)
    retention = Retention.objects.select_for_update().get(pk=retention.pk)
    if retention.state != RetentionState.KEPT:
        raise ValidationError("This file has already been destroyed.")
    if retention.legal_hold:
        raise ValidationError("A legal hold is already set on this file.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the file must be kept"})
    retention.legal_hold, retention.legal_hold_reason = True, reason.strip()
    retention.save(update_fields=["legal_hold", "legal_hold_reason", "updated_at"])
    _event(retention, RetentionEventKind.HOLD_SET, reason.strip(), actor)
    return retention


@transaction.atomic
def legal_hold_lift(*, actor: Any, retention: Retention, reason: str) -> Retention:
    """Let the policy date apply again (the scheduled job destroys the file once it has passed)."""
    _require(actor, retention.school_id)
    retention = Retention.objects.select_for_update().get(pk=retention.pk)
    if not retention.legal_hold:
        raise ValidationError("There is no legal hold on this file.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the hold is no longer needed"})
    retention.legal_hold, retention.legal_hold_reason = False, ""
    retention.save(update_fields=["legal_hold", "legal_hold_reason", "updated_at"])
    _event(retention, RetentionEventKind.HOLD_LIFTED, reason.strip(), actor)
    return retention


@transaction.atomic
def retention_end(*, actor: Any, retention: Retention, reason: str) -> Retention:
    """The pupil came back, or never left (the move fell through): the file is live again and
    will not be destroyed. Ended is final; a later move starts a new retention."""
    _require(actor, retention.school_id)
    retention = Retention.objects.select_for_update().get(pk=retention.pk)
    if retention.state != RetentionState.KEPT:
        raise ValidationError("Only a file kept until its date can be taken out of retention.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the file is needed again"})
    return _end(retention, reason.strip(), actor)


def _end(retention: Retention, reason: str, by: Any) -> Retention:
    Retention.objects.filter(pk=retention.pk).update(
        state=RetentionState.ENDED, updated_at=timezone.now()
    )
    retention.state = RetentionState.ENDED
    _event(retention, RetentionEventKind.ENDED, reason, by)
    return retention


def retention_end_for_returning_pupil(
    *, actor: Any, school_id: int, pupil: Any, source: str
) -> None:
    """A file received for a pupil whose earlier file here is kept until its date: they have
    come back, so that file is live again (and the received one joins it)."""
    kept = Retention.objects.filter(
        school_id=school_id, pupil_id=pupil.pk, state=RetentionState.KEPT
    ).first()
    if kept is not None:
        _end(
            kept,
            f"The pupil has come back: a child-protection file was received from {source}",
            actor,
        )


# --- A corrected policy (docs/adr/0025) ---------------------------------------------------------


@dataclass(frozen=True)
class PolicyCorrection:
    released: int = 0  # files no longer due: out of retention, read-only lifted
    redated: int = 0  # files still in retention, now kept until a later date


def _policy_date(retention: Retention, policy: RetentionPolicy) -> datetime.date | None:
    """The date the policy now gives this file, or None when it cannot say."""
    if retention.basis == RetentionBasis.LAST_SCHOOL:
        return add_years(retention.pupil.date_of_birth, years_after_birth(policy))
    transfer = retention.transfer
    if transfer is None or transfer.received_at is None:
        return None
    return _sent_start(transfer) + datetime.timedelta(days=days_after_receipt(policy))


def retention_policy_reconcile(
    *, trust_id: int | None = None, today: datetime.date | None = None, by: Any = None
) -> PolicyCorrection:
    """Files kept until their date under an earlier setting, put right by the current one.

    A last school's file whose date is now more than LOOKAHEAD_DAYS away leaves retention (it is
    live again, so no longer read-only; the nightly job schedules it again when its date comes).
    A file whose date is now later gets it: its retention ends and a new one starts with the later
    date (a retention's date never changes, database guard), carrying any legal hold. A date the
    policy now makes earlier is left as it is: the DSL was told the later one. A file under a legal
    hold stays in retention (nothing is destroyed while held). Destroyed files cannot come back.
    """
    today = today or timezone.localdate()
    policies = {p.trust_id: p for p in RetentionPolicy.objects.all()}
    kept = Retention.objects.filter(state=RetentionState.KEPT).select_related(
        "pupil", "transfer", "school"
    )
    if trust_id is not None:
        kept = kept.filter(school__trust_id=trust_id)
    released = redated = 0
    horizon = today + datetime.timedelta(days=LOOKAHEAD_DAYS)
    for retention in kept.order_by("pk"):
        policy = policies.get(retention.school.trust_id) or RetentionPolicy()
        due = _policy_date(retention, policy)
        if due is None or due <= retention.destroy_on:
            continue
        with transaction.atomic():
            locked = Retention.objects.select_for_update().get(pk=retention.pk)
            if locked.state != RetentionState.KEPT:
                continue
            if retention.basis == RetentionBasis.LAST_SCHOOL and due > horizon:
                if locked.legal_hold:
                    continue
                _end(
                    locked,
                    "The trust's retention policy was corrected: this file is not due to be "
                    f"destroyed until {due:%-d %B %Y}, so it is live again",
                    by,
                )
                notify(
                    school=retention.school,
                    recipients=safeguarding_leads(retention.school_id),
                    kind=NotificationKind.RETENTION_RELEASED,
                    title="A child-protection file is no longer due to be destroyed: the "
                    "trust's retention policy was corrected",
                    link=reverse("retention-detail", kwargs={"pk": locked.pk}),
                )
                released += 1
                continue
            _end(
                locked,
                f"The trust's retention policy was corrected: kept until {due:%-d %B %Y} instead",
                by,
            )
            renewed = _schedule(
                school=retention.school,
                pupil_id=retention.pupil_id,
                basis=retention.basis,
                destroy_on=due,
                today=today,
                reason="The trust's retention policy was corrected",
                by=by,
                transfer=retention.transfer,
            )
            if locked.legal_hold:
                renewed.legal_hold = True
                renewed.legal_hold_reason = locked.legal_hold_reason
                renewed.save(update_fields=["legal_hold", "legal_hold_reason", "updated_at"])
                _event(renewed, RetentionEventKind.HOLD_SET, locked.legal_hold_reason, by)
            redated += 1
    return PolicyCorrection(released=released, redated=redated)


@transaction.atomic
def retention_policy_set(
    *, actor: Any, trust: Any, years_after_birth: Any, days_after_receipt: Any
) -> tuple[RetentionPolicy, PolicyCorrection]:
    """The platform administrator sets a trust's retention policy: refused below the minimums
    (beside the field); recorded and told to each of the trust's schools' head and DSL; files the
    old setting moved into retention too early come out at once (`retention_policy_reconcile`)."""
    policy = RetentionPolicy.objects.select_for_update().filter(trust=trust).first()
    if policy is None:
        policy = RetentionPolicy(trust=trust)
    before = (policy.years_after_birth, policy.days_after_receipt) if policy.pk else None
    policy.years_after_birth = years_after_birth
    policy.days_after_receipt = days_after_receipt
    policy.full_clean()
    policy.save()
    after = (policy.years_after_birth, policy.days_after_receipt)
    if before != after:
        was = (
            f"was date of birth plus {before[0]} years and {before[1]} days after receipt; "
            if before
            else ""
        )
        platform_admin_event_record(
            actor=actor,
            schools=trust.schools.all(),
            action=PlatformAdminAction.RETENTION_CHANGED,
            subject=f"Retention policy of {trust.name}",
            detail=f"{was}now date of birth plus {after[0]} years and {after[1]} days after "
            "receipt",
        )
    return policy, retention_policy_reconcile(trust_id=trust.pk, by=actor)


# --- Destruction ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionReport:
    scheduled: int = 0
    destroyed: int = 0
    held: int = 0
    # Destructions written to the destruction log late (their first write failed), and those
    # still not written (each logged as an error; the next night tries again).
    logged_late: int = 0
    log_failing: int = 0


def _shared_gone(links: QuerySet[Any], field: str, pupil_id: Any, school_id: int) -> Q:
    """Records (by `field` on the link table) whose every child is this one or already destroyed."""
    gone = Retention.objects.filter(
        school_id=school_id, pupil_id=OuterRef("pupil_id"), state=RetentionState.DESTROYED
    )
    others = (
        links.filter(**{field: OuterRef("pk")}).exclude(pupil_id=pupil_id).filter(~Exists(gone))
    )
    return Q(~Exists(others))


def _destroy_content(retention: Retention) -> dict[str, Any]:
    """Blank the file's content (the guards allow it only while the row says "destroying");
    return the tombstone: each record's id and hash, as they were."""
    school_id, pupil_id = retention.school_id, retention.pupil_id
    mine = {"school_id": school_id, "pupil_id": pupil_id}
    concern_ids = list(
        Concern.objects.filter(school_id=school_id, involvements__pupil_id=pupil_id)
        .filter(_shared_gone(ConcernPupil.objects.all(), "concern_id", pupil_id, school_id))
        .values_list("pk", flat=True)
    )
    assessment_ids = list(
        RiskAssessment.objects.filter(school_id=school_id, covered__pupil_id=pupil_id)
        .filter(
            _shared_gone(RiskAssessmentPupil.objects.all(), "assessment_id", pupil_id, school_id)
        )
        .values_list("pk", flat=True)
    )
    tomb: dict[str, Any] = {
        "chronology_entries": [
            [str(pk), seq, h]
            for pk, seq, h in ChronologyEntry.objects.filter(**mine)
            .order_by("sequence")
            .values_list("pk", "sequence", "entry_hash")
        ],
        "concerns": [
            [str(pk), ref, h]
            for pk, ref, h in Concern.objects.filter(pk__in=concern_ids)
            .order_by("reference")
            .values_list("pk", "reference", "content_hash")
        ],
        "addenda": _hashes(Addendum.objects.filter(concern_id__in=concern_ids), "content_hash"),
        "dsl_records": _hashes(
            DslRecord.objects.filter(concern_id__in=concern_ids), "content_hash"
        ),
        "attachments": _hashes(Attachment.objects.filter(concern_id__in=concern_ids), "sha256"),
        "referrals": _hashes(Referral.objects.filter(**mine), "content_hash"),
        "referral_updates": _hashes(
            ReferralUpdate.objects.filter(referral__pupil_id=pupil_id, school_id=school_id),
            "content_hash",
        ),
        "missing_episodes": _hashes(MissingEpisode.objects.filter(**mine), "content_hash"),
        "absences": _hashes(ContinuousAbsence.objects.filter(**mine), "content_hash"),
        "reassessment_reviews": _hashes(ReassessmentReview.objects.filter(**mine), "content_hash"),
        "exports": _hashes(Export.objects.filter(**mine), "pdf_sha256"),
        "received_files": _hashes(IncomingTransfer.objects.filter(**mine), "pdf_sha256"),
    }
    # Stored files go once the blanking has committed: a destruction rolled back (and perhaps
    # then put under a legal hold) must not have lost its files already.
    stored = [
        a.file for a in Attachment.objects.filter(concern_id__in=concern_ids).exclude(file="")
    ]
    for model, fields in ((Export, ("pdf", "bundle")), (IncomingTransfer, ("pdf", "bundle"))):
        for row in model.objects.filter(**mine):
            stored += [getattr(row, name) for name in fields if getattr(row, name)]
    names = [(f.storage, str(f.name)) for f in stored]
    tomb["stored_files_removed"] = len(names)
    transaction.on_commit(lambda: _delete_stored(names, retention_id=retention.pk))

    # This child's own records, then records shared with other children once the last goes:
    # each table's words (the apps' NARRATIVE fields, the only change the guards then allow;
    # the exports' and received files' stored files are among them).
    rows = destroyed_rows(
        school_id=school_id,
        pupil_id=pupil_id,
        concern_ids=concern_ids,
        assessment_ids=assessment_ids,
    )
    # The signed records other apps declare (a QA review, its responses): their hashes, as the
    # concern's own are kept above.
    for record in (*PUPIL_RECORDS, *CONCERN_RECORDS):
        if any(f.name == "content_hash" for f in record._meta.concrete_fields):
            key = str(record._meta.verbose_name_plural).replace(" ", "_")
            tomb[key] = _hashes(record._default_manager.filter(rows[record]), "content_hash")
    for record, which in rows.items():
        record._default_manager.filter(which).update(
            **{name: blank(record, name) for name in NARRATIVE[record]}
        )
    tomb["risk_assessments"] = [str(pk) for pk in assessment_ids]
    tomb["counts"] = {k: len(v) for k, v in tomb.items() if isinstance(v, list)}
    return tomb


def destroyed_rows(
    *, school_id: int, pupil_id: Any, concern_ids: list[Any], assessment_ids: list[Any]
) -> dict[type[Model], Q]:
    """The rows whose words destruction blanks, model by model: this child's own records, and the
    shared records (`concern_ids`, `assessment_ids`) whose every child is gone. Every model here
    must declare its narrative fields (system check transfers.E001), and every model linked to a
    child's file must be here or say why not (`narrative.NOT_DESTROYED`, transfers.E003)."""
    mine = {"school_id": school_id, "pupil_id": pupil_id}
    return {
        ChronologyEntry: Q(**mine),
        CpFile: Q(**mine),
        PupilStatus: Q(**mine),
        ConcernPupil: Q(**mine),
        InvolvementCategory: Q(school_id=school_id, involvement__pupil_id=pupil_id),
        BodyMapMark: Q(**mine),
        MissingEpisode: Q(**mine),
        MissingEpisodeStep: Q(school_id=school_id, episode__pupil_id=pupil_id),
        ContinuousAbsence: Q(**mine),
        ReassessmentReview: Q(**mine),
        Referral: Q(**mine),
        ReferralUpdate: Q(school_id=school_id, referral__pupil_id=pupil_id),
        Concern: Q(pk__in=concern_ids),
        Addendum: Q(concern_id__in=concern_ids),
        Attachment: Q(concern_id__in=concern_ids),
        DslRecord: Q(concern_id__in=concern_ids),
        AdviceSought: Q(dsl_record__concern_id__in=concern_ids),
        Action: Q(concern_id__in=concern_ids),
        RiskAssessment: Q(pk__in=assessment_ids),
        RiskAssessmentReview: Q(assessment_id__in=assessment_ids),
        # Rows the apps declare beside their narrative (retention.py): transfers' own files, the
        # family contacts, QA reviews of a concern and the responses to them.
        **{
            model: Q(school_id=school_id, **{path: pupil_id})
            for model, path in PUPIL_RECORDS.items()
        },
        **{
            model: Q(school_id=school_id, **{f"{path}__in": concern_ids})
            for model, path in CONCERN_RECORDS.items()
        },
    }


def _delete_stored(names: list[tuple[Any, str]], *, retention_id: Any) -> None:
    """Delete a destroyed file's stored files; one that cannot be deleted is logged as an error
    (its record no longer points at it) for the platform administrator to remove."""
    for storage, name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("retention %s: stored file %s not deleted", retention_id, name)


def _hashes(rows: QuerySet[Any], field: str) -> list[list[str]]:
    return [[str(pk), h] for pk, h in rows.order_by("pk").values_list("pk", field)]


@dataclass(frozen=True)
class Replay:
    """A destruction the destruction log records and a restored database has lost: the file is
    destroyed again whatever its date (it was destroyed once already), never under a legal hold."""

    retention_id: str
    destroyed_at: datetime.datetime


def retention_destroy(
    *, retention: Retention, now: datetime.datetime | None = None, replay: Replay | None = None
) -> bool:
    """Destroy one file whose date has come (never under a legal hold); True when destroyed.
    Once committed, the destruction is written to the destruction log (ids and hashes only)."""
    now = now or timezone.now()
    with transaction.atomic():
        retention = Retention.objects.select_for_update().get(pk=retention.pk)
        # The school's chain lock: an entry being appended for this child finishes first (and is
        # blanked with the rest), or waits and is then refused as read-only.
        chain_lock(retention.school_id)
        if (
            retention.state != RetentionState.KEPT
            or retention.legal_hold
            or (replay is None and retention.destroy_on > workdays.local_date(now))
        ):
            return False
        Retention.objects.filter(pk=retention.pk).update(state=RetentionState.DESTROYING)
        tombstone = _destroy_content(retention)
        if replay is not None:
            tombstone["replay_of"] = {
                "retention_id": replay.retention_id,
                "destroyed_at": replay.destroyed_at.isoformat(),
            }
        Retention.objects.filter(pk=retention.pk).update(
            state=RetentionState.DESTROYED, destroyed_at=now, tombstone=tombstone, updated_at=now
        )
        counts = ", ".join(
            f"{n} {k.replace('_', ' ')}" for k, n in tombstone["counts"].items() if n
        )
        replayed = (
            "Destroyed again after the database was restored from a backup: the destruction "
            f"log records this file destroyed at {replay.destroyed_at:%-d %B %Y %H:%M} UTC. "
            if replay is not None
            else ""
        )
        _event(
            retention,
            RetentionEventKind.DESTROYED,
            f"{replayed}Content removed: {counts or 'nothing'}",
        )
        retention.refresh_from_db()
        record = destruction_record(retention)
        transaction.on_commit(lambda: log_after_commit(record))
    return True


def retention_run(*, now: datetime.datetime | None = None) -> RetentionReport:
    """The nightly job: schedule what the policy now covers, destroy what is due (idempotent)."""
    now = now or timezone.now()
    today = workdays.local_date(now)
    scheduled = 0
    # Files sent on whose receipt was recorded without a retention row (before this job existed).
    backlog = Transfer.objects.filter(state="received", leaving_date__lte=today).exclude(
        Exists(
            Retention.objects.filter(school_id=OuterRef("school_id"), pupil_id=OuterRef("pupil_id"))
        )
    )
    for transfer in backlog.select_related("school"):
        with transaction.atomic():
            retention_after_receipt(transfer=transfer)
        scheduled += 1
    # The last school's files: scheduled LOOKAHEAD_DAYS before date of birth plus the trust's
    # years, so the DSL is told and can set a legal hold before the date.
    policies = {p.trust_id: p for p in RetentionPolicy.objects.all()}
    with_records = ChronologyEntry.objects.filter(
        school_id=OuterRef("school_id"), pupil_id=OuterRef("pk")
    )
    untouched = Retention.objects.filter(
        school_id=OuterRef("school_id"),
        pupil_id=OuterRef("pk"),
        state__in=[*LIVE_STATES, RetentionState.DESTROYED],
    )
    horizon = today + datetime.timedelta(days=LOOKAHEAD_DAYS)
    fewest_years = min([years_after_birth(p) for p in policies.values()] + [25])
    candidates = (
        Pupil.objects.filter(date_of_birth__lte=add_years(horizon, -fewest_years))
        .filter(Exists(with_records))
        .exclude(Exists(untouched))
        .select_related("school")
    )
    for pupil in candidates:
        policy = policies.get(pupil.school.trust_id) or RetentionPolicy()
        years = years_after_birth(policy)
        destroy_on = add_years(pupil.date_of_birth, years)
        if destroy_on > horizon:
            continue
        with transaction.atomic():
            _schedule(
                school=pupil.school,
                pupil_id=pupil.pk,
                basis=RetentionBasis.LAST_SCHOOL,
                destroy_on=destroy_on,
                today=today,
                reason=f"Date of birth plus {years} years",
            )
        scheduled += 1
    due = Retention.objects.filter(state=RetentionState.KEPT, destroy_on__lte=today).values_list(
        "pk", "legal_hold"
    )
    destroyed = held = 0
    for pk, hold in list(due):
        if hold:
            held += 1
            continue
        try:
            destroyed += retention_destroy(retention=Retention(pk=pk), now=now)
        except Exception:  # one file that cannot be destroyed does not stop the others
            logger.exception("retention %s not destroyed", pk)
    # Destructions whose record did not reach the destruction log after they committed.
    logged_late, log_failing = log_catch_up(now=now)
    return RetentionReport(
        scheduled=scheduled,
        destroyed=destroyed,
        held=held,
        logged_late=logged_late,
        log_failing=log_failing,
    )


def destroyed_entries(school_id: int) -> dict[str, tuple[str, str]]:
    """Chronology entry id -> (its hash when destroyed, its pupil), for every destroyed file of
    the school: the chain check compares a destroyed entry with this instead of recomputing it,
    and requires its words blank and its pupil the file's."""
    entries: dict[str, tuple[str, str]] = {}
    for pupil_id, tombstone in Retention.objects.filter(
        school_id=school_id, state=RetentionState.DESTROYED
    ).values_list("pupil_id", "tombstone"):
        for pk, _sequence, entry_hash in tombstone.get("chronology_entries", []):
            entries[pk] = (entry_hash, str(pupil_id))
    return entries


def destroyed_pupils(school_id: int) -> set[str]:
    """The pupils whose file at the school was destroyed: their part of a record shared with other
    children is blank, so the chain check cannot recompute that record's hash."""
    return {
        str(pupil_id)
        for pupil_id in Retention.objects.filter(
            school_id=school_id, state=RetentionState.DESTROYED
        ).values_list("pupil_id", flat=True)
    }
